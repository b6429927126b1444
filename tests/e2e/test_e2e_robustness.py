"""End-to-end: groups, hostile or oversized input, many users at once, and a server that refuses things."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from e2e_fixtures import BOT_TOKEN, start_bot, start_emulator
from e2e_harness import TelegramClient, bot_argv
from e2e_questions import INTENT_QUESTIONS

MAX_MESSAGE = 4096
CONCURRENT_USERS = 20


def test_group_answers_mentions_and_replies_only(tg: TelegramClient, bot_username: str) -> None:
    user, other = tg.new_user(), tg.new_user()
    group = tg.new_group()
    deadline_q, deadline_fact = INTENT_QUESTIONS["deadline"]
    funding_q, funding_fact = INTENT_QUESTIONS["funding"]

    tg.send_text(user, group, "大家中午吃什么?")
    tg.send_text(other, group, deadline_q)  # a question, but not addressed to the bot
    tg.send_text(other, group, f"@someone_else {deadline_q}")
    tg.send_text(user, group, f"@{bot_username} {deadline_q}")
    [answer] = tg.wait_replies(group, 1)
    # Updates of one chat are handled in order, so the earlier messages were seen and ignored.
    assert deadline_fact in answer.plain
    assert tg.wait_quiet(group) == []

    tg.send_text(other, group, funding_q, reply_to=answer)  # replying to the bot addresses it
    [follow_up] = tg.wait_replies(group, 1)
    assert funding_fact in follow_up.plain

    tg.send_text(user, group, f"/deadline@{bot_username}")
    [command_answer] = tg.wait_replies(group, 1)
    assert deadline_fact in command_answer.plain
    assert tg.wait_quiet(group) == []
    assert all(m.chat_id == group.id for m in (answer, follow_up, command_answer))


@pytest.mark.parametrize(
    "text, payload",
    [
        ("/source <script>alert(1)</script>", "<script>alert(1)</script>"),
        ("/source a&b<b>x</b>", "a&b<b>x</b>"),
    ],
)
def test_html_looking_input_comes_back_escaped(tg: TelegramClient, text: str, payload: str) -> None:
    user = tg.new_user()
    chat = tg.private_chat(user)
    replies = tg.ask(user, chat, text) + tg.wait_quiet(chat)
    # The emulator refuses unescaped tags like Telegram does, so arriving at all proves valid HTML.
    shown = "\n".join(m.plain for m in replies)
    assert payload in shown, f"the input is not echoed as typed:\n{shown}"
    sent = "\n".join(m.text for m in replies)
    assert "<script" not in sent and "<b>x</b>" not in sent


@pytest.mark.parametrize(
    "text",
    [
        "<b>申报截止</b>时间 & <script>alert(1)</script>?",
        "<i>没有结束的标签 & &amp; &lt; <<<>>> </div>",
        "@<b>&",
    ],
)
def test_html_looking_questions_get_a_valid_reply(tg: TelegramClient, text: str) -> None:
    user = tg.new_user()
    chat = tg.private_chat(user)
    replies = tg.ask(user, chat, text) + tg.wait_quiet(chat)
    sent = "\n".join(m.text for m in replies)
    assert "<script" not in sent and "<div" not in sent.lower()
    assert all(m.plain.strip() for m in replies)


@pytest.mark.parametrize("chat_kind", ["private", "group"])
def test_five_thousand_character_message(tg: TelegramClient, bot_username: str, chat_kind: str) -> None:
    user = tg.new_user()
    question, _ = INTENT_QUESTIONS["deadline"]
    if chat_kind == "private":
        chat = tg.private_chat(user)
        text = question
    else:
        chat = tg.new_group()
        text = f"@{bot_username} {question}"
    text = (text + " 请详细说明。" * 1000)[:5000]
    assert len(text) == 5000
    replies = tg.ask(user, chat, text) + tg.wait_quiet(chat)
    assert replies, "a very long message still gets a polite reply"
    for reply in replies:
        assert reply.plain.strip()
        assert len(reply.plain) <= MAX_MESSAGE


def test_twenty_users_at_once_each_answered_exactly_once(tg: TelegramClient) -> None:
    users = [tg.new_user("Crowd") for _ in range(CONCURRENT_USERS)]
    intents = list(INTENT_QUESTIONS)
    asked = {u.id: INTENT_QUESTIONS[intents[i % len(intents)]] for i, u in enumerate(users)}

    def send(user) -> None:
        tg.send_text(user, tg.private_chat(user), asked[user.id][0])

    with ThreadPoolExecutor(CONCURRENT_USERS) as pool:
        list(pool.map(send, users))
    replies = {u.id: tg.wait_replies(tg.private_chat(u), 1) for u in users}
    for u in users:
        replies[u.id] += tg.wait_quiet(tg.private_chat(u), quiet=0.3)
    replies_per_user = {uid: len(msgs) for uid, msgs in replies.items()}
    assert set(replies_per_user.values()) == {1}, replies_per_user
    for uid, (question, fact) in asked.items():
        assert fact in replies[uid][0].plain, f"{question!r} got: {replies[uid][0].plain}"


# ------------------------------------------------------------------ a server that refuses


@pytest.fixture(scope="module")
def refusing_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelegramClient]:
    """A second emulator that refuses the optional set-up calls, with its own bot process."""
    logs = tmp_path_factory.mktemp("refusing")
    refusing = start_emulator(logs, {"E2E_REFUSE_METHODS": "setMyCommands,setChatMenuButton,setMyDescription"})
    try:
        for _ in start_bot(refusing, bot_argv(), BOT_TOKEN, logs):
            client = refusing.client(BOT_TOKEN)
            yield client
            client.close()
    finally:
        refusing.stop()


def test_bot_tolerates_refused_setup_calls(refusing_server: TelegramClient) -> None:
    tg = refusing_server
    user = tg.new_user()
    chat = tg.private_chat(user)
    [greeting] = tg.ask(user, chat, "/start")
    assert greeting.buttons
    question, fact = INTENT_QUESTIONS["funding"]
    assert fact in tg.ask(user, chat, question)[0].plain
