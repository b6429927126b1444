"""/picture, the 🖼 button, the picture in inline mode, on the in-process fake Bot API (tests/support.py).

The end-to-end counterparts through the emulator are in tests/e2e/test_e2e_picture.py.
"""

from __future__ import annotations

import io
import itertools
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from telegram import Update

import bot.picture
from bot.config import Config
from bot.telegram.app import build_application
from bot.telegram.picture import CB_PICTURE, MAX_CAPTION
from bot.telegram.texts import PICTURE_BUTTON, PICTURE_FAILED
from support import NAMED_ENTITY, FakeBotAPI, check_html, tg_len

REPO = Path(__file__).resolve().parents[1]
TOKEN = "123456:AAH-secret_token-value_for_picture_tests"
USER = {"id": 2001, "is_bot": False, "first_name": "王五"}
CHAT = {"id": USER["id"], "type": "private", "first_name": USER["first_name"]}
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Chat:
    """One user's private chat with an initialized Application on the fake API."""

    def __init__(self, app, api: FakeBotAPI) -> None:
        self.app, self.api = app, api
        self._ids = itertools.count(1)

    async def feed(self, payload: dict) -> None:
        await self.app.process_update(Update.de_json({"update_id": next(self._ids), **payload}, self.app.bot))

    async def say(self, text: str) -> None:
        message = {"message_id": next(self._ids), "date": int(time.time()), "chat": CHAT, "from": USER, "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        await self.feed({"message": message})

    def photos(self) -> list[dict]:
        return self.api.named("sendPhoto")


@pytest.fixture
async def chat():
    api = FakeBotAPI(bot_id=123456, username="picture_probe_bot")
    app = build_application(Config(token=TOKEN, base_url="http://127.0.0.1:9"), request=api, get_updates_request=api)
    await app.initialize()
    try:
        yield Chat(app, api)
    finally:
        await app.shutdown()


async def test_picture_sends_the_card_as_a_photo_with_a_safe_caption(chat):
    await chat.say("/picture")
    [sent] = chat.photos()
    [(method, png)] = chat.api.uploads
    image = Image.open(io.BytesIO(png))
    assert method == "sendPhoto" and image.format == "PNG" and image.width == bot.picture.WIDTH
    assert len(png) <= bot.picture.MAX_BYTES
    caption = sent["caption"]
    visible = check_html(caption, tags={"b"}, entities=NAMED_ENTITY)
    assert "北京市关于开展中小企业数字化转型首批试点区遴选工作的通知" in visible and "/source" in visible
    assert tg_len(caption) <= MAX_CAPTION


async def test_the_same_picture_is_sent_again_by_its_file_id_without_uploading(chat):
    await chat.say("/picture")
    await chat.say("/picture")
    first, second = chat.photos()
    assert len(chat.api.uploads) == 1
    assert not str(first.get("photo", "")).startswith("photo-")  # uploaded
    assert str(second["photo"]).startswith("photo-")  # the file id Telegram gave the first one


async def test_start_offers_the_picture_button_and_pressing_it_sends_the_photo(chat):
    await chat.say("/start")
    [start] = [p for n, p in chat.api.calls if n == "sendMessage"]
    labels = {b["text"]: b["callback_data"] for row in start["reply_markup"]["inline_keyboard"] for b in row}
    assert labels[PICTURE_BUTTON] == CB_PICTURE
    shown = chat.api.result("sendMessage", start)
    await chat.feed(
        {"callback_query": {"id": "cb1", "from": USER, "chat_instance": "ci", "data": CB_PICTURE, "message": shown}}
    )
    assert len(chat.photos()) == 1 and chat.api.named("answerCallbackQuery")


async def test_inline_mode_offers_the_picture_once_telegram_holds_it(chat):
    await chat.feed({"inline_query": {"id": "iq1", "from": USER, "query": "", "offset": ""}})
    before = chat.api.named("answerInlineQuery")[-1]["results"]
    assert all(r["type"] != "photo" for r in before)  # nothing uploaded yet: no file id to offer
    await chat.say("/picture")
    await chat.feed({"inline_query": {"id": "iq2", "from": USER, "query": "", "offset": ""}})
    first = chat.api.named("answerInlineQuery")[-1]["results"][0]
    assert first["type"] == "photo" and first["photo_file_id"].startswith("photo-")
    assert tg_len(first["caption"]) <= MAX_CAPTION


async def test_a_picture_that_cannot_be_drawn_gets_a_polite_reply(chat, monkeypatch):
    def broken(kb, today):
        raise OSError("font missing")

    monkeypatch.setattr(bot.picture, "card_picture", broken)
    await chat.say("/picture")
    assert not chat.photos()
    assert [p["text"] for n, p in chat.api.calls if n == "sendMessage"] == [PICTURE_FAILED]


def test_starting_the_telegram_front_end_does_not_import_pillow():
    code = "import sys, bot.telegram.app, bot.telegram.admin; print('PIL' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.stdout.strip() == "False", result.stderr
