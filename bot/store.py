"""The bot's embedded SQLite store: questions asked, 👍/👎 feedback and persisted conversation state.

One connection guarded by a lock serves every caller: the bot's handlers run on one event loop and
each statement takes well under a millisecond in WAL mode, so a lock is simpler and no slower than
a thread pool. Chat ids are stored only as salted hashes; names and usernames are never stored.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import logging
import os
import re
import secrets
import sqlite3
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from rapidfuzz import fuzz, process

_LOGGER = logging.getLogger(__name__)

DB_ENV = "NOTICE_BOT_DB"
SALT_ENV = "NOTICE_BOT_SALT"
SALT_FILE = "chat-id.key"  # beside the database, never inside it; not matched by a notice-bot.sqlite3* glob
DEFAULT_DB_PATH = Path("data") / "notice-bot.sqlite3"

# China has had no daylight saving time since 1991, so a fixed offset is exact and needs no tzdata.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

# Telegram keeps an unconfirmed update for 24 hours; remembering handled ids for a week covers any redelivery.
HANDLED_UPDATES_DAYS = 7
# Python strings may hold lone UTF-16 surrogates (a Bot API JSON "\\ud800"); SQLite cannot encode them.
_SURROGATE = re.compile("[\ud800-\udfff]")

REASON_UNANSWERED = "unanswered"
REASON_DOWNVOTED = "downvoted"

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
)
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(RuntimeError):
    """The database cannot be used: closed, or written by a newer version of the bot."""


@dataclass(frozen=True)
class Stats:
    """Usage figures for /stats; counts per Beijing calendar day and ISO week."""

    today: int
    week: int
    total: int
    answered: int
    top_intents: list[tuple[str, int]]
    top_sections: list[tuple[str, int]]
    thumbs_up: int
    thumbs_down: int

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.total if self.total else None


@dataclass(frozen=True)
class ProblemQuestion:
    """A question the bot could not answer, or whose answer got 👎."""

    ts: float
    text: str
    reason: str  # REASON_UNANSWERED | REASON_DOWNVOTED
    intent: str | None = None


@dataclass
class QuestionGroup:
    """Alike problem questions, the most recent one standing for the group."""

    text: str
    count: int = 0
    last_ts: float = 0.0
    reasons: Counter = field(default_factory=Counter)
    variants: list[str] = field(default_factory=list)  # distinct wordings, most recent first


def salt_file_path(db_path: str | os.PathLike) -> Path:
    """Where the hashing key is kept when NOTICE_BOT_SALT is not set: a file beside the database."""
    return Path(db_path).with_name(SALT_FILE)


def default_db_path() -> Path:
    """NOTICE_BOT_DB if set, else ./data/notice-bot.sqlite3."""
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB_PATH)


def beijing_day_start(now: datetime) -> datetime:
    """Midnight of the Beijing calendar day holding now."""
    local = now.astimezone(BEIJING)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def beijing_week_start(now: datetime) -> datetime:
    """Monday midnight of the Beijing week holding now."""
    day = beijing_day_start(now)
    return day - timedelta(days=day.weekday())


class Store:
    """The SQLite database of one bot process; open on construction, close() on shutdown."""

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

    # -- writing ------------------------------------------------------------------------------

    def chat_hash(self, chat_id: int | str) -> str:
        """A stable pseudonym for a chat: HMAC-SHA256 of its id under the key kept outside the database.

        Without the key, a copy of the database cannot be searched for a chat id by trying every id.
        """
        if self._legacy is not None:  # a migrated database: the old pseudonym, keyed
            legacy = hmac.new(self._legacy.encode("utf-8"), str(chat_id).encode("utf-8"), hashlib.sha256)
            return self._keyed(legacy.hexdigest()[:32])
        return self._keyed(str(chat_id))

    def log_question(
        self,
        chat_id: int | str,
        text: str,
        *,
        intent: str | None,
        answered: bool,
        top_clause: str | None = None,
        top_section: str | None = None,
        confidence: float | None = None,
        latency_ms: float | None = None,
        answer: str | None = None,
        ts: float | None = None,
        update_id: int | None = None,
    ) -> int:
        """Record one question and how it was answered; returns the row id.

        With the update it came in: a row stored for that update (and chat, within the days Telegram may
        deliver it again) is updated instead, so a redelivered update leaves one row, not two.
        """
        now = time.time() if ts is None else ts
        chat = self.chat_hash(chat_id)
        values = (
            clean_text(text),
            intent,
            int(bool(answered)),
            top_clause,
            top_section,
            confidence,
            latency_ms,
            None if answer is None else clean_text(answer),
        )
        with self._transaction() as conn:
            if update_id is not None:
                row = conn.execute(
                    "SELECT id FROM questions WHERE update_id = ? AND chat_hash = ? AND ts >= ?",
                    (update_id, chat, now - HANDLED_UPDATES_DAYS * 86400),
                ).fetchone()
                if row is not None:
                    conn.execute(
                        "UPDATE questions SET text = ?, intent = ?, answered = ?, top_clause = ?, top_section = ?,"
                        " confidence = ?, latency_ms = ?, answer = ?, delivered = NULL WHERE id = ?",
                        (*values, row[0]),
                    )
                    self.redelivered += 1
                    return int(row[0])
            cur = conn.execute(
                "INSERT INTO questions (ts, chat_hash, text, intent, answered, top_clause, top_section,"
                " confidence, latency_ms, answer, update_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (now, chat, *values, update_id),
            )
            return int(cur.lastrowid)

    def mark_delivered(self, row_id: int | None, delivered: bool) -> None:
        """Record whether the reply to a stored question reached the chat; the row itself stays either way."""
        if row_id is None:
            return
        with self._transaction() as conn:
            conn.execute("UPDATE questions SET delivered = ? WHERE id = ?", (int(bool(delivered)), row_id))

    def remember_update(self, update_id: int, ts: float | None = None) -> None:
        """Note that a Telegram update has been handled (its question stored, its reply tried)."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO handled_updates (update_id, ts) VALUES (?, ?)",
                (update_id, time.time() if ts is None else ts),
            )

    def update_handled(self, update_id: int) -> bool:
        """Whether this update was handled before, by this process or an earlier one."""
        return bool(self._query("SELECT 1 FROM handled_updates WHERE update_id = ?", (update_id,)))

    def forget_old_updates(self, days: float = HANDLED_UPDATES_DAYS, now: float | None = None) -> int:
        """Drop handled update ids older than Telegram could redeliver; returns how many were dropped."""
        since = (time.time() if now is None else now) - days * 86400
        with self._transaction() as conn:
            return conn.execute("DELETE FROM handled_updates WHERE ts < ?", (since,)).rowcount

    def log_answer(
        self,
        chat_id: int | str,
        answer,
        latency_ms: float | None = None,
        ts: float | None = None,
        update_id: int | None = None,
    ) -> int:
        """Record a handlers.model.Answer (duck-typed, so storage does not depend on handlers)."""
        top = answer.citations[0] if answer.citations else None
        return self.log_question(
            chat_id,
            answer.question,
            intent=answer.intent,
            answered=answer.answered,
            top_clause=top.id if top else None,
            top_section=top.path if top else None,
            confidence=answer.confidence,
            latency_ms=latency_ms,
            answer=answer.text,
            ts=ts,
            update_id=update_id,
        )

    def log_feedback(
        self,
        chat_id: int | str,
        question: str,
        answer: str,
        value: int,
        top_clause: str | None = None,
        ts: float | None = None,
    ) -> int:
        """Record one 👍 (+1) or 👎 (-1) on an answer; returns the row id."""
        if value not in (1, -1):
            raise ValueError(f"feedback value must be +1 or -1, not {value!r}")
        with self._transaction() as conn:
            cur = conn.execute(
                "INSERT INTO feedback (ts, chat_hash, question, answer, value, top_clause) VALUES (?, ?, ?, ?, ?, ?)",
                (time.time() if ts is None else ts, self.chat_hash(chat_id), question, answer, value, top_clause),
            )
            return int(cur.lastrowid)

    def log_feedback_for(self, chat_id: int | str, question: str, value: int, ts: float | None = None) -> int:
        """Record a 👍/👎 on the latest answer this chat got to `question`, copying that answer.

        Fits the Telegram app's on_feedback hook, which knows only the chat, question and vote.
        """
        rows = self._query(
            "SELECT answer, top_clause FROM questions WHERE chat_hash = ? AND text = ?"
            " ORDER BY ts DESC, id DESC LIMIT 1",
            (self.chat_hash(chat_id), question),
        )
        answer, clause = rows[0] if rows else (None, None)
        return self.log_feedback(chat_id, question, answer or "", value, top_clause=clause, ts=ts)

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

    # -- reading for the admin tools ----------------------------------------------------------

    def count_questions(self) -> int:
        return self._query("SELECT COUNT(*) FROM questions")[0][0]

    def count_feedback(self) -> int:
        return self._query("SELECT COUNT(*) FROM feedback")[0][0]

    def stats(self, now: datetime | None = None, top: int = 5) -> Stats:
        """Question counts for today / this week / all time (Beijing), answer share, tops, 👍/👎."""
        now = now or datetime.now(timezone.utc)
        day = beijing_day_start(now).timestamp()
        week = beijing_week_start(now).timestamp()
        with self._lock:
            total, answered, today, this_week = self._query(
                "SELECT COUNT(*), COALESCE(SUM(answered), 0),"
                " COALESCE(SUM(ts >= ?), 0), COALESCE(SUM(ts >= ?), 0) FROM questions",
                (day, week),
            )[0]
            intents = self._query(
                "SELECT intent, COUNT(*) AS n FROM questions WHERE intent IS NOT NULL"
                " GROUP BY intent ORDER BY n DESC, intent LIMIT ?",
                (top,),
            )
            sections = self._query(
                "SELECT top_section, COUNT(*) AS n FROM questions WHERE answered = 1 AND top_section IS NOT NULL"
                " GROUP BY top_section ORDER BY n DESC, top_section LIMIT ?",
                (top,),
            )
            up, down = self._query("SELECT COALESCE(SUM(value = 1), 0), COALESCE(SUM(value = -1), 0) FROM feedback")[0]
        return Stats(
            today=today,
            week=this_week,
            total=total,
            answered=answered,
            top_intents=[(i, n) for i, n in intents],
            top_sections=[(s, n) for s, n in sections],
            thumbs_up=up,
            thumbs_down=down,
        )

    def problem_questions(
        self, days: float = 30, limit: int = 500, now: datetime | None = None
    ) -> list[ProblemQuestion]:
        """Unanswered questions and 👎-rated ones of the last `days`, most recent first."""
        now = now or datetime.now(timezone.utc)
        since = (now - timedelta(days=days)).timestamp()
        rows = self._query(
            "SELECT ts, text, reason, intent FROM ("
            "  SELECT ts, text, ? AS reason, intent FROM questions WHERE answered = 0 AND ts >= ?"
            "  UNION ALL"
            "  SELECT ts, question, ?, NULL FROM feedback WHERE value = -1 AND ts >= ?"
            ") ORDER BY ts DESC LIMIT ?",
            (REASON_UNANSWERED, since, REASON_DOWNVOTED, since, limit),
        )
        return [ProblemQuestion(ts=ts, text=text, reason=reason, intent=intent) for ts, text, reason, intent in rows]

    def problem_groups(self, days: float = 30, limit: int = 500, now: datetime | None = None) -> list[QuestionGroup]:
        """problem_questions() grouped when alike, biggest group first."""
        return group_similar(self.problem_questions(days=days, limit=limit, now=now))

    def problem_csv(self, days: float = 30, limit: int = 500, now: datetime | None = None) -> bytes:
        """problem_groups() as CSV bytes for a spreadsheet."""
        return groups_to_csv(self.problem_groups(days=days, limit=limit, now=now))


