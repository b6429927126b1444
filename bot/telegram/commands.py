"""Where every chat starts: /start and its topic buttons, /help, /deadline, /funding, and polite replies
to unknown commands and buttons nobody handles any more."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode

from handlers.topics import DEADLINE, FUNDING

from .. import library
from .state import BotContext
from .render import esc
from ..chat import NO_HOOKS, Hooks
from .answers import send_topic
from .browse import chat_kb, reply_faq, reply_toc
from .eligibility import CB_ELIG, GO_ELIGIBILITY
from .markup import NO_PREVIEW, button
from .picture import CB_PICTURE
from .texts import (
    DEADLINE_BUTTON,
    ELIG_STALE,
    ELIGIBILITY_BUTTON,
    FAQ_BUTTON,
    FUNDING_BUTTON,
    GENERIC_TITLE,
    PICTURE_BUTTON,
    SECTIONS_BUTTON,
    STALE_TEXT,
    START_NOTICES_TEXT,
    START_TEXT,
    UNKNOWN_COMMAND_TEXT,
    help_text,
)

# Callback data of the /start topic buttons: go:<topic>. The eligibility topic (GO_ELIGIBILITY, "go:elig")
# belongs to the eligibility conversation, which catches it before go_button would.
CB_GO = "go:"
GO_DEADLINE, GO_FUNDING, GO_SECTIONS, GO_FAQ = "go:deadline", "go:funding", "go:sections", "go:faq"


def _notice_title() -> str:
    """The title of the notice in use, read each time so that /reload changes it at once."""
    title = library.current().notice.meta.get("title")
    return str(title) if title else GENERIC_TITLE


async def start(update: Update, context: BotContext) -> None:
    """Say what the bot answers and offer the common topics as buttons."""
    keyboard = InlineKeyboardMarkup(
        [
            [button(DEADLINE_BUTTON, GO_DEADLINE), button(FUNDING_BUTTON, GO_FUNDING)],
            [button(ELIGIBILITY_BUTTON, GO_ELIGIBILITY), button(FAQ_BUTTON, GO_FAQ)],
            [button(SECTIONS_BUTTON, GO_SECTIONS), button(PICTURE_BUTTON, CB_PICTURE)],
        ]
    )
    count = START_NOTICES_TEXT.format(count=len(library.notices().notices))
    await update.effective_message.reply_text(
        START_TEXT.format(title=esc(_notice_title())) + "\n\n" + count,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
        link_preview_options=NO_PREVIEW,
    )


async def help_command(update: Update, context: BotContext) -> None:
    """List the commands and how to ask."""
    await update.effective_message.reply_text(
        help_text(esc(context.bot.username or "bot")),
        parse_mode=ParseMode.HTML,
        link_preview_options=NO_PREVIEW,
    )


async def deadline(update: Update, context: BotContext, hooks: Hooks = NO_HOOKS) -> None:
    """Answer with every deadline the notice sets."""
    await send_topic(update.effective_message, context, DEADLINE, hooks)


async def funding(update: Update, context: BotContext, hooks: Hooks = NO_HOOKS) -> None:
    """Answer with the money the notice sets: its cap."""
    await send_topic(update.effective_message, context, FUNDING, hooks)


async def go_button(update: Update, context: BotContext, hooks: Hooks = NO_HOOKS) -> None:
    """Run the command a /start topic button stands for."""
    query = update.callback_query
    await query.answer()
    target = query.message
    if not isinstance(target, Message):
        return
    topic = query.data
    if topic == GO_DEADLINE:
        await send_topic(target, context, DEADLINE, hooks)
    elif topic == GO_FUNDING:
        await send_topic(target, context, FUNDING, hooks)
    elif topic == GO_SECTIONS:
        await reply_toc(target, chat_kb(context))
    elif topic == GO_FAQ:
        await reply_faq(target, chat_kb(context))


async def unknown_command(update: Update, context: BotContext) -> None:
    """Point a private chat at /help for a command the bot does not have."""
    await update.effective_message.reply_text(UNKNOWN_COMMAND_TEXT)


async def stale_button(update: Update, context: BotContext) -> None:
    """Answer a button nobody handles any more, politely."""
    query = update.callback_query
    text = ELIG_STALE if (query.data or "").startswith(CB_ELIG) else STALE_TEXT
    await query.answer(text, show_alert=True)
