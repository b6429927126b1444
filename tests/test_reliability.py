"""Faults in the Telegram front end: a failed send keeps the question, bad text is stored, updates are not lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from telegram import Update
from telegram.error import NetworkError

from bot.config import Config
from bot.store import Store
from bot.telegram.app import build_application
from bot.telegram.texts import SEND_FAILED_TEXT
from bot.telegram.updates import CountingQueue, scrub

from support import FakeBotAPI
from test_telegram_app import BOT_ID, BOT_USERNAME, TOKEN, USER, Harness

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FlakyAPI(FakeBotAPI):
    """A Bot API whose sendMessage fails for questions holding a marker: refused (400) or dropped (no reply)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(bot_id=BOT_ID, username=BOT_USERNAME, first_name="Notice", **kwargs)
        self.dropped = 0

    async def do_request(self, url, method, request_data=None, **timeouts):
        name = url.rsplit("/", 1)[-1]
        text = str((request_data.parameters if request_data else {}).get("text", ""))
        if name == "sendMessage" and "截止" in text and "<blockquote" in text:
            if self.mode == "refuse":
                self.calls.append((name, dict(request_data.parameters)))
                return 400, json.dumps({"ok": False, "error_code": 400, "description": "Bad Request: x"}).encode()
            self.dropped += 1
            if self.dropped <= self.drops:
                self.calls.append((name, dict(request_data.parameters)))
                raise NetworkError("connection reset by peer")
        return await super().do_request(url, method, request_data, **timeouts)


async def _bot(api: FakeBotAPI, store: Store):
    app = build_application(
        Config(token=TOKEN),
        request=api,
        get_updates_request=api,
        on_answer=store.log_answer,
        on_delivered=store.mark_delivered,
    )
    await app.initialize()
    return app


@pytest.mark.parametrize(("mode", "drops", "delivered"), [("refuse", 0, 0), ("drop", 1, 1), ("drop", 9, 0)])
async def test_the_question_is_stored_whether_or_not_its_reply_could_be_sent(monkeypatch, mode, drops, delivered):
    monkeypatch.setattr("bot.telegram.delivery.BACKOFF_SECONDS", 0.001)
    store = Store(":memory:")
    api = FlakyAPI()
    api.mode, api.drops = mode, drops
    app = await _bot(api, store)
    try:
        bot = Harness(app, api)
        await bot.say("申报截止时间是什么时候?")
        await bot.say("奖补资金最多多少?")
    finally:
        await app.shutdown()
    rows = store._query("SELECT text, answered, delivered FROM questions ORDER BY id")
    assert rows == [("申报截止时间是什么时候?", 1, delivered), ("奖补资金最多多少?", 1, 1)]
    sent = [params["text"] for params in api.named("sendMessage")]
    if delivered:  # one dropped connection: sent again after a pause, and it arrived
        assert sum("2023年7月10日" in text for text in sent) == 2 and SEND_FAILED_TEXT not in sent
    else:  # refused, or dropped on every try: the user is told, and the row says it was not sent
        assert SEND_FAILED_TEXT in sent
        assert len([t for t in sent if "2023年7月10日" in t]) == (1 if mode == "refuse" else 3)


async def test_a_lone_surrogate_is_replaced_answered_and_stored():
    store = Store(":memory:")
    api = FlakyAPI()
    api.mode, api.drops = "none", 0
    app = await _bot(api, store)
    queue = CountingQueue()
    payload = {
        "update_id": 7,
        "message": {
            "message_id": 1,
            "date": 1700000000,
            "chat": {"id": USER["id"], "type": "private"},
            "from": USER,
            "text": "申报截止时间是什么时候\ud83d?",
        },
    }
    try:
        queue.put_nowait(Update.de_json(payload, app.bot))
        update = queue.get_nowait()
        assert update.message.text == "申报截止时间是什么时候\ufffd?"
        await app.process_update(update)
    finally:
        await app.shutdown()
    assert store._query("SELECT text, answered, delivered FROM questions") == [("申报截止时间是什么时候\ufffd?", 1, 1)]
    assert "2023年7月10日" in api.named("sendMessage")[-1]["text"]


