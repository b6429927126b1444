"""Drive a bot process through the telegram-test-api emulator: start both, then act as Telegram users.

Used by the end-to-end tests (through conftest.py) and by benchmarks/e2e_latency.py. Nothing here imports the
bot: the bot is a separate process that only talks HTTP to the emulator, as it would to Telegram.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parent.parent
EMULATOR_SCRIPT = E2E_DIR / "emulator.js"
EMULATOR_PACKAGE = E2E_DIR / "node_modules" / "telegram-test-api" / "package.json"

# Polling bounds for waits. Generous: a slow CI machine must not turn into a flaky test.
DEFAULT_TIMEOUT = 45.0
POLL_INTERVAL = 0.05
# How long a chat must stay silent before we believe no further reply is coming.
QUIET_PERIOD = 1.5

_TAG = re.compile(r"<[^>]*>")
_MENTION = re.compile(r"@[A-Za-z0-9_]{3,}")


class HarnessError(RuntimeError):
    """The harness itself could not start or reach a process."""


def node_missing_reason() -> str | None:
    """Why the end-to-end tests cannot run here, or None when node and npm are available."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if not missing:
        return None
    return (
        f"{' and '.join(missing)} not found: install Node.js 20 (with npm), then "
        "`npm ci --prefix tests/e2e` to enable the end-to-end tests"
    )


def ensure_node_modules() -> None:
    """Install the pinned emulator from package-lock.json when it is not installed yet."""
    if EMULATOR_PACKAGE.exists():
        return
    result = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(E2E_DIR)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0 or not EMULATOR_PACKAGE.exists():
        raise HarnessError(f"npm ci failed in {E2E_DIR}:\n{result.stdout}\n{result.stderr}")


def utf16_len(text: str) -> int:
    """Telegram measures entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def plain_text(telegram_html: str) -> str:
    """What a user sees for a message sent with parse_mode HTML."""
    return html.unescape(_TAG.sub("", telegram_html))


def blockquotes(telegram_html: str) -> list[str]:
    """The visible text of each <blockquote> in a message."""
    found = re.findall(r"<blockquote[^>]*>(.*?)</blockquote>", telegram_html, flags=re.S)
    return [plain_text(q) for q in found]


class Emulator:
    """The Bot API emulator as a node child process on a free loopback port."""

    def __init__(self, log_path: Path, env: dict[str, str] | None = None) -> None:
        self.log_path = log_path
        self.extra_env = env or {}
        self.url = ""
        self.bot_username = ""
        self._proc: subprocess.Popen[str] | None = None
        self._log = None

    def start(self, timeout: float = 30.0) -> "Emulator":
        """Start node and wait for the ready line that names the port."""
        ensure_node_modules()
        self._log = open(self.log_path, "w", encoding="utf-8")
        self._proc = subprocess.Popen(
            ["node", str(EMULATOR_SCRIPT)],
            cwd=E2E_DIR,
            stdin=subprocess.PIPE,  # the emulator exits when this pipe closes, even if we crash
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env={**os.environ, **self.extra_env},
        )
        ready: dict[str, Any] = {}

        def read_ready() -> None:
            line = self._proc.stdout.readline() if self._proc and self._proc.stdout else ""
            if line:
                ready.update(json.loads(line))

        reader = threading.Thread(target=read_ready, daemon=True)
        reader.start()
        reader.join(timeout)
        if ready.get("event") != "ready":
            self.stop()
            raise HarnessError(f"emulator did not start; its log:\n{self.log_path.read_text()}")
        self.url = ready["url"]
        self.bot_username = ready["bot_username"]
        return self

    def stop(self) -> None:
        """Stop node and close its log."""
        if self._proc and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(10)
        if self._proc and self._proc.stdin:
            self._proc.stdin.close()
        if self._log:
            self._log.close()
            self._log = None

    def client(self, token: str) -> "TelegramClient":
        """A user-side client for the bot with this token."""
        return TelegramClient(self.url, token)


class BotProcess:
    """A bot running as its own process, with its stdout and stderr captured in one log file."""

    def __init__(self, argv: list[str], env: dict[str, str], log_path: Path, token: str) -> None:
        self.argv = argv
        self.env = env
        self.log_path = log_path
        self.token = token
        self.checked_offset = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = None

    def start(self, ready: Callable[[], bool], timeout: float = 90.0, append: bool = False) -> "BotProcess":
        """Start the bot and wait until it is ready (e.g. it polls the emulator for updates).

        append keeps the log of an earlier run of this bot (a restart) instead of starting it afresh.
        """
        self._log = open(self.log_path, "ab" if append else "wb")
        self._proc = subprocess.Popen(
            self.argv, cwd=REPO_ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise HarnessError(f"bot exited with {self._proc.returncode}; its log:\n{self.log()}")
            if ready():
                return self
            time.sleep(0.1)
        raise HarnessError(f"bot was not ready within {timeout}s; its log:\n{self.log()}")

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def peak_rss_kib(self) -> int | None:
        """The process's peak resident memory (VmHWM) in KiB while it runs; None where /proc is missing."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        found = re.search(r"^VmHWM:\s+(\d+) kB", status, flags=re.M)
        return int(found.group(1)) if found else None

    def terminate(self, timeout: float = 30.0) -> tuple[int | None, float]:
        """Send SIGTERM, as a host does before a restart; return (exit code or None if it hung, seconds taken).

        A bot that has not exited after `timeout` seconds is killed and reported with exit code None.
        """
        assert self._proc is not None, "the bot was never started"
        started = time.monotonic()
        code: int | None
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                code = self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(10)
                code = None
        else:
            code = self._proc.returncode
        took = time.monotonic() - started
        if self._log:
            self._log.close()
            self._log = None
        return code, took

    def kill(self) -> None:
        """SIGKILL (kill -9): no handler runs, nothing is flushed; what a crash or an OOM kill does."""
        assert self._proc is not None, "the bot was never started"
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(10)
        if self._log:
            self._log.close()
            self._log = None

    def log(self) -> str:
        """The whole log so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def unchecked_log(self) -> str:
        """The log written since the last call, so each test is judged on its own output."""
        text = self.log()
        new, self.checked_offset = text[self.checked_offset :], len(text)
        return new

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the bot the way a supervisor would (SIGINT, then kill if it hangs)."""
        if self._proc and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGINT)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(10)
        if self._log:
            self._log.close()
            self._log = None


