"""The Telegram front end: commands, buttons, the guided eligibility check, inline mode and groups."""
from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import secrets
import time
import traceback
import warnings
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseHandler,
    BasePersistence,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest, RequestData
from telegram.warnings import PTBUserWarning

import handlers
from handlers import browse, eligibility
from handlers.model import Answer
from knowledge.loader import load_bundle

from .config import Config, configure_logging, redact
from .render import esc, render_answer, render_inline_card, render_verdict

logger = logging.getLogger(__name__)

FeedbackHook = Callable[[int, str, int], Awaitable[None] | None]  # (chat id, question, +1 or -1)
AnswerHook = Callable[[int, Answer, float], Awaitable[None] | None]  # (chat id, answer, latency ms)


@dataclass(frozen=True)
class Hooks:
    """Callbacks the storage layer plugs in; either may be sync or async, and neither is required."""

    on_feedback: FeedbackHook | None = None
    on_answer: AnswerHook | None = None


NO_HOOKS = Hooks()

# Callback data: "<namespace>:<payload>", all short ASCII so every button stays within 64 bytes.
CB_GO = "go:"  # go:<topic>, a shortcut button from /start
GO_DEADLINE, GO_FUNDING, GO_ELIGIBILITY, GO_SECTIONS, GO_FAQ = (
    "go:deadline",
    "go:funding",
    "go:elig",
    "go:sections",
    "go:faq",
)
CB_SECTION = "s:"  # s:<section id>; "s:" alone is the table of contents
CB_SECTION_TEXT = "st:"  # st:<section id>, send the section's text as a card
CB_FAQ = "f:"  # f:<index into browse.faq()>
CB_ANSWER = "a:"  # a:<answer key>:<action>, buttons under an answer
ACT_SECTION, ACT_RELATED, ACT_UP, ACT_DOWN = "s", "r", "+", "-"
CB_ELIG = "e:"  # e:<session>:<step>:<action>, the guided eligibility check
ELIG_ASKER, ELIG_OPTION, ELIG_BACK, ELIG_CANCEL, ELIG_RESTART = "a", "o", "b", "x", "r"
MAX_CALLBACK_BYTES = 64

# Conversation state of the guided eligibility check.
ELIGIBILITY_STEP = 0

# Canonical questions behind the /deadline and /funding shortcuts (questions, not facts).
DEADLINE_QUESTION = "申报截止时间是什么时候?"
FUNDING_QUESTION = "资金支持有多少?"

MAX_CONCURRENT_UPDATES = 32
# Polling fetches at most this many updates at a time, and only while fewer are fetched but unfinished.
# On SIGTERM every fetched update is answered before exit; at Telegram's ~30 messages a second a
# backlog of under 2 x 32 drains in about two seconds, well inside a host's 10 s grace period.
FETCH_AHEAD = MAX_CONCURRENT_UPDATES
MAX_QUESTION_CHARS = 4096  # Telegram's own cap; only other Bot API servers deliver longer texts
MAX_REMEMBERED_ANSWERS = 100  # per chat, for the buttons under recent answers
MAX_RELATED_BUTTONS = 3
MAX_INLINE_RESULTS = 5
INLINE_CACHE_SECONDS = 300

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "开始:我能回答什么"),
    ("help", "使用说明"),
    ("deadline", "申报截止时间"),
    ("funding", "资金支持"),
    ("eligibility", "申报资格自查"),
    ("sections", "浏览通知目录"),
    ("faq", "常见问题"),
    ("source", "查看条款原文:/source 条款编号"),
)

