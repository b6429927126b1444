"""Property tests: for any text, answering never raises and every reply is valid for Telegram.

Three levels: handlers.answer_question alone, the HTML renderer over arbitrary Answers, and the
whole Telegram application driven in process with a fake Bot API (messages, group mentions,
inline queries and a click on every button the bot sends back).
"""

from __future__ import annotations

import asyncio
import json
import pickle
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

import handlers
from bot.config import Config
from bot.telegram.render import render_answer, render_inline_card, render_plain_list, render_verdict
from bot.store import Store
from bot.telegram.app import build_application
from bot.telegram.flood import FloodLimiter
from handlers.model import Answer, Citation
from knowledge.loader import load_bundle

from support import MAX_MESSAGE, FakeBotAPI, check_html, tg_len

MAX_CALLBACK = 64
MAX_CALLBACK_ANSWER = 200
TOKEN = "123456:PROPERTY-TEST-TOKEN"
BOT_ID, USER_ID, GROUP_ID = 1, 4242, -1004242

# -- what Telegram accepts (HTML: support.check_html) ----------------------------------------------


def check_plain(message: str) -> None:
    assert 0 < tg_len(message) <= MAX_MESSAGE
    assert message.strip()


def check_callback_data(data: str) -> None:
    assert 0 < len(data.encode("utf-8")) <= MAX_CALLBACK, data


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def is_subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(ch in it for ch in needle)


# -- inputs ---------------------------------------------------------------------------------------

NOTICE_TEXT = load_bundle().notice.text
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u202e\u202d\u00ad"
MARKUP = [
    "<b>", "</b>", "<i>x</i>", "<script>alert(1)</script>", "&amp;", "&", "<", ">", "&#0;", "*粗体*",
    "_斜体_", "`代码`", "```\n块\n```", "[链接](http://example.com)", "<a href='javascript:x'>", "\\", "\"'",
]  # fmt: skip


@st.composite
def notice_slices(draw) -> str:
    """A piece of the notice itself, so that answered questions with citations are exercised."""
    start = draw(st.integers(0, len(NOTICE_TEXT) - 1))
    return NOTICE_TEXT[start : start + draw(st.integers(1, 40))]


