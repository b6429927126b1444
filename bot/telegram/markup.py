"""Building blocks of the bot's messages: buttons within Telegram's limits, short labels and keys, HTML replies."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ParseMode

MAX_CALLBACK_BYTES = 64  # Telegram rejects longer callback data
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_BASE36_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def button(label: str, data: str) -> InlineKeyboardButton:
    """An inline button, refusing callback data Telegram would reject."""
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return InlineKeyboardButton(label, callback_data=data)


def short(text: str, size: int = 40) -> str:
    """The text cut to size characters, with an ellipsis when cut (button labels stay one line)."""
    return text if len(text) <= size else text[: size - 1] + "…"


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
