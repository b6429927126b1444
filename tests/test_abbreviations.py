"""The short names users give a notice's issuers (经信局, 市财政局) come from the notice, not from the lexicon."""

from __future__ import annotations

from pathlib import Path

import jieba

from handlers import answer_question
from knowledge.abbreviations import short_names
from knowledge.base import build, shipped
from knowledge.lexicon import Lexicon

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "notices"


def test_a_body_is_shortened_as_chinese_shortens_it():
    assert set(short_names("北京市经济和信息化局", jieba.lcut)) == {
        "经信局",
        "市经信局",
        "经济和信息化局",
        "市经济和信息化局",
    }
    assert set(short_names("上海市经济和信息化委员会", jieba.lcut)) >= {"经信委", "市经信委"}
    assert set(short_names("广东省工业和信息化厅", jieba.lcut)) >= {"工信厅", "省工信厅"}
    assert short_names("关于开展试点工作的通知", jieba.lcut) == {}


def test_the_shared_lexicon_names_no_body_of_one_city():
    synonyms = Lexicon.load().synonyms
    assert "经信局" not in synonyms and "市财政局" not in synonyms


def test_the_shipped_notice_reaches_its_bureaus_by_their_short_names():
    kb = shipped()
    assert kb.index.synonyms["经信局"] == "北京市经济和信息化局"
    answer = answer_question("纸质材料送到市经信局哪个处?", kb=kb)
    assert "中小企业处" in answer.text
    assert "北京市经济和信息化局中小企业处" in answer.citations[0].quote


def test_a_district_notice_reaches_its_own_bureau_by_a_short_name():
    kb = build(FIXTURES / "fic-hetang-2026", curated=False)
    assert kb.index.synonyms["区工信局"] == "区工业和信息化局"  # the form the notice's sentences use
    answer = answer_question("区工信局收材料的地址在哪?", kb=kb)
    assert "莲湖路188号" in answer.text
    assert "区工业和信息化局企业发展科" in answer.citations[0].quote


def test_one_notices_short_names_do_not_change_how_another_is_cut():
    lexicon = Lexicon.load()
    before = dict(lexicon.tokenizer.FREQ)
    kb = build(FIXTURES / "fic-hetang-2026", curated=False, lexicon=lexicon)
    assert kb.index.short_names  # names were derived ...
    taught = {w for w in lexicon.tokenizer.FREQ if w not in before}
    assert not taught & set(kb.index.short_names)  # ... but none was taught to the shared tokenizer
