"""python-telegram-bot persistence kept in the bot's SQLite store, so chats survive a restart.

The Application hands us user_data, chat_data, bot_data, callback data and ConversationHandler
states every `update_interval` seconds and once more on shutdown; each is pickled into the store's
key-value table. Pickle is fine here because only this process ever writes the database.
"""

from __future__ import annotations

import io
import json
import logging
import os
import pickle
from typing import Any

from telegram import Bot
from telegram.ext import BasePersistence, PersistenceInput

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
_BOT_MARK = "notice-bot:bot"

# Short enough that a crash loses little, long enough that idle chats cost nothing
DEFAULT_UPDATE_INTERVAL = 5.0


class _Pickler(pickle.Pickler):
    """Stores a Bot as a marker: the token inside it must never reach the database."""

    def persistent_id(self, obj: object) -> str | None:
        return _BOT_MARK if isinstance(obj, Bot) else None


class _Unpickler(pickle.Unpickler):
    """Puts the running Bot back where a marker was stored."""

    def __init__(self, data: bytes, bot: Bot | None) -> None:
        super().__init__(io.BytesIO(data))
        self._bot = bot

    def persistent_load(self, pid: str) -> Bot | None:
        if pid == _BOT_MARK:
            return self._bot
        raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")


class SQLitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """BasePersistence over bot.store.Store; pass the bot's Store to share one database file."""

    def __init__(
        self,
        store: Store | str | os.PathLike | None = None,
        store_data: PersistenceInput | None = None,
        update_interval: float = DEFAULT_UPDATE_INTERVAL,
    ) -> None:
        super().__init__(store_data=store_data, update_interval=update_interval)
        # A Store handed in belongs to the caller, who closes it after the Application shut down
        self._owns_store = not isinstance(store, Store)
        self.store: Store = store if isinstance(store, Store) else Store(store)
        self._written: dict[tuple[str, str], bytes] = {}  # last blob per row, to skip no-op writes

    # -- serialisation --------------------------------------------------------------------------

    def _dump(self, value: object) -> bytes:
        buffer = io.BytesIO()
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
        return buffer.getvalue()

    def _load(self, kind: str, key: str, blob: bytes) -> tuple[bool, object]:
        """Unpickle one row; a row that no longer loads (code changed) is dropped, not fatal."""
        try:
            value = _Unpickler(blob, self.bot).load()
        except Exception:  # noqa: BLE001 - any unpickling failure means the same: forget the row
            _LOGGER.warning("dropping unreadable persisted %s entry %r", kind, key, exc_info=True)
            return False, None
        self._written[(kind, key)] = blob
        return True, value

    def _read_all(self, kind: str) -> dict[str, object]:
        result = {}
        for key, blob in self.store.kv_all(kind).items():
            ok, value = self._load(kind, key, blob)
            if ok:
                result[key] = value
        return result

    def _read_one(self, kind: str) -> tuple[bool, object]:
        blob = self.store.kv_get(kind, _SINGLE)
        return (False, None) if blob is None else self._load(kind, _SINGLE, blob)

    def _write(self, kind: str, key: str, value: object) -> None:
        blob = self._dump(value)
        if self._written.get((kind, key)) == blob:
            return
        self.store.kv_put(kind, key, blob)
        self._written[(kind, key)] = blob

    def _delete(self, kind: str, key: str) -> None:
        self.store.kv_delete(kind, key)
        self._written.pop((kind, key), None)

    # -- user, chat and bot data ----------------------------------------------------------------

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        """All stored user_data by user id."""
        return {int(k): v for k, v in self._read_all(USER_DATA).items()}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        """All stored chat_data by chat id."""
        return {int(k): v for k, v in self._read_all(CHAT_DATA).items()}

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
        """The stored arbitrary-callback-data cache, if any."""
        ok, value = self._read_one(CALLBACK_DATA)
        return value if ok else None  # type: ignore[return-value]

    async def update_callback_data(self, data: CDCData) -> None:
        """Save the arbitrary-callback-data cache."""
        self._write(CALLBACK_DATA, _SINGLE, data)

    async def get_conversations(self, name: str) -> ConversationDict:
        """The states of one named ConversationHandler, by conversation key."""
        return {tuple(json.loads(key)): state for key, state in self._read_all(CONVERSATION_PREFIX + name).items()}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        """Save one conversation's state; None means the conversation ended."""
        # JSON keeps ints and strs apart, which a plain str(key) would not
        row_key = json.dumps(list(key))
        if new_state is None:
            self._delete(CONVERSATION_PREFIX + name, row_key)
        else:
            self._write(CONVERSATION_PREFIX + name, row_key, new_state)

    async def flush(self) -> None:
        """Called last by Application.shutdown(): checkpoint, and close the store if we opened it."""
        if self.store.closed:
            return
        if self._owns_store:
            self.store.close()
        else:
            self.store.checkpoint()
