"""The console chat in a real terminal (a pty): a greeting that says how to ask, readline editing, /help, /quit."""

from __future__ import annotations

import codecs
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
        self.cursor = 0  # where the next read_until starts looking
        self.closed = False
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")  # a read may end inside a character

    def read_until(self, text: str, timeout: float = 60) -> str:
        """Wait until text appears after what was read so far; returns the output up to and including it.

        Each input is typed only after the prompt came back, as a person would: keys typed while the
        bot is still answering reach the terminal before readline does.
        """
        end = time.monotonic() + timeout
        while (found := self.seen.find(text, self.cursor)) < 0:
            left = end - time.monotonic()
            assert left > 0, f"{text!r} never appeared; the terminal shows:\n{self.seen}"
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.seen += self._decoder.decode(os.read(self.master, 65536))
                except OSError:  # the child closed the terminal
                    break
        shown, self.cursor = self.seen[: found + len(text)], found + len(text)
        return shown

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode("utf-8"))

    def close(self) -> int:
        """The exit code, once the chat has ended (the terminal's output is kept for the failure message)."""
        try:
            return self.proc.wait(60)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the console did not end; the terminal shows:\n{self.seen}") from None
        finally:
            os.close(self.master)
            self.closed = True


@pytest.fixture
def terminal():
    term = Terminal()
    try:
        yield term
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
            term.proc.wait()
        if not term.closed:
            os.close(term.master)


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
    assert "2023年7月10日" in shown.split("问> ")[-1]
    terminal.read_until("问> ")
    terminal.type("/help\r")
    assert "/source" in terminal.read_until("/reset 清除上下文")
    terminal.read_until("问> ")
    terminal.type("\x04")  # Ctrl-D ends the chat
    assert terminal.close() == 0
