"""python-telegram-bot persistence kept in the bot's SQLite store as JSON, so chats survive a restart.

The Application hands us user_data, chat_data, bot_data, callback data and ConversationHandler
states every `update_interval` seconds and once more on shutdown; each is written as one JSON row of
the store's key-value table. The state is plain data (dicts, lists, strings, numbers), so nothing read
back can run code, and a row that does not decode, or has the wrong shape, is dropped (with one warning
per load) instead of stopping start-up or answering a chat "出了点问题" for ever.

State of a chat or user idle for `idle_days` is evicted from memory and from the database.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from telegram.ext import Application, BasePersistence, PersistenceInput

from ..store import Store

# The shapes BasePersistence documents (PTB keeps its own aliases private)
ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]

_LOGGER = logging.getLogger(__name__)

USER_DATA = "user_data"
CHAT_DATA = "chat_data"
BOT_DATA = "bot_data"
CALLBACK_DATA = "callback_data"
CONVERSATION_PREFIX = "conversation:"
_SINGLE = ""  # key of the kinds that hold one value

# Short enough that a crash loses little, long enough that idle chats cost nothing
DEFAULT_UPDATE_INTERVAL = 5.0
DEFAULT_IDLE_DAYS = 30.0
EVICT_EVERY_SECONDS = 3600.0
# An unchanged row is not written again, unless its time stamp is this old (so an active chat never looks idle).
TOUCH_AFTER_SECONDS = 3600.0


def _is_text_or_none(value: object) -> bool:
    return value is None or isinstance(value, str)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_answer_entry(entry: object) -> bool:
    """What answers.py keeps per answer for its buttons."""
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("q", ""), str)
        and _is_text_or_none(entry.get("section"))
        and _is_text_or_none(entry.get("clause"))
        and isinstance(entry.get("related", []), list)
        and all(isinstance(q, str) for q in entry.get("related", []))
        and (entry.get("feedback") is None or entry.get("feedback") in (1, -1))
    )


# The keys the bot's handlers read, and the shape each must have; other keys are kept as they are.
CHAT_SHAPES: dict[str, Callable[[object], bool]] = {
    "ctx": lambda v: isinstance(v, dict) and all(_is_text_or_none(x) for x in v.values()),
    "answers": lambda v: isinstance(v, dict) and all(_is_answer_entry(e) for e in v.values()),
    "answer_serial": _is_count,
}
USER_SHAPES: dict[str, Callable[[object], bool]] = {
    "elig_serial": _is_count,
    "elig": lambda v: (
        isinstance(v, dict)
        and isinstance(v.get("session"), str)
        and _is_count(v.get("step"))
        and v.get("step") >= 0
        and _is_text_or_none(v.get("asker"))
        and isinstance(v.get("answers"), dict)
    ),
}


class SQLitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """BasePersistence over bot.store.Store; pass the bot's Store to share one database file."""

    def __init__(
        self,
        store: Store | str | os.PathLike | None = None,
        store_data: PersistenceInput | None = None,
        update_interval: float = DEFAULT_UPDATE_INTERVAL,
        idle_days: float = DEFAULT_IDLE_DAYS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(store_data=store_data, update_interval=update_interval)
        # A Store handed in belongs to the caller, who closes it after the Application shut down
        self._owns_store = not isinstance(store, Store)
        self.store: Store = store if isinstance(store, Store) else Store(store)
        self.idle_days = idle_days
        self._clock = clock
        # A 16-byte digest and the write time per row, to skip no-op writes (not a copy of the row)
        self._written: dict[tuple[str, str], tuple[bytes, float]] = {}
        self._dropped: Counter[str] = Counter()
        self._evictor: asyncio.Task | None = None

    # -- serialisation --------------------------------------------------------------------------

    @staticmethod
    def _dump(value: object) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")

    def _decode(self, kind: str, blob: bytes) -> tuple[bool, object]:
        """Parse one row; anything but JSON (an old pickle, garbage) is dropped, never executed."""
        try:
            return True, json.loads(bytes(blob).decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self._dropped[f"{kind} (not JSON)"] += 1
            return False, None

    def _read_all(self, kind: str, check: Callable[[str, object, Counter], object | None]) -> dict[str, object]:
        """Every usable row of one kind, passed through check (which returns None for a wrong shape)."""
        cutoff = self._clock() - self.idle_days * 86400
        idle = set(self.store.kv_idle(kind, cutoff))
        result, bad = {}, []
        for key, blob in self.store.kv_all(kind).items():
            if key in idle:
                continue
            ok, value = self._decode(kind, blob)
            value = check(key, value, self._dropped) if ok else None
            if value is None:
                if ok:
                    self._dropped[f"{kind} (wrong shape)"] += 1
                bad.append(key)
                continue
            result[key] = value
            self._written[(kind, key)] = (_digest(blob), self._clock())
        if idle:
            _LOGGER.info("evicted the %s of %d chats or users idle for %g days", kind, len(idle), self.idle_days)
        self.store.kv_delete_many(kind, idle | set(bad))
        self._warn_dropped()
        return result

    def _warn_dropped(self) -> None:
        """One warning for all rows dropped in one load."""
        if self._dropped:
            summary = ", ".join(f"{n} {what}" for what, n in sorted(self._dropped.items()))
            _LOGGER.warning("dropped unusable persisted state: %s", summary)
            self._dropped.clear()

    def _read_one(self, kind: str) -> tuple[bool, object]:
        blob = self.store.kv_get(kind, _SINGLE)
        if blob is None:
            return False, None
        ok, value = self._decode(kind, blob)
        self._warn_dropped()
        return ok, value

    def _write(self, kind: str, key: str, value: object) -> None:
        try:
            blob = self._dump(value)
        except (TypeError, ValueError):
            # Only plain data is kept; a handler that put an object here loses it at a restart, not the rest.
            _LOGGER.warning("not persisting %s %r: it holds something other than plain data", kind, key)
            return
        now = self._clock()
        digest = _digest(blob)
        last = self._written.get((kind, key))
        if last is not None and last[0] == digest and now - last[1] < TOUCH_AFTER_SECONDS:
            return
        self.store.kv_put(kind, key, blob, ts=now)
        self._written[(kind, key)] = (digest, now)

    def _delete(self, kind: str, key: str) -> None:
        self.store.kv_delete(kind, key)
        self._written.pop((kind, key), None)

    # -- user, chat and bot data ----------------------------------------------------------------

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        """All stored user_data by user id."""
        return {int(k): v for k, v in self._read_all(USER_DATA, _shaped(USER_SHAPES)).items()}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        """All stored chat_data by chat id."""
        return {int(k): v for k, v in self._read_all(CHAT_DATA, _shaped(CHAT_SHAPES)).items()}

    async def get_bot_data(self) -> dict[Any, Any]:
        """The stored bot_data, or an empty dict."""
        ok, value = self._read_one(BOT_DATA)
        return value if ok and isinstance(value, dict) else {}

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        """Save one user's data."""
        self._write(USER_DATA, str(user_id), data)

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Save one chat's data."""
        self._write(CHAT_DATA, str(chat_id), data)

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        """Save bot_data."""
        self._write(BOT_DATA, _SINGLE, data)

    async def drop_user_data(self, user_id: int) -> None:
        """Forget one user's data."""
        self._delete(USER_DATA, str(user_id))

    async def drop_chat_data(self, chat_id: int) -> None:
        """Forget one chat's data."""
        self._delete(CHAT_DATA, str(chat_id))

    # Nothing outside this process changes the data, so there is nothing to refresh from.
    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """No external source to refresh from."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """No external source to refresh from."""

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """No external source to refresh from."""

    # -- callback data and conversations --------------------------------------------------------

    async def get_callback_data(self) -> CDCData | None:
        """The stored arbitrary-callback-data cache, if any (JSON lists turned back into tuples)."""
        ok, value = self._read_one(CALLBACK_DATA)
        try:
            buttons, queries = value  # type: ignore[misc]
            return [tuple(entry) for entry in buttons], dict(queries)  # type: ignore[return-value]
        except (TypeError, ValueError):
            if ok:
                _LOGGER.warning("dropped unusable persisted state: 1 callback_data (wrong shape)")
            return None

    async def update_callback_data(self, data: CDCData) -> None:
        """Save the arbitrary-callback-data cache."""
        self._write(CALLBACK_DATA, _SINGLE, data)

    async def get_conversations(self, name: str) -> ConversationDict:
        """The states of one named ConversationHandler, by conversation key."""
        rows = self._read_all(CONVERSATION_PREFIX + name, _conversation_state)
        return {tuple(json.loads(key)): state for key, state in rows.items()}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        """Save one conversation's state; None means the conversation ended."""
        # JSON keeps ints and strs apart, which a plain str(key) would not
        row_key = json.dumps(list(key))
        if new_state is None:
            self._delete(CONVERSATION_PREFIX + name, row_key)
        else:
            self._write(CONVERSATION_PREFIX + name, row_key, new_state)

    # -- eviction of idle state -----------------------------------------------------------------

    def evict_idle(self, application: Application) -> int:
        """Drop, from memory and the database, the data of chats and users idle for idle_days; returns how many."""
        cutoff = self._clock() - self.idle_days * 86400
        evicted = 0
        for kind, drop in ((CHAT_DATA, application.drop_chat_data), (USER_DATA, application.drop_user_data)):
            for key in self.store.kv_idle(kind, cutoff):
                try:
                    drop(int(key))  # the Application forgets it now and tells us to delete the row
                except (KeyError, ValueError):
                    pass
                self._delete(kind, key)
                evicted += 1
        if evicted:
            _LOGGER.info("evicted the state of %d chats or users idle for %g days", evicted, self.idle_days)
        return evicted

    def start_eviction(self, application: Application, every: float = EVICT_EVERY_SECONDS) -> None:
        """Evict idle state once an hour while the application runs (cancelled by stop_eviction)."""

        async def loop() -> None:
            while True:
                await asyncio.sleep(every)
                try:
                    self.evict_idle(application)
                except Exception:  # noqa: BLE001 - a failed sweep is retried at the next one
                    _LOGGER.exception("evicting idle state failed")

        self._evictor = asyncio.get_running_loop().create_task(loop(), name="evict-idle-state")

    async def stop_eviction(self) -> None:
        if self._evictor is not None:
            self._evictor.cancel()
            self._evictor = None

    async def flush(self) -> None:
        """Called last by Application.shutdown(): checkpoint, and close the store if we opened it."""
        await self.stop_eviction()
        if self.store.closed:
            return
        if self._owns_store:
            self.store.close()
        else:
            self.store.checkpoint()


def _digest(blob: bytes) -> bytes:
    return hashlib.blake2b(blob, digest_size=16).digest()


def _shaped(shapes: dict[str, Callable[[object], bool]]) -> Callable[[str, object, Counter], dict | None]:
    """A check for user or chat data: an int key and a dict; a known key of the wrong shape is removed."""

    def check(key: str, value: object, dropped: Counter) -> dict | None:
        try:
            int(key)
        except ValueError:
            return None
        if not isinstance(value, dict):
            return None
        wrong = [name for name, ok in shapes.items() if name in value and not ok(value[name])]
        for name in wrong:
            del value[name]
            dropped[f"{name} (wrong shape)"] += 1
        return value

    return check


def _conversation_state(key: str, value: object, dropped: Counter) -> object | None:
    """A ConversationHandler state (an int or a str) under a key that is a JSON list of ints and strs."""
    try:
        parts = json.loads(key)
    except ValueError:
        return None
    if not isinstance(parts, list) or not all(isinstance(p, (int, str)) and not isinstance(p, bool) for p in parts):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    return value
