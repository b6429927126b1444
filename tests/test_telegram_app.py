"""The Telegram front end driven through python-telegram-bot's own objects, with the network faked.

A BaseRequest subclass (support.FakeBotAPI) stands in for HTTP: it records every Bot API call and
answers with canned Bot API JSON, so the real Application, handlers, filters and ConversationHandler
all run.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import time

import pytest
from telegram import Update
from telegram.error import NetworkError
from telegram.ext import ApplicationHandlerStop, TypeHandler
from telegram.request import HTTPXRequest

from bot import chat as chat_module
from bot import library as bot_library
from bot.library import Knowledge
from bot.telegram import app as app_module
from bot.config import Config, ConfigError, TokenRedactingFilter, redact
from bot.telegram.render import VERDICT_TITLE
from bot.telegram.app import build_application, post_init
from bot.telegram.eligibility import CB_ELIG, askers
from bot.telegram.markup import MAX_CALLBACK_BYTES
from bot.telegram.texts import (
    COMMANDS,
    ELIG_STALE,
    FEEDBACK_DUPLICATE,
    FEEDBACK_THANKS,
    NON_TEXT_TEXT,
    SORRY_TEXT,
    STALE_TEXT,
)
from bot.telegram.updates import MAX_CONCURRENT_UPDATES, PerChatUpdateProcessor
from handlers import browse, eligibility

from support import NAMED_ENTITY, FakeBotAPI, check_html

TOKEN = "123456:AAH-secret_token-value_for_tests"
BOT_ID = 123456
# A username nobody would hard-code: the bot must learn it from getMe.
BOT_USERNAME = "qz7_notice_probe_bot"
USER = {"id": 1001, "is_bot": False, "first_name": "张三", "language_code": "zh-hans"}
OTHER_USER = {"id": 1002, "is_bot": False, "first_name": "李四"}
GROUP = {"id": -100500, "type": "supergroup", "title": "工作群"}
pytestmark = pytest.mark.anyio

# What the app's messages may use: a subset of Telegram's tags, and only the entities html.escape writes
ALLOWED_TAGS = {"b", "i", "code", "pre", "blockquote", "a", "u", "s", "tg-spoiler"}


def fake_api(api_class: type[FakeBotAPI] = FakeBotAPI, **kwargs) -> FakeBotAPI:
    """The fake Bot API (or a subclass of it), introducing itself as this module's bot."""
    return api_class(bot_id=BOT_ID, username=BOT_USERNAME, first_name="Notice", **kwargs)


def visible(html_text: str) -> str:
    """The text a user sees, asserting the HTML is what Telegram accepts."""
    return check_html(html_text, tags=ALLOWED_TAGS, entities=NAMED_ENTITY)


class Harness:
    """An initialized Application on the fake API, plus helpers to act as a user."""

    def __init__(self, app, api: FakeBotAPI) -> None:
        self.app = app
        self.api = api
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)

    async def feed(self, payload: dict) -> None:
        payload = {"update_id": next(self._update_ids), **payload}
        await self.app.process_update(Update.de_json(payload, self.app.bot))

    def message(self, text: str | None = None, *, chat=None, user=None, **extra) -> dict:
        chat = chat or {"id": USER["id"], "type": "private", "first_name": USER["first_name"]}
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": user or USER,
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return message

    async def say(self, text: str, **kwargs) -> None:
        await self.feed({"message": self.message(text, **kwargs)})

    async def press(self, sent: dict, data: str, user=None) -> None:
        """Press a button on a message the bot sent (as recorded by the fake API)."""
        await self.feed(
            {
                "callback_query": {
                    "id": str(next(self._update_ids)),
                    "from": user or USER,
                    "chat_instance": "ci-1",
                    "data": data,
                    "message": sent,
                }
            }
        )

    def sent_messages(self) -> list[dict]:
        """The messages as Telegram would hold them after each send or edit."""
        out = []
        for name, params in self.api.calls:
            if name in ("sendMessage", "editMessageText"):
                out.append(self.api.result(name, params))
        return out

    def last_sent(self) -> dict:
        return self.sent_messages()[-1]

    def texts(self) -> list[str]:
        return [p["text"] for n, p in self.api.calls if n in ("sendMessage", "editMessageText")]

    def alerts(self) -> list[str]:
        return [p.get("text", "") for p in self.api.named("answerCallbackQuery")]


def buttons(message: dict) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


def button_data(message: dict, startswith: str) -> str:
    for _, data in buttons(message):
        if data.startswith(startswith):
            return data
    raise AssertionError(f"no button {startswith!r} in {buttons(message)}")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def feedback_log() -> list[tuple[int, str, int]]:
    return []


@pytest.fixture
def answer_log() -> list[tuple[int, str, float]]:
    return []