def log_problems(log_text: str, token: str) -> list[str]:
    """What in a bot log makes a test fail: tracebacks and any trace of the token."""
    problems = []
    if "Traceback" in log_text:
        problems.append("the bot log shows a traceback")
    secret = token.split(":", 1)[-1]
    if token in log_text or secret in log_text:
        problems.append("the bot token appears in the bot log")
    return problems


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    username: str

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": False, "first_name": self.first_name, "username": self.username}


@dataclass(frozen=True)
class Chat:
    id: int
    type: str  # private | group | supergroup
    title: str = ""

    def as_json(self, user: User | None = None) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private" and user:
            chat.update(first_name=user.first_name, username=user.username)
        else:
            chat["title"] = self.title
        return chat


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None
    other: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BotMessage:
    """One message the bot sent, as the emulator stores it (text is the HTML the bot sent)."""

    message_id: int
    chat_id: int
    text: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    edits: int
    sent_at: float  # the emulator's clock, seconds

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> "BotMessage":
        message = stored["message"]
        markup = message.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        return cls(
            message_id=int(stored["messageId"]),
            chat_id=int(message["chat_id"]),
            text=message.get("text") or message.get("caption") or "",
            parse_mode=message.get("parse_mode"),
            reply_markup=markup,
            edits=int(stored.get("edits", 0)),
            sent_at=stored["time"] / 1000,
        )

    @property
    def plain(self) -> str:
        """The text as the user reads it."""
        if (self.parse_mode or "").upper() == "HTML":
            return plain_text(self.text)
        return self.text

    @property
    def buttons(self) -> list[Button]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        result = []
        for row in rows:
            for b in row:
                extra = {k: v for k, v in b.items() if k not in ("text", "callback_data", "url")}
                result.append(Button(b["text"], b.get("callback_data"), b.get("url"), extra))
        return result

    def button(self, label: str) -> Button:
        """The button whose label contains `label` (exact matches win)."""
        exact = [b for b in self.buttons if b.text == label]
        partial = [b for b in self.buttons if label in b.text]
        matches = exact or partial
        if not matches:
            raise AssertionError(f"no button {label!r} under message: {[b.text for b in self.buttons]}")
        return matches[0]


