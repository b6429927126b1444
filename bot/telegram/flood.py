"""Per-user flood limit: a burst gets one polite notice, then silence until the user slows down.

FloodLimiter is pure and takes its clock as an argument, so tests need no sleeping; flood_guard()
wraps it as a python-telegram-bot callback for a handler group that runs before all others.
"""

from __future__ import annotations

import enum
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

_LOGGER = logging.getLogger(__name__)

DEFAULT_LIMIT = 20  # messages ...
DEFAULT_WINDOW = 60.0  # ... per this many seconds
FLOOD_NOTICE = "您发送消息过于频繁，请稍候一分钟再提问。"
PRESS_LIMIT = 40  # button presses per window: a reader paging through sections stays well under it
PRESS_NOTICE = "点得太快了,请稍候再试。"


class Verdict(enum.Enum):
    ALLOW = "allow"  # handle the message as usual
    NOTIFY = "notify"  # first message over the limit: send the notice, do not answer
    DROP = "drop"  # still flooding: stay silent


@dataclass
class _Sender:
    times: deque  # arrival times of the most recent messages, the oldest first
    muted: bool = False


@dataclass
class FloodLimiter:
    """Sliding-window counter per user with hysteresis.

    A user goes quiet once more than `limit` messages fall in `window` seconds, and is heard again
    only when at most `calm` of them do; without that gap, someone hovering at the limit would get
    a notice every other message.
    """

    limit: int = DEFAULT_LIMIT
    window: float = DEFAULT_WINDOW
    calm: int | None = None  # default: half the limit
    clock: Callable[[], float] = time.monotonic
    _senders: dict[Hashable, _Sender] = field(default_factory=dict, init=False, repr=False)
    _last_sweep: float = field(default=float("-inf"), init=False, repr=False)

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        if self.calm is None:
            self.calm = self.limit // 2
        if not 0 <= self.calm <= self.limit:
            raise ValueError("calm must be between 0 and limit")

    def check(self, user: Hashable, now: float | None = None) -> Verdict:
        """Count one message from `user` and say what to do with it."""
        now = self.clock() if now is None else now
        self._sweep(now)
        sender = self._senders.get(user)
        if sender is None:
            # limit + 1 timestamps are all it takes to tell "over the limit"; memory stays bounded
            sender = self._senders[user] = _Sender(deque(maxlen=self.limit + 1))
        sender.times.append(now)
        recent = sum(1 for t in sender.times if now - t < self.window)
        if sender.muted:
            if recent <= self.calm:
                sender.muted = False
                return Verdict.ALLOW
            return Verdict.DROP
        if recent > self.limit:
            sender.muted = True
            return Verdict.NOTIFY
        return Verdict.ALLOW

    def tracked(self) -> int:
        """How many users are remembered (for tests and metrics)."""
        return len(self._senders)

    def _sweep(self, now: float) -> None:
        """Forget users silent for a whole window, at most once per window."""
        if now - self._last_sweep < self.window:
            return
        self._last_sweep = now
        stale = [u for u, s in self._senders.items() if not s.times or now - s.times[-1] >= self.window]
        for user in stale:
            del self._senders[user]


def addressed_to_bot(update: Any, bot_id: int, username: str | None) -> bool:
    """Whether an update is meant for the bot: anything in a private chat; in a group, a command (bare or
    /cmd@this_bot), a mention of the bot, or a reply to one of its messages. Group chatter is not."""
    from telegram import MessageEntity
    from telegram.constants import ChatType

    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return True
    message = update.message or update.edited_message
    if message is None:
        return False  # member changes, reactions and the like in a group
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return True
    handle = f"@{username}".lower() if username else None
    for entity in message.entities or ():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None and entity.user.id == bot_id:
            return True
        if entity.type in (MessageEntity.MENTION, MessageEntity.BOT_COMMAND):
            # Offsets count UTF-16 units; text before a mention or command is what makes them differ.
            value = message.text.encode("utf-16-le")[2 * entity.offset : 2 * (entity.offset + entity.length)]
            word = value.decode("utf-16-le", "replace").lower()
            if entity.type == MessageEntity.MENTION and word == handle:
                return True
            if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
                target = word.partition("@")[2]
                if not target or f"@{target}" == handle:
                    return True
    return False


def flood_guard(
    limiter: FloodLimiter,
    notice: str = FLOOD_NOTICE,
    presses: FloodLimiter | None = None,
    press_notice: str = PRESS_NOTICE,
) -> Callable[[Any, Any], Awaitable[None]]:
    """A TypeHandler callback for handler group -1: stops flooding updates before any other handler.

    Only updates addressed to the bot count (private messages, commands, mentions, replies to the bot), so
    a busy group does not silence a member who then asks the bot. Only private chats get the notice; in
    groups the bot stays silent, as it does for noise there. Button presses have their own, higher limit,
    and every press over it is answered with a short alert, so no button is left spinning.
    """
    # Imported here so the limiter itself stays usable without python-telegram-bot
    from telegram.constants import ChatType
    from telegram.error import TelegramError
    from telegram.ext import ApplicationHandlerStop

    presses = presses or FloodLimiter(limit=PRESS_LIMIT, window=limiter.window)

    async def guard(update: Any, context: Any) -> None:
        """Let the update through, or answer the first excess message once and drop the rest."""
        user = update.effective_user
        if user is None or update.inline_query is not None:
            return
        query = update.callback_query
        if query is not None:
            if presses.check(user.id) is Verdict.ALLOW:
                return
            try:
                await query.answer(press_notice, show_alert=True)
            except TelegramError:
                _LOGGER.warning("could not answer an over-limit button press", exc_info=True)
            raise ApplicationHandlerStop
        if not addressed_to_bot(update, context.bot.id, context.bot.username):
            return
        verdict = limiter.check(user.id)
        if verdict is Verdict.ALLOW:
            return
        chat = update.effective_chat
        message = update.effective_message
        if verdict is Verdict.NOTIFY and message is not None and chat is not None and chat.type == ChatType.PRIVATE:
            try:
                await message.reply_text(notice)
            except TelegramError:
                # the update must still be stopped; a lost notice is harmless
                _LOGGER.warning("could not send the flood notice", exc_info=True)
        raise ApplicationHandlerStop

    return guard
