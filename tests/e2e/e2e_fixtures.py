"""Start-up helpers shared by the e2e fixtures: skip or fail without node, start emulator and bot."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e_harness import BotProcess, Emulator, HarnessError, node_missing_reason, running_bot

# Fake tokens in the real shape (<bot id>:<secret>); the bot id is what getMe reports.
BOT_TOKEN = "7000000001:E2E-notice-bot-fake-secret"
ECHO_TOKEN = "7000000002:E2E-echo-bot-fake-secret"


def require_node() -> None:
    """Skip without node/npm on a developer machine; fail in CI, where these tests must run."""
    reason = node_missing_reason()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"end-to-end tests must run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def start_emulator(log_dir: Path, env: dict[str, str] | None = None) -> Emulator:
    """Start an emulator whose log goes to log_dir; skip or fail when node is missing."""
    require_node()
    try:
        return Emulator(log_dir / "emulator.log", env).start()
    except HarnessError as error:
        pytest.fail(str(error), pytrace=False)


def start_bot(
    emulator: Emulator, argv: list[str], token: str, data_dir: Path, **options: object
) -> Iterator[BotProcess]:
    """Run a bot for a fixture's lifetime (options: extra_env, webhook_port); fail the fixture if it cannot start."""
    try:
        with running_bot(emulator, argv, token, data_dir, **options) as bot:
            yield bot
    except HarnessError as error:
        pytest.fail(str(error), pytrace=False)
