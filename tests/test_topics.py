"""Topic commands (/deadline, /funding) answer from the decider they name, for any notice."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.topics import DEADLINE, FUNDING, topic_answer
from knowledge.base import build

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "notices"


def test_funding_states_the_cap_and_cites_only_its_sentence():
    answer = topic_answer(FUNDING)
    assert answer.answered and answer.intent == "funding"
    assert "1亿元" in answer.text
    assert [c.quote for c in answer.citations] == ["中央财政对试点区给予定额奖励,奖补资金总额不超过1亿元。"]


def test_deadline_states_the_date_and_cites_its_sentence():
    answer = topic_answer(DEADLINE)
    assert answer.answered and "2023年7月10日" in answer.text
    assert answer.citations[0].quote.startswith("申报试点的区应于2023年7月10日前")


@pytest.mark.parametrize("key", ["bj-szfwq-2024", "fic-dierpi-2024", "fic-qyzn-2025"])
def test_another_notice_gets_its_own_cap(key):
    kb = build(FIXTURES / key, curated=False)
    answer = topic_answer(FUNDING, kb)
    assert answer.answered and kb.facts.cap_text in answer.text
    assert answer.citations[0].quote in kb.notice.text


def test_a_notice_without_a_deadline_says_so_instead_of_guessing(tmp_path):
    folder = tmp_path / "no-deadline"
    folder.mkdir()
    (folder / "notice.txt").write_text(
        "某区关于推广数字化转型典型案例的通知\n各有关企业:\n一、总体要求\n鼓励企业分享数字化转型经验。\n"
        "二、工作安排\n区经信局将择优汇编典型案例,供企业学习借鉴。\n",
        encoding="utf-8",
    )
    answer = topic_answer(DEADLINE, build(folder, curated=False))
    assert not answer.answered and "截止时间" in answer.text and not answer.citations


def test_an_item_named_for_applying_gives_its_window_as_the_deadline():
    """ "1．企业申报。企业于2024年4月1日至2024年5月31日…在线填报": the span of an item named 企业申报."""
    kb = build(FIXTURES / "bj-szfwq-2024", curated=False)
    answer = topic_answer(DEADLINE, kb)
    assert answer.answered and "2024年5月31日" in answer.text
    assert "2024年4月1日至2024年5月31日" in answer.citations[0].quote
