"""Answering questions in chats: the reply and the buttons under it, free text in private chats and groups."""

from __future__ import annotations

import inspect
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

import handlers
from handlers import browse
from handlers.model import Answer

from .. import library
from .delivery import deliver
from .render import render_answer
from .markup import base36, button, send_html, short
from .outline import section_for_citation
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
    TOO_LONG_TEXT,
    UPVOTE_BUTTON,
)

logger = logging.getLogger(__name__)

FeedbackHook = Callable[[int, str, int], Awaitable[None] | None]  # (chat id, question, +1 or -1)
AnswerHook = Callable[[int, Answer, float], Any]  # (chat id, answer, latency ms) -> the stored row's id
DeliveredHook = Callable[[Any, bool], Awaitable[None] | None]  # (that row id, whether the reply was sent)


@dataclass(frozen=True)
class Hooks:
    """Callbacks the storage layer plugs in; either may be sync or async, and neither is required."""

    on_feedback: FeedbackHook | None = None
    on_answer: AnswerHook | None = None
    on_delivered: DeliveredHook | None = None


NO_HOOKS = Hooks()

# Callback data under an answer: a:<answer key>:<action>
CB_ANSWER = "a:"
ACT_SECTION, ACT_RELATED, ACT_UP, ACT_DOWN = "s", "r", "+", "-"  # ACT_RELATED is followed by an index

MAX_QUESTION_CHARS = 4096  # Telegram's own cap; only other Bot API servers deliver longer texts
MAX_REMEMBERED_ANSWERS = 100  # per chat, for the buttons under recent answers
MAX_RELATED_BUTTONS = 3


# ---------------------------------------------------------------- answering and sending


def _context_of(chat_data: dict) -> handlers.Context:
    """The chat's follow-up state, kept in chat_data as a plain dict so any persistence can store it."""
    stored = chat_data.get("ctx")
    return handlers.Context.from_dict(stored) if stored else handlers.Context()


def _ask(question: str, chat_data: dict | None, *, fresh: bool = False) -> Answer:
    """Answer a question, carrying the chat's follow-up context; fresh starts a new topic."""
    ctx = handlers.Context() if fresh or chat_data is None else _context_of(chat_data)
    # PerChatUpdateProcessor runs one update per chat at a time, so this read-modify-write is safe.
    answer = handlers.answer_question(question, ctx, now=datetime.now().astimezone(), kb=library.current())
    if chat_data is not None:
        chat_data["ctx"] = ctx.to_dict()
    return answer


def _remember(chat_data: dict, entry: dict) -> str:
    """Store what an answer's buttons need and return the short key the callback data carries."""
    answers: dict[str, dict] = chat_data.setdefault("answers", {})
    # Start each chat at a random serial, so after a restart without persistence old buttons
    # find no entry (and get the polite "expired" answer) instead of someone else's.
    serial = chat_data.get("answer_serial", secrets.randbelow(36**4)) + 1
    chat_data["answer_serial"] = serial
    key = base36(serial)
    answers[key] = entry
    while len(answers) > MAX_REMEMBERED_ANSWERS:
        answers.pop(next(iter(answers)))
    return key


