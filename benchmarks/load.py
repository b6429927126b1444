"""Load through the Bot API emulator: many users asking many questions at once, optionally with a
graceful restart (SIGTERM, then start again) in the middle of the burst.

Starts the emulator (tests/e2e/emulator.js) and `python -m bot` with a fresh database, then lets
--users users send --questions questions each, all at the same time (each user's questions one after
another, as fast as the emulator takes them), using the questions of the notice's faq.yaml and
eval.yaml. It waits for every answer, then reports:
  - answers: how many questions got exactly one answer, and any chat with fewer or more;
  - stored rows: the questions table must hold one row per question, in each chat in the order asked;
  - replies per second: answers over the time from the first question stored to the last answer sent;
  - latency p50 / p95: from the emulator storing a question to it storing the answer's last message
    (both on the emulator's clock, so this script's polling adds nothing); with one chat's updates
    handled in order, most of it is the wait behind that user's earlier questions;
  - peak memory: the bot process's VmHWM (peak resident set) from /proc, the larger of both runs.
An answer is counted once by its feedback row (👍 under its last message), so answers split over
several messages count once.

With --kill the restart is a kill -9 instead: nothing is flushed or confirmed, and every question must still be
answered at least once after the bot starts again; duplicates (answers and rows) are allowed and counted, and
missing ones are failures.

Run: python benchmarks/load.py [--users 50] [--questions 20] [--restart-after 0.3] [--kill] [--json]
(needs node and npm; see tests/e2e/README.md). The exit status is 1 when an answer or row is missing
or doubled, or a SIGTERM did not end in exit 0 within 10 seconds, so a load run can serve as a check too.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
sys.path.insert(0, str(ROOT))

from e2e_harness import BotMessage, Emulator, RestartableBot, TelegramClient, User, node_missing_reason  # noqa: E402
from e2e_questions import notice_questions  # noqa: E402

TOKEN = "7000000010:E2E-load-benchmark-fake-secret"
WAIT_SECONDS = 600.0  # for all answers; a stuck run ends here with the shortfall reported
QUIET_SECONDS = 2.0  # after the last expected answer, for any duplicate to show up


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def is_answer(message: BotMessage) -> bool:
    return any("👍" in b.text for b in message.buttons)


def history(tg: TelegramClient) -> list[dict[str, Any]]:
    """Everything the emulator stored for this bot: users' messages and the bot's, oldest first."""
    response = tg.http.post("/getUpdatesHistory", json={"token": tg.token})
    response.raise_for_status()
    return response.json()["result"]


def answers_by_chat(tg: TelegramClient) -> dict[int, list[BotMessage]]:
    by_chat: dict[int, list[BotMessage]] = {}
    for item in history(tg):
        if "chat_id" in item.get("message", {}):
            message = BotMessage.from_stored(item)
            if is_answer(message):
                by_chat.setdefault(message.chat_id, []).append(message)
    return by_chat


def questions_by_chat(tg: TelegramClient) -> dict[int, list[float]]:
    """When the emulator stored each user message, by chat, in order (seconds)."""
    by_chat: dict[int, list[float]] = {}
    for item in history(tg):
        chat = (item.get("message") or {}).get("chat")
        if chat is not None and "chat_id" not in item["message"]:
            by_chat.setdefault(int(chat["id"]), []).append(item["time"] / 1000)
    return by_chat


def count_answers(tg: TelegramClient) -> int:
    return sum(len(v) for v in answers_by_chat(tg).values())


def stored_rows(db_path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        return db.execute("SELECT chat_hash, text FROM questions ORDER BY id").fetchall()


def run(users: int, per_user: int, restart_after: float | None, kill: bool = False) -> dict[str, Any]:
    questions = notice_questions()
    with tempfile.TemporaryDirectory(prefix="notice-bot-load-") as tmp:
        workdir = Path(tmp)
        emulator = Emulator(workdir / "emulator.log").start()
        bot = RestartableBot(emulator, TOKEN, workdir, {"NOTICE_BOT_SALT": ""})
        try:
            bot.start()
            tg = bot.client
            people: list[User] = [tg.new_user("Load") for _ in range(users)]
            asked = {
                p.id: [questions[(i * per_user + j) % len(questions)] for j in range(per_user)]
                for i, p in enumerate(people)
            }
            expected = users * per_user

            def send(person: User) -> None:
                chat = tg.private_chat(person)
                for question in asked[person.id]:
                    tg.send_text(person, chat, question)

            restart: dict[str, Any] = {}
            peak_kib = [0]

            def note_memory() -> None:
                peak_kib[0] = max(peak_kib[0], bot.process.peak_rss_kib() or 0)

            with ThreadPoolExecutor(users) as pool:
                sending = [pool.submit(send, p) for p in people]
                if restart_after is not None:
                    threshold = max(1, int(expected * restart_after))
                    deadline = time.monotonic() + WAIT_SECONDS
                    while count_answers(tg) < threshold and time.monotonic() < deadline:
                        time.sleep(0.05)
                    note_memory()
                    restart["answered_before_stop"] = count_answers(tg)
                    restart["sent_before_stop"] = sum(len(v) for v in questions_by_chat(tg).values())
                    if kill:
                        took_started = time.monotonic()
                        bot.kill()
                        code, took = "killed", time.monotonic() - took_started
                    else:
                        code, took = bot.sigterm(timeout=60)
                    restart.update(exit_code=code, exit_seconds=round(took, 2))
                    started = time.monotonic()
                    bot.start()
                    restart["down_seconds"] = round(took + time.monotonic() - started, 2)
                for future in sending:
                    future.result()

            deadline = time.monotonic() + WAIT_SECONDS
            while count_answers(tg) < expected and time.monotonic() < deadline:
                note_memory()
                time.sleep(0.25)
            time.sleep(QUIET_SECONDS)
            note_memory()

            answers = answers_by_chat(tg)
            asked_at = questions_by_chat(tg)
            latencies: list[float] = []
            wrong_chats: dict[int, int] = {}
            missing_answers = duplicate_answers = 0
            for person in people:
                got = answers.get(person.id, [])
                missing_answers += max(0, per_user - len(got))
                duplicate_answers += max(0, len(got) - per_user)
                if len(got) != per_user:
                    wrong_chats[person.id] = len(got)
                # A chat's updates are handled in order, so the i-th answer is to the i-th question.
                latencies += [a.sent_at - q for a, q in zip(got, asked_at.get(person.id, []), strict=False)]
            all_answers = [a for p in people for a in answers.get(p.id, [])]
            first_question = min(t for p in people for t in asked_at.get(p.id, []))
            span = max(a.sent_at for a in all_answers) - first_question if all_answers else float("nan")
            messages = sum(1 for item in history(tg) if "chat_id" in item.get("message", {}))
            code, took = bot.sigterm(timeout=60)

            from bot.store import Store

            store = Store(bot.db_path)
            try:
                rows = stored_rows(bot.db_path)
                by_hash: dict[str, list[str]] = {}
                for digest, text in rows:
                    by_hash.setdefault(digest, []).append(text)
                rows_wrong = sum(
                    1 for p in people if by_hash.get(store.chat_hash(p.id), []) != [q.strip() for q in asked[p.id]]
                )
                rows_missing = rows_duplicate = 0
                for p in people:
                    stored_here = Counter(by_hash.get(store.chat_hash(p.id), []))
                    wanted = Counter(q.strip() for q in asked[p.id])
                    rows_missing += sum((wanted - stored_here).values())
                    rows_duplicate += sum((stored_here - wanted).values())
            finally:
                store.close()
            return {
                "users": users,
                "questions_per_user": per_user,
                "expected_answers": expected,
                "answers": len(all_answers),
                "chats_with_wrong_answer_count": wrong_chats,
                "missing_answers": missing_answers,
                "duplicate_answers": duplicate_answers,
                "bot_messages": messages,
                "stored_rows": len(rows),
                "chats_with_wrong_rows": rows_wrong,
                "missing_rows": rows_missing,
                "duplicate_rows": rows_duplicate,
                "seconds": round(span, 2),
                "replies_per_second": round(len(all_answers) / span, 1) if span else None,
                "latency_p50_s": round(percentile(latencies, 50), 3),
                "latency_p95_s": round(percentile(latencies, 95), 3),
                "latency_max_s": round(max(latencies), 3) if latencies else None,
                "peak_rss_mib": round(peak_kib[0] / 1024, 1) if peak_kib[0] else None,
                "restart": restart or None,
                "final_exit_code": code,
                "final_exit_seconds": round(took, 2),
            }
        finally:
            bot.close()
            emulator.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--questions", type=int, default=20, help="questions per user (the flood limit is 20 a minute)")
    parser.add_argument(
        "--restart-after",
        type=float,
        default=None,
        metavar="FRACTION",
        help="SIGTERM the bot once this share of the answers arrived, then start it again",
    )
    parser.add_argument("--kill", action="store_true", help="restart with kill -9 instead of SIGTERM")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    reason = node_missing_reason()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    result = run(args.users, args.questions, args.restart_after, kill=args.kill)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"{key:32} {value}")
    if args.kill:  # at least once: nothing missing; duplicates are reported, not failures
        return 0 if result["missing_answers"] == 0 and result["missing_rows"] == 0 else 1
    ok = (
        result["answers"] == result["expected_answers"]
        and not result["chats_with_wrong_answer_count"]
        and result["stored_rows"] == result["expected_answers"]
        and not result["chats_with_wrong_rows"]
        and result["final_exit_code"] == 0
        and (
            result["restart"] is None
            or (result["restart"]["exit_code"] == 0 and result["restart"]["exit_seconds"] <= 10)
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