@pytest.fixture
async def bot(feedback_log, answer_log):
    api = fake_api(refuse={"setMyCommands": (404, "Not Found")})
    config = Config(token=TOKEN, base_url="http://127.0.0.1:9")
    application = build_application(
        config,
        request=api,
        get_updates_request=api,
        on_feedback=lambda chat, question, value: feedback_log.append((chat, question, value)),
        on_answer=lambda chat, answer, ms: answer_log.append((chat, answer.question, ms)),
    )
    await application.initialize()
    try:
        yield Harness(application, api)
    finally:
        await application.shutdown()


# ---------------------------------------------------------------- configuration


def test_config_from_env_defaults_and_repr_hides_token():
    config = Config.from_env({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert config.base_url == "https://api.telegram.org"
    assert config.bot_api_url == "https://api.telegram.org/bot"
    assert config.file_api_url == "https://api.telegram.org/file/bot"
    assert config.port == 8443 and config.webhook_url is None
    assert str(config.db_path).endswith("notice-bot.sqlite3")
    assert TOKEN not in repr(config) and TOKEN not in str(config)


def test_config_reads_every_variable():
    config = Config.from_env(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": "http://127.0.0.1:9000/",
            "WEBHOOK_URL": "https://bot.example.org/tg/hook",
            "PORT": "8080",
            "ADMIN_IDS": "1, 2,3",
            "NOTICE_BOT_DB": "/tmp/x.sqlite3",
            "LOG_LEVEL": "debug",
        }
    )
    assert config.bot_api_url == "http://127.0.0.1:9000/bot"
    assert config.webhook_url == "https://bot.example.org/tg/hook"
    assert config.port == 8080
    assert config.admin_ids == frozenset({1, 2, 3})
    assert str(config.db_path) == "/tmp/x.sqlite3"
    assert config.log_level == "DEBUG"


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"TELEGRAM_BOT_TOKEN": TOKEN, "PORT": "eighty"},
        {"TELEGRAM_BOT_TOKEN": TOKEN, "PORT": "70000"},
        {"TELEGRAM_BOT_TOKEN": TOKEN, "ADMIN_IDS": "1,two"},
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "api.telegram.org"},
        {"TELEGRAM_BOT_TOKEN": TOKEN, "LOG_LEVEL": "LOUD"},
    ],
)
def test_config_rejects_bad_values_without_echoing_the_token(env):
    with pytest.raises(ConfigError) as err:
        Config.from_env(env)
    assert TOKEN not in str(err.value)


def test_redact_plain_and_url_encoded_token():
    text = f"POST https://api.telegram.org/bot{TOKEN}/getMe and bot{TOKEN.replace(':', '%3A')}/x"
    cleaned = redact(text, TOKEN)
    assert TOKEN not in cleaned and "AAH-secret" not in cleaned
    assert redact("nothing here", TOKEN) == "nothing here"


def test_log_filter_redacts_args_and_tracebacks():
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Collect()
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(TokenRedactingFilter(TOKEN))
    log = logging.getLogger("test.redaction")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("url %s", f"https://x/bot{TOKEN}/getUpdates")
        try:
            raise RuntimeError(f"failed at bot{TOKEN}")
        except RuntimeError:
            log.exception("boom")
    finally:
        log.removeHandler(handler)
    assert len(records) == 2
    assert all(TOKEN not in r for r in records)
    assert "RuntimeError" in records[1]


# ---------------------------------------------------------------- wiring and commands


async def test_set_my_commands_refusal_is_tolerated(bot, caplog):
    with caplog.at_level(logging.WARNING):
        await post_init(bot.app)  # the fake server answers 404, as the emulator does
    assert bot.api.named("setMyCommands"), "the bot should still try to register its commands"
    assert any("set_my_commands" in r.getMessage() for r in caplog.records)
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


def _decoded(value):
    return json.loads(value) if isinstance(value, str) else value


async def test_post_init_builds_the_knowledge_before_the_first_update(monkeypatch):
    fresh = Knowledge()
    monkeypatch.setattr(bot_library, "KNOWLEDGE", fresh)
    api = fake_api()
    application = build_application(Config(token=TOKEN), request=api, get_updates_request=api)
    await application.initialize()
    try:
        await post_init(application)
        assert fresh._library is not None, "post_init builds the library, so the first reply waits for nothing"
        assert bot_library.current() is fresh.library().get()
    finally:
        await application.shutdown()


