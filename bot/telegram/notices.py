"""The library of notices in Telegram: /notices with buttons that set the chat's notice, the switch buttons under
an answer that several notices fit, /subscribe and /unsubscribe, and the message about a notice /reload added."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes

from handlers import topics
from knowledge.library import Library

from .. import library
from ..subscriptions import Subscriptions
from .state import BotContext, ChatData
from .answers import CB_SWITCH, NO_HOOKS, Hooks, answer_and_send
from .markup import MAX_CALLBACK_BYTES, button, short
from .render import esc
from .texts import (
    ALREADY_SUBSCRIBED_TEXT,
    NEW_NOTICE_TEXT,
    NOT_SUBSCRIBED_TEXT,
    NOTICE_BUTTON,
    NOTICE_CHOSEN_TEXT,
    NOTICE_CURRENT_MARK,
    NOTICE_GONE_TEXT,
    NOTICES_TITLE,
    STALE_TEXT,
    SUBSCRIBED_TEXT,
    UNSUBSCRIBED_TEXT,
)

logger = logging.getLogger(__name__)

CB_NOTICE = "n:"  # n:<notice key>, or n:#<hash> for a key too long for callback data
CMD_NOTICES, CMD_SUBSCRIBE, CMD_UNSUBSCRIBE, CMD_RELOAD = "notices", "subscribe", "unsubscribe", "reload"
MAX_FACT_CHARS = 1200  # each of the deadline and the money in the new-notice message, so it fits one message
AFTER_ADMIN_GROUP = 1  # runs after the admin /reload (group 0) has swapped the library


def _token(key: str) -> str:
    """The key as callback data, or a short hash of it when the key is too long."""
    if len(f"{CB_NOTICE}{key}".encode()) <= MAX_CALLBACK_BYTES:
        return key
    return "#" + hashlib.sha256(key.encode()).hexdigest()[:16]


def _key_of(token: str, known: Library) -> str | None:
    return next((k for k in known.keys() if _token(k) == token), None)


def current_key(chat_data: ChatData | None, known: Library) -> str:
    """The chat's chosen notice if it is still there, else the library's default."""
    chosen = chat_data.notice if chat_data is not None else None
    return chosen if chosen in known.notices else known.default_key()


def _notices_screen(chat_data: ChatData | None) -> tuple[str, InlineKeyboardMarkup]:
    """Every notice as a button, the chat's current one marked."""
    known = library.notices()
    current = current_key(chat_data, known)
    rows = []
    for key, info in known.notices.items():
        mark = NOTICE_CURRENT_MARK if key == current else ""
        label = NOTICE_BUTTON.format(mark=mark, title=short(info.short_title))
        rows.append([button(label, f"{CB_NOTICE}{_token(key)}")])
    title = NOTICES_TITLE.format(count=len(known.notices), current=esc(known.notices[current].short_title))
    return title, InlineKeyboardMarkup(rows)


async def notices_command(update: Update, context: BotContext) -> None:
    """List the notices the bot knows, with buttons that set the chat's notice."""
    text, markup = _notices_screen(context.chat_data)
    await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def notice_button(update: Update, context: BotContext) -> None:
    """Set the chat's notice to the one pressed, and say so."""
    query = update.callback_query
    known = library.notices()
    key = _key_of((query.data or "")[len(CB_NOTICE) :], known)
    if key is None or context.chat_data is None:
        await query.answer(NOTICE_GONE_TEXT, show_alert=True)
        return
    context.chat_data.notice = key
    await query.answer()
    text, markup = _notices_screen(context.chat_data)
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except TelegramError as exc:  # e.g. pressed twice: the text is unchanged; the choice still holds
        logger.info("could not update the notices list: %s", exc)
    if isinstance(query.message, Message):
        title = esc(known.notices[key].short_title)
        await query.message.reply_text(NOTICE_CHOSEN_TEXT.format(title=title), parse_mode=ParseMode.HTML)