def _answer_keyboard(key: str, entry: dict, *, feedback: bool) -> InlineKeyboardMarkup | None:
    """The buttons under an answer: full section, related questions, then 👍/👎 when asked for."""
    rows: list[list[InlineKeyboardButton]] = []
    if entry.get("section"):
        rows.append([button(FULL_SECTION_BUTTON, f"{CB_ANSWER}{key}:{ACT_SECTION}")])
    for i, question in enumerate(entry.get("related", [])[:MAX_RELATED_BUTTONS]):
        label = RELATED_BUTTON.format(question=short(question))
        rows.append([button(label, f"{CB_ANSWER}{key}:{ACT_RELATED}{i}")])
    if feedback:
        rows.append(
            [
                button(UPVOTE_BUTTON, f"{CB_ANSWER}{key}:{ACT_UP}"),
                button(DOWNVOTE_BUTTON, f"{CB_ANSWER}{key}:{ACT_DOWN}"),
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


async def send_answer(
    target: Message,
    chat_data: dict,
    answer: Answer,
    *,
    quote: bool = False,
    feedback: bool = True,
    full_section: bool = True,
) -> None:
    """Render an answer with its buttons: full section, related questions, feedback."""
    top = answer.citations[0] if answer.citations else None
    entry = {
        "q": answer.question,
        "section": section_for_citation(top.id, top.path) if top and full_section else None,
        "clause": top.id if top else None,
        "related": list(answer.related[:MAX_RELATED_BUTTONS]),
    }
    key = _remember(chat_data, entry)
    await send_html(target, render_answer(answer), _answer_keyboard(key, entry, feedback=feedback), quote=quote)


async def _call_hook(hook: Callable[..., Any] | None, *args: Any) -> Any:
    """Run a storage hook and return its result; its failure is logged and never costs the user the reply."""
    if hook is None:
        return None
    try:
        result = hook(*args)
        return await result if inspect.isawaitable(result) else result
    except Exception:  # noqa: BLE001 - a broken hook must not break answering
        logger.exception("a storage hook failed")
        return None


async def answer_and_send(
    target: Message,
    context: ContextTypes.DEFAULT_TYPE,
    question: str,
    hooks: Hooks,
    *,
    fresh: bool = False,
    quote: bool = False,
) -> None:
    """Answer a question in the chat's context, store it, then reply (retried, or an apology) and note the outcome."""
    started = time.perf_counter()
    answer = _ask(question, context.chat_data, fresh=fresh)
    latency_ms = (time.perf_counter() - started) * 1000
    # Stored first: a reply that fails must not lose the question.
    row = await _call_hook(hooks.on_answer, target.chat_id, answer, latency_ms)
    sent = await deliver(lambda: send_answer(target, context.chat_data, answer, quote=quote), target)
    await _call_hook(hooks.on_delivered, row, sent)


# ---------------------------------------------------------------- free text


async def private_question(update: Update, context: ContextTypes.DEFAULT_TYPE, hooks: Hooks = NO_HOOKS) -> None:
    """Answer free text in a private chat as a question about the notice."""
    await _answer_text(update, context, update.effective_message.text or "", hooks)


async def group_message(update: Update, context: ContextTypes.DEFAULT_TYPE, hooks: Hooks = NO_HOOKS) -> None:
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
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: str, hooks: Hooks, *, quote: bool = False
) -> None:
    """Answer a question typed by the user, or ask for a shorter one."""
    message = update.effective_message
    question = question.strip()
    if len(question) > MAX_QUESTION_CHARS:
        await message.reply_text(TOO_LONG_TEXT.format(limit=MAX_QUESTION_CHARS), do_quote=quote)
        return
    await answer_and_send(message, context, question, hooks, quote=quote)


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Politely explain that only text questions are understood."""
    await update.effective_message.reply_text(NON_TEXT_TEXT)


async def edited_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say that an edit is not answered again, so the user knows to send the question anew."""
    await update.effective_message.reply_text(EDITED_TEXT)


# ---------------------------------------------------------------- buttons under an answer


async def answer_button(update: Update, context: ContextTypes.DEFAULT_TYPE, hooks: Hooks = NO_HOOKS) -> None:
    """Handle the buttons under an answer: full section, a related question, or 👍/👎."""
    query = update.callback_query
    _, _, rest = (query.data or "").partition(CB_ANSWER)
    key, _, action = rest.partition(":")
    entry = context.chat_data.get("answers", {}).get(key) if context.chat_data is not None else None
    target = query.message
    if entry is None or not isinstance(target, Message):
        await query.answer(STALE_TEXT, show_alert=True)
        return
    if action in (ACT_UP, ACT_DOWN):
        await _feedback(query, target, entry, action, hooks)
    elif action == ACT_SECTION:
        await query.answer()
        card = browse.section_card(entry["section"], library.current()) if entry.get("section") else None
        if card is None and entry.get("clause"):
            card = browse.clause_card(entry["clause"], library.current())
        if card is None:
            await target.reply_text(NOT_FOUND_TEXT)
            return
        await send_answer(target, context.chat_data, card, feedback=False, full_section=False)
    elif action.startswith(ACT_RELATED) and action[1:].isdigit() and int(action[1:]) < len(entry.get("related", [])):
        await query.answer()
        await answer_and_send(target, context, entry["related"][int(action[1:])], hooks)
    else:
        await query.answer(STALE_TEXT, show_alert=True)


async def _feedback(query: CallbackQuery, target: Message, entry: dict, action: str, hooks: Hooks) -> None:
    """Count one 👍/👎 per answer, report it to the storage hook and take the vote buttons away."""
    if entry.get("feedback"):
        await query.answer(FEEDBACK_DUPLICATE)
        return
    value = 1 if action == ACT_UP else -1
    entry["feedback"] = value
    await _call_hook(hooks.on_feedback, target.chat_id, entry.get("q", ""), value)
    await query.answer(FEEDBACK_THANKS)
    # Drop the 👍/👎 row so the answer shows the vote was taken.
    markup = target.reply_markup
    if markup is not None:
        rows = [
            row
            for row in markup.inline_keyboard
            if not any((b.callback_data or "").endswith((f":{ACT_UP}", f":{ACT_DOWN}")) for b in row)
        ]
        try:
            await query.edit_message_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
        except TelegramError as exc:  # e.g. the message is too old to edit; the vote still counts
            logger.info("could not update feedback buttons: %s", exc)
