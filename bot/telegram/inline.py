"""Inline mode: answer cards a user can send into any chat by typing @bot and a question."""

from __future__ import annotations

import hashlib

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode

from handlers import browse

from .. import library
from ..chat import ask
from .state import BotContext
from .render import render_inline_card
from .answers import MAX_QUESTION_CHARS
from .markup import NO_PREVIEW

MAX_INLINE_RESULTS = 5  # curated questions offered for an empty query
INLINE_CACHE_SECONDS = 300


async def inline_query(update: Update, context: BotContext) -> None:
    """Offer answer cards (direct answer and its citation) to send into any chat."""
    query = update.inline_query
    text = " ".join((query.query or "").split())
    questions = [text[:MAX_QUESTION_CHARS]] if text else browse.faq(library.current())[:MAX_INLINE_RESULTS]
    answers = [ask(q).answer for q in questions]  # each card stands alone: no follow-up context
    results = []
    for answer in answers:
        card = render_inline_card(answer)
        # The id only has to be stable for the same card, so Telegram's cache can reuse it.
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
