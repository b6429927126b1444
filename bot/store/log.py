"""The question log and its statistics: questions, their answers and delivery, 👍/👎, handled updates, /stats."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from handlers.clock import BEIJING

from .database import HANDLED_UPDATES_DAYS, Database, clean_text
from .report import REASON_DOWNVOTED, REASON_UNANSWERED, ProblemQuestion, QuestionGroup, group_similar, groups_to_csv

# China has had no daylight saving time since 1991, so a fixed offset is exact and needs no tzdata.


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
    top_notices: list[tuple[str, int]] = field(default_factory=list)  # questions per notice answered from

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.total if self.total else None


def beijing_day_start(now: datetime) -> datetime:
    """Midnight of the Beijing calendar day holding now."""
    local = now.astimezone(BEIJING)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def beijing_week_start(now: datetime) -> datetime:
    """Monday midnight of the Beijing week holding now."""
    day = beijing_day_start(now)
    return day - timedelta(days=day.weekday())


class Store(Database):
    """The bot's store: the database plus the question log, feedback and the admin's figures."""

    # -- writing ------------------------------------------------------------------------------

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
        notice: str | None = None,
    ) -> int:
        """Record one question and how it was answered (and from which notice); returns the row id.

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
            notice,
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
                        " confidence = ?, latency_ms = ?, answer = ?, notice = ?, delivered = NULL WHERE id = ?",
                        (*values, row[0]),
                    )
                    self.redelivered += 1
                    return int(row[0])
            cur = conn.execute(
                "INSERT INTO questions (ts, chat_hash, text, intent, answered, top_clause, top_section,"
                " confidence, latency_ms, answer, notice, update_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            notice=getattr(answer, "notice", None) or None,
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

    # -- reading for the admin tools ----------------------------------------------------------

    def count_questions(self) -> int:
        return self._query("SELECT COUNT(*) FROM questions")[0][0]

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
            notices = self._query(
                "SELECT notice, COUNT(*) AS n FROM questions WHERE notice IS NOT NULL"
                " GROUP BY notice ORDER BY n DESC, notice LIMIT ?",
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
            top_notices=[(k, n) for k, n in notices],
        )

    def daily(self, days: int = 30, now: datetime | None = None) -> list[tuple[date, int, int]]:
        """(Beijing day, questions, answered) for each of the last `days` days, oldest first, empty days included."""
        now = now or datetime.now(timezone.utc)
        first = beijing_day_start(now) - timedelta(days=days - 1)
        offset = BEIJING.utcoffset(None).total_seconds()
        with self._lock:
            rows = self._query(
                "SELECT CAST((ts + ?) / 86400 AS INTEGER) AS day, COUNT(*), COALESCE(SUM(answered), 0)"
                " FROM questions WHERE ts >= ? GROUP BY day",
                (offset, first.timestamp()),
            )
        by_day = {date(1970, 1, 1) + timedelta(days=d): (n, a) for d, n, a in rows}
        out = []
        for i in range(days):
            day = (first + timedelta(days=i)).date()
            out.append((day, *by_day.get(day, (0, 0))))
        return out

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