START_TEXT = (
    "你好!我可以回答关于<b>{title}</b>的问题,并给出通知原文作为依据。\n\n"
    "直接发送问题即可,例如申报截止时间、资金支持、申报条件、需要提交的材料。"
    "也可以用下面的按钮,或发送 /help 查看全部命令。"
)
HELP_TEXT = (
    "<b>使用说明</b>\n"
    "直接发送问题,我会先给出答案,再附上通知原文。\n\n"
    "/deadline 申报截止时间\n"
    "/funding 资金支持\n"
    "/eligibility 申报资格自查(逐项回答)\n"
    "/sections 浏览通知目录\n"
    "/faq 常见问题\n"
    "/source 条款编号:查看某一条款原文\n\n"
    "在群里:@我 或回复我的消息来提问。\n"
    "在任意聊天中输入 @{username} 加关键词,可以把答案卡片发到那里。"
)
GENERIC_TITLE = "这份通知"
SORRY_TEXT = "抱歉,处理你的消息时出了点问题,请稍后再试。"
STALE_TEXT = "这个按钮已经过期了,请重新提问或重新打开菜单。"
NON_TEXT_TEXT = "我只能读懂文字问题。请用文字描述你想了解的内容,或发送 /help 查看用法。"
EDITED_TEXT = "修改过的消息我不会重新回答。如需答案,请把修改后的问题重新发送一次。"
UNKNOWN_COMMAND_TEXT = "没有这个命令。发送 /help 查看可用的命令。"
TOO_LONG_TEXT = "问题太长了(超过 {limit} 字)。请只写下你想问的那一句话。"
EMPTY_MENTION_TEXT = "请在 @{username} 后面写上你的问题,例如:@{username} 申报截止时间是什么时候?"
SOURCE_USAGE_TEXT = "用法:/source 条款编号,例如 /source {example}。可以先用 /sections 浏览目录。"
SOURCE_MISSING_TEXT = "找不到条款 <code>{clause}</code>。可以用 /sections 浏览目录。"
FEEDBACK_THANKS = "谢谢你的反馈!"
FEEDBACK_DUPLICATE = "已经收到过你的反馈了。"
ELIG_INTRO = "<b>申报资格自查</b>\n请问你是以什么身份咨询?"
ELIG_STEP = "<b>申报资格自查</b>({index}/{total})\n{question}"
ELIG_CANCELLED = "已取消资格自查。发送 /eligibility 可以重新开始。"
ELIG_STALE = "这次自查已经结束或过期了,发送 /eligibility 重新开始。"
ELIG_UNAVAILABLE = "暂时无法进行资格自查,请稍后再试。"
TOC_TITLE = "<b>通知目录</b>\n选择要查看的部分:"
SECTION_TEXT_BUTTON = "📄 阅读本节原文"
BACK_BUTTON = "⬅️ 返回上级"
FAQ_TITLE = "<b>常见问题</b>\n点选一个问题查看答案:"
FAQ_EMPTY = "暂时没有整理好的常见问题,直接发送你的问题即可。"
FULL_SECTION_BUTTON = "📖 完整章节"
RESTART_ELIG_BUTTON = "🔁 重新自查"
NOT_FOUND_TEXT = "没有找到这部分内容,请用 /sections 重新浏览。"

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


# ---------------------------------------------------------------- small helpers


def _button(label: str, data: str) -> InlineKeyboardButton:
    """An inline button, refusing callback data Telegram would reject."""
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return InlineKeyboardButton(label, callback_data=data)


def _short(text: str, size: int = 40) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _context_of(chat_data: dict) -> handlers.Context:
    """The chat's follow-up state, kept in chat_data as a plain dict so any persistence can store it."""
    stored = chat_data.get("ctx")
    return handlers.Context.from_dict(stored) if stored else handlers.Context()


def _ask(question: str, chat_data: dict | None, *, fresh: bool = False) -> Answer:
    """Answer a question, carrying the chat's follow-up context; fresh starts a new topic."""
    ctx = handlers.Context() if fresh or chat_data is None else _context_of(chat_data)
    # PerChatUpdateProcessor runs one update per chat at a time, so this read-modify-write is safe.
    answer = handlers.answer_question(question, ctx, now=datetime.now().astimezone())
    if chat_data is not None:
        chat_data["ctx"] = ctx.to_dict()
    return answer


def _outline() -> tuple[dict[str, str | None], dict[str, str]]:
    """The notice's section tree as (section id -> parent id, section path -> section id).

    Rebuilt on each call (a few dozen lookups) so a knowledge reload is seen at once.
    """
    parents: dict[str, str | None] = {}
    paths: dict[str, str] = {}
    pending: list[tuple[Any, str | None]] = [(s, None) for s in browse.toc()]
    while pending:
        node, parent = pending.pop()
        if node.id in parents:
            continue
        parents[node.id] = parent
        paths.setdefault(node.path, node.id)
        for child_id in node.children:
            child = browse.section(child_id)
            if child is not None:
                pending.append((child, node.id))
    return parents, paths


def _section_for_citation(clause_id: str, path: str) -> str | None:
    """The numbered section a cited clause sits in, or None (e.g. for the preamble)."""
    section_id = browse.section_of(clause_id)
    if section_id and browse.section(section_id) is not None:
        return section_id
    return _outline()[1].get(path)


