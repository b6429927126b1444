"""The library in Telegram, through the real Application on the fake Bot API: /notices sets the chat's notice,
a switch button answers from another notice, /start counts the notices, /source takes qualified ids,
inline cards name their notice, and /subscribe brings one message about a notice a /reload added."""

from __future__ import annotations

import dataclasses

import json
import shutil
from pathlib import Path

import pytest

from bot import library as bot_library
from bot.config import Config
from bot.library import Knowledge
from bot.store import Store
from bot.telegram.answers import CB_SWITCH
from bot.telegram.app import build_application
from bot.telegram.notices import CB_NOTICE
from knowledge.library import DEFAULT_ENV
from knowledge.loader import DEFAULT_NOTICE, NOTICES_DIR
from test_telegram_app import TOKEN, USER, Harness, buttons, fake_api, visible

pytestmark = pytest.mark.anyio
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "notices"
SECOND = "fic-dierpi-2024"
LATER = "fic-qyzn-2025"


def _add(root: Path, key: str) -> None:
    (root / key).mkdir()
    shutil.copy(FIXTURES / key / "notice.txt", root / key / "notice.txt")


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A library of the shipped notice (the default) and the second-batch fixture, in the bot's holder."""
    root = tmp_path / "notices"
    root.mkdir()
    shutil.copytree(NOTICES_DIR / DEFAULT_NOTICE, root / DEFAULT_NOTICE)
    _add(root, SECOND)
    monkeypatch.setenv(DEFAULT_ENV, DEFAULT_NOTICE)
    monkeypatch.setattr(bot_library, "KNOWLEDGE", Knowledge(root))
    return root


@pytest.fixture
async def bot(root, tmp_path):
    api = fake_api()
    config = Config(token=TOKEN, base_url="http://127.0.0.1:9", db_path=tmp_path / "bot.sqlite3")
    store = Store(tmp_path / "bot.sqlite3")
    config = dataclasses.replace(config, admin_ids=frozenset({USER["id"]}))
    application = build_application(config, store=store, request=api, get_updates_request=api)
    await application.initialize()
    try:
        yield Harness(application, api)
    finally:
        await application.shutdown()
        store.close()


def _sent_to(bot: Harness, chat_id: int) -> list[str]:
    return [p["text"] for n, p in bot.api.calls if n == "sendMessage" and int(p["chat_id"]) == chat_id]


async def test_start_says_how_many_notices(bot):
    await bot.say("/start")
    assert "2 份通知" in visible(bot.texts()[-1])


async def test_notices_lists_them_and_a_button_sets_the_chats_notice(bot, root):
    await bot.say("/notices")
    listing = bot.last_sent()
    labels = [label for label, data in buttons(listing) if data.startswith(CB_NOTICE)]
    assert len(labels) == 2 and labels[0].startswith("✅")  # the default is current
    await bot.say("申报截止时间是哪天?")
    assert "2023年7月10日" in visible(bot.texts()[-1])
    await bot.press(listing, f"{CB_NOTICE}{SECOND}")
    assert "已选定" in visible(bot.texts()[-1])
    await bot.say("申报截止时间是哪天?")
    answer = visible(bot.texts()[-1])
    assert "2024年8月15日" in answer and "2023年7月10日" not in answer
    assert "第二批" in answer.splitlines()[0]  # the notice's short title heads the answer
    await bot.say("/sections")  # browsing follows the chat's notice too
    second_toc = [label for label, _ in buttons(bot.last_sent())]
    default_toc = [s.label for s in bot_library.notices().get(DEFAULT_NOTICE).notice.sections if s.level == 1]
    assert second_toc and second_toc != default_toc[: len(second_toc)]


async def test_a_switch_button_answers_from_the_other_notice_that_fits(bot):
    await bot.say("申报截止时间是哪天?")
    answer = bot.last_sent()
    switch = [data for _, data in buttons(answer) if data.startswith(CB_SWITCH)]
    assert switch, "both notices set a deadline: the answer offers the other"
    await bot.press(answer, switch[0])
    assert "2024年8月15日" in visible(bot.texts()[-1])
    await bot.say("申报截止时间是哪天?")  # the switch is the chat's notice from now on
    assert "2024年8月15日" in visible(bot.texts()[-1])


async def test_source_takes_a_notice_key_and_an_id(bot, root):
    clause = next(c for c in bot_library.notices().get(SECOND).notice.clauses if "2024年8月15日前" in c.text)
    await bot.say(f"/source {SECOND}:{clause.id}")
    assert "2024年8月15日前" in visible(bot.texts()[-1])
    await bot.say("/source 6.1.p2.s1")  # a bare id: the default notice
    assert "2023年7月10日前" in visible(bot.texts()[-1])


async def test_inline_cards_are_labelled_with_their_notice(bot):
    await bot.feed({"inline_query": {"id": "iq1", "from": USER, "query": "申报截止时间", "offset": ""}})
    (params,) = bot.api.named("answerInlineQuery")
    results = params["results"]
    results = json.loads(results) if isinstance(results, str) else results
    assert len(results) == 2  # one card from each notice
    texts = [visible(r["input_message_content"]["message_text"]) for r in results]
    assert "2023年7月10日" in texts[0] and "2024年8月15日" in texts[1]
    assert all(r["description"].startswith("《") for r in results)


async def test_subscribers_hear_once_of_a_notice_reload_added(bot, root):
    await bot.say("/subscribe")
    assert "已订阅" in bot.texts()[-1]
    await bot.say("/subscribe")
    assert "已经订阅" in bot.texts()[-1]
    _add(root, LATER)
    await bot.say("/reload")
    news = [t for t in _sent_to(bot, USER["id"]) if "新收录通知" in t]
    assert len(news) == 1
    seen = visible(news[0])
    assert "临江市工业和信息化局关于组织申报2025年度中小企业数字化改造专项补贴的通知" in seen
    assert "2025年5月31日" in seen  # its deadline
    assert "万元" in seen  # its money
    await bot.say("/start")
    assert "3 份通知" in visible(bot.texts()[-1])
    await bot.say("/reload")  # nothing new: nothing sent
    assert len([t for t in _sent_to(bot, USER["id"]) if "新收录通知" in t]) == 1
    await bot.say("/unsubscribe")
    assert "已取消" in bot.texts()[-1]
    shutil.rmtree(root / LATER)
    _add(root, "fic-zhuanfa-2024")
    await bot.say("/reload")
    assert len([t for t in _sent_to(bot, USER["id"]) if "新收录通知" in t]) == 1
    await bot.say("/notices")
    labels = [label for label, data in buttons(bot.last_sent()) if data.startswith(CB_NOTICE)]
    assert len(labels) == 3 and not any("临江" in label for label in labels)  # the removed folder is gone
