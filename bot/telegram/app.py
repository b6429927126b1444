"""The Telegram front end's wiring: one Application with every handler, the menus and profile, errors, serving.

The handlers live beside it: commands (/start, /help, topic shortcuts), answers (answers and their buttons,
free text, groups), browse (/sections, /faq, /source and its links), eligibility (the guided check), inline
(inline mode), admin (/stats, /unanswered, /reload), flood (the flood guard); state holds the typed chat and
user data; updates orders and paces the updates.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable, Collection
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from .. import library
from ..config import Config, configure_logging, redact
from ..store import Store
from .admin import AdminTools
from ..chat import AnswerHook, DeliveredHook, FeedbackHook, Hooks
from .answers import (
    CB_ANSWER,
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
    SOURCE_LINK,
    faq,
    faq_button,
    section_button,
    section_text_button,
    sections,
    source,
    source_link,
)
from .commands import CB_GO, deadline, funding, go_button, help_command, start, stale_button, unknown_command
from .eligibility import eligibility_conversation
from .flood import FloodLimiter, flood_guard
from .inline import inline_query
from .notices import notice_handlers
from .picture import picture_handlers
from .render import shorten
from .state import CONTEXT_TYPES, BotContext, TypedPersistence
from .texts import (
    COMMANDS,
    DESCRIPTION,
    DESCRIPTION_EN,
    GENERIC_TITLE,
    MAX_DESCRIPTION,
    MAX_SHORT_DESCRIPTION,
    SHORT_DESCRIPTION,
    SHORT_DESCRIPTION_EN,
    SORRY_TEXT,
)
from .updates import (
    FETCH_AHEAD,
    MAX_CONCURRENT_UPDATES,
    CountingQueue,
    Ledger,
    PacedGetUpdatesRequest,
    PerChatUpdateProcessor,
    UpdateLog,
    current_update_id,
)

__all__ = ["TokenRejected", "build_application", "help_command", "post_init", "run"]

logger = logging.getLogger(__name__)

TOKEN_REJECTED = "Telegram rejected TELEGRAM_BOT_TOKEN; check the token from BotFather"


class TokenRejected(RuntimeError):
    """The Bot API refused the token (401 or 404 on getMe). Its message never holds the token."""

    def __init__(self) -> None:
        super().__init__(TOKEN_REJECTED)


async def post_init(application: Application, admin_ids: Collection[int] = ()) -> None:
    """Build the knowledge, start evicting idle state, then set the bot's menus and profile; a server that
    refuses one must not stop the bot."""
    start_eviction = getattr(application.persistence, "start_eviction", None)
    if start_eviction is not None:
        start_eviction(application)
    # Built now, not on the first question: the first user must not wait for the index.
    kb = library.current()
    title = str(kb.notice.meta.get("title") or GENERIC_TITLE)
    bot = application.bot
    public = [BotCommand(c.name, c.menu) for c in COMMANDS if not c.admin]
    english = [BotCommand(c.name, c.menu_en) for c in COMMANDS if not c.admin]
    everything = [BotCommand(c.name, c.menu) for c in COMMANDS]
    calls: list[tuple[str, Callable[[], Awaitable[bool]]]] = [
        ("set_my_commands", partial(bot.set_my_commands, public)),
        ("set_my_commands", partial(bot.set_my_commands, english, language_code="en")),
        # An admin's private chat has the admin's user id: there the menu also lists the admin commands.
        *(
            ("set_my_commands", partial(bot.set_my_commands, everything, scope=BotCommandScopeChat(admin)))
            for admin in sorted(admin_ids)
        ),
    ]
    for language, long, brief in (("", DESCRIPTION, SHORT_DESCRIPTION), ("en", DESCRIPTION_EN, SHORT_DESCRIPTION_EN)):
        long_text = shorten(long.format(title=title), MAX_DESCRIPTION)
        brief_text = shorten(brief.format(title=title), MAX_SHORT_DESCRIPTION)
        calls.append(("set_my_description", partial(bot.set_my_description, long_text, language_code=language)))
        calls.append(
            ("set_my_short_description", partial(bot.set_my_short_description, brief_text, language_code=language))
        )
    for name, call in calls:
        try:
            await call()
        except TelegramError as exc:
            logger.warning("%s refused, continuing without it: %s", name, exc)


async def post_stop(application: Application) -> None:
    """Stop the idle-state sweeps before the final save."""
    stop_eviction = getattr(application.persistence, "stop_eviction", None)
    if stop_eviction is not None:
        await stop_eviction()


def _error_handler(token: str) -> Callable[[object, BotContext], Awaitable[None]]:
    async def on_error(update: object, context: BotContext) -> None:
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
    store: Store | None = None,
    on_feedback: FeedbackHook | None = None,
    on_answer: AnswerHook | None = None,
    flood: FloodLimiter | None = None,
    presses: FloodLimiter | None = None,
    on_delivered: DeliveredHook | None = None,
    update_log: UpdateLog | None = None,
    request: Any = None,
    get_updates_request: Any = None,
) -> Application:
    """Wire every handler into one Application.

    With a store, conversation state persists in it (as plain JSON, idle chats evicted), every answer, vote and
    delivery is logged to it, handled update ids are remembered (so one delivered again after a restart is not
    answered twice) and the admin commands read it; on_answer/on_feedback/on_delivered and update_log (tests)
    replace the store's. flood, presses: the limiters of the flood guard for messages and button presses.
    Request objects may be injected for tests.
    """
    # One ledger of unfinished updates for the queue, the processor and the polling request (at-least-once);
    # update_log (the store) remembers handled update ids across restarts.
    ledger = Ledger(update_log or store)
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
        .post_init(partial(post_init, admin_ids=config.admin_ids))
        .post_stop(post_stop)
        .context_types(CONTEXT_TYPES)
    )
    if request is not None:
        builder = builder.request(request)
    builder = builder.get_updates_request(
        get_updates_request or PacedGetUpdatesRequest(queue, processor, batch=FETCH_AHEAD, ahead=FETCH_AHEAD)
    )
    if store is not None:
        builder = builder.persistence(TypedPersistence(store, idle_days=config.state_days))
        # Stored with the update's id, so that an update delivered again after a crash keeps one row.
        on_answer = on_answer or (
            lambda chat, answer, ms: store.log_answer(chat, answer, ms, update_id=current_update_id.get())
        )
        on_feedback = on_feedback or store.log_feedback_for
        on_delivered = on_delivered or store.mark_delivered
    app = builder.build()
    hooks = Hooks(on_feedback=on_feedback, on_answer=on_answer, on_delivered=on_delivered)

    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE

    app.add_handler(
        TypeHandler(Update, flood_guard(flood or FloodLimiter(), presses=presses)), group=-1
    )  # before every other handler
    if store is not None:
        # Before the unknown-command reply; others asking get /help, so the commands stay unseen.
        app.add_handlers(AdminTools(store, config.admin_ids, fallback=help_command).handlers())
    for handler, group in notice_handlers(config.db_path, hooks):  # /notices, /subscribe, news after /reload
        app.add_handler(handler, group)
    app.add_handler(eligibility_conversation(persistent=store is not None))
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("deadline", partial(deadline, hooks=hooks)))
    app.add_handler(CommandHandler("funding", partial(funding, hooks=hooks)))
    app.add_handler(CommandHandler("sections", sections))
    app.add_handler(CommandHandler("faq", faq))
    app.add_handler(CommandHandler("source", source))
    for handler in picture_handlers():  # /picture and the 🖼 button
        app.add_handler(handler)
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.Regex(SOURCE_LINK), source_link))
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

    build_options go to build_application (store, flood, on_feedback, on_answer, on_delivered, update_log).
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
