"""End-to-end: the front end's presence — /help from the command table, /faq cards, votes stored in the
database, every button press acknowledged, and admin commands for admins only."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e_fixtures import start_bot
from e2e_harness import BotProcess, Emulator, TelegramClient, User, bot_argv, verbatim_quotes

ADMIN_TOKEN = "7000000003:E2E-admin-bot-fake-secret"
ADMIN = User(id=99_999, first_name="管理员", username="e2e_admin")


def test_help_lists_every_public_command_of_the_table(tg: TelegramClient) -> None:
    from bot.telegram.texts import COMMANDS

    user = tg.new_user()
    [reply] = tg.ask(user, tg.private_chat(user), "/help")
    for command in COMMANDS:
        listed = f"/{command.name} " in reply.plain
        assert listed == (not command.admin and command.name not in ("start", "help")), command.name


def test_faq_buttons_open_cited_answer_cards(tg: TelegramClient, notice_text: str) -> None:
    from handlers import browse

    user = tg.new_user()
    chat = tg.private_chat(user)
    [menu] = tg.ask(user, chat, "/faq")
    assert [b.text for b in menu.buttons][:2] == [q[:39] + "…" if len(q) > 40 else q for q in browse.faq()[:2]]
    card = tg.press_and_wait(user, menu, menu.buttons[0])
    cards = [card] + tg.wait_quiet(chat)
    assert verbatim_quotes(cards, notice_text), "an FAQ card quotes the notice"


def _votes(db: Path, timeout: float = 10.0) -> list[tuple[str, int]]:
    """The votes stored so far, waiting a little for the first one to land."""
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
            rows = connection.execute("SELECT question, value FROM feedback ORDER BY id").fetchall()
        if rows or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def test_a_vote_is_acknowledged_and_stored_with_its_question(tg: TelegramClient, notice_bot: BotProcess) -> None:
    user = tg.new_user()
    chat = tg.private_chat(user)
    question = "奖补资金能用于买网关吗?"
    replies = tg.ask(user, chat, question) + tg.wait_quiet(chat)
    answer = replies[-1]
    down = next(b for b in answer.buttons if "👎" in b.text)
    assert tg.press_for_alert(user, answer, down).get("text"), "the vote is acknowledged"
    assert (question, -1) in _votes(Path(notice_bot.env["NOTICE_BOT_DB"]))


def test_every_button_press_is_acknowledged(tg: TelegramClient) -> None:
    user = tg.new_user()
    chat = tg.private_chat(user)
    [greeting] = tg.ask(user, chat, "/start")
    pressed = 0
    seen = len(tg.callback_answers())
    for button in greeting.buttons:
        tg.press_and_wait(user, greeting, button)
        pressed += 1
        tg.wait_quiet(chat)
    [menu] = tg.ask(user, chat, "/sections")
    tg.press_and_wait(user, menu, menu.buttons[0])
    pressed += 1
    deadline = time.monotonic() + 10
    while len(tg.callback_answers()) - seen < pressed and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(tg.callback_answers()) - seen == pressed, "each press gets exactly one answerCallbackQuery"


@pytest.fixture(scope="module")
def admin_tg(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelegramClient]:
    """A second bot process whose ADMIN_IDS names one user."""
    extra = {"ADMIN_IDS": str(ADMIN.id)}
    for _ in start_bot(emulator, bot_argv(), ADMIN_TOKEN, tmp_path_factory.mktemp("admin-bot"), extra_env=extra):
        client = emulator.client(ADMIN_TOKEN)
        yield client
        client.close()


@pytest.mark.parametrize("command", ["/stats", "/unanswered", "/reload"])
def test_admin_commands_are_refused_to_others_and_answer_the_admin(admin_tg: TelegramClient, command: str) -> None:
    tg = admin_tg
    stranger = tg.new_user()
    [refused] = tg.ask(stranger, tg.private_chat(stranger), command)
    assert "使用说明" in refused.plain, "anyone else gets /help, as if the command did not exist"
    admin_chat = tg.private_chat(ADMIN)
    replies = tg.ask(ADMIN, admin_chat, command) + tg.wait_quiet(admin_chat)
    assert "使用说明" not in "\n".join(m.plain for m in replies)
