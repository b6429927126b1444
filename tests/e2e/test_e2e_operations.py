"""End-to-end operations (issue 5): a graceful restart in the middle of a burst, /eligibility resuming
after a restart, bad input of every kind, the per-user flood limit, and Bot API failures.

Restarts use a bot of their own (its own token and database), so the session's bot keeps running for
the other tests. A reply is counted as one answer by its feedback row (👍 under the last part of an
answer), so an answer split over several messages still counts once.
"""
from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from e2e_harness import BotMessage, Chat, Emulator, RestartableBot, TelegramClient, User, plain_text
from e2e_questions import INTENT_QUESTIONS, notice_questions

RESTART_TOKEN = "7000000003:E2E-restart-bot-fake-secret"
# Small enough to keep the suite quick, big enough that the stop lands among unanswered messages;
# benchmarks/load.py runs the full 50 x 20.
BURST_USERS = 6
BURST_PER_USER = 8
# The issue's own requirement for SIGTERM. A clean stop takes about a second here, so this bound is
# wide; it is the requirement itself, not a speed target.
SIGTERM_EXIT_SECONDS = 10.0
MAX_MESSAGE = 4096
SHORT_REPLY = 200  # characters: "a short polite reply"


def is_answer(message: BotMessage) -> bool:
    """The last part of an answer to a question: it carries the 👍/👎 row."""
    return any("👍" in b.text for b in message.buttons)


def answers_in(messages: list[BotMessage]) -> list[BotMessage]:
    return [m for m in messages if is_answer(m)]


def wait_for_answers(tg: TelegramClient, chat: Chat, n: int, timeout: float = 90.0) -> list[BotMessage]:
    """Wait until the chat holds n answers in all (whole history); return every bot message in it."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        history = tg.history(chat)
        if len(answers_in(history)) >= n:
            return history
        if time.monotonic() > deadline:
            raise AssertionError(
                f"chat {chat.id}: {len(answers_in(history))} of {n} answers after {timeout}s: "
                f"{[m.plain[:80] for m in history]}"
            )
        time.sleep(0.1)


def stored_questions(db_path: Path) -> dict[str, list[str]]:
    """Texts in the bot's questions table by chat pseudonym, in the order written (read-only)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT chat_hash, text FROM questions ORDER BY id").fetchall()
    by_hash: dict[str, list[str]] = {}
    for digest, text in rows:
        by_hash.setdefault(digest, []).append(text)
    return by_hash


@pytest.fixture(scope="module")
def restartable(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestartableBot]:
    """A bot with its own token and database that tests stop with SIGTERM and start again."""
    data_dir = tmp_path_factory.mktemp("restart-bot")
    # An empty salt variable makes the store use (and keep) the salt in its own database.
    bot = RestartableBot(emulator, RESTART_TOKEN, data_dir, {"NOTICE_BOT_SALT": ""})
    yield bot
    bot.close()


def sigterm_and_check(bot: RestartableBot) -> float:
    """SIGTERM the bot; it must exit 0 within the issue's 10 seconds. Returns how long it took."""
    code, took = bot.sigterm(timeout=SIGTERM_EXIT_SECONDS + 20)
    log_tail = bot.process.log()[-4000:]
    assert code == 0, f"exit code {code} after SIGTERM (None: killed after hanging); log:\n{log_tail}"
    assert took <= SIGTERM_EXIT_SECONDS, f"SIGTERM took {took:.1f}s to exit; log:\n{log_tail}"
    return took


# ------------------------------------------------------------------ restarts


def test_sigterm_mid_burst_loses_nothing_and_answers_nothing_twice(restartable: RestartableBot) -> None:
    bot, tg = restartable, restartable.client
    if not bot.running:
        bot.start()
    pool_of_questions = notice_questions()
    users = [tg.new_user("Burst") for _ in range(BURST_USERS)]
    asked = {
        u.id: [pool_of_questions[(i * BURST_PER_USER + j) % len(pool_of_questions)] for j in range(BURST_PER_USER)]
        for i, u in enumerate(users)
    }
    half = BURST_PER_USER // 2

    def send(user: User, questions: list[str]) -> None:
        for question in questions:
            tg.send_text(user, tg.private_chat(user), question)

    with ThreadPoolExecutor(len(users)) as pool:
        list(pool.map(lambda u: send(u, asked[u.id][:half]), users))
        # Stop as soon as the bot has begun answering, while the second half is still being sent.
        wait_for_any_answer(tg, users)
        second_half = [pool.submit(send, u, asked[u.id][half:]) for u in users]
        answered_before_stop = sum(len(answers_in(tg.history(tg.private_chat(u)))) for u in users)
        sigterm_and_check(bot)
        for future in second_half:
            future.result()
    bot.start()

    total = BURST_USERS * BURST_PER_USER
    for user in users:
        chat = tg.private_chat(user)
        wait_for_answers(tg, chat, BURST_PER_USER)
    tg.wait_quiet(tg.private_chat(users[-1]), quiet=1.0)  # time for any duplicate to show up
    for user in users:
        history = tg.history(tg.private_chat(user))
        answers = answers_in(history)
        assert len(answers) == BURST_PER_USER, (
            f"user {user.id}: {len(answers)} answers to {BURST_PER_USER} questions "
            f"({answered_before_stop} of {total} were answered before SIGTERM)"
        )
        assert not [m for m in history if "出了点问题" in m.plain], "no update failed around the restart"

    # Stop cleanly again, so the database is closed before we read it.
    sigterm_and_check(bot)
    wal = Path(f"{bot.db_path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "the database was closed without a checkpoint"
    from bot.store import Store

    store = Store(bot.db_path)
    try:
        stored = stored_questions(bot.db_path)
        for user in users:
            rows = stored.get(store.chat_hash(user.id), [])
            assert rows == [q.strip() for q in asked[user.id]], (
                f"user {user.id}: questions table holds {Counter(rows)}, asked {Counter(asked[user.id])}"
            )
    finally:
        store.close()


def wait_for_any_answer(tg: TelegramClient, users: list[User], timeout: float = 60.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(answers_in(tg.history(tg.private_chat(u))) for u in users):
            return
        time.sleep(0.02)
    raise AssertionError("the bot answered none of the burst")
