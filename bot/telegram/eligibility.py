"""The guided /eligibility check: a ConversationHandler that asks one condition per step, then gives a verdict."""

from __future__ import annotations

import warnings

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler
from telegram.warnings import PTBUserWarning

from handlers import eligibility
from knowledge.base import KnowledgeBase

from .. import library
from .state import BotContext, EligibilityCheck
from .render import esc, render_verdict
from .markup import NO_PREVIEW, base36, button, send_html
from .texts import (
    ELIG_BACK_BUTTON,
    ELIG_CANCEL_BUTTON,
    ELIG_CANCELLED,
    ELIG_INTRO,
    ELIG_RESTART_BUTTON,
    ELIG_STALE,
    ELIG_STEP,
    RESTART_ELIG_BUTTON,
    STALE_TEXT,
)

# Conversation state (persisted under the conversation's name, "eligibility").
ELIGIBILITY_STEP = 0

# Callback data: e:<session>:<step>:<action>; the session tells an older check's buttons apart.
CB_ELIG = "e:"
ELIG_ASKER, ELIG_OPTION, ELIG_BACK, ELIG_CANCEL, ELIG_RESTART = "a", "o", "b", "x", "r"  # ASKER/OPTION + index
# The /start topic button (and the one under a verdict) that opens the check, in commands' go: namespace.
GO_ELIGIBILITY = "go:elig"


def askers(kb: KnowledgeBase | None = None) -> dict[str, str]:
    """Who the guided check can be for (value -> label), read from the eligibility handler."""
    return eligibility.askers(kb or library.current())


def _kb(state: EligibilityCheck) -> KnowledgeBase:
    """The notice the check runs on: the chat's choice when it started, while that notice is in the library."""
    return library.for_chat(state.notice)


def _elig_data(session: str, step: int, action: str) -> str:
    return f"{CB_ELIG}{session}:{step}:{action}"


def _elig_nav(session: str, step: int) -> list[InlineKeyboardButton]:
    """The back (after the first step), restart and cancel buttons of a step."""
    row = [button(ELIG_BACK_BUTTON, _elig_data(session, step, ELIG_BACK))] if step > 0 else []
    row.append(button(ELIG_RESTART_BUTTON, _elig_data(session, step, ELIG_RESTART)))
    row.append(button(ELIG_CANCEL_BUTTON, _elig_data(session, step, ELIG_CANCEL)))
    return row


def _elig_screen(state: EligibilityCheck) -> tuple[str, InlineKeyboardMarkup]:
    """The message for the current step: asker choice at step 0, then one condition per step."""
    session, step = state.session, state.step
    if step == 0:
        rows = [
            [button(label, _elig_data(session, 0, f"{ELIG_ASKER}{i}"))]
            for i, label in enumerate(askers(_kb(state)).values())
        ]
        rows.append(_elig_nav(session, 0))
        return ELIG_INTRO, InlineKeyboardMarkup(rows)
    steps = eligibility.steps(state.asker, _kb(state))
    current = steps[step - 1]
    rows = [
        [button(label, _elig_data(session, step, f"{ELIG_OPTION}{i}"))] for i, (_, label) in enumerate(current.options)
    ]
    rows.append(_elig_nav(session, step))
    text = ELIG_STEP.format(index=step, total=len(steps), question=esc(current.question))
    return text, InlineKeyboardMarkup(rows)


def _new_elig_state(context: BotContext) -> EligibilityCheck:
    """Start a fresh check for this user under a new session id."""
    user = context.user_data
    user.check_serial += 1
    chosen = context.chat_data.notice if context.chat_data is not None else None
    user.check = EligibilityCheck(session=base36(user.check_serial), notice=chosen)
    return user.check


async def eligibility_start(update: Update, context: BotContext) -> int:
    """Begin the guided check by asking who is asking."""
    state = _new_elig_state(context)
    text, markup = _elig_screen(state)
    query = update.callback_query
    if query is not None:
        await query.answer()
    await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    return ELIGIBILITY_STEP


