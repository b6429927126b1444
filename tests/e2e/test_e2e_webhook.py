"""End-to-end: the bot serving a webhook (WEBHOOK_URL set) instead of long polling."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from e2e_fixtures import BOT_TOKEN, start_bot, start_emulator
from e2e_harness import TelegramClient, bot_argv, free_port
from e2e_questions import INTENT_QUESTIONS


@pytest.fixture(scope="module")
def webhook_tg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelegramClient]:
    """Its own emulator, which delivers updates by POSTing to the bot's webhook with the secret header."""
    logs = tmp_path_factory.mktemp("webhook")
    emulator = start_emulator(logs)
    port = free_port()
    env = {"WEBHOOK_URL": f"http://127.0.0.1:{port}/e2e-hook", "PORT": str(port)}
    try:
        for _ in start_bot(emulator, bot_argv(), BOT_TOKEN, logs, extra_env=env, webhook_port=port):
            client = emulator.client(BOT_TOKEN)
            yield client
            client.close()
    finally:
        emulator.stop()


def test_webhook_mode_answers_questions(webhook_tg: TelegramClient) -> None:
    tg = webhook_tg
    [registration] = tg.calls("setWebhook")
    assert registration["params"]["url"].endswith("/e2e-hook")
    assert registration["params"].get("secret_token"), "Telegram's requests are authenticated by a secret"
    assert not tg.calls("getUpdates"), "a webhook bot does not poll"
    user = tg.new_user()
    chat = tg.private_chat(user)
    [greeting] = tg.ask(user, chat, "/start")
    assert greeting.buttons
    for question, fact in INTENT_QUESTIONS.values():
        replies = tg.ask(user, chat, question) + tg.wait_quiet(chat, quiet=0.3)
        assert fact in "\n".join(m.plain for m in replies)
