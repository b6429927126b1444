"""Self-test of the end-to-end harness with a tiny echo bot: proves the emulator's gaps are bridged.

Each test here fails on the unpatched emulator (python-telegram-bot raises, and the traceback in the bot
log fails the test) or on a harness that forgets a Bot API rule.
"""

from __future__ import annotations

import httpx

from e2e_harness import TelegramClient


def test_get_me_reports_a_bot(echo_tg: TelegramClient) -> None:
    me = echo_tg.get_me()
    assert me["is_bot"] is True
    assert me["id"] == echo_tg.bot_id
    assert me["username"]


def test_echo_reply_parses_and_is_escaped(echo_tg: TelegramClient) -> None:
    user = echo_tg.new_user()
    chat = echo_tg.private_chat(user)
    [reply] = echo_tg.ask(user, chat, "a <b> & c")
    assert reply.text == "<b>echo</b> a &lt;b&gt; &amp; c"
    assert reply.plain == "echo a <b> & c"


def test_button_press_edits_the_message(echo_tg: TelegramClient) -> None:
    user = echo_tg.new_user()
    chat = echo_tg.private_chat(user)
    [greeting] = echo_tg.ask(user, chat, "/start")
    assert echo_tg.get_me()["username"] in greeting.text
    assert [b.text for b in greeting.buttons] == ["按我"]
    edited = echo_tg.press_and_wait(user, greeting, "按我")
    assert edited.message_id == greeting.message_id
    assert edited.text == f"pressed by {user.id} in private"
    assert edited.buttons == []  # an edit without reply_markup drops the keyboard, as in Telegram
    assert any(a.get("text") == "收到" for a in echo_tg.callback_answers())
    assert echo_tg.calls("setMyCommands")


def test_group_messages_keep_their_chat(echo_tg: TelegramClient) -> None:
    user = echo_tg.new_user()
    group = echo_tg.new_group()
    [reply] = echo_tg.ask(user, group, "hello group")
    assert reply.chat_id == group.id
    edited = echo_tg.press_and_wait(user, echo_tg.ask(user, group, "/start")[0], "按我")
    assert edited.text.endswith("in supergroup")


def test_document_upload_is_stored(echo_tg: TelegramClient) -> None:
    user = echo_tg.new_user()
    chat = echo_tg.private_chat(user)
    [sent] = echo_tg.ask(user, chat, "/doc")
    assert sent.text == "文件"


def test_emulator_enforces_bot_api_limits(echo_tg: TelegramClient) -> None:
    """What Telegram refuses, the emulator refuses too, so the notice bot's tests catch it."""
    user = echo_tg.new_user()
    chat = echo_tg.private_chat(user)
    echo_tg.ask(user, chat, "register this chat")
    api = httpx.Client(base_url=f"{echo_tg.url}/bot{echo_tg.token}")

    def call(method: str, **params: object) -> dict:
        return api.post(f"/{method}", data=params).json()

    assert call("sendMessage", chat_id=chat.id, text="x" * 4097)["description"].endswith("too long")
    assert call("sendMessage", chat_id=chat.id, text="<script>x</script>", parse_mode="HTML")["ok"] is False
    assert call("sendMessage", chat_id=chat.id, text="<b>x</i>", parse_mode="HTML")["ok"] is False
    assert call("sendMessage", chat_id=chat.id, text="a < b", parse_mode="HTML")["ok"] is False
    assert call("sendMessage", chat_id=chat.id, text="AT&T &lt;ok&gt;", parse_mode="HTML")["ok"] is True
    assert call("sendMessage", chat_id=chat.id, text="<blockquote expandable>q</blockquote>", parse_mode="HTML")["ok"]
    assert call("sendMessage", chat_id=-42, text="nobody here")["description"] == "Bad Request: chat not found"
    too_long_data = '{"inline_keyboard": [[{"text": "b", "callback_data": "%s"}]]}' % ("x" * 65)
    assert call("sendMessage", chat_id=chat.id, text="k", reply_markup=too_long_data)["ok"] is False
    sent = call("sendMessage", chat_id=chat.id, text="same")["result"]
    same = call("editMessageText", chat_id=chat.id, message_id=sent["message_id"], text="same")
    assert "not modified" in same["description"]
    assert call("setMyCommands", commands="[]")["result"] is True
    assert call("getWebhookInfo")["result"]["url"] == ""
    api.close()
    echo_tg.take_new(chat)
