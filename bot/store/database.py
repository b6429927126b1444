"""The store's SQLite connection: one connection under a lock, the schema migrations, the chat-id key, kv rows.

One connection guarded by a lock serves every caller: the bot's handlers run on one event loop and
each statement takes well under a millisecond in WAL mode, so a lock is simpler and no slower than
a thread pool. Chat ids are stored only as keyed hashes (HMAC-SHA256 under a secret kept outside the
database); names and usernames are never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

_LOGGER = logging.getLogger("bot.store")

DB_ENV = "NOTICE_BOT_DB"
SALT_ENV = "NOTICE_BOT_SALT"
SALT_FILE = "chat-id.key"  # beside the database, never inside it; not matched by a notice-bot.sqlite3* glob
DEFAULT_DB_PATH = Path("data") / "notice-bot.sqlite3"

# Telegram keeps an unconfirmed update for 24 hours; remembering handled ids for a week covers any redelivery.
HANDLED_UPDATES_DAYS = 7
# Python strings may hold lone UTF-16 surrogates (a Bot API JSON "\\ud800"); SQLite cannot encode them.
_SURROGATE = re.compile("[\ud800-\udfff]")

# Ordered schema migrations; migration N brings PRAGMA user_version from N-1 to N.
# Never edit a migration that has shipped: append a new one instead.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            ts REAL NOT NULL,
            chat_hash TEXT NOT NULL,
            text TEXT NOT NULL,
            intent TEXT,
            answered INTEGER NOT NULL,
            top_clause TEXT,
            top_section TEXT,
            confidence REAL,
            latency_ms REAL
        )""",
        "CREATE INDEX questions_ts ON questions (ts)",
        """CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            ts REAL NOT NULL,
            chat_hash TEXT NOT NULL,
            question TEXT NOT NULL,
            answer TEXT NOT NULL,
            value INTEGER NOT NULL CHECK (value IN (-1, 1)),
            top_clause TEXT
        )""",
        "CREATE INDEX feedback_ts ON feedback (ts)",
        # Opaque blobs of the Telegram persistence, keyed by kind ("user_data", "conversation:x")
        """CREATE TABLE kv (
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            value BLOB NOT NULL,
            PRIMARY KEY (kind, key)
        ) WITHOUT ROWID""",
    ),
    (
        # the answer text, so that a 👍/👎 arriving later can be stored with the answer it rates
        "ALTER TABLE questions ADD COLUMN answer TEXT",
        "CREATE INDEX questions_chat ON questions (chat_hash, ts)",
    ),
    (
        # Stored before the reply is tried: NULL = not tried yet (or a row from before), 1 = sent, 0 = not sent.
        "ALTER TABLE questions ADD COLUMN delivered INTEGER",
        # Telegram update ids already handled, so an update delivered again after a restart is not answered twice
        "CREATE TABLE handled_updates (update_id INTEGER PRIMARY KEY, ts REAL NOT NULL)",
    ),
    (
        # when each piece of conversation state was last written, so that idle chats' state can be evicted
        "ALTER TABLE kv ADD COLUMN ts REAL",
        "UPDATE kv SET ts = CAST(strftime('%s', 'now') AS REAL)",
        "CREATE INDEX kv_ts ON kv (kind, ts)",
    ),
    (
        # the Telegram update a question came in, so that an update delivered again after a crash updates its
        # row instead of storing the question twice
        "ALTER TABLE questions ADD COLUMN update_id INTEGER",
        "CREATE INDEX questions_update ON questions (update_id) WHERE update_id IS NOT NULL",
    ),
    (
        # the notice an answer came from (a library of notices): /stats counts per notice
        "ALTER TABLE questions ADD COLUMN notice TEXT",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(RuntimeError):
    """The database cannot be used: closed, or written by a newer version of the bot."""


def salt_file_path(db_path: str | os.PathLike) -> Path:
    """Where the hashing key is kept when NOTICE_BOT_SALT is not set: a file beside the database."""
    return Path(db_path).with_name(SALT_FILE)


def default_db_path() -> Path:
    """NOTICE_BOT_DB if set, else ./data/notice-bot.sqlite3."""
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB_PATH)


def clean_text(text: str) -> str:
    """The text with each lone surrogate replaced by U+FFFD, so that it can be stored and sent."""
    return _SURROGATE.sub("\ufffd", text)


