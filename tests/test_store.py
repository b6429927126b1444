"""The SQLite store: schema, privacy of chat ids, stats windows, grouping and CSV export."""

from __future__ import annotations

import csv
import io
import sqlite3
import threading
from datetime import datetime, timedelta, timezone

import pytest

from bot.store import database as store_mod
from bot.store import (
    BEIJING,
    REASON_DOWNVOTED,
    REASON_UNANSWERED,
    SCHEMA_VERSION,
    ProblemQuestion,
    Store,
    StoreError,
    group_similar,
    groups_to_csv,
)
from handlers.model import Answer, Citation

# A Wednesday afternoon in Beijing
NOW = datetime(2024, 5, 15, 15, 0, tzinfo=BEIJING)


def at(days_ago: float = 0, hours: float = 0) -> float:
    return (NOW - timedelta(days=days_ago, hours=hours)).timestamp()


@pytest.fixture
def db(tmp_path):
    s = Store(tmp_path / "sub" / "bot.sqlite3", salt="test-salt")
    yield s
    s.close()


def test_creates_parent_dir_wal_and_schema(tmp_path):
    path = tmp_path / "a" / "b" / "bot.sqlite3"
    s = Store(path)
    assert path.exists()
    assert s.schema_version == SCHEMA_VERSION
    assert s._query("PRAGMA journal_mode")[0][0] == "wal"
    s.close()
    assert not (tmp_path / "a" / "b" / "bot.sqlite3-wal").exists() or (
        (tmp_path / "a" / "b" / "bot.sqlite3-wal").stat().st_size == 0
    )


def test_path_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTICE_BOT_DB", str(tmp_path / "env.sqlite3"))
    s = Store()
    assert s.path == str(tmp_path / "env.sqlite3")
    s.close()
    monkeypatch.delenv("NOTICE_BOT_DB")
    assert store_mod.default_db_path().name == "notice-bot.sqlite3"
    assert store_mod.default_db_path().parent.name == "data"


def test_reopen_keeps_rows_and_salt(tmp_path):
    path = tmp_path / "bot.sqlite3"
    s = Store(path)
    s.log_question(42, "申报截止时间?", intent="deadline", answered=True, ts=at())
    first = s.chat_hash(42)
    s.close()
    s = Store(path)
    assert s.count_questions() == 1
    assert s.chat_hash(42) == first
    s.close()


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "bot.sqlite3"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError):
        Store(path)


def test_version_one_database_is_migrated_keeping_rows(tmp_path, monkeypatch):
    path = tmp_path / "bot.sqlite3"
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 1)
    old = Store(path)
    # what a version-1 bot wrote: no answer column yet
    old._query("INSERT INTO questions (ts, chat_hash, text, answered) VALUES (?, 'h', '旧问题', 0)", (at(),))
    assert "answer" not in [row[1] for row in old._query("PRAGMA table_info(questions)")]
    old.close()
    monkeypatch.undo()
    s = Store(path)
    assert s.schema_version == SCHEMA_VERSION
    assert s._query("SELECT text, answer FROM questions") == [("旧问题", None)]
    s.close()


def test_migrations_run_in_order_from_an_older_version(tmp_path, monkeypatch):
    path = tmp_path / "bot.sqlite3"
    Store(path).close()
    extra = ("ALTER TABLE questions ADD COLUMN lang TEXT",)
    monkeypatch.setattr(store_mod, "MIGRATIONS", store_mod.MIGRATIONS + (extra,))
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    s = Store(path)
    assert s.schema_version == SCHEMA_VERSION + 1
    columns = [row[1] for row in s._query("PRAGMA table_info(questions)")]
    assert "lang" in columns
    s.close()


def test_chat_id_is_hashed_never_stored(db):
    db.log_question(123456789, "hello", intent="general", answered=False, ts=at())
    db.log_feedback(123456789, "hello", "answer", -1, ts=at())
    raw = db._query("SELECT chat_hash FROM questions UNION SELECT chat_hash FROM feedback")
    assert {r[0] for r in raw} == {db.chat_hash(123456789)}
    assert "123456789" not in db.chat_hash(123456789)
    other = Store(":memory:", salt="other-salt")
    assert other.chat_hash(123456789) != db.chat_hash(123456789)
    other.close()


def test_salt_from_environment(monkeypatch):
    monkeypatch.setenv("NOTICE_BOT_SALT", "s1")
    a = Store(":memory:")
    monkeypatch.setenv("NOTICE_BOT_SALT", "s2")
    b = Store(":memory:")
    assert a.chat_hash(1) != b.chat_hash(1)
    a.close()
    b.close()


