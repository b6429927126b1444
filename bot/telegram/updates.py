"""How updates reach the handlers: one at a time per chat, and polled only as fast as they are answered."""

from __future__ import annotations

import asyncio
import json
import re
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, Protocol

from telegram import Update
from telegram.ext import BaseUpdateProcessor
from telegram.request import HTTPXRequest, RequestData

logger = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 32
# Polling fetches at most this many updates at a time, and only while fewer are fetched but unfinished.
# On SIGTERM every fetched update is answered before exit; at Telegram's ~30 messages a second a
# backlog of under 2 x 32 drains in about two seconds, well inside a host's 10 s grace period.
FETCH_AHEAD = MAX_CONCURRENT_UPDATES
REFETCH_PAUSE = 1.0  # seconds to wait for an update to finish before asking Telegram again


# The id of the update being handled in this task, for storage hooks that know only the chat and the answer.
current_update_id: ContextVar[int | None] = ContextVar("current_update_id", default=None)


class UpdateLog(Protocol):
    """Where handled update ids are remembered across restarts (bot.store.Store is one)."""

    def update_handled(self, update_id: int) -> bool: ...

    def remember_update(self, update_id: int) -> None: ...


class Ledger:
    """Which fetched updates are unfinished, so getUpdates confirms only handled ones (at-least-once delivery).

    Telegram forgets every update below the offset of a getUpdates call. python-telegram-bot asks with the
    offset after the last update it fetched, which would confirm updates still queued or running: a kill -9
    then loses them. The paced request lowers the offset to the oldest unfinished update instead, so those
    are delivered again; the ones seen already in this process are dropped at the queue, and with an
    UpdateLog the ones handled by an earlier process are skipped, not answered twice.
    """

    def __init__(self, log: UpdateLog | None = None) -> None:
        self.log = log
        self.unfinished: set[int] = set()
        self.newest = -1  # every update up to this id has been queued by this process
        self.refetched = 0  # delivered again and dropped at the queue
        self.skipped = 0  # handled by an earlier process, delivered again after a restart

    def admit(self, update_id: int) -> bool:
        """Whether a fetched update is new to this process; a new one is unfinished until finish()."""
        if update_id <= self.newest:
            self.refetched += 1
            return False
        self.newest = update_id
        self.unfinished.add(update_id)
        return True

    def handled_before(self, update_id: int) -> bool:
        """Whether an earlier process handled this update (it is then finished without running again)."""
        if self.log is None or not self.log.update_handled(update_id):
            return False
        self.skipped += 1
        return True

    def finish(self, update_id: int, *, remember: bool = True) -> None:
        """The update is handled (its question stored, its reply tried): it may now be confirmed."""
        self.unfinished.discard(update_id)
        if remember and self.log is not None:
            try:
                self.log.remember_update(update_id)
            except Exception:  # noqa: BLE001 - a lost note costs at most one duplicate answer
                logger.warning("could not remember handled update %s", update_id, exc_info=True)

    def offset(self, requested: int) -> int:
        """The getUpdates offset that confirms only finished updates."""
        return min(requested, min(self.unfinished)) if self.unfinished else requested


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Process updates of different chats concurrently, but one at a time within a chat.

    ConversationHandler and the per-chat follow-up context need a chat's updates in order;
    other chats should not wait behind a slow one.
    """

    def __init__(self, max_concurrent_updates: int, ledger: Ledger | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, list[int]]] = {}
        self.finished = 0  # updates handled so far, for the polling backlog
        self.ledger = ledger or Ledger()
        self._progress = asyncio.Event()

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Handle one update (within the concurrency limit) unless an earlier process did, then finish it."""
        update_id = update.update_id if isinstance(update, Update) else None
        if update_id is not None and self.ledger.handled_before(update_id):
            coroutine.close()  # type: ignore[attr-defined]
            self._finished(update_id, remember=False)
            return
        token = current_update_id.set(update_id)
        try:
            await super().process_update(update, coroutine)
        finally:
            current_update_id.reset(token)
            self._finished(update_id)

    def _finished(self, update_id: int | None, *, remember: bool = True) -> None:
        if update_id is not None:
            self.ledger.finish(update_id, remember=remember)
        self.finished += 1
        self._progress.set()

    async def wait_for_progress(self, timeout: float | None = None) -> None:
        """Return once another update has been handled (or after timeout seconds)."""
        self._progress.clear()
        try:
            await asyncio.wait_for(self._progress.wait(), timeout)
        except asyncio.TimeoutError:
            pass

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
    """The Application's update queue: counts each update handed to it, drops one fetched again (see Ledger),
    and scrubs lone surrogates."""

    def __init__(self, ledger: Ledger | None = None) -> None:
        super().__init__()
        self.received = 0
        self.ledger = ledger or Ledger()

    def put_nowait(self, item: object) -> None:
        if isinstance(item, Update) and not self.ledger.admit(item.update_id):
            return
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
        self._received_before = -1  # queue.received when the last batch was asked for

    def _backlog(self) -> int:
        return self._queue.received - self._processor.finished

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **timeouts: Any
    ) -> tuple[int, bytes]:
        """Wait for the backlog to shrink, then ask for one batch, confirming only finished updates."""
        while self._backlog() >= self._ahead:
            await self._processor.wait_for_progress()
        ledger = self._queue.ledger
        # With the offset held back, Telegram answers at once with updates already in hand; when the last
        # batch brought nothing new, wait for one to finish instead of asking again straight away.
        if ledger.unfinished and self._queue.received == self._received_before:
            await self._processor.wait_for_progress(timeout=REFETCH_PAUSE)
        self._received_before = self._queue.received
        data = _WithLimit(request_data, self._batch, ledger.offset)
        return await super().do_request(url, method, data, **timeouts)


class _WithLimit(RequestData):
    """getUpdates parameters with `limit` set (python-telegram-bot's updater never sets it) and the offset
    lowered to the oldest unfinished update."""

    def __init__(self, inner: RequestData | None, limit: int, offset: Callable[[int], int]) -> None:
        super().__init__()
        self._inner = inner or RequestData()
        self._limit = limit
        self._offset = offset

    def _changed(self) -> dict[str, Any]:
        changed: dict[str, Any] = {"limit": self._limit}
        requested = self._inner.parameters.get("offset")
        if isinstance(requested, int):
            changed["offset"] = self._offset(requested)
        return changed

    @property
    def parameters(self) -> dict[str, Any]:
        return {**self._inner.parameters, **self._changed()}

    @property
    def json_parameters(self) -> dict[str, str]:
        return {**self._inner.json_parameters, **{k: json.dumps(v) for k, v in self._changed().items()}}
