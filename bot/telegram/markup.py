"""Building blocks of the bot's messages: buttons within Telegram's limits, short labels and keys, HTML replies."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ParseMode

from .render import shorten

MAX_CALLBACK_BYTES = 64  # Telegram rejects longer callback data
MAX_LABEL = 40  # characters of a button label, so it stays one line on a phone
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_BASE36_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def button(label: str, data: str) -> InlineKeyboardButton:
    """An inline button, refusing callback data Telegram would reject."""
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return InlineKeyboardButton(label, callback_data=data)


def short(text: str, size: int = MAX_LABEL) -> str:
    """A button label: one line, cut to size characters with an ellipsis."""
    return shorten(text, size)


def base36(number: int) -> str:
    """A non-negative number in base 36, the shortest ASCII form for keys inside callback data."""
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = _BASE36_DIGITS[rest] + out
        if not number:
            return out


async def send_html(target: Message, parts: list[str], markup: InlineKeyboardMarkup | None, *, quote: bool) -> None:
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