def test_log_answer_takes_top_citation(db):
    answer = Answer(
        question="资金怎么用?",
        answered=True,
        intent="funding",
        text="...",
        citations=[Citation("4.2.p1", "四、资金 › (二)资金使用", "q"), Citation("4.1", "四、资金", "q")],
        confidence=0.8,
    )
    db.log_answer(7, answer, latency_ms=12.5, ts=at())
    row = db._query(
        "SELECT text, intent, answered, top_clause, top_section, confidence, latency_ms, answer FROM questions"
    )
    assert row == [("资金怎么用?", "funding", 1, "4.2.p1", "四、资金 › (二)资金使用", 0.8, 12.5, "...")]


def test_feedback_for_copies_the_rated_answer(db):
    db.log_question(7, "截止时间?", intent="deadline", answered=True, top_clause="2.1", answer="旧答案", ts=at(hours=2))
    db.log_question(7, "截止时间?", intent="deadline", answered=True, top_clause="2.2", answer="新答案", ts=at(hours=1))
    db.log_question(8, "截止时间?", intent="deadline", answered=True, top_clause="9.9", answer="别人的", ts=at())
    db.log_feedback_for(7, "截止时间?", -1, ts=at())
    db.log_feedback_for(7, "从没问过", 1, ts=at())
    rows = db._query("SELECT question, answer, value, top_clause FROM feedback ORDER BY id")
    assert rows == [("截止时间?", "新答案", -1, "2.2"), ("从没问过", "", 1, None)]


def test_feedback_value_checked(db):
    with pytest.raises(ValueError):
        db.log_feedback(1, "q", "a", 0)


def test_stats_windows_in_beijing_time(db):
    # 23:30 Beijing yesterday is 15:30 UTC yesterday; a UTC-day window would count it as today
    yesterday_late = datetime(2024, 5, 14, 23, 30, tzinfo=BEIJING).timestamp()
    today_early = datetime(2024, 5, 15, 0, 10, tzinfo=BEIJING).timestamp()
    monday = datetime(2024, 5, 13, 9, 0, tzinfo=BEIJING).timestamp()
    last_sunday = datetime(2024, 5, 12, 22, 0, tzinfo=BEIJING).timestamp()
    rows = [
        (today_early, "deadline", True, "二、申报 › (一)时间"),
        (at(hours=1), "deadline", True, "二、申报 › (一)时间"),
        (yesterday_late, "funding", False, None),
        (monday, "funding", True, "四、资金"),
        (last_sunday, "general", False, None),
    ]
    for ts, intent, answered, section in rows:
        db.log_question(1, "q", intent=intent, answered=answered, top_section=section, ts=ts)
    db.log_feedback(1, "q", "a", 1, ts=at())
    db.log_feedback(2, "q", "a", -1, ts=at())
    db.log_feedback(3, "q", "a", -1, ts=at())
    stats = db.stats(now=NOW)
    assert (stats.today, stats.week, stats.total) == (2, 4, 5)
    assert stats.answered == 3
    assert stats.answered_share == pytest.approx(0.6)
    assert stats.top_intents[:2] == [("deadline", 2), ("funding", 2)]
    assert stats.top_sections == [("二、申报 › (一)时间", 2), ("四、资金", 1)]
    assert (stats.thumbs_up, stats.thumbs_down) == (1, 2)


def test_stats_of_empty_store(db):
    stats = db.stats(now=NOW)
    assert stats.total == 0
    assert stats.answered_share is None
    assert stats.top_intents == [] and stats.top_sections == []


def test_problem_questions_union_and_window(db):
    db.log_question(1, "能报销机票吗", intent="general", answered=False, ts=at(days_ago=1))
    db.log_question(1, "截止时间", intent="deadline", answered=True, ts=at(days_ago=1))
    db.log_question(1, "很久以前的问题", intent="general", answered=False, ts=at(days_ago=60))
    db.log_feedback(2, "补贴多少", "一些答案", -1, ts=at(hours=2))
    db.log_feedback(2, "补贴标准", "一些答案", 1, ts=at(hours=2))
    items = db.problem_questions(days=30, now=NOW)
    assert [(p.text, p.reason) for p in items] == [
        ("补贴多少", REASON_DOWNVOTED),
        ("能报销机票吗", REASON_UNANSWERED),
    ]