@st.composite
def long_texts(draw) -> str:
    """Around 10,000 characters, as when someone pastes a whole document."""
    # the seed has something visible, or the pieces a long text is cut into could all be blank
    seed = draw(st.one_of(notice_slices(), st.text(min_size=1, max_size=20)).filter(str.strip))
    return (seed * (10_000 // len(seed) + 1))[: draw(st.integers(9_000, 10_000))]


COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?")
COMMANDS = ["/start", "/help", "/deadline", "/funding", "/eligibility", "/sections", "/faq", "/source",
            "/cancel", "/stats", "/unanswered", "/reload", "/nosuchcommand", "/start@notice_test_bot"]  # fmt: skip

questions = st.one_of(
    st.text(max_size=200),
    st.tuples(st.sampled_from(COMMANDS), st.one_of(st.just(""), st.text(max_size=30))).map(" ".join),
    notice_slices(),
    st.lists(
        st.one_of(notice_slices(), st.sampled_from(MARKUP), st.text(ZERO_WIDTH, max_size=5), st.text(max_size=10)),
        max_size=8,
    ).map("".join),  # fmt: skip
    st.text(st.characters(categories=("Cc", "Cf", "Zs", "Zl", "Zp")), max_size=50),
    st.text(st.sampled_from("😀👍🏻🇨🇳❤️‍🔥🧑‍💻"), max_size=30),
    st.text(st.characters(categories=("Lo", "Ll", "Lu", "Nd", "Mn")), max_size=60),  # mixed scripts
    long_texts(),
)

visible_text = st.text(min_size=1, max_size=600).filter(lambda s: s.strip())
citations = st.builds(
    Citation,
    id=st.from_regex(r"[0-9]{1,2}(\.[0-9]{1,2}){0,2}(\.p[0-9])?", fullmatch=True),
    path=st.one_of(st.just(""), st.text(max_size=120)),
    quote=st.one_of(visible_text, long_texts()),
)
answers = st.builds(
    Answer,
    question=st.text(max_size=100),
    answered=st.booleans(),
    intent=st.sampled_from(["deadline", "funding", "eligibility", "general", "out_of_scope"]),
    text=st.one_of(visible_text, long_texts()),
    citations=st.lists(citations, max_size=6),
    confidence=st.floats(0, 1),
    topic=st.none() | st.text(max_size=20),
    related=st.lists(st.text(max_size=60), max_size=4),
)

PIPELINE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- 1. the answer pipeline -------------------------------------------------------------------------


@PIPELINE
@given(first=questions, follow_up=questions)
def test_answering_never_raises_and_context_survives_persistence(first: str, follow_up: str):
    context = handlers.Context()
    for question in (first, follow_up):
        answer = handlers.answer_question(question, context)
        assert isinstance(answer, Answer)
        assert isinstance(answer.text, str) and isinstance(answer.answered, bool)
        assert 0.0 <= answer.confidence <= 1.0
        json.dumps(answer.to_json(), ensure_ascii=False)
        for part in render_answer(answer):
            check_html(part)
        # the Telegram app keeps the context in its ChatData, which SQLitePersistence pickles
        context = pickle.loads(pickle.dumps(context))


# -- 2. the renderer --------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=answers)
def test_rendered_answers_are_valid_and_lose_nothing(answer: Answer):
    parts = render_answer(answer)
    assert parts
    visible = "".join(check_html(part) for part in parts)
    # every non-space character of the answer and its quotes reaches the user, in order
    assert is_subsequence(squeeze(answer.text), squeeze(visible))
    for citation in answer.citations:
        assert is_subsequence(squeeze(citation.quote), squeeze(visible))
    for part in render_verdict(answer):
        check_html(part)


@settings(max_examples=200, deadline=None)
@given(answer=answers)
def test_inline_cards_are_valid(answer: Answer):
    card = render_inline_card(answer)
    check_html(card.html)
    assert card.title.strip() and len(card.title) <= 64
    assert len(card.description) <= 120


@settings(max_examples=100, deadline=None)
@given(title=visible_text, items=st.lists(st.one_of(visible_text, long_texts()), max_size=30))
def test_plain_lists_are_valid(title: str, items: list[str]):
    for part in render_plain_list(title, items):
        check_html(part)


# -- 3. the whole Telegram application -------------------------------------------------------------


def check_calls(calls: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Assert every outgoing call is valid; return the inline keyboards' buttons."""
    buttons: list[dict[str, Any]] = []
    for endpoint, params in calls:
        if endpoint in ("sendMessage", "editMessageText"):
            if params.get("parse_mode") == "HTML":
                check_html(params["text"])
            else:
                check_plain(params["text"])
        if endpoint == "answerCallbackQuery" and params.get("text"):
            assert len(params["text"]) <= MAX_CALLBACK_ANSWER
        if endpoint == "answerInlineQuery":
            for result in params["results"]:
                assert 0 < len(result["id"].encode()) <= 64
                if result["type"] == "photo":  # the notice's picture, sent again by Telegram's file id
                    assert result["photo_file_id"] and len(result.get("caption", "")) <= 1024
                    continue
                content = result["input_message_content"]
                if content.get("parse_mode") == "HTML":
                    check_html(content["message_text"])
                else:
                    check_plain(content["message_text"])
                for row in result.get("reply_markup", {}).get("inline_keyboard", []):
                    buttons.extend(row)
        markup = params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            buttons.extend(row)
    for button in buttons:
        if "callback_data" in button:
            check_callback_data(button["callback_data"])
    return buttons


class Harness:
    """One application, one event loop, for the whole module: updates are processed in place."""

    def __init__(self, tmp_path) -> None:
        self.loop = asyncio.new_event_loop()
        self.api = FakeBotAPI(bot_id=BOT_ID, username="notice_test_bot")
        self.store = Store(tmp_path / "props.sqlite3", salt="props")
        self.errors: list[BaseException] = []
        self.update_id = 0
        self.app = build_application(
            Config(token=TOKEN),
            on_feedback=self.store.log_feedback_for,
            on_answer=self._answer,
            flood=FloodLimiter(limit=1_000_000),  # hypothesis sends far more than a person would
            request=self.api,
            get_updates_request=self.api,
        )

        async def record(update: object, context) -> None:
            self.errors.append(context.error)

        self.app.add_error_handler(record)
        self.loop.run_until_complete(self.app.initialize())
        self.api.take()

    def _answer(self, chat_id: int, answer: Answer, latency_ms: float) -> None:
        self.store.log_answer(chat_id, answer, latency_ms)

    def close(self) -> None:
        self.loop.run_until_complete(self.app.shutdown())
        self.loop.close()
        self.store.close()

    def process(self, payload: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        self.update_id += 1
        update = Update.de_json({"update_id": self.update_id, **payload}, self.app.bot)
        self.loop.run_until_complete(self.app.process_update(update))
        assert not self.errors, self.errors
        return self.api.take()

    def message(self, text: str, chat_id: int = USER_ID, entities: list | None = None) -> dict[str, Any]:
        message = {
            "message_id": self.update_id + 1,
            "date": 0,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": {"id": USER_ID, "is_bot": False, "first_name": "U"},
            "text": text,
        }
        command = COMMAND.match(text)
        if command and not entities:
            # Telegram marks a leading /command as an entity; CommandHandler relies on it
            entities = [{"type": "bot_command", "offset": 0, "length": len(command.group())}]
        if entities:
            message["entities"] = entities
        return {"message": message}

    def click(self, data: str, source: dict[str, Any]) -> dict[str, Any]:
        return {
            "callback_query": {
                "id": str(self.update_id + 1),
                "from": {"id": USER_ID, "is_bot": False, "first_name": "U"},
                "chat_instance": "ci",
                "data": data,
                "message": source,
            }
        }


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    h = Harness(tmp_path_factory.mktemp("props"))
    yield h
    h.close()


def sent_messages(calls) -> list[dict[str, Any]]:
    """The sent messages as the Bot API echoed them (id, chat, text, keyboard), to click on."""
    out = []
    for endpoint, params in calls:
        if endpoint == "sendMessage" and params.get("reply_markup", {}).get("inline_keyboard"):
            out.append(
                {
                    "message_id": 1,
                    "date": 0,
                    "chat": {
                        "id": params["chat_id"],
                        "type": "private" if int(params["chat_id"]) > 0 else "supergroup",
                    },
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot"},
                    "text": params["text"],
                    "reply_markup": params["reply_markup"],
                }
            )
    return out


APP = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)


@APP
@given(text=questions)
def test_private_messages_get_valid_replies_and_buttons(harness: Harness, text: str):
    calls = harness.process(harness.message(text))
    check_calls(calls)
    if text.strip():
        assert any(endpoint == "sendMessage" for endpoint, _ in calls), "every message gets a reply"
    # press every button of the reply once; what comes back must be valid too
    for source in sent_messages(calls):
        for row in source["reply_markup"]["inline_keyboard"]:
            for button in row:
                if "callback_data" in button:
                    check_calls(harness.process(harness.click(button["callback_data"], source)))


@APP
@given(text=questions)
def test_group_mentions_get_valid_replies(harness: Harness, text: str):
    mention = "@notice_test_bot"
    # a new group each time: the rate limiter rightly holds a group to 20 messages a minute
    payload = harness.message(f"{mention} {text}", chat_id=GROUP_ID - harness.update_id,
                              entities=[{"type": "mention", "offset": 0, "length": len(mention)}])  # fmt: skip
    check_calls(harness.process(payload))


@APP
@given(text=questions)
def test_inline_queries_get_valid_results(harness: Harness, text: str):
    payload = {
        "inline_query": {
            "id": str(harness.update_id + 1),
            "from": {"id": USER_ID, "is_bot": False, "first_name": "U"},
            "query": text[:256],  # Telegram sends at most 256 characters
            "offset": "",
        }
    }
    check_calls(harness.process(payload))


@APP
@given(data=st.one_of(st.text(max_size=64), st.sampled_from(["a:", "a:zz:+", "e:", "s:", "st:", "f:99", "go:x"])))
def test_forged_or_stale_callback_data_is_handled(harness: Harness, data: str):
    source = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": USER_ID, "type": "private"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot"},
        "text": "old",
    }
    check_calls(harness.process(harness.click(data, source)))
