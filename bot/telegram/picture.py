"""Pictures in Telegram: /picture and the 🖼 button send the notice's 一图读懂 card, inline mode offers it as a
cached photo, and admin /stats sends its chart.

Drawing runs in a worker thread (asyncio.to_thread), so a render never holds up other chats; Pillow is
imported there, on the first picture asked for, never at start-up. Once Telegram has a picture, its file id
is kept per picture digest, so the same picture is sent again (and offered inline) without uploading it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from telegram import InlineQueryResultCachedPhoto, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from handlers.clock import today
from knowledge.base import KnowledgeBase

from .. import library
from .render import esc, tg_len
from .texts import PICTURE_CAPTION, PICTURE_FAILED, PICTURE_INLINE_TITLE, STATS_CHART_CAPTION

_LOGGER = logging.getLogger(__name__)

MAX_CAPTION = 1024  # Telegram's limit for a caption, in UTF-16 units after entity parsing
CMD_PICTURE = "picture"
CB_PICTURE = "pic"  # the 🖼 button under /start
FILE_IDS = "picture_file_ids"  # bot_data: picture digest -> Telegram file id
MAX_FILE_IDS = 64  # digests change daily (the countdown); old ones are dropped
CHART_DAYS = 30


def _knowledge(context: ContextTypes.DEFAULT_TYPE) -> KnowledgeBase:
    """The knowledge base of the chat's notice: the one the bot answers from."""
    return library.current()


def _file_ids(context: ContextTypes.DEFAULT_TYPE) -> dict[str, str]:
    return context.bot_data.setdefault(FILE_IDS, {})


def _remember(context: ContextTypes.DEFAULT_TYPE, key: str, sent: Message) -> None:
    if sent.photo:
        ids = _file_ids(context)
        ids[key] = sent.photo[-1].file_id
        for old in list(ids)[:-MAX_FILE_IDS]:
            del ids[old]


def caption(kb: KnowledgeBase) -> str:
    """The photo's caption as HTML: the notice's title (cut to fit), and how to check each item."""
    title = str(kb.notice.meta.get("title") or kb.key)
    frame = PICTURE_CAPTION.format(title="", day=today().isoformat())
    room = MAX_CAPTION - tg_len(frame) - 1
    while tg_len(esc(title)) > room:
        title = title[:-2] + "…"
    return PICTURE_CAPTION.format(title=esc(title), day=today().isoformat())


async def _render(kb: KnowledgeBase) -> tuple[str, bytes]:
    from ..picture import card_picture  # Pillow is loaded with the first picture, not with the bot

    return await asyncio.to_thread(card_picture, kb, today())


async def send_picture(target: Message, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the card of the chat's notice as a photo, by file id when Telegram has it already."""
    kb = _knowledge(context)
    try:
        key, png = await _render(kb)
    except Exception:  # noqa: BLE001 - a picture that cannot be drawn must still get a reply
        _LOGGER.exception("could not draw the picture of %s", kb.key)
        await target.reply_text(PICTURE_FAILED)
        return
    text = caption(kb)
    known = _file_ids(context).get(key)
    if known:
        try:
            await target.reply_photo(known, caption=text, parse_mode=ParseMode.HTML)
            return
        except BadRequest:  # the file id is no longer valid: upload the picture again
            _file_ids(context).pop(key, None)
    sent = await target.reply_photo(png, caption=text, parse_mode=ParseMode.HTML, filename=f"{kb.key}.png")
    _remember(context, key, sent)


async def picture_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the notice's 一图读懂 picture."""
    await send_picture(update.effective_message, context)


async def picture_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the picture when the 🖼 button under /start is pressed."""
    query = update.callback_query
    await query.answer()
    if isinstance(query.message, Message):
        await send_picture(query.message, context)


def inline_results(context: ContextTypes.DEFAULT_TYPE) -> list[InlineQueryResultCachedPhoto]:
    """The picture as a cached photo for inline mode, once Telegram holds today's picture (no upload here)."""
    kb = _knowledge(context)
    ids = _file_ids(context)
    if not ids:
        return []
    from ..picture import digest  # only when a picture was sent before: Pillow is loaded already
    from handlers.card import build_card

    key = digest(build_card(kb, today()))
    if key not in ids:
        return []
    return [
        InlineQueryResultCachedPhoto(
            id=f"pic-{key}",
            photo_file_id=ids[key],
            title=PICTURE_INLINE_TITLE,
            caption=caption(kb),
            parse_mode=ParseMode.HTML,
        )
    ]


async def send_stats_chart(message: Message, daily: Sequence, stats, label: Callable[[str], str] = str) -> None:
    """The /stats chart: questions per day over 30 days, the share answered, top intents and notices, 👍/👎."""
    from ..picture import ChartData, render_chart

    data = ChartData(
        days=daily,
        answered_share=stats.answered_share,
        top_intents=[(label(intent), n) for intent, n in stats.top_intents],
        thumbs_up=stats.thumbs_up,
        thumbs_down=stats.thumbs_down,
        top_notices=[(library.short_title(key), n) for key, n in stats.top_notices],
    )
    try:
        png = await asyncio.to_thread(render_chart, data)
    except Exception:  # noqa: BLE001 - the figures still go out as text
        _LOGGER.exception("could not draw the /stats chart")
        return
    await message.reply_photo(png, caption=STATS_CHART_CAPTION, filename="stats.png")


def picture_handlers() -> list:
    """/picture and the 🖼 button, to register before the unknown-command reply and the stale-button reply."""
    return [
        CommandHandler(CMD_PICTURE, picture_command),
        CallbackQueryHandler(picture_button, pattern=f"^{CB_PICTURE}$"),
    ]
