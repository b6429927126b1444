"""How updates reach the handlers: one at a time per chat, and polled only as fast as they are answered."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor
from telegram.request import HTTPXRequest, RequestData

MAX_CONCURRENT_UPDATES = 32
# Polling fetches at most this many updates at a time, and only while fewer are fetched but unfinished.
# On SIGTERM every fetched update is answered before exit; at Telegram's ~30 messages a second a
# backlog of under 2 x 32 drains in about two seconds, well inside a host's 10 s grace period.
FETCH_AHEAD = MAX_CONCURRENT_UPDATES


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Process updates of different chats concurrently, but one at a time within a chat.

    ConversationHandler and the per-chat follow-up context need a chat's updates in order;
    other chats should not wait behind a slow one.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, list[int]]] = {}
        self.finished = 0  # updates handled so far, for the polling backlog
        self._progress = asyncio.Event()

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Handle one update (within the concurrency limit), then count it as finished."""
        try:
            await super().process_update(update, coroutine)
        finally:
            self.finished += 1
            self._progress.set()

    async def wait_for_progress(self) -> None:
        """Return once another update has been handled."""
        self._progress.clear()
        await self._progress.wait()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update after every earlier update of the same chat (or user) has finished."""
        chat = update.effective_chat if isinstance(update, Update) else None
        user = update.effective_user if isinstance(update, Update) else None
        key = chat.id if chat is not None else user.id if user is not None else None
        if key is None:  # e.g. inline queries: no order to keep
            await coroutine
            return
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                await coroutine
        finally:
            users[0] -= 1
            if users[0] == 0:
                self._locks.pop(key, None)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


_SURROGATE = re.compile("[\ud800-\udfff]")


def _scrubbed(value: Any) -> Any:
    """value (parsed JSON) with each lone surrogate in its strings replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {key: _scrubbed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item) for item in value]
    return value


def scrub(update: object) -> object:
    """The update, rebuilt with U+FFFD for every lone surrogate when it holds one, else itself.

    The Bot API's JSON may carry half of a UTF-16 pair ("\\ud83d"). Python keeps it, and then every
    UTF-16 offset (entities), HTTP body and SQLite row built from the text fails. U+FFFD is one UTF-16
    unit too, so entity offsets stay right.
    """
    if not isinstance(update, Update):
        return update
    data = update.to_dict()
    if not _SURROGATE.search(json.dumps(data, ensure_ascii=False)):
        return update
    try:
        bot = update.get_bot()
    except RuntimeError:  # an update built without a bot (tests)
        bot = None
    return Update.de_json(_scrubbed(data), bot)


class CountingQueue(asyncio.Queue):
    """The Application's update queue, counting every update handed to it, each scrubbed of lone surrogates."""

    def __init__(self) -> None:
        super().__init__()
        self.received = 0

    def put_nowait(self, item: object) -> None:
        self.received += 1
        super().put_nowait(scrub(item))


class PacedGetUpdatesRequest(HTTPXRequest):
    """getUpdates that fetches at most `batch` updates, and only while fewer than `ahead` fetched
    updates are unfinished.

    python-telegram-bot confirms everything it fetched when it stops and handles all of it first,
    while its updater would otherwise fetch every pending update at once; this keeps what a SIGTERM
    finds in hand small enough to answer within the host's grace period.
    """

    def __init__(self, queue: CountingQueue, processor: PerChatUpdateProcessor, batch: int, ahead: int) -> None:
        super().__init__()  # the same defaults python-telegram-bot uses for getUpdates
        self._queue, self._processor = queue, processor
        self._batch, self._ahead = batch, ahead

    def _backlog(self) -> int:
        return self._queue.received - self._processor.finished

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **timeouts: Any
    ) -> tuple[int, bytes]:
        """Wait for the backlog to shrink, then ask for one batch."""
        while self._backlog() >= self._ahead:
            await self._processor.wait_for_progress()
        return await super().do_request(url, method, _WithLimit(request_data, self._batch), **timeouts)


class _WithLimit(RequestData):
    """getUpdates parameters with `limit` set (python-telegram-bot's updater never sets it)."""

    def __init__(self, inner: RequestData | None, limit: int) -> None:
        super().__init__()
        self._inner = inner or RequestData()
        self._limit = limit

    @property
    def parameters(self) -> dict[str, Any]:
        return {**self._inner.parameters, "limit": self._limit}

    @property
    def json_parameters(self) -> dict[str, str]:
        return {**self._inner.json_parameters, "limit": str(self._limit)}