def _askers() -> dict[str, str]:
    """Who the guided check can be for (value -> label), read from the eligibility handler."""
    read = getattr(eligibility, "askers", None)
    return dict(read()) if callable(read) else dict(eligibility.ASKERS)


def _remember(chat_data: dict, entry: dict) -> str:
    """Store what an answer's buttons need and return the short key the callback data carries."""
    answers: dict[str, dict] = chat_data.setdefault("answers", {})
    # Start each chat at a random serial, so after a restart without persistence old buttons
    # find no entry (and get the polite "expired" answer) instead of someone else's.
    serial = chat_data.get("answer_serial", secrets.randbelow(36**4)) + 1
    chat_data["answer_serial"] = serial
    key = _base36(serial)
    answers[key] = entry
    while len(answers) > MAX_REMEMBERED_ANSWERS:
        answers.pop(next(iter(answers)))
    return key


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def _answer_keyboard(key: str, entry: dict, *, feedback: bool) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    if entry.get("section"):
        rows.append([_button(FULL_SECTION_BUTTON, f"{CB_ANSWER}{key}:{ACT_SECTION}")])
    for i, question in enumerate(entry.get("related", [])[:MAX_RELATED_BUTTONS]):
        rows.append([_button(f"💬 {_short(question)}", f"{CB_ANSWER}{key}:{ACT_RELATED}{i}")])
    if feedback:
        rows.append(
            [
                _button("👍", f"{CB_ANSWER}{key}:{ACT_UP}"),
                _button("👎", f"{CB_ANSWER}{key}:{ACT_DOWN}"),
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


async def _send_html(
    target: Message, parts: list[str], markup: InlineKeyboardMarkup | None, *, quote: bool
) -> None:
    """Send rendered parts as replies in target's chat (and topic), the keyboard under the last one."""
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        await target.reply_text(
            part,
            parse_mode=ParseMode.HTML,
            reply_markup=markup if last else None,
            do_quote=quote and i == 0,
            link_preview_options=NO_PREVIEW,
        )


async def _send_answer(
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
        "section": _section_for_citation(top.id, top.path) if top and full_section else None,
        "clause": top.id if top else None,
        "related": list(answer.related[:MAX_RELATED_BUTTONS]),
    }
    key = _remember(chat_data, entry)
    await _send_html(target, render_answer(answer), _answer_keyboard(key, entry, feedback=feedback), quote=quote)


async def _call_hook(hook: Callable[..., Any] | None, *args: Any) -> None:
    """Run a storage hook; its failure is logged and never costs the user the reply."""
    if hook is None:
        return
    try:
        result = hook(*args)
        if inspect.isawaitable(result):
            await result
    except Exception:  # noqa: BLE001 - a broken hook must not break answering
        logger.exception("a storage hook failed")


async def _answer_and_send(
    target: Message,
    context: ContextTypes.DEFAULT_TYPE,
    question: str,
    hooks: Hooks,
    *,
    fresh: bool = False,
    quote: bool = False,
) -> None:
    """Answer a question in the chat's context, reply with it, and report it to the storage hook."""
    started = time.perf_counter()
    answer = _ask(question, context.chat_data, fresh=fresh)
    latency_ms = (time.perf_counter() - started) * 1000
    await _send_answer(target, context.chat_data, answer, quote=quote)
    await _call_hook(hooks.on_answer, target.chat_id, answer, latency_ms)


def _is_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in ("group", "supergroup")


def _notice_title() -> str:
    title = load_bundle().notice.meta.get("title")
    return str(title) if title else GENERIC_TITLE


# ---------------------------------------------------------------- commands


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what the bot answers and offer the common topics as buttons."""
    keyboard = InlineKeyboardMarkup(
        [
            [_button("⏰ 截止时间", GO_DEADLINE), _button("💰 资金支持", GO_FUNDING)],
            [_button("✅ 资格自查", GO_ELIGIBILITY), _button("❓ 常见问题", GO_FAQ)],
            [_button("📑 浏览通知", GO_SECTIONS)],
        ]
    )
    await update.effective_message.reply_text(
        START_TEXT.format(title=esc(_notice_title())),
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
        link_preview_options=NO_PREVIEW,
    )


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the commands and how to ask."""
    await update.effective_message.reply_text(
        HELP_TEXT.format(username=esc(context.bot.username or "bot")),
        parse_mode=ParseMode.HTML,
        link_preview_options=NO_PREVIEW,
    )


async def deadline(update: Update, context: ContextTypes.DEFAULT_TYPE, hooks: Hooks = NO_HOOKS) -> None:
    """Answer the deadline question."""
    await _answer_and_send(update.effective_message, context, DEADLINE_QUESTION, hooks, fresh=True)


async def funding(update: Update, context: ContextTypes.DEFAULT_TYPE, hooks: Hooks = NO_HOOKS) -> None:
    """Answer the funding question."""
    await _answer_and_send(update.effective_message, context, FUNDING_QUESTION, hooks, fresh=True)


async def source(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Quote one clause by its id: /source <clause id>."""
    message = update.effective_message
    if not context.args:
        parents, _ = _outline()
        example = next(iter(sorted(parents)), "1")
        await message.reply_text(SOURCE_USAGE_TEXT.format(example=esc(example)))
        return
    clause_id = context.args[0].strip()
    card = browse.clause_card(clause_id)
    if card is None:
        await message.reply_text(
            SOURCE_MISSING_TEXT.format(clause=esc(_short(clause_id, 64))), parse_mode=ParseMode.HTML
        )
        return
    await _send_answer(message, context.chat_data, card, feedback=False)


async def sections(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the table of contents as buttons."""
    text, markup = _toc_screen()
    await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def faq(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the curated questions as buttons."""
    questions = browse.faq()
    if not questions:
        await update.effective_message.reply_text(FAQ_EMPTY)
        return
    rows = [[_button(_short(q), f"{CB_FAQ}{i}")] for i, q in enumerate(questions)]
    await update.effective_message.reply_text(
        FAQ_TITLE, parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(rows)
    )


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Point a private chat at /help for a command the bot does not have."""
    await update.effective_message.reply_text(UNKNOWN_COMMAND_TEXT)


# ---------------------------------------------------------------- questions


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
    replying_to_us = (
        replied is not None and replied.from_user is not None and replied.from_user.id == bot_id
    )
    if not (mentioned or replying_to_us):
        return None
    return " ".join(text.split())


async def _answer_text(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: str, hooks: Hooks, *, quote: bool = False
) -> None:
    message = update.effective_message
    question = question.strip()
    if len(question) > MAX_QUESTION_CHARS:
        await message.reply_text(TOO_LONG_TEXT.format(limit=MAX_QUESTION_CHARS), do_quote=quote)
        return
    await _answer_and_send(message, context, question, hooks, quote=quote)


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Politely explain that only text questions are understood."""
    await update.effective_message.reply_text(NON_TEXT_TEXT)


async def edited_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say that an edit is not answered again, so the user knows to send the question anew."""
    await update.effective_message.reply_text(EDITED_TEXT)


# ---------------------------------------------------------------- buttons


async def go_button(update: Update, context: ContextTypes.DEFAULT_TYPE, hooks: Hooks = NO_HOOKS) -> None:
    """Run the command a /start topic button stands for."""
    query = update.callback_query
    await query.answer()
    target = query.message
    if not isinstance(target, Message):
        return
    topic = query.data
    if topic == GO_DEADLINE:
        await _answer_and_send(target, context, DEADLINE_QUESTION, hooks, fresh=True)
    elif topic == GO_FUNDING:
        await _answer_and_send(target, context, FUNDING_QUESTION, hooks, fresh=True)
    elif topic == GO_SECTIONS:
        text, markup = _toc_screen()
        await target.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    elif topic == GO_FAQ:
        questions = browse.faq()
        rows = [[_button(_short(q), f"{CB_FAQ}{i}")] for i, q in enumerate(questions)]
        if rows:
            await target.reply_text(FAQ_TITLE, parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(rows))
        else:
            await target.reply_text(FAQ_EMPTY)


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
        card = browse.section_card(entry["section"]) if entry.get("section") else None
        if card is None and entry.get("clause"):
            card = browse.clause_card(entry["clause"])
        if card is None:
            await target.reply_text(NOT_FOUND_TEXT)
            return
        await _send_answer(target, context.chat_data, card, feedback=False, full_section=False)
    elif action.startswith(ACT_RELATED) and action[1:].isdigit() and int(action[1:]) < len(entry.get("related", [])):
        await query.answer()
        await _answer_and_send(target, context, entry["related"][int(action[1:])], hooks)
    else:
        await query.answer(STALE_TEXT, show_alert=True)


async def _feedback(query, target: Message, entry: dict, action: str, hooks: Hooks) -> None:
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


async def faq_button(update: Update, context: ContextTypes.DEFAULT_TYPE, hooks: Hooks = NO_HOOKS) -> None:
    """Open the answer card of one curated question."""
    query = update.callback_query
    index = (query.data or "")[len(CB_FAQ):]
    questions = browse.faq()
    target = query.message
    if not index.isdigit() or int(index) >= len(questions) or not isinstance(target, Message):
        await query.answer(STALE_TEXT, show_alert=True)
        return
    await query.answer()
    await _answer_and_send(target, context, questions[int(index)], hooks, fresh=True)


def _toc_screen() -> tuple[str, InlineKeyboardMarkup]:
    rows = [[_button(_short(s.label), f"{CB_SECTION}{s.id}")] for s in browse.toc()]
    return TOC_TITLE, InlineKeyboardMarkup(rows)


async def section_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Move through the table of contents; a section without subsections shows its text."""
    query = update.callback_query
    section_id = (query.data or "")[len(CB_SECTION):]
    if not section_id:
        text, markup = _toc_screen()
        await query.answer()
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        return
    node = browse.section(section_id)
    if node is None:
        await query.answer(NOT_FOUND_TEXT, show_alert=True)
        return
    await query.answer()
    parent = _outline()[0].get(section_id)
    back = _button(BACK_BUTTON, f"{CB_SECTION}{parent or ''}")
    if node.children:
        rows = []
        for child_id in node.children:
            child = browse.section(child_id)
            if child is not None:
                rows.append([_button(_short(child.label), f"{CB_SECTION}{child.id}")])
        rows.append([_button(SECTION_TEXT_BUTTON, f"{CB_SECTION_TEXT}{node.id}")])
        rows.append([back])
        await query.edit_message_text(
            f"<b>{esc(node.path)}</b>", parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(rows)
        )
        return
    card = browse.section_card(section_id)
    parts = render_answer(card) if card is not None else [f"<b>{esc(node.path)}</b>"]
    # The text replaces the menu so browsing stays in one message; overflow goes below it.
    await query.edit_message_text(
        parts[0],
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup([[back]]),
        link_preview_options=NO_PREVIEW,
    )
    if len(parts) > 1 and isinstance(query.message, Message):
        await _send_html(query.message, parts[1:], None, quote=False)


async def section_text_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send a whole section's text as a forwardable card."""
    query = update.callback_query
    section_id = (query.data or "")[len(CB_SECTION_TEXT):]
    card = browse.section_card(section_id) if section_id else None
    if card is None or not isinstance(query.message, Message):
        await query.answer(NOT_FOUND_TEXT, show_alert=True)
        return
    await query.answer()
    await _send_answer(query.message, context.chat_data, card, feedback=False, full_section=False)


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a button nobody handles any more, politely."""
    query = update.callback_query
    text = ELIG_STALE if (query.data or "").startswith(CB_ELIG) else STALE_TEXT
    await query.answer(text, show_alert=True)


# ---------------------------------------------------------------- guided eligibility check


def _elig_data(session: str, step: int, action: str) -> str:
    return f"{CB_ELIG}{session}:{step}:{action}"


def _elig_nav(session: str, step: int) -> list[InlineKeyboardButton]:
    row = [_button("⬅️ 上一步", _elig_data(session, step, ELIG_BACK))] if step > 0 else []
    row.append(_button("🔄 重新开始", _elig_data(session, step, ELIG_RESTART)))
    row.append(_button("✖️ 取消", _elig_data(session, step, ELIG_CANCEL)))
    return row


def _elig_screen(state: dict) -> tuple[str, InlineKeyboardMarkup]:
    """The message for the current step: asker choice at step 0, then one condition per step."""
    session, step = state["session"], state["step"]
    if step == 0:
        rows = [
            [_button(label, _elig_data(session, 0, f"{ELIG_ASKER}{i}"))]
            for i, label in enumerate(_askers().values())
        ]
        rows.append(_elig_nav(session, 0))
        return ELIG_INTRO, InlineKeyboardMarkup(rows)
    steps = eligibility.steps(state["asker"])
    current = steps[step - 1]
    rows = [
        [_button(label, _elig_data(session, step, f"{ELIG_OPTION}{i}"))]
        for i, (_, label) in enumerate(current.options)
    ]
    rows.append(_elig_nav(session, step))
    text = ELIG_STEP.format(index=step, total=len(steps), question=esc(current.question))
    return text, InlineKeyboardMarkup(rows)


def _new_elig_state(context: ContextTypes.DEFAULT_TYPE) -> dict:
    serial = context.user_data.get("elig_serial", 0) + 1
    context.user_data["elig_serial"] = serial
    state = {"session": _base36(serial), "step": 0, "asker": None, "answers": {}}
    context.user_data["elig"] = state
    return state


async def eligibility_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Begin the guided check by asking who is asking."""
    state = _new_elig_state(context)
    text, markup = _elig_screen(state)
    query = update.callback_query
    if query is not None:
        await query.answer()
    await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    return ELIGIBILITY_STEP


async def eligibility_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Take one button press of the guided check: an answer, back, restart or cancel."""
    query = update.callback_query
    state = context.user_data.get("elig")
    try:
        _, session, step_text, action = (query.data or "").split(":", 3)
        step = int(step_text)
    except ValueError:
        await query.answer(STALE_TEXT, show_alert=True)
        return ELIGIBILITY_STEP
    # Buttons from an older check, or an earlier step pressed twice, no longer apply.
    if state is None or session != state["session"] or step != state["step"]:
        await query.answer(ELIG_STALE, show_alert=True)
        return ELIGIBILITY_STEP
    if action == ELIG_CANCEL:
        await query.answer()
        context.user_data.pop("elig", None)
        await query.edit_message_text(ELIG_CANCELLED)
        return ConversationHandler.END
    if action == ELIG_RESTART:
        state = _new_elig_state(context)
    elif action == ELIG_BACK:
        state["step"] = max(0, step - 1)
    elif not _elig_record(state, action):
        await query.answer(STALE_TEXT, show_alert=True)
        return ELIGIBILITY_STEP
    await query.answer()
    if state["asker"] is not None and state["step"] > len(eligibility.steps(state["asker"])):
        return await _elig_finish(query, context, state)
    text, markup = _elig_screen(state)
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    return ELIGIBILITY_STEP


def _elig_record(state: dict, action: str) -> bool:
    """Store the chosen asker or option and advance; False if the action names no such choice."""
    kind, index_text = action[:1], action[1:]
    if not index_text.isdigit():
        return False
    index = int(index_text)
    if state["step"] == 0 and kind == ELIG_ASKER:
        askers = list(_askers())
        if index >= len(askers):
            return False
        if askers[index] != state["asker"]:
            state["answers"] = {}  # a different asker has different conditions
        state["asker"] = askers[index]
    elif state["step"] > 0 and kind == ELIG_OPTION:
        current = eligibility.steps(state["asker"])[state["step"] - 1]
        if index >= len(current.options):
            return False
        state["answers"][current.id] = current.options[index][0]
    else:
        return False
    state["step"] += 1
    return True


async def _elig_finish(query, context: ContextTypes.DEFAULT_TYPE, state: dict) -> int:
    answer = eligibility.verdict(state["asker"], dict(state["answers"]))
    context.user_data.pop("elig", None)
    parts = render_verdict(answer)
    markup = InlineKeyboardMarkup([[_button(RESTART_ELIG_BUTTON, GO_ELIGIBILITY)]])
    await query.edit_message_text(
        parts[0],
        parse_mode=ParseMode.HTML,
        reply_markup=markup if len(parts) == 1 else None,
        link_preview_options=NO_PREVIEW,
    )
    if len(parts) > 1 and isinstance(query.message, Message):
        await _send_html(query.message, parts[1:], markup, quote=False)
    return ConversationHandler.END


async def eligibility_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """End the guided check on /cancel."""
    context.user_data.pop("elig", None)
    await update.effective_message.reply_text(ELIG_CANCELLED)
    return ConversationHandler.END


def _eligibility_conversation(persistent: bool) -> ConversationHandler:
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
            name="eligibility",
            persistent=persistent,
        )


# ---------------------------------------------------------------- inline mode


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer answer cards (direct answer and its citation) to send into any chat."""
    query = update.inline_query
    text = " ".join((query.query or "").split())
    if text:
        answers = [handlers.answer_question(text[:MAX_QUESTION_CHARS])]
    else:
        answers = [handlers.answer_question(q) for q in browse.faq()[:MAX_INLINE_RESULTS]]
    results = []
    for answer in answers:
        card = render_inline_card(answer)
        digest = hashlib.sha256(f"{answer.question}\n{card.html}".encode()).hexdigest()[:32]
        results.append(
            InlineQueryResultArticle(
                id=digest,
                title=card.title,
                description=card.description,
                input_message_content=InputTextMessageContent(
                    card.html, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
                ),
            )
        )
    await query.answer(results, cache_time=INLINE_CACHE_SECONDS)


# ---------------------------------------------------------------- lifecycle and errors


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Process updates of different chats concurrently, but one at a time within a chat.

    ConversationHandler and the per-chat follow-up context need a chat's updates in order;
    other chats should not wait behind a slow one.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, list[int]]] = {}
        self.finished = 0  # updates handled so far, for the polling backlog
        self._progress = asyncio.Event()

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Handle one update (within the concurrency limit), then count it as finished."""
        try:
            await super().process_update(update, coroutine)
        finally:
            self.finished += 1
            self._progress.set()

    async def wait_for_progress(self) -> None:
        """Return once another update has been handled."""
        self._progress.clear()
        await self._progress.wait()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        user = update.effective_user if isinstance(update, Update) else None
        key = chat.id if chat is not None else user.id if user is not None else None
        if key is None:  # e.g. inline queries: no order to keep
            await coroutine
            return
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                await coroutine
        finally:
            users[0] -= 1
            if users[0] == 0:
                self._locks.pop(key, None)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


class _CountingQueue(asyncio.Queue):
    """The Application's update queue, counting every update handed to it."""

    def __init__(self) -> None:
        super().__init__()
        self.received = 0

    def put_nowait(self, item: object) -> None:
        self.received += 1
        super().put_nowait(item)


class PacedGetUpdatesRequest(HTTPXRequest):
    """getUpdates that fetches at most `batch` updates, and only while fewer than `ahead` fetched
    updates are unfinished.

    python-telegram-bot confirms everything it fetched when it stops and handles all of it first,
    while its updater would otherwise fetch every pending update at once; this keeps what a SIGTERM
    finds in hand small enough to answer within the host's grace period.
    """

    def __init__(self, queue: _CountingQueue, processor: PerChatUpdateProcessor, batch: int, ahead: int) -> None:
        super().__init__()  # the same defaults python-telegram-bot uses for getUpdates
        self._queue, self._processor = queue, processor
        self._batch, self._ahead = batch, ahead

    def _backlog(self) -> int:
        return self._queue.received - self._processor.finished

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **timeouts: Any
    ) -> tuple[int, bytes]:
        """Wait for the backlog to shrink, then ask for one batch."""
        while self._backlog() >= self._ahead:
            await self._processor.wait_for_progress()
        return await super().do_request(url, method, _WithLimit(request_data, self._batch), **timeouts)


class _WithLimit(RequestData):
    """getUpdates parameters with `limit` set (python-telegram-bot's updater never sets it)."""

    def __init__(self, inner: RequestData | None, limit: int) -> None:
        super().__init__()
        self._inner = inner or RequestData()
        self._limit = limit

    @property
    def parameters(self) -> dict[str, Any]:
        return {**self._inner.parameters, "limit": self._limit}

    @property
    def json_parameters(self) -> dict[str, str]:
        return {**self._inner.json_parameters, "limit": str(self._limit)}


async def post_init(application: Application) -> None:
    """Register the command menu; a server that refuses it must not stop the bot."""
    try:
        await application.bot.set_my_commands([BotCommand(name, desc) for name, desc in COMMANDS])
    except TelegramError as exc:
        logger.warning("set_my_commands refused, continuing without a command menu: %s", exc)


def _error_handler(token: str) -> Callable[[object, ContextTypes.DEFAULT_TYPE], Awaitable[None]]:
    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the error without the token and tell the user, in Chinese, that something went wrong."""
        error = context.error
        if isinstance(error, TelegramError):
            # The Bot API refused a call or could not be reached: an operational event (a network
            # blip, a blocked chat), so one line names it; tracebacks stay for bugs in this code.
            # (BadRequest subclasses NetworkError in python-telegram-bot, but a refused call is worse.)
            transient = isinstance(error, NetworkError) and not isinstance(error, BadRequest)
            level = logging.WARNING if transient else logging.ERROR
            update_id = update.update_id if isinstance(update, Update) else None
            logger.log(level, "Bot API call failed while handling update %s: %s: %s",
                       update_id, type(error).__name__, redact(str(error), token))
        else:
            details = "".join(traceback.format_exception(error)) if error else "unknown error"
            logger.error("error while handling an update:\n%s", redact(details, token))
        if not isinstance(update, Update):
            return
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(SORRY_TEXT, show_alert=True)
            elif update.effective_chat is not None and update.effective_message is not None:
                await update.effective_message.reply_text(SORRY_TEXT)
        except TelegramError as exc:
            logger.warning("could not tell the user about the error: %s", redact(str(exc), token))

    return on_error


def build_application(
    config: Config,
    *,
    persistence: BasePersistence | None = None,
    on_feedback: FeedbackHook | None = None,
    on_answer: AnswerHook | None = None,
    extra_handlers: Iterable[tuple[BaseHandler, int]] = (),
    request: Any = None,
    get_updates_request: Any = None,
) -> Application:
    """Wire every handler into one Application.

    extra_handlers (handler, group) are added before the bot's own, so e.g. admin commands win over
    the unknown-command reply and a flood guard in group -1 runs first; request objects may be
    injected for tests.
    """
    processor = PerChatUpdateProcessor(MAX_CONCURRENT_UPDATES)
    queue = _CountingQueue()
    builder = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.bot_api_url)
        .base_file_url(config.file_api_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(processor)
        .update_queue(queue)
        .post_init(post_init)
    )
    if request is not None:
        builder = builder.request(request)
    builder = builder.get_updates_request(
        get_updates_request or PacedGetUpdatesRequest(queue, processor, batch=FETCH_AHEAD, ahead=FETCH_AHEAD)
    )
    if persistence is not None:
        builder = builder.persistence(persistence)
    app = builder.build()
    hooks = Hooks(on_feedback=on_feedback, on_answer=on_answer)

    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE

    for handler, group in extra_handlers:
        app.add_handler(handler, group)
    app.add_handler(_eligibility_conversation(persistent=persistence is not None))
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("deadline", partial(deadline, hooks=hooks)))
    app.add_handler(CommandHandler("funding", partial(funding, hooks=hooks)))
    app.add_handler(CommandHandler("sections", sections))
    app.add_handler(CommandHandler("faq", faq))
    app.add_handler(CommandHandler("source", source))
    app.add_handler(MessageHandler(private & filters.COMMAND, unknown_command))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, partial(private_question, hooks=hooks)))
    app.add_handler(MessageHandler(groups & filters.TEXT & ~filters.COMMAND, partial(group_message, hooks=hooks)))
    app.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, non_text))
    # Edits in groups stay unanswered, like the rest of a group's chatter.
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE, edited_message))
    app.add_handler(CallbackQueryHandler(partial(go_button, hooks=hooks), pattern=f"^{CB_GO}"))
    app.add_handler(CallbackQueryHandler(partial(answer_button, hooks=hooks), pattern=f"^{CB_ANSWER}"))
    app.add_handler(CallbackQueryHandler(partial(faq_button, hooks=hooks), pattern=f"^{CB_FAQ}"))
    app.add_handler(CallbackQueryHandler(section_text_button, pattern=f"^{CB_SECTION_TEXT}"))
    app.add_handler(CallbackQueryHandler(section_button, pattern=f"^{CB_SECTION}"))
    app.add_handler(CallbackQueryHandler(stale_button))
    app.add_handler(InlineQueryHandler(inline_query))
    app.add_error_handler(_error_handler(config.token))
    return app


def run(config: Config, **build_options: Any) -> None:
    """Serve Telegram: long polling, or a webhook when WEBHOOK_URL is set.

    build_options go to build_application (persistence, on_feedback, on_answer, extra_handlers).
    """
    configure_logging(config)
    app = build_application(config, **build_options)
    if config.webhook_url:
        path = urlsplit(config.webhook_url).path.lstrip("/")
        logger.info("serving a webhook on 0.0.0.0:%d/%s", config.port, path)
        app.run_webhook(
            listen="0.0.0.0",
            port=config.port,
            url_path=path,
            webhook_url=config.webhook_url,
            # Telegram echoes this in a header, so the bot can refuse requests that are not Telegram's.
            secret_token=secrets.token_urlsafe(32),
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        logger.info("serving by long polling from %s", config.base_url)
        app.run_polling(allowed_updates=Update.ALL_TYPES)
