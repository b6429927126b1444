"""The Telegram front end's wiring: one Application with every handler, the command menu, errors, serving.

The handlers live beside it: commands (/start, /help, topic shortcuts), answers (answers and their buttons,
free text, groups), browse (/sections, /faq, /source), eligibility (the guided check), inline (inline mode);
updates orders and paces the updates.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseHandler,
    BasePersistence,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from ..config import Config, configure_logging, redact
from .answers import (
    CB_ANSWER,
    AnswerHook,
    DeliveredHook,
    FeedbackHook,
    Hooks,
    answer_button,
    edited_message,
    group_message,
    non_text,
    private_question,
)
from .browse import (
    CB_FAQ,
    CB_SECTION,
    CB_SECTION_TEXT,
    faq,
    faq_button,
    section_button,
    section_text_button,
    sections,
    source,
)
from .commands import CB_GO, deadline, funding, go_button, help_command, start, stale_button, unknown_command
from .eligibility import eligibility_conversation
from .inline import inline_query
from .texts import COMMANDS, SORRY_TEXT
from .updates import (
    FETCH_AHEAD,
    MAX_CONCURRENT_UPDATES,
    CountingQueue,
    Ledger,
    PacedGetUpdatesRequest,
    PerChatUpdateProcessor,
    UpdateLog,
)

__all__ = ["TokenRejected", "build_application", "help_command", "post_init", "run"]

logger = logging.getLogger(__name__)

TOKEN_REJECTED = "Telegram rejected TELEGRAM_BOT_TOKEN; check the token from BotFather"


class TokenRejected(RuntimeError):
    """The Bot API refused the token (401 or 404 on getMe). Its message never holds the token."""

    def __init__(self) -> None:
        super().__init__(TOKEN_REJECTED)


async def post_init(application: Application) -> None:
    """Register the command menu (a server that refuses it must not stop the bot); start evicting idle state."""
    start_eviction = getattr(application.persistence, "start_eviction", None)
    if start_eviction is not None:
        start_eviction(application)
    try:
        await application.bot.set_my_commands([BotCommand(name, desc) for name, desc in COMMANDS])
    except TelegramError as exc:
        logger.warning("set_my_commands refused, continuing without a command menu: %s", exc)


async def post_stop(application: Application) -> None:
    """Stop the idle-state sweeps before the final save."""
    stop_eviction = getattr(application.persistence, "stop_eviction", None)
    if stop_eviction is not None:
        await stop_eviction()


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
            logger.log(
                level,
                "Bot API call failed while handling update %s: %s: %s",
                update_id,
                type(error).__name__,
                redact(str(error), token),
            )
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
    on_delivered: DeliveredHook | None = None,
    extra_handlers: Iterable[tuple[BaseHandler, int]] = (),
    update_log: UpdateLog | None = None,
    request: Any = None,
    get_updates_request: Any = None,
) -> Application:
    """Wire every handler into one Application.

    extra_handlers (handler, group) are added before the bot's own, so e.g. admin commands win over
    the unknown-command reply and a flood guard in group -1 runs first; update_log remembers handled update
    ids so that one delivered again after a restart is not answered twice; request objects may be injected
    for tests.
    """
    # One ledger of unfinished updates for the queue, the processor and the polling request (at-least-once);
    # update_log (the store) remembers handled update ids across restarts.
    ledger = Ledger(update_log)
    processor = PerChatUpdateProcessor(MAX_CONCURRENT_UPDATES, ledger)
    queue = CountingQueue(ledger)
    builder = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.bot_api_url)
        .base_file_url(config.file_api_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(processor)
        .update_queue(queue)
        .post_init(post_init)
        .post_stop(post_stop)
    )
    if request is not None:
        builder = builder.request(request)
    builder = builder.get_updates_request(
        get_updates_request or PacedGetUpdatesRequest(queue, processor, batch=FETCH_AHEAD, ahead=FETCH_AHEAD)
    )
    if persistence is not None:
        builder = builder.persistence(persistence)
    app = builder.build()
    hooks = Hooks(on_feedback=on_feedback, on_answer=on_answer, on_delivered=on_delivered)

    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE

    for handler, group in extra_handlers:
        app.add_handler(handler, group)
    app.add_handler(eligibility_conversation(persistent=persistence is not None))
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

    build_options go to build_application (persistence, on_feedback, on_answer, on_delivered, extra_handlers).
    """
    configure_logging(config)
    app = build_application(config, **build_options)
    try:
        _serve(app, config)
    except InvalidToken:
        # python-telegram-bot's message quotes the token; raise one that cannot, without the chain.
        raise TokenRejected() from None


def _serve(app: Application, config: Config) -> None:
    """Run the webhook or long polling until a stop signal."""
    if config.webhook_url:
        path = urlsplit(config.webhook_url).path.lstrip("/")
        logger.info("serving a webhook on 0.0.0.0:%d/%s", config.port, path)
        app.run_webhook(
            listen="0.0.0.0",
            port=config.port,
            url_path=path,
            webhook_url=config.webhook_url,
            # Telegram echoes this in a header, so the bot can refuse requests that are not Telegram's.
            # Stable across restarts (WEBHOOK_SECRET, or derived from the token), so Telegram's retries of
            # updates sent while the bot was down are accepted by the next process.
            secret_token=config.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        logger.info("serving by long polling from %s", config.base_url)
        app.run_polling(allowed_updates=Update.ALL_TYPES)
