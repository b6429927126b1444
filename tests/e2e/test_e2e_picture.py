"""End-to-end: /picture sends the notice's card as a photo, and admin /stats sends a chart above its figures.

The emulator stores a sendPhoto upload with its size and, for a PNG, the width and height read from the
file itself, so these tests see the picture as Telegram would receive it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from e2e_fixtures import start_bot
from e2e_harness import BotProcess, Emulator, TelegramClient, User, bot_argv

ADMIN_TOKEN = "7000000013:E2E-picture-admin-bot-fake-secret"
ADMIN_ID = 4_242_424
MAX_BYTES = 1_000_000


@pytest.fixture(scope="module")
def admin_bot(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    """The notice bot with one admin, and a database of its own."""
    data_dir = tmp_path_factory.mktemp("picture-bot")
    yield from start_bot(emulator, bot_argv(), ADMIN_TOKEN, data_dir, extra_env={"ADMIN_IDS": str(ADMIN_ID)})


@pytest.fixture()
def admin_tg(emulator: Emulator, admin_bot: BotProcess) -> Iterator[TelegramClient]:
    client = emulator.client(admin_bot.token)
    yield client
    client.close()


def _photo_calls(tg: TelegramClient, chat_id: int) -> list[dict]:
    return [c["params"] for c in tg.calls("sendPhoto") if str(c["params"].get("chat_id")) == str(chat_id)]


def test_picture_sends_the_notice_card_as_a_photo_and_then_reuses_the_upload(admin_tg: TelegramClient) -> None:
    tg = admin_tg  # a bot of this module's own, so that its first picture is an upload whatever ran before
    user = tg.new_user()
    chat = tg.private_chat(user)
    [reply] = tg.ask(user, chat, "/picture", timeout=30)
    assert "一图读懂" in reply.plain and "/source" in reply.plain  # the caption
    [sent] = _photo_calls(tg, chat.id)
    photo = sent["photo"]
    assert photo["width"] == 1080 and 1080 < photo["height"] <= 10_000 - 1080
    assert 0 < photo["file_size"] <= MAX_BYTES
    tg.ask(user, chat, "/picture", timeout=30)
    again = _photo_calls(tg, chat.id)[-1]["photo"]
    assert isinstance(again, str) and again.startswith("e2e-")  # sent by the file id the emulator gave it


def test_the_picture_button_under_start_sends_the_photo(tg: TelegramClient) -> None:
    user = tg.new_user()
    chat = tg.private_chat(user)
    [greeting] = tg.ask(user, chat, "/start")
    button = next(b for b in greeting.buttons if "🖼" in b.text)
    reply = tg.press_and_wait(user, greeting, button, timeout=30)
    assert "一图读懂" in reply.plain
    assert _photo_calls(tg, chat.id)


def test_admin_stats_sends_a_chart_then_the_figures(admin_tg: TelegramClient) -> None:
    admin = User(id=ADMIN_ID, first_name="管理员", username="e2e_admin")
    chat = admin_tg.private_chat(admin)
    admin_tg.ask(admin, chat, "申报截止时间是什么时候?")
    admin_tg.wait_quiet(chat)
    replies = admin_tg.ask(admin, chat, "/stats", timeout=30)
    chart, figures = replies if len(replies) >= 2 else replies + admin_tg.wait_replies(chat, 1)
    [sent] = _photo_calls(admin_tg, chat.id)
    assert sent["photo"]["width"] == 1080 and sent["photo"]["file_size"] <= MAX_BYTES
    assert chart.message_id < figures.message_id  # the chart first, the figures as text beneath it
    assert "累计:1" in figures.plain


def test_stats_from_someone_else_sends_no_chart(admin_tg: TelegramClient) -> None:
    user = admin_tg.new_user()
    chat = admin_tg.private_chat(user)
    [reply] = admin_tg.ask(user, chat, "/stats")
    assert "使用说明" in reply.plain  # the normal help, as for any unknown command
    admin_tg.wait_quiet(chat)
    assert not _photo_calls(admin_tg, chat.id)