def test_scrub_keeps_an_update_without_surrogates_as_it_is_and_entity_offsets_right():
    clean = Update.de_json(
        {"update_id": 1, "message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "text": "好"}},
        None,
    )
    assert scrub(clean) is clean
    text = "\udc00 @" + BOT_USERNAME + " 截止?"
    entity = {"type": "mention", "offset": 2, "length": len(BOT_USERNAME) + 1}
    raw = {"message_id": 1, "date": 1, "chat": {"id": -5, "type": "group"}, "text": text, "entities": [entity]}
    fixed = scrub(Update.de_json({"update_id": 2, "message": raw}, None))
    assert list(fixed.message.parse_entities().values()) == ["@" + BOT_USERNAME]


def test_the_store_replaces_lone_surrogates_instead_of_failing():
    store = Store(":memory:")
    store.log_question(1, "问\ud800题", intent=None, answered=False, answer="答\udfff")
    assert store._query("SELECT text, answer FROM questions") == [("问\ufffd题", "答\ufffd")]


async def test_a_database_with_crafted_garbage_and_wrong_shape_state_starts_and_answers_every_chat(tmp_path):
    import pickle

    from bot.telegram.texts import SORRY_TEXT

    class Boom:
        def __reduce__(self):
            import os

            return (os.system, (f"touch {tmp_path / 'ran'}",))

    store = Store(tmp_path / "bot.sqlite3")
    chats = {
        2001: pickle.dumps(Boom()),
        2002: b"\x00garbage",
        2003: json.dumps({"ctx": "not a dict", "answers": [1, 2], "answer_serial": "x"}).encode(),
        2004: json.dumps({"ctx": {"question": 42}, "answers": {"k": {"q": None, "related": "x"}}}).encode(),
    }
    for chat, blob in chats.items():
        store.kv_put("chat_data", str(chat), blob)
        store.kv_put("user_data", str(chat), blob)
    store.kv_put("chat_data", "-x", b"{}")
    store.kv_put("bot_data", "", b"[]")
    api = FlakyAPI()
    api.mode, api.drops = "none", 0
    app = build_application(Config(token=TOKEN), request=api, get_updates_request=api, store=store)
    await app.initialize()
    try:
        bot = Harness(app, api)
        for chat in chats:
            user = {**USER, "id": chat}
            await bot.say("申报截止时间是什么时候?", chat={"id": chat, "type": "private"}, user=user)
            await bot.say("那资金呢?", chat={"id": chat, "type": "private"}, user=user)
    finally:
        await app.shutdown()
    texts = [params["text"] for params in api.named("sendMessage")]
    assert len(texts) == 8 and SORRY_TEXT not in texts
    assert sum("2023年7月10日" in text for text in texts) == 4
    assert not (tmp_path / "ran").exists()
    store.close()


async def test_every_button_press_is_answered_and_those_over_the_limit_with_a_short_alert():
    from bot.telegram.flood import PRESS_NOTICE, FloodLimiter

    api = FlakyAPI()
    api.mode, api.drops = "none", 0
    app = build_application(
        Config(token=TOKEN),
        request=api,
        get_updates_request=api,
        flood=FloodLimiter(limit=20),
        presses=FloodLimiter(limit=5),
    )
    await app.initialize()
    try:
        bot = Harness(app, api)
        await bot.say("申报截止时间是什么时候?")
        answer = bot.last_sent()
        up = next(
            b["callback_data"]
            for row in answer["reply_markup"]["inline_keyboard"]
            for b in row
            if b["callback_data"].endswith(":+")
        )
        for _ in range(12):
            await bot.press(answer, up)
    finally:
        await app.shutdown()
    answered = api.named("answerCallbackQuery")
    assert len(answered) == 12
    over = [a for a in answered if a.get("text") == PRESS_NOTICE]
    assert len(over) == 7 and all(a.get("show_alert") for a in over)


def test_the_ledger_confirms_only_finished_updates_and_drops_ones_fetched_again():
    from bot.telegram.updates import Ledger

    ledger = Ledger()
    assert [ledger.admit(i) for i in (1, 2, 3, 4, 5)] == [True] * 5
    for done in (1, 2, 4):
        ledger.finish(done)
    assert ledger.offset(6) == 3  # update 3 is still running: Telegram must keep it (and 5)
    assert [ledger.admit(i) for i in (3, 4, 5, 6)] == [False, False, False, True]
    assert ledger.refetched == 3
    for done in (3, 5, 6):
        ledger.finish(done)
    assert ledger.offset(7) == 7


async def test_an_update_handled_before_a_restart_is_not_answered_again(tmp_path):
    from bot.telegram.updates import Ledger, PerChatUpdateProcessor, current_update_id

    store = Store(tmp_path / "bot.sqlite3")
    ran: list[int] = []

    async def handle(update_id: int) -> None:
        assert current_update_id.get() == update_id  # what the storage hook stores the question under
        ran.append(update_id)

    def update(update_id: int) -> Update:
        chat = {"id": 5, "type": "private"}
        message = {"message_id": update_id, "date": 1, "chat": chat, "text": "问"}
        return Update.de_json({"update_id": update_id, "message": message}, None)

    first = PerChatUpdateProcessor(4, Ledger(store))
    for update_id in (10, 11):
        await first.process_update(update(update_id), handle(update_id))
    # the process dies here; Telegram delivers 10, 11 (not confirmed) and 12 to the next one
    second = PerChatUpdateProcessor(4, Ledger(store))
    for update_id in (10, 11, 12):
        await second.process_update(update(update_id), handle(update_id))
    assert ran == [10, 11, 12] and second.ledger.skipped == 2
    assert store.update_handled(12)
    store.close()


async def test_start_after_reload_shows_the_new_title(tmp_path, monkeypatch):
    import shutil

    from bot import library
    from knowledge.loader import DEFAULT_NOTICE, NOTICES_DIR

    folder = Path(shutil.copytree(NOTICES_DIR / DEFAULT_NOTICE, tmp_path / DEFAULT_NOTICE))
    monkeypatch.setattr(library, "KNOWLEDGE", library.Knowledge(folder))
    api = FlakyAPI()
    api.mode, api.drops = "none", 0
    app = build_application(Config(token=TOKEN), request=api, get_updates_request=api)
    await app.initialize()
    try:
        bot = Harness(app, api)
        await bot.say("/start")
        meta = folder / "meta.yaml"
        old = library.current().notice.meta["title"]
        meta.write_text(meta.read_text(encoding="utf-8").replace(f'title: "{old}"', 'title: "改过名字的通知"'), "utf-8")
        library.reload()
        await bot.say("/start")
    finally:
        await app.shutdown()
    first, second = [params["text"] for params in api.named("sendMessage")]
    assert old in first and "改过名字的通知" in second and old not in second


def test_a_question_of_an_update_delivered_again_keeps_one_row():
    store = Store(":memory:")
    first = store.log_question(5, "截止?", intent="deadline", answered=True, update_id=901)
    store.mark_delivered(first, False)
    again = store.log_question(5, "截止?", intent="deadline", answered=True, answer="7月10日", update_id=901)
    other_chat = store.log_question(6, "截止?", intent="deadline", answered=True, update_id=901)
    plain = store.log_question(5, "截止?", intent="deadline", answered=True)
    assert again == first and len({first, other_chat, plain}) == 3
    rows = store._query("SELECT id, answer, delivered FROM questions ORDER BY id")
    assert rows[0] == (first, "7月10日", None) and len(rows) == 3 and store.redelivered == 1
