"""A token Telegram rejects ends `serve` with a clear message and exit status 2, and leaks in no form."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.config import REDACTED, redact

REPO = Path(__file__).resolve().parents[1]
# A token of BotFather's shape whose secret part holds characters that URL-encoding changes.
TOKEN = "7412589630:AAE-s3cr3t_part+with/odd=chars"
SECRET = TOKEN.partition(":")[2]
FORMS = {TOKEN, SECRET, quote(TOKEN, safe=""), quote(TOKEN), quote(SECRET, safe=""), quote(SECRET)}


class _Rejecting(BaseHTTPRequestHandler):
    """Answers every Bot API call as Telegram does for a revoked token, echoing the path it was asked for."""

    def _reject(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = json.dumps({"ok": False, "error_code": 401, "description": f"Unauthorized: {self.path}"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _reject

    def log_message(self, *args) -> None:  # the test server's own access log is not the bot's output
        pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def rejecting_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Rejecting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_a_rejected_token_exits_2_with_a_clear_message_and_leaks_nowhere(rejecting_server, tmp_path, mode):
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": rejecting_server,
        "NOTICE_BOT_DB": str(tmp_path / "data" / "bot.sqlite3"),
        "LOG_LEVEL": "DEBUG",  # the most the bot ever says about a failing call
    }
    env.pop("NOTICE_BOT_SALT", None)
    if mode == "webhook":
        env.update(WEBHOOK_URL="https://example.invalid/hook", PORT=str(_free_port()))
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "serve"], capture_output=True, text=True, cwd=REPO, env=env, timeout=60
    )
    assert proc.returncode == 2
    assert "Telegram rejected TELEGRAM_BOT_TOKEN; check the token from BotFather" in proc.stderr
    assert "Traceback" not in proc.stderr
    output = proc.stdout + proc.stderr
    for form in FORMS:
        assert form not in output
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(form.encode() in data for form in FORMS), path


def test_redact_removes_the_whole_token_and_its_secret_part_plain_or_url_encoded():
    text = " | ".join(sorted(FORMS))
    assert set(redact(text, TOKEN).split(" | ")) == {REDACTED}
    assert redact("bot 7412589630 is fine", TOKEN) == "bot 7412589630 is fine"  # the bot id is public
