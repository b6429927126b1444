"""Sending a reply that must arrive: retried with backoff when the connection fails, else an apology.

The question is stored before any of this runs, so a reply that cannot be sent costs the user the answer,
never the record of the question.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Message
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError

from ..config import redact
from .texts import SEND_FAILED_TEXT

logger = logging.getLogger(__name__)

SEND_ATTEMPTS = 3  # the first try and two retries
BACKOFF_SECONDS = 0.5  # before the first retry; doubled before each next one


async def deliver(
    send: Callable[[], Awaitable[object]],
    target: Message,
    *,
    attempts: int = SEND_ATTEMPTS,
    backoff: float = BACKOFF_SECONDS,
) -> bool:
    """Run send(); retry a dropped connection with backoff; on failure apologise in plain text. True if sent.

    A refused message (400, e.g. markup the server rejects) is not sent again as it was: the same request
    would be refused again. A chat that blocked the bot (403) gets nothing, as nothing can reach it.
    (AIORateLimiter already waits out a 429 before any of this sees it.)
    """
    token = target.get_bot().token
    delay = backoff
    for attempt in range(1, attempts + 1):
        try:
            await send()
            return True
        except Forbidden as exc:
            logger.info("reply not sent, the chat refuses the bot: %s", _said(exc, token))
            return False
        except BadRequest as exc:  # BadRequest subclasses NetworkError, so it is caught first
            logger.warning("reply refused by the Bot API: %s", _said(exc, token))
            break
        except NetworkError as exc:
            if attempt == attempts:
                logger.warning("reply not sent after %d attempts: %s", attempts, _said(exc, token))
                break
            logger.info("reply failed (%s), retrying in %.1f s", _said(exc, token), delay)
            await asyncio.sleep(delay)
            delay *= 2
    try:
        await target.reply_text(SEND_FAILED_TEXT)
    except TelegramError as exc:
        logger.warning("could not send the apology either: %s", _said(exc, token))
    return False


def _said(exc: Exception, token: str) -> str:
    """The error's type and message for one log line, without the token (error texts may quote a URL)."""
    return f"{type(exc).__name__}: {redact(str(exc), token)}"