async def eligibility_button(update: Update, context: BotContext) -> int:
    """Take one button press of the guided check: an answer, back, restart or cancel."""
    query = update.callback_query
    state = context.user_data.check
    try:
        _, session, step_text, action = (query.data or "").split(":", 3)
        step = int(step_text)
    except ValueError:
        await query.answer(STALE_TEXT, show_alert=True)
        return ELIGIBILITY_STEP
    # Buttons from an older check, or an earlier step pressed twice, no longer apply.
    if state is None or session != state.session or step != state.step:
        await query.answer(ELIG_STALE, show_alert=True)
        return ELIGIBILITY_STEP
    if action == ELIG_CANCEL:
        await query.answer()
        context.user_data.check = None
        await query.edit_message_text(ELIG_CANCELLED)
        return ConversationHandler.END
    if action == ELIG_RESTART:
        state = _new_elig_state(context)
    elif action == ELIG_BACK:
        state.step = max(0, step - 1)
    elif not _elig_record(state, action):
        await query.answer(STALE_TEXT, show_alert=True)
        return ELIGIBILITY_STEP
    await query.answer()
    if state.asker is not None and state.step > len(eligibility.steps(state.asker, _kb(state))):
        return await _elig_finish(query, context, state)
    text, markup = _elig_screen(state)
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    return ELIGIBILITY_STEP


def _elig_record(state: EligibilityCheck, action: str) -> bool:
    """Store the chosen asker or option and advance; False if the action names no such choice."""
    kind, index_text = action[:1], action[1:]
    if not index_text.isdigit():
        return False
    index = int(index_text)
    if state.step == 0 and kind == ELIG_ASKER:
        choices = list(askers(_kb(state)))
        if index >= len(choices):
            return False
        if choices[index] != state.asker:
            state.answers = {}  # a different asker has different conditions
        state.asker = choices[index]
    elif state.step > 0 and kind == ELIG_OPTION:
        current = eligibility.steps(state.asker, _kb(state))[state.step - 1]
        if index >= len(current.options):
            return False
        state.answers[current.id] = current.options[index][0]
    else:
        return False
    state.step += 1
    return True


async def _elig_finish(query: CallbackQuery, context: BotContext, state: EligibilityCheck) -> int:
    """Replace the last step with the verdict (overflow below it) and end the conversation."""
    answer = eligibility.verdict(state.asker, dict(state.answers), kb=_kb(state))
    context.user_data.check = None
    parts = render_verdict(answer)
    markup = InlineKeyboardMarkup([[button(RESTART_ELIG_BUTTON, GO_ELIGIBILITY)]])
    await query.edit_message_text(
        parts[0],
        parse_mode=ParseMode.HTML,
        reply_markup=markup if len(parts) == 1 else None,
        link_preview_options=NO_PREVIEW,
    )
    if len(parts) > 1 and isinstance(query.message, Message):
        await send_html(query.message, parts[1:], markup, quote=False)
    return ConversationHandler.END


async def eligibility_cancel(update: Update, context: BotContext) -> int:
    """End the guided check on /cancel."""
    context.user_data.check = None
    await update.effective_message.reply_text(ELIG_CANCELLED)
    return ConversationHandler.END


def eligibility_conversation(persistent: bool) -> ConversationHandler:
    """The ConversationHandler of the guided check; persistent keeps a half-done check across restarts."""
    with warnings.catch_warnings():
        # Button presses are meant to be tracked per user and chat, not per message: the
        # session id in the callback data already tells old messages apart.
        warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                CommandHandler("eligibility", eligibility_start),
                CallbackQueryHandler(eligibility_start, pattern=f"^{GO_ELIGIBILITY}$"),
            ],
            states={
                ELIGIBILITY_STEP: [CallbackQueryHandler(eligibility_button, pattern=f"^{CB_ELIG}")],
            },
            fallbacks=[CommandHandler("cancel", eligibility_cancel)],
            allow_reentry=True,
            name="eligibility",  # the persistence key: renaming it loses saved checks
            persistent=persistent,
        )
