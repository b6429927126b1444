"""Memory and rows of per-chat state: N users each ask one question, then their state goes idle and is evicted.

    python benchmarks/state_memory.py [--users 10000] [--idle-days 30] [--json]

The Telegram Application runs in process on a fake Bot API (tests/support.FakeBotAPI) with SQLitePersistence
on a fresh database, on a clock this script moves. Each user sends one private question; the persistence then
writes every changed chat, as python-telegram-bot does every few seconds. It reports, from that one run:
- Python heap growth (tracemalloc) per user while the state is held, and what remains after eviction;
- the entries held in memory (the Application's chat_data and user_data, and the persistence's own
  per-row digests) and the rows in the database, after the users asked and after eviction.

Target (issue 12): no second in-memory copy of every blob, and idle chats' state evicted after a set number of days.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from telegram import Update  # noqa: E402

from bot.config import Config  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.telegram.app import build_application  # noqa: E402
from bot.telegram.persistence import SQLitePersistence  # noqa: E402
from support import FakeBotAPI  # noqa: E402

TOKEN = "123456:BENCH-state-memory-fake-secret"
QUESTION = "申报截止时间是什么时候?"


class QuietAPI(FakeBotAPI):
    """The fake Bot API without its record of calls, so that only the bot's own memory is measured."""

    async def do_request(self, *args, **kwargs):
        result = await super().do_request(*args, **kwargs)
        self.calls.clear()
        return result


def _update(update_id: int, user_id: int, bot) -> Update:
    user = {"id": user_id, "is_bot": False, "first_name": "U"}
    message = {"message_id": update_id, "date": 1, "chat": {"id": user_id, "type": "private"}, "from": user}
    return Update.de_json({"update_id": update_id, "message": {**message, "text": QUESTION}}, bot)


def _rows(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT COUNT(*) FROM kv").fetchone()[0]


async def run(users: int, idle_days: float) -> dict:
    now = [time.time()]
    with tempfile.TemporaryDirectory(prefix="notice-bot-state-") as tmp:
        path = Path(tmp) / "bot.sqlite3"
        store = Store(path, salt="bench")
        persistence = SQLitePersistence(store, idle_days=idle_days, clock=lambda: now[0])
        app = build_application(
            Config(token=TOKEN), request=QuietAPI(), get_updates_request=QuietAPI(), persistence=persistence
        )
        await app.initialize()
        await app.process_update(_update(1, 1, app.bot))  # warm up: jieba, the index, python-telegram-bot
        await app.update_persistence()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        for n in range(users):
            await app.process_update(_update(n + 2, 1000 + n, app.bot))
        await app.update_persistence()
        await asyncio.sleep(0.1)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - base
        after_asking = {
            "chat_data": len(app.chat_data),
            "user_data": len(app.user_data),
            "digests": len(persistence._written),
            "db_rows": _rows(path),
        }
        now[0] += (idle_days + 1) * 86400
        evicted = persistence.evict_idle(app)
        await app.update_persistence()
        await asyncio.sleep(0.1)  # let the finished persistence tasks go
        gc.collect()
        left = tracemalloc.get_traced_memory()[0] - base
        if "--top" in sys.argv:
            for stat in tracemalloc.take_snapshot().statistics("lineno")[:8]:
                print(stat, file=sys.stderr)
        tracemalloc.stop()
        after_eviction = {
            "chat_data": len(app.chat_data),
            "user_data": len(app.user_data),
            "digests": len(persistence._written),
            "db_rows": _rows(path),
        }
        await app.shutdown()
        store.close()
    return {
        "users": users,
        "idle_days": idle_days,
        "heap_per_user_bytes": round(held / users),
        "heap_left_after_eviction_bytes": left,
        "after_asking": after_asking,
        "evicted": evicted,
        "after_eviction": after_eviction,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--idle-days", type=float, default=30.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--top", action="store_true", help="print the largest allocations left after eviction")
    args = parser.parse_args()
    result = asyncio.run(run(args.users, args.idle_days))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:32} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
