"""Chat pseudonyms are keyed with a secret kept outside the database, so a copy of it reveals no chat id."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import stat

import pytest

from bot.store import database as store_mod
from bot.store import SALT_ENV, Store, salt_file_path

CHAT = 987654321


@pytest.fixture(autouse=True)
def no_salt_variable(monkeypatch):
    monkeypatch.delenv(SALT_ENV, raising=False)


def _brute_force(db_path, ids=range(987654000, 987655000)) -> set[int]:
    """What an attacker holding only the database finds: ids whose hash under any value stored in it matches."""
    with sqlite3.connect(db_path) as conn:
        hashes = {row[0] for row in conn.execute("SELECT chat_hash FROM questions")}
        values = [row[0] for row in conn.execute("SELECT value FROM meta")]
    found = set()
    for value in values:
        for chat in ids:
            digest = hmac.new(value.encode(), str(chat).encode(), hashlib.sha256).hexdigest()[:32]
            if digest in hashes:
                found.add(chat)
    return found


def test_the_key_is_a_0600_file_beside_the_database_and_never_inside_it(tmp_path):
    path = tmp_path / "data" / "bot.sqlite3"
    store = Store(path)
    store.log_question(CHAT, "申报截止时间?", intent="deadline", answered=True)
    store.close()
    key_file = salt_file_path(path)
    assert key_file.parent == path.parent and key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) == 64
    assert key.encode() not in path.read_bytes()
    assert _brute_force(path) == set()
    again = Store(path)
    assert again._query("SELECT chat_hash FROM questions") == [(again.chat_hash(CHAT),)]
    expected = hmac.new(key.encode(), str(CHAT).encode(), hashlib.sha256).hexdigest()[:32]
    assert again.chat_hash(CHAT) == expected
    again.close()


def test_the_environment_variable_wins_and_no_file_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv(SALT_ENV, "a long secret from the environment")
    path = tmp_path / "bot.sqlite3"
    store = Store(path)
    store.log_question(CHAT, "问题", intent=None, answered=False)
    store.close()
    assert not salt_file_path(path).exists()
    assert _brute_force(path) == set()


def test_a_database_holding_its_own_salt_is_migrated_and_old_rows_still_match(tmp_path, monkeypatch):
    path = tmp_path / "bot.sqlite3"
    # What the bot wrote before: the salt in the meta table, pseudonyms made with it.
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 2)
    Store(path, salt="x").close()
    monkeypatch.undo()
    monkeypatch.delenv(SALT_ENV, raising=False)
    legacy = "0123456789abcdef0123456789abcdef"
    old_hash = hmac.new(legacy.encode(), str(CHAT).encode(), hashlib.sha256).hexdigest()[:32]
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('salt', ?)", (legacy,))
        conn.execute("DELETE FROM meta WHERE key = 'key_check'")
        conn.execute(
            "INSERT INTO questions (ts, chat_hash, text, answered, answer) VALUES (1, ?, '旧问题', 1, '旧答案')",
            (old_hash,),
        )
        conn.execute(
            "INSERT INTO feedback (ts, chat_hash, question, answer, value) VALUES (1, ?, '旧问题', 'a', 1)", (old_hash,)
        )
    assert _brute_force(path) == {CHAT}  # the weakness: the salt beside the hashes

    store = Store(path)
    store.log_question(CHAT, "新问题", intent=None, answered=True)
    hashes = store._query("SELECT chat_hash FROM questions UNION ALL SELECT chat_hash FROM feedback")
    store.close()
    assert len({h for (h,) in hashes}) == 1 and old_hash not in {h for (h,) in hashes}
    assert _brute_force(path) == set()
    # A second start does not hash the rows again.
    reopened = Store(path)
    assert reopened._query("SELECT DISTINCT chat_hash FROM questions") == [(reopened.chat_hash(CHAT),)]
    reopened.close()


def test_a_changed_key_is_warned_about(tmp_path, caplog):
    path = tmp_path / "bot.sqlite3"
    Store(path).close()
    salt_file_path(path).write_text("another key\n")
    with caplog.at_level("WARNING"):
        Store(path).close()
    assert "not the one" in caplog.text and "another key" not in caplog.text