def test_group_similar_merges_alike_and_keeps_distinct_apart():
    items = [
        ProblemQuestion(at(hours=1), "申报截止时间是什么时候?", REASON_UNANSWERED),
        ProblemQuestion(at(hours=2), "请问截止时间", REASON_DOWNVOTED),
        ProblemQuestion(at(hours=3), "申报截止时间是什么时候", REASON_UNANSWERED),
        ProblemQuestion(at(hours=4), "今天天气怎么样", REASON_UNANSWERED),
        ProblemQuestion(at(hours=5), "ＡＢＣ公司能申请吗", REASON_UNANSWERED),
        ProblemQuestion(at(hours=6), "abc公司能申请吗?", REASON_UNANSWERED),
    ]
    groups = group_similar(items)
    assert [g.count for g in groups] == [3, 2, 1]
    first = groups[0]
    assert first.text == "申报截止时间是什么时候?"
    assert first.reasons == {REASON_UNANSWERED: 2, REASON_DOWNVOTED: 1}
    assert first.variants == ["申报截止时间是什么时候?", "请问截止时间", "申报截止时间是什么时候"]
    assert groups[2].text == "今天天气怎么样"


def test_group_similar_handles_empty_and_symbol_only_texts():
    items = [ProblemQuestion(at(), t, REASON_UNANSWERED) for t in ("", "   ", "😀😀", "?!", "😀😀")]
    groups = group_similar(items)
    assert sum(g.count for g in groups) == 5


def test_csv_export_is_excel_friendly_and_formula_safe(db):
    db.log_question(1, '=HYPERLINK("x")', intent="general", answered=False, ts=at(hours=1))
    db.log_question(1, '补贴, "多少"\n钱', intent="funding", answered=False, ts=at(hours=2))
    data = db.problem_csv(now=NOW)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "序号"
    assert len(rows) == 3
    texts = {r[5] for r in rows[1:]}
    assert '\'=HYPERLINK("x")' in texts
    assert '补贴, "多少"\n钱' in texts


def test_csv_of_no_groups_has_header_only():
    rows = list(csv.reader(io.StringIO(groups_to_csv([]).decode("utf-8-sig"))))
    assert len(rows) == 1


def test_kv_roundtrip(db):
    db.kv_put("user_data", "1", b"\x00abc")
    db.kv_put("user_data", "1", b"def")
    db.kv_put("user_data", "2", b"x")
    assert db.kv_all("user_data") == {"1": b"def", "2": b"x"}
    db.kv_delete("user_data", "1")
    assert db.kv_get("user_data", "1") is None
    assert db.kv_get("user_data", "2") == b"x"


def test_failed_transaction_rolls_back(db):
    with pytest.raises(RuntimeError):
        with db._transaction() as conn:
            conn.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')")
            raise RuntimeError("boom")
    assert db._query("SELECT value FROM meta WHERE key = 'x'") == []


def test_concurrent_writers_lose_nothing(db):
    def write(worker: int) -> None:
        for i in range(50):
            db.log_question(worker, f"q{i}", intent="general", answered=bool(i % 2))

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert db.count_questions() == 400


def test_close_is_idempotent_and_further_use_fails(tmp_path):
    s = Store(tmp_path / "x.sqlite3")
    s.close()
    s.close()
    assert s.closed
    with pytest.raises(StoreError):
        s.log_question(1, "q", intent=None, answered=False)


def test_closed_file_is_readable_without_wal(tmp_path):
    path = tmp_path / "x.sqlite3"
    s = Store(path)
    s.log_question(1, "q", intent=None, answered=False)
    s.close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 1
    conn.close()


def test_now_defaults_to_utc_aware_time(db):
    db.log_question(1, "q", intent=None, answered=True)
    assert db.stats().total == 1
    assert db.stats(now=datetime.now(timezone.utc) + timedelta(days=400)).today == 0


def test_each_answer_is_counted_under_the_notice_it_came_from(db):
    from handlers.model import Answer, Citation

    def answer(notice: str) -> Answer:
        cited = Citation("1.1", "一、总体要求", "原文。", notice)
        return Answer("截止时间?", True, "deadline", "答案", [cited], 0.9, None, notice=notice)

    for notice in ("bj-szhzx-2023", "bj-szhzx-2023", "fic-dierpi-2024"):
        db.log_answer(7, answer(notice), 10.0)
    db.log_question(7, "没有通知的旧行", intent="general", answered=False)
    stats = db.stats()
    assert stats.top_notices == [("bj-szhzx-2023", 2), ("fic-dierpi-2024", 1)]