async def test_post_init_sets_menus_for_everyone_english_users_and_admins_and_the_profile():
    api = fake_api()
    config = Config(token=TOKEN, admin_ids=frozenset({4242}))
    application = build_application(config, request=api, get_updates_request=api)
    await application.initialize()
    try:
        await post_init(application, admin_ids=config.admin_ids)
    finally:
        await application.shutdown()
    menus = {}
    for params in api.named("setMyCommands"):
        scope = _decoded(params.get("scope")) or {"type": "default"}
        key = (scope.get("type"), scope.get("chat_id"), params.get("language_code", ""))
        menus[key] = {c["command"]: c["description"] for c in _decoded(params["commands"])}
    public = {c.name: c.menu for c in COMMANDS if not c.admin}
    assert menus[("default", None, "")] == public
    assert set(menus[("default", None, "en")]) == set(public)
    assert menus[("default", None, "en")]["funding"] == "Funding amount"
    assert menus[("chat", 4242, "")] == {c.name: c.menu for c in COMMANDS}
    assert {"stats", "unanswered", "reload"} <= set(menus[("chat", 4242, "")]) - set(public)
    descriptions = {p.get("language_code", ""): p["description"] for p in api.named("setMyDescription")}
    shorts = {p.get("language_code", ""): p["short_description"] for p in api.named("setMyShortDescription")}
    assert set(descriptions) == set(shorts) == {"", "en"}
    assert "北京市关于开展中小企业数字化转型首批试点区遴选工作的通知" in descriptions[""]
    assert all(len(d) <= 512 for d in descriptions.values()) and all(len(d) <= 120 for d in shorts.values())


async def test_help_lists_every_public_command_of_the_table_and_no_admin_one(bot):
    await bot.say("/help")
    text = visible(bot.last_sent()["text"])
    for command in COMMANDS:
        assert (f"/{command.name} " in text) == (not command.admin and command.name not in ("start", "help"))


async def test_base_url_points_at_the_configured_server(bot):
    assert bot.app.bot.base_url == f"http://127.0.0.1:9/bot{TOKEN}"
    assert bot.app.bot.username == BOT_USERNAME


async def test_start_offers_topic_buttons(bot):
    await bot.say("/start")
    message = bot.last_sent()
    assert message["chat"]["id"] == USER["id"]
    visible(message["text"])
    assert len(buttons(message)) >= 4


async def test_help_names_the_commands(bot):
    await bot.say("/help")
    text = visible(bot.last_sent()["text"])
    for name in ("deadline", "funding", "eligibility", "sections", "faq", "source"):
        assert f"/{name}" in text


@pytest.mark.parametrize(
    ("command", "fact", "quote"),
    [
        ("/deadline", "2023年7月10日", "申报试点的区应于2023年7月10日前"),
        ("/funding", "1亿元", "奖补资金总额不超过1亿元"),
    ],
)
async def test_topic_commands_answer_the_fact_with_its_quote(bot, command, fact, quote):
    await bot.say(command)
    message = bot.last_sent()
    answer, _, cited = visible(message["text"]).partition("\n\n")
    assert fact in answer and quote in cited
    assert any(data.endswith(":+") for _, data in buttons(message))


async def test_start_topic_buttons_answer_like_their_commands(bot):
    await bot.say("/start")
    menu = bot.last_sent()
    await bot.press(menu, button_data(menu, "go:funding"))
    assert "1亿元" in visible(bot.last_sent()["text"]).split("\n\n")[0]
    await bot.press(menu, button_data(menu, "go:deadline"))
    assert "2023年7月10日" in visible(bot.last_sent()["text"]).split("\n\n")[0]


async def test_free_text_question_is_answered_with_citation_and_buttons(bot, feedback_log):
    question = browse.faq()[0]
    await bot.say(question)
    message = bot.last_sent()
    assert "<blockquote" in message["text"]
    up = next(d for _, d in buttons(message) if d.endswith(":+"))
    await bot.press(message, up)
    assert feedback_log == [(USER["id"], question, 1)]
    assert FEEDBACK_THANKS in bot.alerts()
    # The vote removes the 👍/👎 row; pressing again is acknowledged, not counted twice.
    edited = bot.api.named("editMessageReplyMarkup")[-1]
    assert all(not d.endswith((":+", ":-")) for _, d in buttons({"reply_markup": edited.get("reply_markup", {})}))
    await bot.press(message, up)
    assert len(feedback_log) == 1
    assert bot.alerts()[-1] == FEEDBACK_DUPLICATE


async def test_answer_hook_sees_every_question_and_a_broken_hook_costs_no_reply(bot, answer_log):
    await bot.say(browse.faq()[0])
    await bot.say("/deadline")
    assert [(chat, q) for chat, q, _ in answer_log] == [
        (USER["id"], browse.faq()[0]),
        (USER["id"], "/deadline"),
    ]
    assert all(ms >= 0 for _, _, ms in answer_log)

    api = fake_api()

    def broken_hook(*args):
        raise RuntimeError("database is locked")

    application = build_application(
        Config(token=TOKEN), request=api, get_updates_request=api, on_answer=broken_hook, on_feedback=broken_hook
    )
    await application.initialize()
    try:
        other = Harness(application, api)
        await other.say(browse.faq()[0])
        answer = other.last_sent()
        await other.press(answer, next(d for _, d in buttons(answer) if d.endswith(":-")))
    finally:
        await application.shutdown()
    assert "<blockquote" in answer["text"]
    assert FEEDBACK_THANKS in other.alerts()