def clean_text(text: str) -> str:
    """The text with each lone surrogate replaced by U+FFFD, so that it can be stored and sent."""
    return _SURROGATE.sub("\ufffd", text)


# -- grouping and export (pure) ---------------------------------------------------------------

# Courtesy words that make two askings of the same thing look different to a character matcher
_FILLERS = ("请问", "您好", "你好", "麻烦", "一下", "吗", "呢", "呀", "啊", "吧")
GROUP_THRESHOLD = 80.0


def normalise_question(text: str) -> str:
    """Letters and digits only, width- and case-folded, without courtesy words."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(ch for ch in folded if ch.isalnum())
    for filler in _FILLERS:
        kept = kept.replace(filler, "")
    return kept or folded.strip()


def group_similar(items: Iterable[ProblemQuestion], threshold: float = GROUP_THRESHOLD) -> list[QuestionGroup]:
    """Greedy grouping: each question joins the first group whose representative it resembles.

    Items should come most recent first, so a group is named after its latest wording.
    rapidfuzz's WRatio scores a short question contained in a longer one highly, which is how
    Chinese askings of one thing usually differ ("截止时间" / "申报截止时间是什么时候").
    """
    groups: list[QuestionGroup] = []
    keys: list[str] = []
    for item in items:
        key = normalise_question(item.text)
        index = None
        if key in keys:
            index = keys.index(key)
        elif keys and len(key) >= 2:
            match = process.extractOne(key, keys, scorer=fuzz.WRatio, score_cutoff=threshold)
            if match is not None:
                index = match[2]
        if index is None:
            groups.append(QuestionGroup(text=item.text.strip()))
            keys.append(key)
            index = len(groups) - 1
        group = groups[index]
        group.count += 1
        group.last_ts = max(group.last_ts, item.ts)
        group.reasons[item.reason] += 1
        wording = item.text.strip()
        if wording not in group.variants:
            group.variants.append(wording)
    # stable sort keeps recency order among groups of equal size
    return sorted(groups, key=lambda g: (-g.count, -g.last_ts))


_CSV_HEADER = ("序号", "次数", "未回答", "差评", "最近时间(北京)", "代表问题", "全部问法")


def _cell(text: str) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ would be evaluated."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def groups_to_csv(groups: list[QuestionGroup]) -> bytes:
    """UTF-8 CSV with a BOM, so that Excel shows the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_CSV_HEADER)
    for number, group in enumerate(groups, start=1):
        writer.writerow(
            (
                number,
                group.count,
                group.reasons.get(REASON_UNANSWERED, 0),
                group.reasons.get(REASON_DOWNVOTED, 0),
                datetime.fromtimestamp(group.last_ts, BEIJING).strftime("%Y-%m-%d %H:%M"),
                _cell(group.text),
                _cell(" | ".join(group.variants)),
            )
        )
    return buffer.getvalue().encode("utf-8-sig")
