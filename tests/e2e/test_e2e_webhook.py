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


RESTART_TOKEN = "7000000030:E2E-webhook-restart-fake-secret"
HOOK_USERS = 5
HOOK_PER_USER = 6


def _answers(tg: TelegramClient, chat) -> list:
    return [m for m in tg.history(chat) if any("👍" in b.text for b in m.buttons)]


def test_the_secret_survives_a_restart_and_sigterm_answers_the_updates_in_flight(tmp_path) -> None:
    """Questions sent before, during and after a SIGTERM are all answered once, and none is refused with 403."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    from e2e_harness import BotProcess, bot_env, port_open

    emulator = start_emulator(tmp_path)
    port = free_port()
    env = {"WEBHOOK_URL": f"http://127.0.0.1:{port}/e2e-hook", "PORT": str(port), "NOTICE_BOT_SALT": ""}
    tg = emulator.client(RESTART_TOKEN)
    bot = BotProcess(bot_argv(), bot_env(emulator, RESTART_TOKEN, tmp_path, env), tmp_path / "bot.log", RESTART_TOKEN)

    def start(append: bool) -> None:
        seen = len(tg.calls("setWebhook"))
        bot.start(lambda: len(tg.calls("setWebhook")) > seen and port_open(port), append=append)

    try:
        start(append=False)
        users = [tg.new_user("Hook") for _ in range(HOOK_USERS)]
        questions = [q for q, _ in INTENT_QUESTIONS.values()]

        def send(user) -> None:
            for j in range(HOOK_PER_USER):
                tg.send_text(user, tg.private_chat(user), questions[j % len(questions)])

        with ThreadPoolExecutor(HOOK_USERS) as pool:
            sending = [pool.submit(send, u) for u in users]
            deadline = time.monotonic() + 60
            while not any(_answers(tg, tg.private_chat(u)) for u in users) and time.monotonic() < deadline:
                time.sleep(0.02)
            code, took = bot.terminate(timeout=30)
            assert code == 0 and took <= 10, f"exit {code} after {took:.1f}s; log:\n{bot.log()[-3000:]}"
            for future in sending:
                future.result()
        start(append=True)
        for user in users:
            chat = tg.private_chat(user)
            deadline = time.monotonic() + 90
            while len(_answers(tg, chat)) < HOOK_PER_USER and time.monotonic() < deadline:
                time.sleep(0.1)
        tg.wait_quiet(tg.private_chat(users[-1]), quiet=1.0)
        counts = [len(_answers(tg, tg.private_chat(u))) for u in users]
        assert counts == [HOOK_PER_USER] * HOOK_USERS, counts
        first, second = (c["params"]["secret_token"] for c in tg.calls("setWebhook")[-2:])
        assert first and first == second, "the same secret after the restart"
        emulator_log = (tmp_path / "emulator.log").read_text(encoding="utf-8", errors="replace")
        assert "answered 403" not in emulator_log, "no update was refused for a changed secret"
        assert RESTART_TOKEN.partition(":")[2] not in first
    finally:
        if bot.running:
            bot.terminate()
        tg.close()
        emulator.stop()
