"""SQLitePersistence: data written by one process is read back by the next one."""

from __future__ import annotations

import asyncio
import pickle
import sqlite3

import pytest
from telegram import Update
from telegram.ext import (
    ApplicationBuilder,
    BasePersistence,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    ExtBot,
    MessageHandler,
    filters,
)

from bot.telegram.persistence import SQLitePersistence
from bot.store import Store

from support import FakeBotAPI

TOKEN = "123456:SECRET-TOKEN-MUST-NOT-BE-STORED"
ASK_ASKER, ASK_SIZE = range(2)


def run(coro):
    return asyncio.run(coro)


def test_implements_every_abstract_method():
    assert not SQLitePersistence.__abstractmethods__
    for name in BasePersistence.__abstractmethods__:
        assert getattr(SQLitePersistence, name) is not getattr(BasePersistence, name)


def test_roundtrip_through_reopen(tmp_path):
    path = tmp_path / "bot.sqlite3"

    async def write() -> None:
        p = SQLitePersistence(path)
        await p.update_user_data(1, {"lang": "zh", "answers": {"district": "yes"}})
        await p.update_user_data(2, {"gone": True})
        await p.drop_user_data(2)
        await p.update_chat_data(-100, {"context": {"topic": "资金"}})
        await p.update_bot_data({"version": 3})
        await p.update_callback_data(([("uuid", 1.5, {"btn": "x"})], {"cq": "uuid"}))
        await p.update_conversation("eligibility", (10, 10), ASK_SIZE)
        await p.update_conversation("eligibility", (11, 11), ASK_ASKER)
        await p.update_conversation("eligibility", (11, 11), None)
        await p.update_conversation("eligibility", ("inline", 5), 7)
        await p.update_conversation("other", (10, 10), "S")
        await p.flush()
        assert p.store.closed  # it opened the store, so it closes it

    async def read() -> None:
        p = SQLitePersistence(path)
        assert await p.get_user_data() == {1: {"lang": "zh", "answers": {"district": "yes"}}}
        assert await p.get_chat_data() == {-100: {"context": {"topic": "资金"}}}
        assert await p.get_bot_data() == {"version": 3}
        assert await p.get_callback_data() == ([("uuid", 1.5, {"btn": "x"})], {"cq": "uuid"})
        assert await p.get_conversations("eligibility") == {(10, 10): ASK_SIZE, ("inline", 5): 7}
        assert await p.get_conversations("other") == {(10, 10): "S"}
        assert await p.get_conversations("unknown") == {}
        await p.flush()

    run(write())
    run(read())


def test_empty_database_gives_empty_data(tmp_path):
    async def check() -> None:
        p = SQLitePersistence(tmp_path / "new.sqlite3")
        assert await p.get_user_data() == {}
        assert await p.get_chat_data() == {}
        assert await p.get_bot_data() == {}
        assert await p.get_callback_data() is None
        assert await p.get_conversations("eligibility") == {}
        await p.flush()

    run(check())


def test_shared_store_is_not_closed_by_flush(tmp_path):
    store = Store(tmp_path / "bot.sqlite3")

    async def check() -> None:
        p = SQLitePersistence(store)
        await p.update_bot_data({"a": 1})
        await p.flush()

    run(check())
    assert not store.closed
    store.log_question(1, "q", intent=None, answered=False)
    store.close()


class _Boom:
    """A pickle that runs a shell command when loaded: what a crafted row would hold."""

    def __init__(self, marker) -> None:
        self.marker = marker

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def test_crafted_garbage_and_wrong_shape_rows_are_dropped_with_one_warning_and_run_nothing(tmp_path, caplog):
    marker = tmp_path / "ran"
    store = Store(tmp_path / "bot.sqlite3")
    store.kv_put("user_data", "5", pickle.dumps(_Boom(marker)))
    store.kv_put("user_data", "6", b"\xff not json")
    store.kv_put("user_data", "not-a-number", b"{}")
    store.kv_put("user_data", "7", b"[1, 2]")  # JSON, but not a user's data
    store.kv_put("user_data", "8", b'{"elig": {"session": 3, "step": "x"}, "lang": "zh"}')
    store.kv_put("user_data", "9", b'{"lang": "en"}')
    store.kv_put("conversation:eligibility", "[9, 9]", b'{"state": 1}')
    store.kv_put("conversation:eligibility", "not json", b"1")
    store.kv_put("conversation:eligibility", "[10, 10]", b"1")

    async def check() -> None:
        p = SQLitePersistence(store)
        with caplog.at_level("WARNING"):
            assert await p.get_user_data() == {8: {"lang": "zh"}, 9: {"lang": "en"}}
        assert len(caplog.records) == 1 and "not JSON" in caplog.text and "wrong shape" in caplog.text
        assert await p.get_conversations("eligibility") == {(10, 10): 1}

    run(check())
    assert not marker.exists()
    assert sorted(store.kv_all("user_data")) == ["8", "9"]  # the dropped rows are gone, so warned about once
    store.close()


def test_unchanged_data_is_not_rewritten(tmp_path):
    store = Store(tmp_path / "bot.sqlite3")
    writes: list[tuple] = []
    original = store.kv_put

    def counting_put(*args, **kwargs):
        writes.append(args)
        original(*args, **kwargs)

    store.kv_put = counting_put  # type: ignore[method-assign]

    async def check() -> None:
        p = SQLitePersistence(store)
        await p.update_bot_data({"a": 1})
        await p.update_bot_data({"a": 1})
        await p.update_bot_data({"a": 2})

    run(check())
    assert len(writes) == 2
    store.close()


