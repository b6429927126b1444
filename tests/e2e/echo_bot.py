"""A minimal python-telegram-bot echo bot: the harness self-test runs it against the emulator.

It exercises exactly what the emulator's gaps break (getMe, the sendMessage answer's date, callback
queries, edits answering the edited message), so the harness is proven independently of the real bot.
Reads TELEGRAM_BOT_TOKEN and TELEGRAM_BASE_URL like the real bot.
"""

from __future__ import annotations

import html
import logging
import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

PRESS = "press"
DOCUMENT = "doc"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet with one button, and register commands as the real bot does."""
    await context.bot.set_my_commands([("start", "greet")])
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("按我", callback_data=PRESS)]])
    await update.effective_message.reply_text(f"你好 {context.bot.username}", reply_markup=keyboard)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo text back, escaped; the message object returned must parse (date in seconds)."""
    sent = await update.effective_message.reply_text(
        f"<b>echo</b> {html.escape(update.effective_message.text)}", parse_mode=ParseMode.HTML
    )
    assert sent.date.year >= 2020, sent.date  # a millisecond date would land in the far future


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the press and edit the message; the edit must return a Message."""
    query = update.callback_query
    await query.answer("收到")
    edited = await query.edit_message_text(f"pressed by {query.from_user.id} in {query.message.chat.type}")
    assert edited.message_id == query.message.message_id, edited


async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send a small file, as an export command would."""
    await update.effective_message.reply_document(b"hello", filename="hello.txt", caption="文件")


def build_application(token: str, base_url: str) -> Application:
    """Wire the echo bot."""
    app = Application.builder().token(token).base_url(f"{base_url}/bot").build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler(DOCUMENT, document))
    app.add_handler(CallbackQueryHandler(pressed, pattern=f"^{PRESS}$"))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # request URLs contain the token
    build_application(os.environ["TELEGRAM_BOT_TOKEN"], os.environ["TELEGRAM_BASE_URL"]).run_polling()


if __name__ == "__main__":
    main()
