"""FloodLimiter on an injected clock, and the guard callback that applies it to updates."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.telegram.flood import FLOOD_NOTICE, FloodLimiter, Verdict, flood_guard


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_twenty_a_minute_pass():
    clock = Clock()
    limiter = FloodLimiter(clock=clock)
    for _ in range(20):
        assert limiter.check("u") is Verdict.ALLOW
        clock.now += 1


def test_burst_gets_one_notice_then_silence():
    limiter = FloodLimiter(limit=20, window=60, clock=Clock())
    verdicts = [limiter.check("u") for _ in range(30)]
    assert verdicts[:20] == [Verdict.ALLOW] * 20
    assert verdicts[20] is Verdict.NOTIFY
    assert verdicts[21:] == [Verdict.DROP] * 9


def test_users_are_independent():
    limiter = FloodLimiter(limit=3, window=60, clock=Clock())
    for _ in range(5):
        limiter.check("spammer")
    assert limiter.check("spammer") is Verdict.DROP
    assert limiter.check("other") is Verdict.ALLOW


def test_heard_again_after_calming_down():
    clock = Clock()
    limiter = FloodLimiter(limit=20, window=60, clock=clock)
    for _ in range(25):
        limiter.check("u")
    clock.now += 61
    assert limiter.check("u") is Verdict.ALLOW
    # and a new burst earns a new notice
    verdicts = [limiter.check("u") for _ in range(25)]
    assert Verdict.NOTIFY in verdicts


def test_steady_flooding_stays_silent():
    """One message every two seconds (30 a minute) after a burst: still over the limit."""
    clock = Clock()
    limiter = FloodLimiter(limit=20, window=60, clock=clock)
    for _ in range(21):
        limiter.check("u")
    for _ in range(100):
        clock.now += 2
        assert limiter.check("u") is Verdict.DROP


def test_hysteresis_needs_rate_below_calm():
    clock = Clock()
    limiter = FloodLimiter(limit=4, window=10, calm=1, clock=clock)
    for _ in range(5):
        limiter.check("u")
    # 3 seconds apart: 3-4 messages per window, under the limit but above calm
    for _ in range(5):
        clock.now += 3
        assert limiter.check("u") is Verdict.DROP
    clock.now += 11
    assert limiter.check("u") is Verdict.ALLOW


def test_explicit_now_overrides_clock():
    limiter = FloodLimiter(limit=1, window=10, clock=lambda: 0.0)
    assert limiter.check("u", now=0) is Verdict.ALLOW
    assert limiter.check("u", now=20) is Verdict.ALLOW
    assert limiter.check("u", now=21) is Verdict.NOTIFY


def test_idle_users_are_forgotten():
    clock = Clock()
    limiter = FloodLimiter(window=60, clock=clock)
    for user in range(1000):
        limiter.check(user)
    clock.now += 120
    limiter.check("new")
    assert limiter.tracked() == 1


@pytest.mark.parametrize("kwargs", [{"limit": 0}, {"window": 0}, {"limit": 5, "calm": 6}])
def test_bad_settings_refused(kwargs):
    with pytest.raises(ValueError):
        FloodLimiter(**kwargs)


@given(st.lists(st.floats(min_value=0, max_value=5, allow_nan=False), max_size=200))
def test_never_more_than_limit_allowed_in_any_window(gaps):
    limit, window = 5, 10.0
    limiter = FloodLimiter(limit=limit, window=window, clock=lambda: 0.0)
    now = 0.0
    allowed: list[float] = []
    notices = 0
    for gap in gaps:
        now += gap
        verdict = limiter.check("u", now=now)
        if verdict is Verdict.ALLOW:
            allowed.append(now)
        notices += verdict is Verdict.NOTIFY
        assert sum(1 for t in allowed if now - t < window) <= limit
    # a notice is sent at most once per burst: never more notices than limit-crossings
    assert notices <= len(gaps) // (limit + 1) + 1


# -- the guard callback ---------------------------------------------------------------------


class FakeMessage:
    def __init__(self) -> None:
        self.replies: list[str] = []

    async def reply_text(self, text: str) -> None:
        self.replies.append(text)


def fake_update(user_id: int | None, chat_type: str = "private"):
    message = FakeMessage()
    return SimpleNamespace(
        effective_user=None if user_id is None else SimpleNamespace(id=user_id),
        effective_chat=SimpleNamespace(type=chat_type),
        effective_message=message,
        message=message,
        edited_message=None,
        inline_query=None,
        callback_query=None,
    ), message


BOT = SimpleNamespace(id=4242, username="flood_probe_bot")
CONTEXT = SimpleNamespace(bot=BOT)


async def drive(guard, update) -> bool:
    """True when the guard let the update through."""
    try:
        await guard(update, CONTEXT)
    except ApplicationHandlerStop:
        return False
    return True


def group_update(text: str, entities=(), reply_to_bot: bool = False) -> Update:
    message = {
        "message_id": 1,
        "date": 1,
        "chat": {"id": -100, "type": "supergroup"},
        "from": {"id": 9, "is_bot": False, "first_name": "A"},
        "text": text,
        "entities": list(entities),
    }
    if reply_to_bot:
        message["reply_to_message"] = {
            "message_id": 0,
            "date": 1,
            "chat": {"id": -100, "type": "supergroup"},
            "from": {"id": BOT.id, "is_bot": True, "first_name": "B"},
            "text": "答案",
        }
    return Update.de_json({"update_id": 1, "message": message}, None)


def _entity(kind: str, text: str, word: str) -> dict:
    return {"type": kind, "offset": len(text[: text.index(word)].encode("utf-16-le")) // 2, "length": len(word)}


def test_group_chatter_does_not_count_and_a_later_mention_is_answered():
    guard = flood_guard(FloodLimiter(limit=20, window=60, clock=Clock()))
    mention = "😀 @flood_probe_bot 截止时间?"

    async def scenario():
        chatter = [await drive(guard, group_update(f"大家好 {i}")) for i in range(25)]
        others = [
            await drive(guard, group_update("@other_bot 你好", [_entity("mention", "@other_bot 你好", "@other_bot")])),
            await drive(
                guard,
                group_update("/start@other_bot", [_entity("bot_command", "/start@other_bot", "/start@other_bot")]),
            ),
        ]
        asked = await drive(guard, group_update(mention, [_entity("mention", mention, "@flood_probe_bot")]))
        return chatter, others, asked

    chatter, others, asked = asyncio.run(scenario())
    assert all(chatter) and all(others) and asked


def test_in_a_group_commands_mentions_and_replies_to_the_bot_count():
    guard = flood_guard(FloodLimiter(limit=3, window=60, clock=Clock()))
    updates = [
        group_update("/help", [_entity("bot_command", "/help", "/help")]),
        group_update("/faq@flood_probe_bot", [_entity("bot_command", "/faq@flood_probe_bot", "/faq@flood_probe_bot")]),
        group_update("谢谢", reply_to_bot=True),
        group_update("还有 @flood_probe_bot", [_entity("mention", "还有 @flood_probe_bot", "@flood_probe_bot")]),
    ]

    async def scenario():
        return [await drive(guard, update) for update in updates]

    assert asyncio.run(scenario()) == [True, True, True, False]


def test_guard_passes_then_notifies_once_then_stops():
    guard = flood_guard(FloodLimiter(limit=2, window=60, clock=Clock()))

    async def scenario():
        results, replies = [], []
        for _ in range(5):
            update, message = fake_update(9)
            results.append(await drive(guard, update))
            replies.extend(message.replies)
        return results, replies

    results, replies = asyncio.run(scenario())
    assert results == [True, True, False, False, False]
    assert replies == [FLOOD_NOTICE]


def test_guard_is_silent_in_groups_and_ignores_userless_updates():
    guard = flood_guard(FloodLimiter(limit=1, window=60, clock=Clock()))

    async def scenario():
        replies = []  # an update without a bot would raise on reply_text: silence is all that passes here
        command = group_update("/help", [_entity("bot_command", "/help", "/help")])
        passed_commands = [await drive(guard, command) for _ in range(3)]
        assert passed_commands == [True, False, False]
        channel_post, _ = fake_update(None, chat_type="channel")
        passed = all([await drive(guard, channel_post) for _ in range(5)])
        return replies, passed

    replies, passed = asyncio.run(scenario())
    assert replies == []
    assert passed