class TelegramClient:
    """Acts as Telegram users talking to one bot, through the emulator's client routes."""

    _ids = itertools.count(1)

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self.bot_id = int(token.split(":")[0])
        self.http = httpx.Client(base_url=url, timeout=30.0)

    # --- people and chats -------------------------------------------------------------------------
    def new_user(self, name: str = "Tester") -> User:
        n = next(self._ids)
        return User(id=100_000 + n, first_name=f"{name}{n}", username=f"e2e_user_{n}")

    @staticmethod
    def private_chat(user: User) -> Chat:
        return Chat(id=user.id, type="private")

    def new_group(self, title: str = "E2E group", kind: str = "supergroup") -> Chat:
        n = next(self._ids)
        return Chat(id=-1_000_000_000_000 - n, type=kind, title=f"{title} {n}")

    # --- Bot API side, read-only ------------------------------------------------------------------
    def get_me(self) -> dict[str, Any]:
        """What the bot learns about itself (the username to mention)."""
        response = self.http.post(f"/bot{self.token}/getMe")
        response.raise_for_status()
        return response.json()["result"]

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """Bot API calls this bot made, in order, optionally of one method."""
        calls = self.http.get("/harness/calls").json()["result"]
        return [c for c in calls if c["bot"] == self.bot_id and (method is None or c["method"] == method)]

    def bot_polled(self) -> bool:
        """Whether the bot has started polling for updates."""
        return bool(self.calls("getUpdates"))

    def polls_after_now(self) -> Callable[[], bool]:
        """A readiness check for a bot (re)started from now on: true once it polls anew."""
        seen = len(self.calls("getUpdates"))
        return lambda: len(self.calls("getUpdates")) > seen

    def inject_fault(
        self,
        method: str,
        kind: str,
        *,
        chat: Chat | None = None,
        retry_after: int | None = None,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Make this bot's next `times` calls of a method fail: kind is retry_after (429 with
        retry_after seconds), bad_request (400) or disconnect (the connection drops unanswered)."""
        body: dict[str, Any] = {"botToken": self.token, "method": method, "kind": kind, "times": times}
        if chat is not None:
            body["chat_id"] = chat.id
        if retry_after is not None:
            body["retry_after"] = retry_after
        if description is not None:
            body["description"] = description
        self._post("/harness/faults", body)

    def pending_faults(self) -> list[dict[str, Any]]:
        """Injected faults of this bot not yet acted out."""
        faults = self.http.get("/harness/faults").json()["result"]
        return [f for f in faults if f["bot"] == self.bot_id]

    def callback_answers(self) -> list[dict[str, Any]]:
        """The bot's answers to button presses (toasts and alerts), oldest first."""
        answers = self.http.get("/harness/callbackAnswers").json()["result"]
        return [a for a in answers if a["bot"] == self.bot_id]

    # --- acting as a user -------------------------------------------------------------------------
    def _post(self, route: str, body: dict[str, Any]) -> None:
        response = self.http.post(route, json=body)
        response.raise_for_status()

    def _message(self, user: User, chat: Chat, text: str) -> dict[str, Any]:
        return {
            "botToken": self.token,
            "from": user.as_json(),
            "chat": chat.as_json(user),
            "date": int(time.time()),
            "text": text,
        }

    def send_text(self, user: User, chat: Chat, text: str, reply_to: BotMessage | None = None) -> None:
        """Send a text message; a leading /command or an @mention gets its entity, as in Telegram."""
        body = self._message(user, chat, text)
        entities = []
        command = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
        if command:
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command.group())})
        for mention in _MENTION.finditer(text):
            if command and mention.start() < command.end():
                continue
            entities.append(
                {"type": "mention", "offset": utf16_len(text[: mention.start()]), "length": utf16_len(mention.group())}
            )
        if entities:
            body["entities"] = entities
        if reply_to is not None:
            body["reply_to_message"] = {
                "message_id": reply_to.message_id,
                "date": int(reply_to.sent_at),
                "chat": chat.as_json(user),
                "from": {"id": self.bot_id, "is_bot": True, "first_name": "bot"},
                "text": reply_to.plain,
            }
        self._post("/sendCommand" if command else "/sendMessage", body)

    def send_fields(self, user: User, chat: Chat, fields: dict[str, Any]) -> None:
        """Send a message made of arbitrary Message fields (sticker, photo, location, ...), no text."""
        body = {k: v for k, v in self._message(user, chat, "").items() if k != "text"}
        body.update(fields)
        self._post("/sendMessage", body)

    def send_update(self, update: dict[str, Any]) -> None:
        """Deliver a raw update of any kind (e.g. {"edited_message": {...}}); the emulator adds update_id."""
        self._post("/harness/sendUpdate", {"botToken": self.token, "update": update})

    def raw_message(self, user: User | None, chat: Chat, **fields: Any) -> dict[str, Any]:
        """A Message object as Telegram puts it inside an update (for send_update)."""
        message: dict[str, Any] = {
            "message_id": next(self._ids) + 500_000,
            "date": int(time.time()),
            "chat": chat.as_json(user),
        }
        if user is not None:
            message["from"] = user.as_json()
        message.update(fields)
        return message

    def command(self, user: User, chat: Chat, text: str) -> None:
        """Send a /command (with its arguments)."""
        assert text.startswith("/"), text
        self.send_text(user, chat, text)

    def press(self, user: User, message: BotMessage, button: Button | str) -> None:
        """Press an inline button under one of the bot's messages."""
        if isinstance(button, str):
            button = message.button(button)
        assert button.callback_data is not None, f"button {button.text!r} has no callback data"
        self._post(
            "/sendCallback",
            {
                "botToken": self.token,
                "from": user.as_json(),
                "date": int(time.time()),
                # The emulator fills in the pressed message as it currently stands.
                "message": {"message_id": message.message_id, "chat": {"id": message.chat_id}},
                "data": button.callback_data,
            },
        )

    # --- reading what the bot sent ----------------------------------------------------------------
    def take_new(self, chat: Chat) -> list[BotMessage]:
        """Bot messages in this chat not seen before (each is returned once)."""
        response = self.http.post("/getUpdates", json={"token": self.token, "chatId": chat.id})
        response.raise_for_status()
        return [BotMessage.from_stored(s) for s in response.json()["result"]]

    def history(self, chat: Chat | None = None) -> list[BotMessage]:
        """Every bot message (current content), optionally of one chat, oldest first."""
        response = self.http.post("/getUpdatesHistory", json={"token": self.token})
        response.raise_for_status()
        stored = [s for s in response.json()["result"] if "chat_id" in s.get("message", {})]
        messages = [BotMessage.from_stored(s) for s in stored]
        return [m for m in messages if chat is None or m.chat_id == chat.id]

    def wait_replies(self, chat: Chat, n: int = 1, timeout: float = DEFAULT_TIMEOUT) -> list[BotMessage]:
        """Wait until the bot has sent at least n new messages to the chat; return them all."""
        got: list[BotMessage] = []
        deadline = time.monotonic() + timeout
        while True:
            got.extend(self.take_new(chat))
            if len(got) >= n:
                return got
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {n} bot message(s) in chat {chat.id} within {timeout}s, got {len(got)}: "
                    f"{[m.plain[:200] for m in got]}"
                )
            time.sleep(POLL_INTERVAL)

    def wait_quiet(self, chat: Chat, quiet: float = QUIET_PERIOD) -> list[BotMessage]:
        """Collect whatever else the bot sends to the chat until it stays silent for `quiet` seconds."""
        extra: list[BotMessage] = []
        silent_since = time.monotonic()
        while time.monotonic() - silent_since < quiet:
            new = self.take_new(chat)
            if new:
                extra.extend(new)
                silent_since = time.monotonic()
            time.sleep(POLL_INTERVAL)
        return extra

    def snapshot(self, chat: Chat) -> dict[int, int]:
        """Message id -> edit count of the bot's messages in a chat, to detect what changes next."""
        self.take_new(chat)  # anything already sent is now "seen"
        return {m.message_id: m.edits for m in self.history(chat)}

    def wait_change(self, chat: Chat, before: dict[int, int], timeout: float = DEFAULT_TIMEOUT) -> BotMessage:
        """Wait for the bot's next visible reaction in a chat: a new message or an edit; return it."""
        deadline = time.monotonic() + timeout
        while True:
            changed = [m for m in self.history(chat) if before.get(m.message_id, -1) < m.edits]
            if changed:
                self.take_new(chat)
                return changed[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot neither sent nor edited a message in chat {chat.id} within {timeout}s")
            time.sleep(POLL_INTERVAL)

    def press_and_wait(
        self, user: User, message: BotMessage, button: Button | str, timeout: float = DEFAULT_TIMEOUT
    ) -> BotMessage:
        """Press a button and return the message the bot showed in response (new or edited)."""
        chat = Chat(id=message.chat_id, type="private" if message.chat_id > 0 else "supergroup")
        before = self.snapshot(chat)
        self.press(user, message, button)
        return self.wait_change(chat, before, timeout)

    def press_for_alert(
        self, user: User, message: BotMessage, button: Button | str, timeout: float = DEFAULT_TIMEOUT
    ) -> dict[str, Any]:
        """Press a button and return the bot's answerCallbackQuery (the toast or alert it showed)."""
        seen = len(self.callback_answers())
        self.press(user, message, button)
        deadline = time.monotonic() + timeout
        while True:
            answers = self.callback_answers()
            if len(answers) > seen:
                return answers[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not answer the button press within {timeout}s")
            time.sleep(POLL_INTERVAL)

    def ask(self, user: User, chat: Chat, text: str, timeout: float = DEFAULT_TIMEOUT) -> list[BotMessage]:
        """Send a message and return the bot's reply messages (at least one)."""
        self.take_new(chat)
        self.send_text(user, chat, text)
        return self.wait_replies(chat, 1, timeout)

    def close(self) -> None:
        self.http.close()


def bot_env(emulator: Emulator, token: str, data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for `python -m bot` against the emulator, isolated from the developer's settings."""
    env = {k: v for k, v in os.environ.items() if k not in ("WEBHOOK_URL", "PORT", "TELEGRAM_BOT_TOKEN")}
    env.update(
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_BASE_URL=emulator.url,
        NOTICE_BOT_DB=str(data_dir / "notice-bot.sqlite3"),
        PYTHONUNBUFFERED="1",
        PYTHONFAULTHANDLER="1",
    )
    env.update(extra or {})
    return env


def bot_argv() -> list[str]:
    return [sys.executable, "-m", "bot"]


# Every bot process running now; the test runner judges each test on what they logged meanwhile.
RUNNING_BOTS: list[BotProcess] = []


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def running_bot(
    emulator: Emulator,
    argv: list[str],
    token: str,
    data_dir: Path,
    extra_env: dict[str, str] | None = None,
    webhook_port: int | None = None,
) -> Iterator[BotProcess]:
    """A bot process talking to the emulator for the duration of the block (polling, or serving a
    webhook on webhook_port); its shutdown log is checked too."""
    client = emulator.client(token)
    bot = BotProcess(argv, bot_env(emulator, token, data_dir, extra_env), data_dir / "bot.log", token)

    def ready() -> bool:
        if webhook_port is None:
            return client.bot_polled()
        return bool(client.calls("setWebhook")) and port_open(webhook_port)

    try:
        bot.start(ready)
        RUNNING_BOTS.append(bot)
        yield bot
    finally:
        if bot in RUNNING_BOTS:
            RUNNING_BOTS.remove(bot)
        bot.stop()
        client.close()
    problems = log_problems(bot.unchecked_log(), token)
    if problems:
        raise AssertionError(f"{problems} during shutdown; bot log:\n{bot.log()[-6000:]}")


class RestartableBot:
    """One bot identity (token and database) that a test stops with SIGTERM and starts again, as a
    host restarting it would; its log runs on across restarts."""

    def __init__(self, emulator: Emulator, token: str, data_dir: Path, extra_env: dict[str, str] | None = None) -> None:
        self.client = emulator.client(token)
        self.data_dir = data_dir
        self.process = BotProcess(
            bot_argv(), bot_env(emulator, token, data_dir, extra_env), data_dir / "bot.log", token
        )
        self.starts = 0

    @property
    def db_path(self) -> Path:
        return Path(self.process.env["NOTICE_BOT_DB"])

    @property
    def running(self) -> bool:
        return self.process.running

    def start(self) -> BotProcess:
        """Start (or restart) the bot and wait until it polls the emulator."""
        self.process.start(self.client.polls_after_now(), append=self.starts > 0)
        self.starts += 1
        RUNNING_BOTS.append(self.process)
        return self.process

    def sigterm(self, timeout: float = 30.0) -> tuple[int | None, float]:
        """Stop it with SIGTERM; (exit code, or None if it had to be killed; seconds it took)."""
        if self.process in RUNNING_BOTS:
            RUNNING_BOTS.remove(self.process)
        return self.process.terminate(timeout)

    def kill(self) -> None:
        """Kill it with SIGKILL, as a crash would."""
        if self.process in RUNNING_BOTS:
            RUNNING_BOTS.remove(self.process)
        self.process.kill()

    def close(self) -> None:
        """Stop it if it runs; fail on a traceback or the token in what it logged last."""
        if self.running:
            self.sigterm()
        self.client.close()
        problems = log_problems(self.process.unchecked_log(), self.process.token)
        if problems:
            raise AssertionError(f"{problems}; bot log:\n{self.process.log()[-6000:]}")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def is_verbatim(quote: str, source: str) -> bool:
    """Whether a quote is an excerpt of the source; an ellipsis may stand for left-out text."""
    pieces = [p for p in re.split(r"…+|\.{3,}", _squash(quote)) if p]
    return bool(pieces) and all(p in _squash(source) for p in pieces)


def verbatim_quotes(messages: Iterable[BotMessage], source: str) -> list[str]:
    """The blockquotes of the messages that quote the source text verbatim."""
    quotes = [q for m in messages for q in blockquotes(m.text)]
    return [q for q in quotes if is_verbatim(q, source)]