async def switch_button(update: Update, context: BotContext, hooks: Hooks = NO_HOOKS) -> None:
    """Answer the same question again from another notice that fit it, and keep that notice for the chat."""
    query = update.callback_query
    answer_key, _, index = (query.data or "")[len(CB_SWITCH) :].partition(":")
    entry = context.chat_data.answers.get(answer_key) if context.chat_data is not None else None
    options = entry.alternatives if entry else []
    target = query.message
    if not index.isdigit() or int(index) >= len(options) or not isinstance(target, Message):
        await query.answer(STALE_TEXT, show_alert=True)
        return
    key = options[int(index)][0]
    if key not in library.notices().notices:
        await query.answer(NOTICE_GONE_TEXT, show_alert=True)
        return
    context.chat_data.notice = key
    await query.answer()
    await answer_and_send(target, context, entry.question, hooks, fresh=True)


def new_notice_text(kb, title: str) -> str:
    """The message about a new notice: its title, its deadline and its money, as the bot answers them."""
    # The deciders the /deadline and /funding commands name, on the new notice.
    deadline = topics.topic_answer("deadline", kb).text
    money = topics.topic_answer("funding", kb).text
    return NEW_NOTICE_TEXT.format(
        title=esc(title), deadline=esc(short(deadline, MAX_FACT_CHARS)), money=esc(short(money, MAX_FACT_CHARS))
    )


class NoticeTools:
    """/subscribe, /unsubscribe and the news of notices a /reload added, bound to one subscription table."""

    def __init__(self, subscriptions: Subscriptions, hooks: Hooks = NO_HOOKS) -> None:
        self.subscriptions = subscriptions
        self.hooks = hooks
        # Built now, at start-up: the first reply carries no index build, and a later /reload knows what is new.
        library.notices()
        self.seen_generation = library.KNOWLEDGE.generation  # reloads already told about

    def handlers(self) -> list[tuple[BaseHandler, int]]:
        """(handler, group) pairs for build_application; the reload listener runs after the admin's /reload."""
        return [
            (CommandHandler(CMD_NOTICES, notices_command), 0),
            (CommandHandler(CMD_SUBSCRIBE, self.subscribe), 0),
            (CommandHandler(CMD_UNSUBSCRIBE, self.unsubscribe), 0),
            (CallbackQueryHandler(notice_button, pattern=f"^{CB_NOTICE}"), 0),
            (CallbackQueryHandler(partial(switch_button, hooks=self.hooks), pattern=f"^{CB_SWITCH}"), 0),
            (CommandHandler(CMD_RELOAD, self.after_reload), AFTER_ADMIN_GROUP),
        ]

    async def subscribe(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Subscribe the chat to news of notices."""
        added = self.subscriptions.add(update.effective_chat.id)
        await update.effective_message.reply_text(SUBSCRIBED_TEXT if added else ALREADY_SUBSCRIBED_TEXT)

    async def unsubscribe(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stop the chat's news of notices."""
        removed = self.subscriptions.remove(update.effective_chat.id)
        await update.effective_message.reply_text(UNSUBSCRIBED_TEXT if removed else NOT_SUBSCRIBED_TEXT)

    async def after_reload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """After a reload that added notices, send each subscriber one message per new notice."""
        knowledge = library.KNOWLEDGE
        if knowledge.generation == self.seen_generation:
            return  # no reload happened (not an admin, or the new knowledge was refused)
        self.seen_generation = knowledge.generation
        known = library.notices()
        texts = [new_notice_text(known.get(key), known.notices[key].title) for key in knowledge.added]
        if texts:
            await self._send(context, texts, self.subscriptions.chats())

    async def _send(self, context: ContextTypes.DEFAULT_TYPE, texts: Iterable[str], chats: list[int]) -> None:
        for text in texts:
            for chat_id in chats:
                try:
                    await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
                except Forbidden:  # the chat blocked the bot: it hears nothing more
                    self.subscriptions.remove(chat_id)
                except TelegramError as exc:
                    logger.warning("could not tell a subscriber about a new notice: %s", exc)


def notice_handlers(db_path: Path, hooks: Hooks = NO_HOOKS) -> list[tuple[BaseHandler, int]]:
    """Every handler of this module, with subscriptions kept in the bot's database."""
    return NoticeTools(Subscriptions(db_path), hooks).handlers()