async def test_full_section_and_related_buttons_send_new_messages(bot):
    await bot.say(browse.faq()[0])
    answer = bot.last_sent()
    full = next((d for _, d in buttons(answer) if d.endswith(":s")), None)
    assert full is not None, "an answer with a citation offers its full section"
    before = len(bot.api.named("sendMessage"))
    await bot.press(answer, full)
    assert len(bot.api.named("sendMessage")) > before
    assert "<blockquote" in bot.last_sent()["text"]
    related = [d for _, d in buttons(answer) if re.search(r":r\d+$", d)]
    if related:
        before = len(bot.api.named("sendMessage"))
        await bot.press(answer, related[0])
        assert len(bot.api.named("sendMessage")) > before


@pytest.mark.parametrize("dangerous", ["<b>粗体</b>申报截止", "A & B 资金", "<script>alert(1)</script>"])
async def test_html_looking_questions_never_break_the_reply(bot, dangerous):
    await bot.say(dangerous)
    texts = bot.texts()
    assert len(texts) == 1
    assert "<script>" not in texts[0]
    visible(texts[0])


async def test_overlong_message_gets_one_polite_reply(bot):
    await bot.say("截止" * 2500)
    texts = bot.texts()
    assert len(texts) == 1
    visible(texts[0])


async def test_non_text_message_in_private_chat_gets_polite_reply(bot):
    sticker = {
        "file_id": "s1",
        "file_unique_id": "u1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    await bot.feed({"message": bot.message(sticker=sticker)})
    assert bot.texts() == [NON_TEXT_TEXT]


async def test_source_command(bot):
    await bot.say("/source")
    usage = bot.texts()[-1]
    assert "/source" in usage
    await bot.say("/source no.such.clause<b>")
    missing = bot.texts()[-1]
    visible(missing)
    assert "&lt;b&gt;" in missing
    section_id = browse.toc()[0].id
    clause_id = browse.section(section_id).clauses[0]
    await bot.say(f"/source {clause_id}")
    assert "<blockquote" in bot.texts()[-1]


async def test_each_citation_links_to_its_clause_and_the_link_quotes_it(bot):
    await bot.say("/funding")
    answer = visible(bot.last_sent()["text"])
    link = re.search(r"/source_[0-9a-z_]+", answer).group(0)
    await bot.say(link)
    card = visible(bot.last_sent()["text"])
    assert "中央财政对试点区给予定额奖励,奖补资金总额不超过1亿元。" in card and "4.1.p1.s1" in card
    in_group = {"id": -100777, "type": "supergroup", "title": "群"}
    await bot.say(f"{link}@{BOT_USERNAME}", chat=in_group)
    assert "奖补资金总额不超过1亿元" in visible(bot.last_sent()["text"])
    sent = len(bot.texts())
    await bot.say(f"{link}@some_other_bot", chat=in_group)
    assert len(bot.texts()) == sent, "a link addressed to another bot is not ours to answer"


async def test_a_verdict_with_open_conditions_fits_a_phone_screen(bot):
    await bot.say("我们区是朝阳区,有资格报这个试点吗")
    message = bot.last_sent()
    title, _, body = message["text"].partition("\n")  # the notice's short title, then the answer
    assert title.startswith("<b>《") and title.endswith("》</b>")
    lead, _, rest = body.lstrip("\n").partition("\n\n")
    assert lead.startswith("结论") and "\n" not in lead
    assert rest.startswith("<blockquote expandable>")  # the conditions, collapsed
    assert "<blockquote>" not in message["text"]  # and every quote
    assert len(message["reply_markup"]["inline_keyboard"]) <= 4


async def test_stale_answer_button_is_answered_politely(bot):
    await bot.say("/start")
    message = bot.last_sent()
    await bot.press(message, "a:zzzz:+")
    assert bot.alerts()[-1] == STALE_TEXT
    await bot.press(message, "nonsense")
    assert bot.alerts()[-1] == STALE_TEXT


async def test_error_handler_replies_in_chinese_and_logs_without_token(bot, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError(f"index exploded near bot{TOKEN}")

    monkeypatch.setattr(chat_module, "answer_in_library", broken)
    with caplog.at_level(logging.ERROR):
        await bot.say("申报截止时间")
    assert bot.texts()[-1] == SORRY_TEXT
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "index exploded" in logged
    assert TOKEN not in logged


class DroppingBotAPI(FakeBotAPI):
    """The fake Bot API, losing the connection on the first call of one method."""

    def __init__(self, drop: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.drop = drop
        self.dropped = False

    async def do_request(self, url, method, request_data=None, **timeouts):
        if url.rsplit("/", 1)[-1] == self.drop and not self.dropped:
            self.dropped = True
            # what python-telegram-bot's HTTPXRequest raises for a connection reset mid-request
            raise NetworkError(f"httpx.ReadError: connection reset talking to bot{TOKEN}")
        return await super().do_request(url, method, request_data, **timeouts)


async def test_a_dropped_reply_is_sent_again_with_one_log_line_and_no_token(caplog):
    api = fake_api(DroppingBotAPI, drop="sendMessage")
    application = build_application(Config(token=TOKEN), request=api, get_updates_request=api)
    await application.initialize()
    try:
        with caplog.at_level(logging.DEBUG):
            await Harness(application, api).say("申报截止时间")
    finally:
        await application.shutdown()
    assert api.dropped, "the answer should have been lost on the way"
    (sent,) = [p["text"] for p in api.named("sendMessage")]
    assert "2023年7月10日" in sent and SORRY_TEXT not in sent
    failures = [r for r in caplog.records if "NetworkError" in r.getMessage()]
    assert len(failures) == 1, [r.getMessage() for r in failures]
    (failure,) = failures
    assert failure.levelno == logging.INFO
    assert "\n" not in failure.getMessage() and failure.exc_info is None
    assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)
    assert TOKEN not in caplog.text


# ---------------------------------------------------------------- groups


def _mention(text: str, handle: str) -> dict:
    offset = text.index(handle)
    return {"type": "mention", "offset": offset, "length": len(handle)}


async def test_group_ignores_unrelated_traffic_and_answers_mentions(bot):
    question = browse.faq()[0]
    await bot.say("大家好,今天开会吗?", chat=GROUP)
    await bot.say(
        f"@someone_else_bot {question}",
        chat=GROUP,
        entities=[_mention(f"@someone_else_bot {question}", "@someone_else_bot")],
    )
    await bot.feed(
        {
            "message": bot.message(
                sticker={
                    "file_id": "s",
                    "file_unique_id": "u",
                    "type": "regular",
                    "width": 1,
                    "height": 1,
                    "is_animated": False,
                    "is_video": False,
                },
                chat=GROUP,
            )
        }
    )
    assert bot.texts() == [], "the bot must stay silent on group traffic not meant for it"

    text = f"@{BOT_USERNAME} {question}"
    await bot.say(text, chat=GROUP, entities=[_mention(text, f"@{BOT_USERNAME}")])
    sent = bot.api.named("sendMessage")
    assert len(sent) == 1
    assert int(sent[0]["chat_id"]) == GROUP["id"]
    assert "<blockquote" in sent[0]["text"]
    assert "reply_parameters" in sent[0], "in a group the answer quotes the question it answers"


async def test_group_mention_is_matched_case_insensitively_and_empty_mention_prompts(bot):
    text = f"@{BOT_USERNAME.upper()}"
    await bot.say(text, chat=GROUP, entities=[_mention(text, text)])
    (sent,) = bot.api.named("sendMessage")
    assert BOT_USERNAME in sent["text"]


async def test_group_reply_to_the_bot_is_answered(bot):
    text = f"@{BOT_USERNAME} {browse.faq()[0]}"
    await bot.say(text, chat=GROUP, entities=[_mention(text, f"@{BOT_USERNAME}")])
    bot_message = bot.last_sent()
    bot.api.clear()
    reply_to_other = bot.message("说得对", chat=GROUP, user=OTHER_USER)
    await bot.say("我也这么认为", chat=GROUP, reply_to_message=reply_to_other)
    assert bot.texts() == []
    await bot.say(browse.faq()[1], chat=GROUP, reply_to_message=bot_message)
    assert len(bot.api.named("sendMessage")) == 1


async def test_group_commands_are_answered(bot):
    await bot.say("/deadline", chat=GROUP)
    assert len(bot.api.named("sendMessage")) == 1
    await bot.say(f"/help@{BOT_USERNAME}", chat=GROUP)
    assert len(bot.api.named("sendMessage")) == 2
    await bot.say("/nonsense", chat=GROUP)
    assert len(bot.api.named("sendMessage")) == 2, "unknown commands in groups may belong to other bots"


# ---------------------------------------------------------------- inline mode


async def test_inline_query_offers_answer_cards(bot):
    await bot.feed({"inline_query": {"id": "iq1", "from": USER, "query": "截止", "offset": ""}})
    (params,) = bot.api.named("answerInlineQuery")
    results = params["results"]
    results = json.loads(results) if isinstance(results, str) else results
    assert 1 <= len(results) <= 50
    for result in results:
        assert result["type"] == "article"
        assert len(result["id"].encode()) <= 64
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML"
        visible(content["message_text"])
        assert result["title"]
    assert "<blockquote" in results[0]["input_message_content"]["message_text"]


async def test_inline_query_escapes_and_empty_query_offers_faq(bot):
    await bot.feed({"inline_query": {"id": "iq2", "from": USER, "query": "<script>&", "offset": ""}})
    await bot.feed({"inline_query": {"id": "iq3", "from": USER, "query": "", "offset": ""}})
    first, second = bot.api.named("answerInlineQuery")
    for params in (first, second):
        results = params["results"]
        results = json.loads(results) if isinstance(results, str) else results
        for result in results:
            assert "<script>" not in result["input_message_content"]["message_text"]
            visible(result["input_message_content"]["message_text"])
    empty_results = second["results"]
    empty_results = json.loads(empty_results) if isinstance(empty_results, str) else empty_results
    assert len(empty_results) >= 1


# ---------------------------------------------------------------- browsing


async def test_sections_browse_down_to_clause_text(bot):
    await bot.say("/sections")
    menu = bot.last_sent()
    top = buttons(menu)
    assert len(top) == len(browse.toc())
    # Follow the first button at every level until a screen offers no subsection.
    screen = menu
    for _ in range(6):
        subsections = [d for _, d in buttons(screen) if d.startswith("s:") and d != "s:"]
        back = [d for t, d in buttons(screen) if "返回" in t]
        forward = [d for d in subsections if d not in back]
        if not forward:
            break
        await bot.press(screen, forward[0])
        screen = bot.last_sent()
    assert "<blockquote" in screen["text"], "a leaf section shows its clause text"
    back = [d for t, d in buttons(screen) if "返回" in t]
    assert back
    await bot.press(screen, back[0])
    assert bot.api.named("editMessageText")


async def test_faq_buttons_open_answer_cards(bot):
    await bot.say("/faq")
    menu = bot.last_sent()
    faq_buttons = [d for _, d in buttons(menu) if d.startswith("f:")]
    assert len(faq_buttons) == len(browse.faq())
    await bot.press(menu, faq_buttons[-1])
    card = bot.last_sent()
    assert "<blockquote" in card["text"]
    await bot.press(menu, "f:999")
    assert bot.alerts()[-1] == STALE_TEXT


async def test_every_callback_data_fits_64_bytes(bot):
    """Walk every screen the bot can show and measure every button it sends."""
    await bot.say("/start")
    await bot.say("/faq")
    for question in browse.faq():
        await bot.say(question)
    await bot.say("/sections")
    # Breadth-first over the whole table of contents.
    seen: set[str] = set()
    queue = [bot.last_sent()]
    while queue:
        screen = queue.pop()
        for _, data in buttons(screen):
            if data.startswith("s:") and data not in seen:
                seen.add(data)
                await bot.press(screen, data)
                queue.append(bot.last_sent())
    await bot.say("/eligibility")
    for message in bot.sent_messages():
        for _, data in buttons(message):
            assert len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES, data
    assert len(seen) > len(browse.toc())


# ---------------------------------------------------------------- guided eligibility check


async def _walk_eligibility(bot: Harness, asker_index: int = 0, option_index: int = 0) -> dict:
    await bot.say("/eligibility")
    screen = bot.last_sent()
    asker_buttons = [d for _, d in buttons(screen) if d.startswith(CB_ELIG) and ":a" in d]
    assert len(asker_buttons) == len(askers())
    await bot.press(screen, asker_buttons[asker_index])
    asker = list(askers())[asker_index]
    for step in eligibility.steps(asker):
        screen = bot.last_sent()
        assert step.question in visible(screen["text"])
        options = [d for _, d in buttons(screen) if re.search(r":o\d+$", d)]
        assert len(options) == len(step.options)
        await bot.press(screen, options[min(option_index, len(options) - 1)])
    return bot.last_sent()


@pytest.mark.parametrize("asker_index", range(2))
async def test_eligibility_conversation_reaches_a_verdict(bot, asker_index):
    verdict = await _walk_eligibility(bot, asker_index)
    text = visible(verdict["text"])
    assert VERDICT_TITLE in text
    assert re.search("符合|不符合|需进一步确认", text)
    # The verdict is exactly what the eligibility handler decides for those answers.
    asker = list(askers())[asker_index]
    expected = eligibility.verdict(asker, {s.id: s.options[0][0] for s in eligibility.steps(asker)})
    assert expected.text.split("\n")[0] in text


async def test_eligibility_back_cancel_restart_and_stale_buttons(bot):
    await bot.say("/eligibility")
    first = bot.last_sent()
    asker_button = next(d for _, d in buttons(first) if ":a" in d)
    await bot.press(first, asker_button)
    step_one = bot.last_sent()
    asker = list(askers())[0]
    assert eligibility.steps(asker)[0].question in visible(step_one["text"])

    # Back returns to the asker question.
    await bot.press(step_one, next(d for _, d in buttons(step_one) if d.endswith(":b")))
    back_screen = bot.last_sent()
    assert back_screen["text"] == first["text"]
    assert any(":a" in d for _, d in buttons(back_screen))

    # Pressing the step-one button again (the message's old keyboard) is stale, not an exception.
    option = next(d for _, d in buttons(step_one) if re.search(r":o\d+$", d))
    await bot.press(step_one, option)
    assert bot.alerts()[-1] == ELIG_STALE

    # Restart begins a new session: buttons of the old one are refused politely.
    restart = next(d for _, d in buttons(back_screen) if d.endswith(":r"))
    await bot.press(back_screen, restart)
    fresh = bot.last_sent()
    await bot.press(back_screen, asker_button)
    assert bot.alerts()[-1] == ELIG_STALE

    # Cancel ends the conversation; later presses get the polite stale answer.
    cancel = next(d for _, d in buttons(fresh) if d.endswith(":x"))
    await bot.press(fresh, cancel)
    assert "取消" in bot.last_sent()["text"]
    await bot.press(fresh, next(d for _, d in buttons(fresh) if ":a" in d))
    assert bot.alerts()[-1] == ELIG_STALE


async def test_eligibility_buttons_of_another_user_are_refused(bot):
    await bot.say("/eligibility", chat=GROUP)
    screen = bot.last_sent()
    asker_button = next(d for _, d in buttons(screen) if ":a" in d)
    await bot.press(screen, asker_button, user=OTHER_USER)
    assert bot.alerts()[-1] == ELIG_STALE
    await bot.press(screen, asker_button)
    assert bot.alerts()[-1] != ELIG_STALE


# ---------------------------------------------------------------- update ordering


async def test_updates_of_one_chat_run_in_order_other_chats_interleave():
    processor = PerChatUpdateProcessor(8)
    log: list[str] = []
    gate = asyncio.Event()

    async def job(name: str, wait: bool) -> None:
        log.append(f"start {name}")
        if wait:
            await gate.wait()
        log.append(f"end {name}")

    def update(chat_id: int) -> Update:
        return Update.de_json(
            {
                "update_id": chat_id,
                "message": {"message_id": 1, "date": 0, "chat": {"id": chat_id, "type": "private"}, "text": "x"},
            },
            None,
        )

    first = asyncio.create_task(processor.do_process_update(update(1), job("a1", True)))
    second = asyncio.create_task(processor.do_process_update(update(1), job("a2", False)))
    other = asyncio.create_task(processor.do_process_update(update(2), job("b1", False)))
    await other
    assert "end b1" in log and "start a2" not in log, "chat 1's second update waits for its first"
    gate.set()
    await asyncio.gather(first, second)
    assert log.index("end a1") < log.index("start a2")


class PollingBotAPI(FakeBotAPI):
    """The fake Bot API holding pending updates, which getUpdates hands out as Telegram does:
    from `offset` on, at most `limit` (Telegram's default is 100), and a long poll with nothing
    new waits until the poller gives up."""

    def __init__(self, pending: list[dict], **kwargs) -> None:
        super().__init__(**kwargs)
        self.pending = pending

    def _unseen(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        return [u for u in self.pending if u["update_id"] >= offset]

    async def do_request(self, url, method, request_data=None, **timeouts):
        params = request_data.parameters if request_data else {}
        if url.endswith("/getUpdates") and params.get("timeout") and not self._unseen(params):
            await asyncio.Event().wait()  # cancelled when polling stops
        return await super().do_request(url, method, request_data, **timeouts)

    def result(self, name, params):
        if name == "getUpdates":
            return self._unseen(params)[: int(params.get("limit") or 100)]
        return super().result(name, params)


async def test_polling_fetches_a_limited_batch_and_waits_while_the_batch_is_unfinished(monkeypatch):
    total = MAX_CONCURRENT_UPDATES + 8
    pending = [
        {"update_id": i, "message": {"message_id": 1, "date": int(time.time()), "text": "你好",
                                     "chat": {"id": 5000 + i, "type": "private"}, "from": {**USER, "id": 5000 + i}}}
        for i in range(1, total + 1)
    ]  # fmt: skip
    api = fake_api(PollingBotAPI, pending=pending)

    # The app's own getUpdates request is an HTTPXRequest; send what it would put on the wire to the fake.
    async def over_fake(self, url, method, request_data=None, **timeouts):
        return await api.do_request(url, method, request_data, **timeouts)

    monkeypatch.setattr(HTTPXRequest, "do_request", over_fake)
    gate, all_busy, all_done = asyncio.Event(), asyncio.Event(), asyncio.Event()
    counts = {"started": 0, "done": 0}

    async def hold(update: Update, context) -> None:
        counts["started"] += 1
        if counts["started"] == MAX_CONCURRENT_UPDATES:
            all_busy.set()
        await gate.wait()
        counts["done"] += 1
        if counts["done"] == total:
            all_done.set()
        raise ApplicationHandlerStop  # the answer itself is not under test

    application = build_application(
        Config(token=TOKEN, base_url="http://127.0.0.1:9"),
        request=api,
    )
    application.add_handler(TypeHandler(Update, hold), group=-2)  # before the bot's own handlers
    async with application:
        await application.start()
        await application.updater.start_polling()
        try:
            await asyncio.wait_for(all_busy.wait(), 30)  # a guard against a hang, not a speed check
            for _ in range(100):  # let the poller run as far as it will
                await asyncio.sleep(0)
            (first,) = api.named("getUpdates")
            assert first.get("limit") == MAX_CONCURRENT_UPDATES
            assert counts["started"] == MAX_CONCURRENT_UPDATES
            gate.set()
            await asyncio.wait_for(all_done.wait(), 30)
        finally:
            gate.set()
            await application.updater.stop()
            await application.stop()
    fetches = [p for p in api.named("getUpdates") if p.get("timeout")]
    assert [(p.get("offset", 0), p.get("limit")) for p in fetches[:2]] == [
        (0, MAX_CONCURRENT_UPDATES),
        (MAX_CONCURRENT_UPDATES + 1, MAX_CONCURRENT_UPDATES),
    ]
    assert counts["done"] == total


# ---------------------------------------------------------------- serving


@pytest.mark.parametrize(
    ("env", "mode"),
    [
        ({}, "run_polling"),
        ({"WEBHOOK_URL": "https://bot.example.org/tg/hook", "PORT": "8081"}, "run_webhook"),
    ],
)
def test_run_polls_by_default_and_serves_a_webhook_when_configured(monkeypatch, env, mode):
    from telegram.ext import Application

    seen: dict[str, dict] = {}
    monkeypatch.setattr(Application, "run_polling", lambda self, **kw: seen.setdefault("run_polling", kw))
    monkeypatch.setattr(Application, "run_webhook", lambda self, **kw: seen.setdefault("run_webhook", kw))
    monkeypatch.setattr(app_module, "configure_logging", lambda config: None)
    app_module.run(Config.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, **env}))
    assert list(seen) == [mode]
    kwargs = seen[mode]
    assert kwargs["allowed_updates"] == Update.ALL_TYPES
    assert not kwargs.get("drop_pending_updates")
    if mode == "run_webhook":
        assert kwargs["listen"] == "0.0.0.0" and kwargs["port"] == 8081
        assert kwargs["webhook_url"] == "https://bot.example.org/tg/hook"
        assert kwargs["url_path"] == "tg/hook"
        assert kwargs["secret_token"]


async def test_state_stored_as_plain_dicts_by_an_earlier_version_is_read_as_typed_data(tmp_path):
    from bot.store import Store
    from bot.telegram.persistence import SQLitePersistence
    from bot.telegram.state import ChatData, UserData

    store = Store(tmp_path / "old.sqlite3")
    try:
        old = SQLitePersistence(store)
        question = "实施期第一年到什么时候"
        await old.update_chat_data(USER["id"], {"ctx": {"question": question, "intent": "deadline"}, "answers": {}})
        check = {"session": "2", "step": 1, "asker": "enterprise", "answers": {}}
        await old.update_user_data(USER["id"], {"elig": check, "elig_serial": 2})
        await old.flush()
        api = fake_api()
        application = build_application(Config(token=TOKEN), store=store, request=api, get_updates_request=api)
        await application.initialize()
        try:
            chat, user = application.chat_data[USER["id"]], application.user_data[USER["id"]]
            assert isinstance(chat, ChatData) and chat.follow_up.question == question
            assert isinstance(user, UserData) and user.check_serial == 2
            assert (user.check.session, user.check.step, user.check.asker) == ("2", 1, "enterprise")
            harness = Harness(application, api)
            await harness.say("申报截止时间是什么时候?")  # the upgraded chat answers and remembers as before
            assert "2023年7月10日" in visible(harness.last_sent()["text"])
            assert application.chat_data[USER["id"]].follow_up.question == "申报截止时间是什么时候?"
        finally:
            await application.shutdown()
    finally:
        store.close()


def test_config_loads_without_a_token_for_the_console_and_the_cli():
    config = Config.from_env({"NOTICE_BOT_DB": "/tmp/x.sqlite3"}, require_token=False)
    assert config.token == "" and str(config.db_path) == "/tmp/x.sqlite3"
    with pytest.raises(ConfigError):
        Config.from_env({})
