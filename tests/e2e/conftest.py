"""Fixtures for the end-to-end tests: the Bot API emulator (node) and the bot as a real process.

Without node/npm the tests skip with instructions; with the CI variable set they fail instead, so a
missing dependency can never hide in CI.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e_fixtures import BOT_TOKEN, ECHO_TOKEN, start_bot, start_emulator
from e2e_harness import RUNNING_BOTS, BotProcess, Emulator, TelegramClient, bot_argv, log_problems


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """The Bot API emulator on a free loopback port, shared by the session."""
    emu = start_emulator(tmp_path_factory.mktemp("emulator"))
    yield emu
    emu.stop()


@pytest.fixture(scope="session")
def notice_bot(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    """`python -m bot` polling the emulator, with its database in a temporary folder."""
    yield from start_bot(emulator, bot_argv(), BOT_TOKEN, tmp_path_factory.mktemp("notice-bot"))


@pytest.fixture(scope="session")
def echo_bot(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    """The harness self-test bot (echo_bot.py)."""
    argv = [sys.executable, str(Path(__file__).with_name("echo_bot.py"))]
    yield from start_bot(emulator, argv, ECHO_TOKEN, tmp_path_factory.mktemp("echo-bot"))


@pytest.fixture()
def tg(emulator: Emulator, notice_bot: BotProcess) -> Iterator[TelegramClient]:
    """A user-side client of the notice bot."""
    client = emulator.client(notice_bot.token)
    yield client
    client.close()


@pytest.fixture()
def echo_tg(emulator: Emulator, echo_bot: BotProcess) -> Iterator[TelegramClient]:
    """A user-side client of the echo bot."""
    client = emulator.client(echo_bot.token)
    yield client
    client.close()


@pytest.fixture(scope="session")
def bot_username(emulator: Emulator, notice_bot: BotProcess) -> str:
    """The username the bot learns from getMe (never hard-coded in the tests)."""
    client = emulator.client(notice_bot.token)
    try:
        return client.get_me()["username"]
    finally:
        client.close()


@pytest.fixture(scope="session")
def notice_text() -> str:
    """The notice the bot answers about, to check its quotes are verbatim."""
    from knowledge.loader import load_bundle

    return load_bundle().notice.text


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fail the test itself when a bot logged a traceback or its token while it ran."""
    failed = True
    try:
        result = yield
        failed = False
        return result
    finally:
        # Each test is judged on the log written while it ran, even when it already failed.
        found = []
        for bot in RUNNING_BOTS:
            new_log = bot.unchecked_log()
            problems = log_problems(new_log, bot.token)
            if not bot.running:
                problems.append("the bot process exited")
            if problems:
                item.add_report_section("call", f"log of {bot.log_path.parent.name}", new_log[-6000:])
                found.extend(problems)
        if found and not failed:
            pytest.fail(f"{'; '.join(found)} (the bot log is in the report)", pytrace=False)
