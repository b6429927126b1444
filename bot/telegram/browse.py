"""Browsing the notice: /sections (the table of contents as buttons), /faq and /source, and their buttons."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode

from handlers import browse
from knowledge.base import KnowledgeBase

from .. import library
from .state import BotContext
from .render import SOURCE_COMMAND, clause_of_command, esc, render_answer
from ..chat import NO_HOOKS, Hooks
from .answers import answer_and_send, send_answer
from .markup import NO_PREVIEW, button, send_html, short
from .outline import parents
from .texts import (
    BACK_BUTTON,
    FAQ_EMPTY,
    FAQ_TITLE,
    NOT_FOUND_TEXT,
    SECTION_TEXT_BUTTON,
    SOURCE_MISSING_TEXT,
    SOURCE_USAGE_TEXT,
    STALE_TEXT,
    TOC_TITLE,
)

# Callback data
CB_SECTION = "s:"  # s:<section id>; "s:" alone is the table of contents
CB_SECTION_TEXT = "st:"  # st:<section id>, send the section's text as a card
CB_FAQ = "f:"  # f:<index into browse.faq(the chat's notice)>
SOURCE_LINK = rf"^/{SOURCE_COMMAND}[0-9a-z_]+(?:@\w+)?(?:\s|$)"  # the tap-able link under each citation


def chat_kb(context: BotContext) -> KnowledgeBase:
    """The notice this chat chose with /notices, else the default one."""
    return library.for_chat(context.chat_data.notice if context.chat_data is not None else None)


def _toc_screen(kb: KnowledgeBase) -> tuple[str, InlineKeyboardMarkup]:
    """The table of contents: one button per top-level section."""
    rows = [[button(short(s.label), f"{CB_SECTION}{s.id}")] for s in browse.toc(kb)]
    return TOC_TITLE, InlineKeyboardMarkup(rows)


async def reply_toc(message: Message, kb: KnowledgeBase) -> None:
    """Reply with the table of contents as buttons."""
    text, markup = _toc_screen(kb)
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def reply_faq(message: Message, kb: KnowledgeBase) -> None:
    """Reply with the curated questions as buttons, or say there are none."""
    questions = browse.faq(kb)
    if not questions:
        await message.reply_text(FAQ_EMPTY)
        return
    rows = [[button(short(q), f"{CB_FAQ}{i}")] for i, q in enumerate(questions)]
    await message.reply_text(FAQ_TITLE, parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(rows))


# ---------------------------------------------------------------- commands


async def sections(update: Update, context: BotContext) -> None:
    """Show the table of contents as buttons."""
    await reply_toc(update.effective_message, chat_kb(context))


async def faq(update: Update, context: BotContext) -> None:
    """List the curated questions as buttons."""
    await reply_faq(update.effective_message, chat_kb(context))


async def source(update: Update, context: BotContext) -> None:
    """Quote one clause by its id: /source <clause id>."""
    message = update.effective_message
    if not context.args:
        example = next(iter(sorted(parents())), "1")
        await message.reply_text(SOURCE_USAGE_TEXT.format(example=esc(example)))
        return
    await _reply_clause(message, context, context.args[0].strip())


async def source_link(update: Update, context: BotContext) -> None:
    """Quote the clause a tapped /source_… link under a citation names."""
    message = update.effective_message
    command = (message.text or "").split(maxsplit=1)[0]
    _, _, addressed = command.partition("@")
    if addressed and addressed.lower() != (context.bot.username or "").lower():
        return  # a command for another bot in the same group
    await _reply_clause(message, context, clause_of_command(command) or command.lstrip("/"))


async def _reply_clause(message: Message, context: BotContext, clause_id: str) -> None:
    """Reply with one clause's card, or say there is no such clause."""
    card = browse.source_card(clause_id, library.notices())
    if card is None:
        await message.reply_text(
            SOURCE_MISSING_TEXT.format(clause=esc(short(clause_id, 64))), parse_mode=ParseMode.HTML
        )
        return
    await send_answer(message, context.chat_data, card, feedback=False)


# ---------------------------------------------------------------- buttons


async def faq_button(update: Update, context: BotContext, hooks: Hooks = NO_HOOKS) -> None:
    """Open the answer card of one curated question."""
    query = update.callback_query
    index = (query.data or "")[len(CB_FAQ) :]
    questions = browse.faq(chat_kb(context))
    target = query.message
    if not index.isdigit() or int(index) >= len(questions) or not isinstance(target, Message):
        await query.answer(STALE_TEXT, show_alert=True)
        return
    await query.answer()
    await answer_and_send(target, context, questions[int(index)], hooks, fresh=True)


async def section_button(update: Update, context: BotContext) -> None:
    """Move through the table of contents; a section without subsections shows its text."""
    query = update.callback_query
    section_id = (query.data or "")[len(CB_SECTION) :]
    kb = chat_kb(context)
    if not section_id:
        text, markup = _toc_screen(kb)
        await query.answer()
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        return
    node = browse.section(section_id, kb)
    if node is None:
        await query.answer(NOT_FOUND_TEXT, show_alert=True)
        return
    await query.answer()
    parent = parents(kb).get(section_id)
    back = button(BACK_BUTTON, f"{CB_SECTION}{parent or ''}")
    if node.children:
        rows = []
        for child_id in node.children:
            child = browse.section(child_id, kb)
            if child is not None:
                rows.append([button(short(child.label), f"{CB_SECTION}{child.id}")])
        rows.append([button(SECTION_TEXT_BUTTON, f"{CB_SECTION_TEXT}{node.id}")])
        rows.append([back])
        await query.edit_message_text(
            f"<b>{esc(node.path)}</b>", parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(rows)
        )
        return
    card = browse.section_card(section_id, kb)
    parts = render_answer(card) if card is not None else [f"<b>{esc(node.path)}</b>"]
    # The text replaces the menu so browsing stays in one message; overflow goes below it.
    await query.edit_message_text(
        parts[0],
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup([[back]]),
        link_preview_options=NO_PREVIEW,
    )
    if len(parts) > 1 and isinstance(query.message, Message):
        await send_html(query.message, parts[1:], None, quote=False)


async def section_text_button(update: Update, context: BotContext) -> None:
    """Send a whole section's text as a forwardable card."""
    query = update.callback_query
    section_id = (query.data or "")[len(CB_SECTION_TEXT) :]
    card = browse.section_card(section_id, chat_kb(context)) if section_id else None
    if card is None or not isinstance(query.message, Message):
        await query.answer(NOT_FOUND_TEXT, show_alert=True)
        return
    await query.answer()
    await send_answer(query.message, context.chat_data, card, feedback=False, full_section=False)
