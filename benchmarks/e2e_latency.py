"""End-to-end reply latency of the Telegram bot through the Bot API emulator.

Starts the emulator (tests/e2e/emulator.js) and `python -m bot` as in the end-to-end tests, then
  1. asks questions one at a time and measures each reply's latency;
  2. lets N users send one question each at the same moment, and counts how many got exactly one reply.
Latency is measured on the emulator's clock: from the moment it stored the user's message to the moment
the bot's first reply to that chat arrived, so polling by this script adds nothing.

Run: python benchmarks/e2e_latency.py [--users 20] [--sequential 30]   (needs node; see tests/e2e)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from e2e_harness import Chat, Emulator, TelegramClient, User, bot_argv, node_missing_reason, running_bot  # noqa: E402
from e2e_questions import INTENT_QUESTIONS  # noqa: E402

TOKEN = "7000000009:E2E-benchmark-fake-secret"


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def user_message_times(tg: TelegramClient) -> dict[int, float]:
    """Chat id -> when the emulator stored the (single) user message of that chat, in seconds."""
    history = tg.http.post("/getUpdatesHistory", json={"token": tg.token}).json()["result"]
    times: dict[int, float] = {}
    for item in history:
        chat = (item.get("message") or {}).get("chat")
        if chat is not None:
            times.setdefault(int(chat["id"]), item["time"] / 1000)
    return times


def latency(tg: TelegramClient, chat: Chat, first_reply_at: float) -> float:
    return first_reply_at - user_message_times(tg)[chat.id]


def sequential(tg: TelegramClient, rounds: int) -> list[float]:
    """Ask one question at a time (each from a new user, so every chat holds one question)."""
    questions = [q for q, _ in INTENT_QUESTIONS.values()]
    latencies = []
    for i in range(rounds):
        user = tg.new_user("Seq")
        chat = tg.private_chat(user)
        replies = tg.ask(user, chat, questions[i % len(questions)])
        latencies.append(latency(tg, chat, replies[0].sent_at))
        tg.wait_quiet(chat, quiet=0.2)
    return latencies


def concurrent(tg: TelegramClient, users: int) -> tuple[list[float], dict[int, int], int]:
    """N users send at once; return latencies, replies per user, and how many facts were right."""
    people: list[User] = [tg.new_user("Crowd") for _ in range(users)]
    asked = {p.id: list(INTENT_QUESTIONS.values())[i % len(INTENT_QUESTIONS)] for i, p in enumerate(people)}
    with ThreadPoolExecutor(users) as pool:
        list(pool.map(lambda p: tg.send_text(p, tg.private_chat(p), asked[p.id][0]), people))
    replies = {p.id: tg.wait_replies(tg.private_chat(p), 1) for p in people}
    for p in people:
        replies[p.id] += tg.wait_quiet(tg.private_chat(p), quiet=0.3)
    stored = user_message_times(tg)
    latencies = [min(m.sent_at for m in replies[p.id]) - stored[p.id] for p in people]
    counts = {p.id: len(replies[p.id]) for p in people}
    right = sum(1 for p in people if asked[p.id][1] in replies[p.id][0].plain)
    return latencies, counts, right


def describe(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"{name}: n={len(ms)} p50={percentile(ms, 50):.0f} ms p95={percentile(ms, 95):.0f} ms "
        f"mean={statistics.fmean(ms):.0f} ms max={max(ms):.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent users (default 20)")
    parser.add_argument("--sequential", type=int, default=30, help="questions asked one at a time (default 30)")
    args = parser.parse_args()
    reason = node_missing_reason()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="e2e-latency-") as tmp:
        work = Path(tmp)
        emulator = Emulator(work / "emulator.log").start()
        try:
            with running_bot(emulator, bot_argv(), TOKEN, work):
                tg = emulator.client(TOKEN)
                warm_user = tg.new_user("Warm")
                tg.ask(warm_user, tg.private_chat(warm_user), "申报截止时间?")  # load indexes before timing
                seq = sequential(tg, args.sequential)
                conc, counts, right = concurrent(tg, args.users)
                tg.close()
        finally:
            emulator.stop()
    exactly_once = sum(1 for c in counts.values() if c == 1)
    print(describe("sequential", seq))
    print(describe(f"concurrent ({args.users} users at once)", conc))
    print(
        f"exactly one reply: {exactly_once}/{args.users}; none: "
        f"{sum(1 for c in counts.values() if c == 0)}; more than one: {sum(1 for c in counts.values() if c > 1)}"
    )
    print(f"reply carries the expected fact: {right}/{args.users}")
    return 0 if exactly_once == args.users else 1


if __name__ == "__main__":
    sys.exit(main())
