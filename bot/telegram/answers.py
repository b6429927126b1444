"""Answering questions in chats: the reply and the buttons under it, free text in private chats and groups."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.error import TelegramError

from handlers import browse
from handlers.model import Answer

from .. import library
from ..chat import NO_HOOKS, Asked, Hooks, ask, ask_topic, call_hook
from .markup import button, send_html, short
from .delivery import deliver
from .render import render_answer
from .state import BotContext, ChatData, Remembered
from .texts import (
    DOWNVOTE_BUTTON,
    EDITED_TEXT,
    EMPTY_MENTION_TEXT,
    FEEDBACK_DUPLICATE,
    FEEDBACK_THANKS,
    FULL_SECTION_BUTTON,
    NON_TEXT_TEXT,
    NOT_FOUND_TEXT,
    RELATED_BUTTON,
    STALE_TEXT,
    SWITCH_BUTTON,
    TOO_LONG_TEXT,
    UPVOTE_BUTTON,
)

logger = logging.getLogger(__name__)

# Callback data under an answer: a:<answer key>:<action>
CB_ANSWER = "a:"
ACT_SECTION, ACT_RELATED, ACT_UP, ACT_DOWN = "s", "r", "+", "-"  # ACT_RELATED is followed by an index
CB_SWITCH = "nw:"  # nw:<answer key>:<index of an alternative notice>, handled in notices.py

MAX_QUESTION_CHARS = 4096  # Telegram's own cap; only other Bot API servers deliver longer texts
MAX_RELATED_BUTTONS = 3


# ---------------------------------------------------------------- answering and sending


def _answer_keyboard(key: str, entry: Remembered, *, feedback: bool) -> InlineKeyboardMarkup | None:
    """The buttons under an answer: related questions, then one row of full section and 👍/👎."""
    rows: list[list[InlineKeyboardButton]] = []
    for i, question in enumerate(entry.related[:MAX_RELATED_BUTTONS]):
        label = RELATED_BUTTON.format(question=short(question))
        rows.append([button(label, f"{CB_ANSWER}{key}:{ACT_RELATED}{i}")])
    for i, (_, title) in enumerate(entry.alternatives[:MAX_RELATED_BUTTONS]):
        rows.append([button(SWITCH_BUTTON.format(title=short(title)), f"{CB_SWITCH}{key}:{i}")])
    # One row for the small buttons keeps the keyboard short on a phone.
    last = [button(FULL_SECTION_BUTTON, f"{CB_ANSWER}{key}:{ACT_SECTION}")] if entry.section else []
    if feedback:
        last += [
            button(UPVOTE_BUTTON, f"{CB_ANSWER}{key}:{ACT_UP}"),
            button(DOWNVOTE_BUTTON, f"{CB_ANSWER}{key}:{ACT_DOWN}"),
        ]
    if last:
        rows.append(last)
    return InlineKeyboardMarkup(rows) if rows else None


async def send_answer(
    target: Message,
    chat_data: ChatData,
    answer: Answer,
    *,
    quote: bool = False,
    feedback: bool = True,
    full_section: bool = True,
) -> None:
    """Render an answer with its buttons: full section, related questions, feedback."""
    top = answer.citations[0] if answer.citations else None
    entry = Remembered(
        question=answer.question,
        section=(top.section or None) if top and full_section else None,
        clause=top.id if top else None,
        related=list(answer.related[:MAX_RELATED_BUTTONS]),
        notice=answer.notice,
        alternatives=[[k, library.short_title(k)] for k in answer.alternatives[:MAX_RELATED_BUTTONS]],
    )
    key = chat_data.remember(entry)
    title = f"《{answer.notice_title}》" if answer.notice_title and not answer.compared else None
    markup = _answer_keyboard(key, entry, feedback=feedback)
    await send_html(target, render_answer(answer, title=title), markup, quote=quote)


def _kb_of(entry: Remembered):
    """The knowledge base of the notice an answer came from, or the default one if it is gone."""
    known = library.notices()
    return known.get(entry.notice) if entry.notice in known.notices else known.get()


async def answer_and_send(
    target: Message,
    context: BotContext,
    question: str,
    hooks: Hooks,
    *,
    fresh: bool = False,
    quote: bool = False,
) -> None:
    """Answer a question in the chat's context, reply with it, and report it to the storage hook."""
    # PerChatUpdateProcessor runs one update per chat at a time, so the follow-up context is safe to update.
    follow_up = context.chat_data.follow_up
    if fresh:
        follow_up.remember(None, None, None, None)
    await _deliver(target, context, ask(question, follow_up, context.chat_data.notice), hooks, quote=quote)


async def send_topic(target: Message, context: BotContext, topic: str, hooks: Hooks) -> None:
    """Reply with the answer a topic command (/deadline, /funding) stands for, from the decider it names."""
    await _deliver(target, context, ask_topic(topic), hooks)


