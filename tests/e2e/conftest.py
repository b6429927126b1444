"""Fixtures for the end-to-end tests: the Bot API emulator (node) and the bot as a real process.

Without node/npm the tests skip with instructions; with the CI variable set they fail instead, so a
missing dependency can never hide in CI.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import (
    BotProcess,
    Emulator,
    HarnessError,
    TelegramClient,
    bot_argv,
    bot_env,
    log_problems,
    node_missing_reason,
)

# Fake tokens in the real shape (<bot id>:<secret>); the bot id is what getMe reports.
BOT_TOKEN = "7000000001:E2E-notice-bot-fake-secret"
ECHO_TOKEN = "7000000002:E2E-echo-bot-fake-secret"

# Every bot process started in this session; each test is judged on what they logged meanwhile.
_RUNNING_BOTS: list[BotProcess] = []


def _require_node() -> None:
    reason = node_missing_reason()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"end-to-end tests must run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """The Bot API emulator on a free loopback port, shared by the session."""
    _require_node()
    logs = tmp_path_factory.mktemp("emulator")
    emu = Emulator(logs / "emulator.log")
    try:
        emu.start()
    except HarnessError as error:
        pytest.fail(str(error), pytrace=False)
    yield emu
    emu.stop()


def _start_bot(emulator: Emulator, argv: list[str], token: str, data_dir: Path) -> Iterator[BotProcess]:
    client = emulator.client(token)
    bot = BotProcess(argv, bot_env(emulator, token, data_dir), data_dir / "bot.log", token)
    try:
        bot.start(client)
    except HarnessError as error:
        bot.stop()
        pytest.fail(str(error), pytrace=False)
    _RUNNING_BOTS.append(bot)
    yield bot
    _RUNNING_BOTS.remove(bot)
    bot.stop()
    # What it logged while shutting down counts too.
    problems = log_problems(bot.unchecked_log(), token)
    assert not problems, f"{problems} during shutdown; bot log:\n{bot.log()[-6000:]}"
    client.close()


@pytest.fixture(scope="session")
def notice_bot(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    """`python -m bot` polling the emulator, with its database in a temporary folder."""
    yield from _start_bot(emulator, bot_argv(), BOT_TOKEN, tmp_path_factory.mktemp("notice-bot"))


@pytest.fixture(scope="session")
def echo_bot(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    """The harness self-test bot (echo_bot.py)."""
    argv = [sys.executable, str(Path(__file__).with_name("echo_bot.py"))]
    yield from _start_bot(emulator, argv, ECHO_TOKEN, tmp_path_factory.mktemp("echo-bot"))


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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fail the test itself when a bot logged a traceback or its token while it ran."""
    result = yield
    for bot in _RUNNING_BOTS:
        new_log = bot.unchecked_log()
        problems = log_problems(new_log, bot.token)
        if not bot.running:
            problems.append("the bot process exited")
        if problems:
            pytest.fail(f"{'; '.join(problems)}; bot log of this test:\n{new_log[-6000:]}", pytrace=False)
    return result
