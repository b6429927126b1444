"""The console chat in a real terminal (a pty): a greeting that says how to ask, readline editing, /help, /quit."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LEFT = "\x1b[D"
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pty is POSIX")


class Terminal:
    """`python -m bot console` on a pseudo-terminal, read and typed into like a person would."""

    def __init__(self) -> None:
        self.master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
        env["TERM"] = "xterm"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "console"], stdin=slave, stdout=slave, stderr=slave, cwd=REPO, env=env
        )
        os.close(slave)
        self.seen = ""

    def read_until(self, text: str, timeout: float = 60) -> str:
        end = time.monotonic() + timeout
        while text not in self.seen:
            left = end - time.monotonic()
            assert left > 0, f"{text!r} never appeared; the terminal shows:\n{self.seen}"
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536).decode("utf-8", "replace")
                except OSError:  # the child closed the terminal
                    break
        return self.seen

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode("utf-8"))

    def close(self) -> int:
        try:
            return self.proc.wait(30)
        finally:
            os.close(self.master)


@pytest.fixture
def terminal():
    term = Terminal()
    try:
        yield term
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
            term.close()


def test_greeting_says_how_to_ask_and_quit(terminal):
    shown = terminal.read_until("问> ")
    assert "直接输入问题" in shown and "/help" in shown and "/quit" in shown
    terminal.type("/quit\r")
    assert terminal.close() == 0


def test_arrow_keys_edit_the_line_instead_of_printing_escape_codes(terminal):
    terminal.read_until("问> ")
    # "申报时间截止" with the cursor moved left twice and 截止 typed there: the line reads 申报截止时间.
    terminal.type(f"申报时间{LEFT}{LEFT}截止\r")
    shown = terminal.read_until("依据:")
    assert "^[[D" not in shown
    assert "2023年7月10日" in shown.split("依据:")[0]
    terminal.type("/help\r")
    assert "/source" in terminal.read_until("/reset 清除上下文")
    terminal.type("\x04")  # Ctrl-D ends the chat
    assert terminal.close() == 0