class Database:
    """The SQLite connection of one bot process, its migrations and the chat-id key; open on construction,
    close() on shutdown."""

    def __init__(self, path: str | os.PathLike | None = None, salt: str | None = None) -> None:
        self.path = str(path) if path is not None else str(default_db_path())
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.redelivered = 0  # questions of an update delivered again, whose row was updated, not added
        # isolation_level=None: we issue BEGIN/COMMIT ourselves so migrations are atomic
        self._conn: sqlite3.Connection | None = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=10.0
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL is durable across process crashes in WAL mode; only power loss can drop the last commit
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=10000")
        self.migrate()
        self._salt = (salt or os.environ.get(SALT_ENV) or self._secret_from_file()).encode("utf-8")
        # A database written before the key moved out of it hashed ids under a salt kept in its meta table.
        # Its rows are re-keyed once, and new ids are hashed the same way, so old and new rows still match.
        self._legacy = self._meta("salt")
        self._rekey_legacy_rows()
        self._check_key()

    # -- connection plumbing ------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._conn is None

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError("the store is closed")
        return self._conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and run the body in one IMMEDIATE transaction."""
        with self._lock:
            conn = self._db()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _query(self, sql: str, params: Iterable = ()) -> list[tuple]:
        with self._lock:
            return self._db().execute(sql, tuple(params)).fetchall()

    @property
    def schema_version(self) -> int:
        return self._query("PRAGMA user_version")[0][0]

    def migrate(self) -> None:
        """Apply every migration newer than the database, each in its own transaction."""
        with self._lock:
            current = self.schema_version
            if current > SCHEMA_VERSION:
                raise StoreError(f"{self.path} has schema version {current}, newer than this bot's {SCHEMA_VERSION}")
            for version in range(current + 1, SCHEMA_VERSION + 1):
                with self._transaction() as conn:
                    for statement in MIGRATIONS[version - 1]:
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {version}")
                _LOGGER.info("database %s migrated to schema version %d", self.path, version)

    def _meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def _secret_from_file(self) -> str:
        """The hashing key kept beside the database (never inside it), created with mode 0600 on first start.

        An in-memory store gets a fresh random key: nothing outlives it.
        """
        if self.path == ":memory:":
            return secrets.token_hex(32)
        path = salt_file_path(self.path)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            if path.stat().st_mode & 0o077:
                _LOGGER.warning("%s is readable by other users; it should have mode 0600", path)
            secret = path.read_text(encoding="utf-8").strip()
            if not secret:
                raise StoreError(f"{path} is empty; restore it from a backup or set {SALT_ENV}") from None
            return secret
        secret = secrets.token_hex(32)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secret + "\n")
        _LOGGER.info("created the chat-id hashing key %s (mode 0600); back it up with the database", path)
        return secret

    def _keyed(self, value: str) -> str:
        return hmac.new(self._salt, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def _rekey_legacy_rows(self) -> None:
        """Hash once more, under the key, every pseudonym made with the salt the database held (migration)."""
        if self._legacy is None or self._meta("rekeyed") == "1":
            return
        with self._transaction() as conn:
            conn.create_function("rekey", 1, self._keyed, deterministic=True)
            conn.execute("UPDATE questions SET chat_hash = rekey(chat_hash)")
            conn.execute("UPDATE feedback SET chat_hash = rekey(chat_hash)")
            conn.execute("INSERT INTO meta (key, value) VALUES ('rekeyed', '1')")
        _LOGGER.info("re-keyed the chat pseudonyms of %s with the key kept outside it", self.path)

    def _check_key(self) -> None:
        """Warn when the key differs from the one the rows were written with (their pseudonyms then differ)."""
        check = self._keyed("notice-bot key check")
        stored = self._meta("key_check")
        if stored is None:
            with self._transaction() as conn:
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('key_check', ?)", (check,))
        elif stored != check:
            _LOGGER.warning(
                "the chat-id hashing key is not the one %s was written with; new questions will not match old "
                "chats (restore %s or %s)",
                self.path,
                SALT_ENV,
                salt_file_path(self.path).name,
            )

    def close(self) -> None:
        """Checkpoint the WAL into the main file and close; safe to call twice."""
        with self._lock:
            if self._conn is None:
                return
            try:
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                self._conn.execute("PRAGMA optimize")
            finally:
                self._conn.close()
                self._conn = None

    def checkpoint(self) -> None:
        """Fold the WAL into the main file without closing."""
        with self._lock:
            self._db().execute("PRAGMA wal_checkpoint(PASSIVE)")

    # -- pseudonyms -----------------------------------------------------------------------------

    def chat_hash(self, chat_id: int | str) -> str:
        """A stable pseudonym for a chat: HMAC-SHA256 of its id under the key kept outside the database.

        Without the key, a copy of the database cannot be searched for a chat id by trying every id.
        """
        if self._legacy is not None:  # a migrated database: the old pseudonym, keyed
            legacy = hmac.new(self._legacy.encode("utf-8"), str(chat_id).encode("utf-8"), hashlib.sha256)
            return self._keyed(legacy.hexdigest()[:32])
        return self._keyed(str(chat_id))

    # -- key-value blobs for the Telegram persistence -------------------------------------------

    def kv_all(self, kind: str) -> dict[str, bytes]:
        """Every blob of one kind, by key."""
        return {k: bytes(v) for k, v in self._query("SELECT key, value FROM kv WHERE kind = ?", (kind,))}

    def kv_get(self, kind: str, key: str) -> bytes | None:
        rows = self._query("SELECT value FROM kv WHERE kind = ? AND key = ?", (kind, key))
        return bytes(rows[0][0]) if rows else None

    def kv_put(self, kind: str, key: str, value: bytes, ts: float | None = None) -> None:
        """Write one blob, noting when (the time an idle chat's state is measured from)."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO kv (kind, key, value, ts) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, ts = excluded.ts",
                (kind, key, value, time.time() if ts is None else ts),
            )

    def kv_delete(self, kind: str, key: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM kv WHERE kind = ? AND key = ?", (kind, key))

    def kv_delete_many(self, kind: str, keys: Iterable[str]) -> None:
        with self._transaction() as conn:
            conn.executemany("DELETE FROM kv WHERE kind = ? AND key = ?", [(kind, key) for key in keys])

    def kv_idle(self, kind: str, before: float) -> list[str]:
        """Keys of one kind last written before a time."""
        return [key for (key,) in self._query("SELECT key FROM kv WHERE kind = ? AND ts < ?", (kind, before))]
