"""The clause index: folding, synonyms, typo restoration, ranking and the not-covered threshold."""

from __future__ import annotations

import pytest

from knowledge.base import shipped
from knowledge.fold import fold, strip_invisible


@pytest.fixture(scope="module")
def index():
    return shipped().index


def top_text(index, question: str) -> str:
    return index.search(question, k=1)[0].clause.text


def test_folding_makes_traditional_and_full_width_text_simplified_half_width():
    assert fold("申報截止ＡＢＣ１２３") == "申报截止abc123"
    assert fold("我們是做醫藥的中小企業") == "我们是做医药的中小企业"
    assert strip_invisible("申\u200b报\u0007截止  时间") == "申报截止 时间"


def test_the_small_dictionary_segments_domain_words_whole(index):
    words = index.lexicon.cut(fold("数字化服务商和专精特新企业,还有小巨人"))
    assert "数字化服务商" in words and "专精特新" in words and "小巨人" in words


def test_synonyms_reach_the_notices_words(index):
    _, words = index.analyse("钱最晚啥时候交")
    assert "资金" in words and "截止" in words


def test_typos_in_domain_words_are_restored(index):
    assert "申报" in index.analyse("申保截止是哪天")[1]
    assert "邮箱" in index.analyse("发到哪个邮相")[1]
    assert "服务商" in index.analyse("服物商必须用指定的吗")[1]


def test_a_typo_that_jieba_ran_together_with_the_next_character_is_restored(index):
    # jieba guesses 申保要 as one word; its pair 申保 is still 申报 misspelled.
    assert "申报" in index.analyse("申保要准备哪几样材料")[1]
    # but 用区 of 能用区 cuts through the word 能用: no 用于.
    assert "用于" not in index.analyse("申报函能用区经信局的名义出吗")[1]


def test_a_real_word_next_to_a_domain_word_is_not_taken_for_a_typo(index):
    # 关系 is one character away from 联系; 通州下雨 is no 规下.
    assert "联系" not in index.analyse("跟我们有关系吗")[1]
    assert "规下" not in index.analyse("明天通州下雨吗")[1]


def test_the_right_clause_comes_first(index):
    assert "2023年7月10日前" in top_text(index, "申报材料最晚哪天交?")
    assert "不超过1亿元" in top_text(index, "奖补资金最多给多少钱")
    assert "不少于500家" in top_text(index, "被改造企业至少多少家")
    assert "shuzifuneng@jxj.beijing.gov.cn" in top_text(index, "材料电子版发到哪个邮箱")


def test_traditional_and_english_questions_reach_the_same_clause(index):
    assert "医药和化学制造" in top_text(index, "我們是做醫藥的,算重點行業嗎")
    assert "2023年7月10日前" in top_text(index, "What is the application deadline?")


def test_every_hit_quotes_a_clause_of_the_notice(index):
    notice = shipped().notice
    for hit in index.search("奖补资金怎么用", k=5):
        assert hit.clause.text in notice.text
        assert 0.0 <= hit.coverage <= 1.0


def test_a_character_inside_a_recognised_word_is_not_taken_for_a_typo(index):
    # 不用于 is 不 + 用于, not a typo of 不低于; 试点想 is 试点 + 想, not a typo of 试点期.
    assert "不低于" not in index.analyse("不用于企业改造的那部分")[1]
    assert "试点期" not in index.analyse("这个试点想解决哪些问题")[1]
    # 实施方按 is no word at all: it is 实施方案 with one wrong character.
    assert "实施方案" in index.analyse("部里会要求我们改实施方按吗")[1]