# -- a real Application, restarted in the middle of a ConversationHandler ------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Entry: ask who is asking."""
    await update.message.reply_text("asker?")
    return ASK_ASKER


async def got_asker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Remember the asker, ask the size."""
    context.user_data["asker"] = update.message.text
    await update.message.reply_text("size?")
    return ASK_SIZE


async def got_size(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Finish with what was remembered across the restart."""
    await update.message.reply_text(f"done {context.user_data['asker']} {update.message.text}")
    return ConversationHandler.END


def build(path, request: FakeBotAPI):
    app = ApplicationBuilder().token(TOKEN).request(request).persistence(SQLitePersistence(path)).build()
    app.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("eligibility", start)],
            states={
                ASK_ASKER: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_asker)],
                ASK_SIZE: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_size)],
            },
            fallbacks=[],
            name="eligibility",
            persistent=True,
        )
    )
    return app


def message(update_id: int, text: str, bot) -> Update:
    data = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": 77, "type": "private"},
            "from": {"id": 77, "is_bot": False, "first_name": "A"},
            "text": text,
        },
    }
    if text.startswith("/"):
        data["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return Update.de_json(data, bot)


def test_conversation_resumes_at_same_step_after_restart(tmp_path):
    path = tmp_path / "bot.sqlite3"

    async def first_run() -> list:
        request = FakeBotAPI()
        app = build(path, request)
        await app.initialize()
        await app.process_update(message(1, "/eligibility", app.bot))
        await app.process_update(message(2, "district", app.bot))
        await app.shutdown()  # what run_polling does after SIGTERM: persist, then flush
        return [m["text"] for m in request.named("sendMessage")]

    async def second_run() -> list:
        request = FakeBotAPI()
        app = build(path, request)
        await app.initialize()
        await app.process_update(message(3, "large", app.bot))
        await app.shutdown()
        return [m["text"] for m in request.named("sendMessage")]

    assert run(first_run()) == ["asker?", "size?"]
    assert run(second_run()) == ["done district large"]
    raw = path.read_bytes()
    assert b"SECRET-TOKEN" not in raw
    conn = sqlite3.connect(path)
    # the finished conversation is gone from the table
    assert conn.execute("SELECT COUNT(*) FROM kv WHERE kind = 'conversation:eligibility'").fetchone()[0] == 0
    conn.close()


def test_only_plain_data_is_written_so_a_bot_and_its_token_never_reach_the_database(tmp_path, caplog):
    path = tmp_path / "bot.sqlite3"
    bot = ExtBot(TOKEN)

    async def check() -> None:
        p = SQLitePersistence(path)
        await p.update_chat_data(1, {"bot": bot, "n": 1})
        await p.update_chat_data(2, {"n": 2})
        await p.flush()
        assert b"SECRET-TOKEN" not in path.read_bytes()
        p = SQLitePersistence(path)
        assert await p.get_chat_data() == {2: {"n": 2}}
        await p.flush()

    with caplog.at_level("WARNING"):
        run(check())
    assert "plain data" in caplog.text


def test_idle_state_is_evicted_from_the_database_and_from_memory(tmp_path):
    now = [1_000_000_000.0]
    path = tmp_path / "bot.sqlite3"

    async def check() -> None:
        p = SQLitePersistence(path, idle_days=30, clock=lambda: now[0])
        await p.update_chat_data(1, {"n": 1})
        now[0] += 20 * 86400
        await p.update_chat_data(2, {"n": 2})
        now[0] += 15 * 86400  # chat 1 idle 35 days, chat 2 idle 15
        app = ApplicationBuilder().token(TOKEN).request(FakeBotAPI()).persistence(p).build()
        await app.initialize()
        assert set(app.chat_data) == {2}  # chat 1 was not even loaded
        app.chat_data[3]["n"] = 3  # a chat that writes now
        app.mark_data_for_update_persistence(chat_ids=3)
        await app.update_persistence()
        now[0] += 20 * 86400  # chat 2 idle 35 days, chat 3 idle 20
        assert p.evict_idle(app) == 1
        assert set(app.chat_data) == {3}
        await app.update_persistence()
        await app.shutdown()

    run(check())
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT key FROM kv WHERE kind = 'chat_data'").fetchall() == [("3",)]
    conn.close()


def test_an_active_chat_whose_data_does_not_change_is_not_taken_for_idle(tmp_path):
    now = [1_000_000_000.0]
    store = Store(tmp_path / "bot.sqlite3")

    async def check() -> None:
        p = SQLitePersistence(store, idle_days=1, clock=lambda: now[0])
        for _ in range(48):  # the same data every hour for two days
            await p.update_chat_data(1, {"n": 1})
            now[0] += 3600
        assert store.kv_idle("chat_data", now[0] - 86400) == []

    run(check())
    store.close()


@pytest.mark.parametrize("interval", [1.0, 60.0])
def test_update_interval_is_configurable(tmp_path, interval):
    p = SQLitePersistence(tmp_path / "x.sqlite3", update_interval=interval)
    assert p.update_interval == interval
    run(p.flush())