async def _deliver(target: Message, context: BotContext, asked: Asked, hooks: Hooks, *, quote: bool = False) -> None:
    """Store an answer first, then reply (retried, or an apology) and note whether the reply was sent."""
    # Stored first: a reply that fails must not lose the question.
    row = await call_hook(hooks.on_answer, target.chat_id, asked.answer, asked.latency_ms)
    sent = await deliver(lambda: send_answer(target, context.chat_data, asked.answer, quote=quote), target)
    await call_hook(hooks.on_delivered, row, sent)


# ---------------------------------------------------------------- free text


async def private_question(update: Update, context: BotContext, hooks: Hooks = NO_HOOKS) -> None:
    """Answer free text in a private chat as a question about the notice."""
    await _answer_text(update, context, update.effective_message.text or "", hooks)


async def group_message(update: Update, context: BotContext, hooks: Hooks = NO_HOOKS) -> None:
    """In a group, answer only messages that mention the bot or reply to it; stay silent otherwise."""
    message = update.effective_message
    question = _addressed_question(message, context.bot.id, context.bot.username)
    if question is None:
        return
    if not question:
        await message.reply_text(EMPTY_MENTION_TEXT.format(username=context.bot.username), do_quote=True)
        return
    await _answer_text(update, context, question, hooks, quote=True)


def _addressed_question(message: Message, bot_id: int, username: str | None) -> str | None:
    """The question text if the message is meant for the bot (mention or reply), else None."""
    text = message.text or ""
    mentioned = False
    handle = f"@{username}".lower() if username else None
    for entity, value in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        is_us = (entity.type == MessageEntity.MENTION and handle and value.lower() == handle) or (
            entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id
        )
        if is_us:
            mentioned = True
            text = text.replace(value, " ")
    replied = message.reply_to_message
    replying_to_us = replied is not None and replied.from_user is not None and replied.from_user.id == bot_id
    if not (mentioned or replying_to_us):
        return None
    return " ".join(text.split())


async def _answer_text(
    update: Update, context: BotContext, question: str, hooks: Hooks, *, quote: bool = False
) -> None:
    """Answer a question typed by the user, or ask for a shorter one."""
    message = update.effective_message
    question = question.strip()
    if len(question) > MAX_QUESTION_CHARS:
        await message.reply_text(TOO_LONG_TEXT.format(limit=MAX_QUESTION_CHARS), do_quote=quote)
        return
    await answer_and_send(message, context, question, hooks, quote=quote)


async def non_text(update: Update, context: BotContext) -> None:
    """Politely explain that only text questions are understood."""
    await update.effective_message.reply_text(NON_TEXT_TEXT)


async def edited_message(update: Update, context: BotContext) -> None:
    """Say that an edit is not answered again, so the user knows to send the question anew."""
    await update.effective_message.reply_text(EDITED_TEXT)


# ---------------------------------------------------------------- buttons under an answer


async def answer_button(update: Update, context: BotContext, hooks: Hooks = NO_HOOKS) -> None:
    """Handle the buttons under an answer: full section, a related question, or 👍/👎."""
    query = update.callback_query
    _, _, rest = (query.data or "").partition(CB_ANSWER)
    key, _, action = rest.partition(":")
    entry = context.chat_data.answers.get(key) if context.chat_data is not None else None
    target = query.message
    if entry is None or not isinstance(target, Message):
        await query.answer(STALE_TEXT, show_alert=True)
        return
    if action in (ACT_UP, ACT_DOWN):
        await _feedback(query, target, entry, action, hooks)
    elif action == ACT_SECTION:
        await query.answer()
        kb = _kb_of(entry)
        card = browse.section_card(entry.section, kb) if entry.section else None
        if card is None and entry.clause:
            card = browse.clause_card(entry.clause, kb)
        if card is None:
            await target.reply_text(NOT_FOUND_TEXT)
            return
        await send_answer(target, context.chat_data, card, feedback=False, full_section=False)
    elif action.startswith(ACT_RELATED) and action[1:].isdigit() and int(action[1:]) < len(entry.related):
        await query.answer()
        await answer_and_send(target, context, entry.related[int(action[1:])], hooks)
    else:
        await query.answer(STALE_TEXT, show_alert=True)


async def _feedback(query: CallbackQuery, target: Message, entry: Remembered, action: str, hooks: Hooks) -> None:
    """Count one 👍/👎 per answer, report it to the storage hook and take the vote buttons away."""
    if entry.vote:
        await query.answer(FEEDBACK_DUPLICATE)
        return
    entry.vote = 1 if action == ACT_UP else -1
    await call_hook(hooks.on_feedback, target.chat_id, entry.question, entry.vote)
    await query.answer(FEEDBACK_THANKS)
    # Drop the 👍/👎 buttons so the answer shows the vote was taken.
    markup = target.reply_markup
    if markup is not None:
        votes = (f":{ACT_UP}", f":{ACT_DOWN}")
        kept = ([b for b in row if not (b.callback_data or "").endswith(votes)] for row in markup.inline_keyboard)
        rows = [row for row in kept if row]
        try:
            await query.edit_message_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
        except TelegramError as exc:  # e.g. the message is too old to edit; the vote still counts
            logger.info("could not update feedback buttons: %s", exc)
