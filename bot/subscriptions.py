"""Chats subscribed to news of notices (/subscribe): a small table of its own in the bot's SQLite database.

Kept apart from bot/store.py so the store's migrations stay its own. A subscription has to hold the chat id
itself, not a salted hash as the store does, since the bot must be able to message the chat; the id is
deleted by /unsubscribe and when the chat has blocked the bot.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

SCHEMA = "CREATE TABLE IF NOT EXISTS notice_subscriptions (chat_id INTEGER PRIMARY KEY, since REAL NOT NULL)"


class Subscriptions:
    """Who hears about new notices; the database opens on first use, so building the bot touches no file."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self.db_path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.db_path, check_same_thread=False, timeout=10)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(SCHEMA)
            db.commit()
            self._db = db
        return self._db

    def add(self, chat_id: int) -> bool:
        """Subscribe a chat; False if it already was."""
        with self._lock:
            db = self._conn()
            cur = db.execute(
                "INSERT OR IGNORE INTO notice_subscriptions (chat_id, since) VALUES (?, ?)", (chat_id, time.time())
            )
            db.commit()
            return cur.rowcount > 0

    def remove(self, chat_id: int) -> bool:
        """Unsubscribe a chat; False if it was not subscribed."""
        with self._lock:
            db = self._conn()
            cur = db.execute("DELETE FROM notice_subscriptions WHERE chat_id = ?", (chat_id,))
            db.commit()
            return cur.rowcount > 0

    def chats(self) -> list[int]:
        """Every subscribed chat, oldest subscription first."""
        with self._lock:
            rows = self._conn().execute("SELECT chat_id FROM notice_subscriptions ORDER BY since, chat_id").fetchall()
        return [chat_id for (chat_id,) in rows]

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
