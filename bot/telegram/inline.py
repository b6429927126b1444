"""Inline mode: answer cards a user can send into any chat by typing @bot and a question."""

from __future__ import annotations

import hashlib

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode

import handlers
from handlers import browse
from handlers.routing import answer_in_library

from .. import library
from .render import MAX_MESSAGE, esc, render_inline_card, tg_len
from .state import BotContext
from .answers import MAX_QUESTION_CHARS
from .markup import NO_PREVIEW
from .picture import inline_results

MAX_INLINE_RESULTS = 5  # curated questions offered for an empty query
INLINE_CACHE_SECONDS = 300


def _across_notices(text: str) -> list[handlers.Answer]:
    """The answer from the notice the question goes to, then from each other notice that fits about as well."""
    known = library.notices()
    first = answer_in_library(text, library=known)
    others = [handlers.answer_question(text, kb=known.get(key)) for key in first.alternatives]
    for other in others:
        other.notice_title = known.notices[other.notice].short_title
    return [first, *others][:MAX_INLINE_RESULTS]


async def inline_query(update: Update, context: BotContext) -> None:
    """Offer answer cards (direct answer and its citation) to send into any chat."""
    query = update.inline_query
    text = " ".join((query.query or "").split())
    if text:
        answers = _across_notices(text[:MAX_QUESTION_CHARS])
    else:
        kb = library.current()
        answers = [handlers.answer_question(q, kb=kb) for q in browse.faq(kb)[:MAX_INLINE_RESULTS]]
    results = [] if text else list(inline_results(context))  # the picture first, with no query typed
    for answer in answers:
        label = f"<b>《{esc(answer.notice_title)}》</b>\n" if answer.notice_title else ""  # whose card it is
        card = render_inline_card(answer, limit=MAX_MESSAGE - tg_len(label))
        # The id only has to be stable for the same card, so Telegram's cache can reuse it.
        digest = hashlib.sha256(f"{answer.notice}\n{answer.question}\n{card.html}".encode()).hexdigest()[:32]
        results.append(
            InlineQueryResultArticle(
                id=digest,
                title=card.title,
                description=f"《{answer.notice_title}》{card.description}" if answer.notice_title else card.description,
                input_message_content=InputTextMessageContent(
                    label + card.html, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
                ),
            )
        )
    await query.answer(results, cache_time=INLINE_CACHE_SECONDS)
