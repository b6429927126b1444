"""Admin tools: message formatting within Telegram's limits, access control and /reload outcomes."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections import Counter
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.telegram import admin
from bot.telegram.admin import (
    ADMIN_PRIVATE_ONLY,
    AdminTools,
    format_reload_refused,
    format_stats,
    format_unanswered,
    parse_days,
    unanswered_csv,
)
from bot.store import BEIJING, REASON_DOWNVOTED, REASON_UNANSWERED, QuestionGroup, Stats, Store
from knowledge.loader import KnowledgeError

from support import check_html

ADMIN, STRANGER = 1001, 2002
# The tags admin messages may use, a subset of Telegram's
ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "a", "blockquote"}


def assert_telegram_html(text: str) -> None:
    check_html(text, tags=ALLOWED_TAGS)


def group(text: str, count: int = 1, variants: list[str] | None = None, downvoted: int = 0) -> QuestionGroup:
    return QuestionGroup(
        text=text,
        count=count,
        last_ts=datetime(2024, 5, 15, 10, 0, tzinfo=BEIJING).timestamp(),
        reasons=Counter({REASON_UNANSWERED: count - downvoted, REASON_DOWNVOTED: downvoted}),
        variants=variants or [text],
    )


# -- formatting -----------------------------------------------------------------------------------


def test_stats_message():
    stats = Stats(
        today=3,
        week=10,
        total=40,
        answered=30,
        top_intents=[("deadline", 12), ("funding", 8), ("custom_intent", 1)],
        top_sections=[("二、申报 › (一)<时间>", 9)],
        thumbs_up=5,
        thumbs_down=2,
    )
    text = format_stats(stats)
    assert_telegram_html(text)
    for expected in (
        "今天:3",
        "本周:10",
        "累计:40",
        "75%",
        "截止时间:12",
        "custom_intent:1",
        "&lt;时间&gt;",
        "👍 5",
        "👎 2",
    ):
        assert expected in text


def test_stats_message_when_empty():
    text = format_stats(Stats(0, 0, 0, 0, [], [], 0, 0))
    assert_telegram_html(text)
    assert admin.STATS_EMPTY in text


def test_stats_message_with_huge_section_paths_fits():
    stats = Stats(1, 1, 1, 1, [("x" * 5000, 1)] * 5, [("<&>" * 3000, 1)] * 5, 0, 0)
    assert_telegram_html(format_stats(stats))


def test_unanswered_message_groups_and_escapes():
    groups = [
        group("<b>能报销吗</b>", count=3, variants=["<b>能报销吗</b>", "可以报销吗 & 怎么报"], downvoted=1),
        group("天气", count=1),
    ]
    text = format_unanswered(groups, days=7)
    assert_telegram_html(text)
    assert "近 7 天" in text and "共 4 条,2 组" in text
    assert "&lt;b&gt;能报销吗&lt;/b&gt; ×3" in text
    assert "未回答 2 · 👎 1" in text
    assert "可以报销吗 &amp; 怎么报" in text


def test_unanswered_message_is_cut_with_a_pointer_to_the_csv():
    groups = [group(f"问题{i} " + "很长的问题" * 30, count=1) for i in range(500)]
    text = format_unanswered(groups)
    assert_telegram_html(text)
    shown = len(re.findall(r"^\d+\. ", text, flags=re.M))
    assert 0 < shown < 500
    assert f"另有 {500 - shown} 组" in text


def test_unanswered_message_when_nothing_to_report():
    assert format_unanswered([], days=30) == admin.UNANSWERED_EMPTY.format(days=30)


def test_reload_refusal_is_escaped_and_fits():
    text = format_reload_refused("facts.yaml:12: quote <not> in notice & more\n" * 500)
    assert_telegram_html(text)
    assert "facts.yaml:12: quote &lt;not&gt; in notice &amp; more" in text


def test_csv_bytes_match_groups():
    rows = list(csv.reader(io.StringIO(unanswered_csv([group("a", 2), group("b")]).decode("utf-8-sig"))))
    assert [r[5] for r in rows[1:]] == ["a", "b"]


@pytest.mark.parametrize(
    "args, days", [(None, 30), ([], 30), (["7"], 7), (["0"], None), (["abc"], None), (["9999"], None)]
)
def test_parse_days(args, days):
    assert parse_days(args) == days


# -- handlers ------------------------------------------------------------------------------------


class FakeMessage:
    def __init__(self) -> None:
        self.texts: list[tuple[str, str | None]] = []
        self.documents: list[tuple[bytes, str]] = []
        self.photos: list[bytes] = []
        self.order: list[str] = []

    async def reply_photo(self, photo: bytes, **_) -> None:
        self.photos.append(photo)
        self.order.append("photo")

    async def reply_text(self, text: str, parse_mode: str | None = None, **_) -> None:
        self.texts.append((text, parse_mode))
        self.order.append("text")

    async def reply_document(self, document: bytes, filename: str, **_) -> None:
        self.documents.append((document, filename))


def fake(user_id: int, args: list[str] | None = None, chat_type: str = "private"):
    message = FakeMessage()
    update = SimpleNamespace(
        effective_user=SimpleNamespace(id=user_id),
        effective_chat=SimpleNamespace(id=user_id if chat_type == "private" else -100, type=chat_type),
        effective_message=message,
    )
    return update, SimpleNamespace(args=args or []), message


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "bot.sqlite3", salt="t")
    yield s
    s.close()


def tools(store, reload=lambda: None):
    helped: list[int] = []

    async def help_fallback(update, context):
        helped.append(update.effective_user.id)

    return AdminTools(store, [ADMIN], fallback=help_fallback, reload_knowledge=reload), helped


@pytest.mark.parametrize("command", ["stats", "unanswered", "reload"])
def test_strangers_get_help_not_admin_output(store, command):
    reloaded = []
    t, helped = tools(store, reload=lambda: reloaded.append(1))
    update, context, message = fake(STRANGER)
    asyncio.run(getattr(t, command)(update, context))
    assert helped == [STRANGER]
    assert message.texts == [] and message.documents == []
    assert reloaded == []


@pytest.mark.parametrize("chat_type", ["group", "supergroup", "channel"])
@pytest.mark.parametrize("command", ["stats", "unanswered", "reload"])
def test_an_admin_command_in_a_group_is_refused_and_shows_nothing_private(store, command, chat_type):
    store.log_question(5, "我司的机密问题", intent="general", answered=False)
    reloaded = []
    t, helped = tools(store, reload=lambda: reloaded.append(1))
    update, context, message = fake(ADMIN, chat_type=chat_type)
    asyncio.run(getattr(t, command)(update, context))
    assert message.texts == [(ADMIN_PRIVATE_ONLY, None)] and message.documents == []
    assert helped == [] and reloaded == []


def test_stats_for_admin(store):
    store.log_question(5, "q", intent="deadline", answered=True, top_section="二、申报")
    t, helped = tools(store)
    update, context, message = fake(ADMIN)
    asyncio.run(t.stats(update, context))
    assert helped == []
    ((text, mode),) = message.texts
    assert mode == "HTML" and "累计:1" in text
    ((chart,),) = [message.photos]
    assert chart.startswith(b"\x89PNG") and message.order == ["photo", "text"]  # the chart, the figures beneath


def test_unanswered_sends_message_and_csv(store):
    now = datetime.now(BEIJING)
    for i, text in enumerate(["能报销机票吗", "请问能报销机票吗?", "今天天气怎么样"]):
        store.log_question(i, text, intent="general", answered=False, ts=(now - timedelta(hours=i)).timestamp())
    store.log_feedback(9, "截止时间", "……", -1)
    t, _ = tools(store)
    update, context, message = fake(ADMIN, ["7"])
    asyncio.run(t.unanswered(update, context))
    ((text, _),) = message.texts
    assert "共 4 条,3 组" in text
    ((data, filename),) = message.documents
    assert filename.startswith("unanswered-") and filename.endswith(".csv")
    assert len(list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))) == 4


def test_unanswered_without_problems_sends_no_document(store):
    t, _ = tools(store)
    update, context, message = fake(ADMIN)
    asyncio.run(t.unanswered(update, context))
    assert len(message.texts) == 1 and message.documents == []


def test_unanswered_bad_days_gets_usage(store):
    t, _ = tools(store)
    update, context, message = fake(ADMIN, ["-3"])
    asyncio.run(t.unanswered(update, context))
    assert "用法" in message.texts[0][0]


def test_reload_success(store):
    calls = []
    t, _ = tools(store, reload=lambda: calls.append(1))
    update, context, message = fake(ADMIN)
    asyncio.run(t.reload(update, context))
    assert calls == [1]
    assert "已重新加载" in message.texts[0][0]


def test_reload_refused_reports_reason(store):
    def bad():
        raise KnowledgeError("knowledge/notices/x/facts.yaml:3: quote not found in notice: <abc>")

    t, _ = tools(store, reload=bad)
    update, context, message = fake(ADMIN)
    asyncio.run(t.reload(update, context))
    ((text, mode),) = message.texts
    assert mode == "HTML"
    assert "facts.yaml:3" in text and "&lt;abc&gt;" in text and "原有内容" in text
    assert_telegram_html(text)


def test_reload_unexpected_error_is_reported_not_raised(store):
    def broken():
        raise OSError("disk on fire")

    t, _ = tools(store, reload=broken)
    update, context, message = fake(ADMIN)
    asyncio.run(t.reload(update, context))
    assert "OSError: disk on fire" in message.texts[0][0]


def test_reload_unavailable_is_reported(store):
    def unavailable():
        raise NotImplementedError

    t = AdminTools(store, [ADMIN], reload_knowledge=unavailable)
    update, context, message = fake(ADMIN)
    asyncio.run(t.reload(update, context))
    assert message.texts[0][0] == admin.RELOAD_UNAVAILABLE


def test_registers_three_commands(store):
    t, _ = tools(store)
    commands = [next(iter(h.commands)) for h in t.handlers()]
    assert commands == ["stats", "unanswered", "reload"]


def test_no_fallback_means_silence_for_strangers(store):
    t = AdminTools(store, [ADMIN])
    update, context, message = fake(STRANGER)
    asyncio.run(t.stats(update, context))
    assert message.texts == []
