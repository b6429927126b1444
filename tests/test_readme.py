"""The README tells the truth: its examples print what it shows, its command table lists the real commands."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import _parser

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
# A ```text block that opens with "$ python -m bot ...": the command, then exactly what it prints.
EXAMPLE = re.compile(r"```text\n\$ (python -m bot [^\n]+)\n(.*?)```", re.S)
EXAMPLES = EXAMPLE.findall(README)


def _subcommands() -> set[str]:
    parser = _parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    return set(sub.choices)


def test_the_readme_has_examples():
    assert EXAMPLES, "no ```text block opening with $ python -m bot"


@pytest.mark.parametrize(("command", "shown"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_each_readme_example_prints_what_the_readme_shows(command, shown):
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "NOTICE_BOT_NOTICE")}
    args = shlex.split(command)[1:]  # "python" is this interpreter
    out = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, encoding="utf-8", cwd=REPO, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == shown


def test_the_command_table_lists_every_subcommand():
    rows = re.findall(r"^\| `python -m bot ([a-z][a-z-]*)", README, re.M)
    assert set(rows) == _subcommands()


def test_the_telegram_command_table_is_the_one_commands_makes():
    from bot.telegram.texts import readme_table

    assert readme_table() in README, "README's Telegram command table differs from bot/telegram/texts.COMMANDS"


def test_every_registered_command_is_in_the_table_and_back(tmp_path):
    from telegram.ext import CommandHandler, ConversationHandler

    from bot.config import Config
    from bot.store import Store
    from bot.telegram.app import build_application
    from bot.telegram.texts import COMMANDS

    store = Store(tmp_path / "bot.sqlite3")
    try:
        app = build_application(Config(token="1:x"), store=store)
        registered: set[str] = set()
        for handlers in app.handlers.values():
            for handler in handlers:
                inner = handler.entry_points if isinstance(handler, ConversationHandler) else [handler]
                registered |= {c for h in inner if isinstance(h, CommandHandler) for c in h.commands}
    finally:
        store.close()
    assert registered == {c.name for c in COMMANDS}
