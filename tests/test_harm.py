"""Verdicts that must never be wrong: generated from the notice's own rules, in several phrasings.

Harm classes (issue "Verdicts that are never wrong"), each checked below:
1. a planned share on either side of a bound flips the verdict the right way, with the arithmetic shown;
2. a planned count on either side of a minimum flips "够 / 不够", in Arabic and Chinese numerals;
3. an exclusion: the status present gives 不符合, the status absent never does;
4. a place inside the notice's region never fails the location rule, a place outside always does;
5. figures are written as people write them: no exponent, however large the number.
Each class is asked in simplified Chinese, traditional Chinese and (where the bot answers in English) English.
"""

from __future__ import annotations

import datetime as dt
import re

import cn2an
import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers import Context, answer_question
from handlers.numbers import yuan
from knowledge.base import shipped

NOW = dt.datetime(2026, 12, 2, 10, 0)
KB = shipped()
TO_TRADITIONAL = opencc.OpenCC("s2t")
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)


def ask(question: str):
    return answer_question(question, Context(), NOW, kb=KB)


def traditional(text: str) -> str:
    return TO_TRADITIONAL.convert(text)


# -- 1. shares ---------------------------------------------------------------------------------------

BOUNDED = [s for s in KB.facts.shares if s.bound in ("min", "max")]
SHARE_ASKS = ("我们区打算拿{p}%的资金用于{what},可以吗", "{what}方面计划占资金的{p}%,行不行")


@pytest.mark.parametrize("share", BOUNDED, ids=lambda s: s.id)
@pytest.mark.parametrize("template", SHARE_ASKS)
@pytest.mark.parametrize("script", ["simplified", "traditional"])
@SETTINGS
@given(data=st.data())
def test_a_planned_share_on_either_side_of_the_bound_flips_the_verdict(share, template, script, data):
    bound = round(share.ratio * 100)
    planned = data.draw(st.integers(min_value=1, max_value=99).filter(lambda p: p != bound))
    within = planned >= bound if share.bound == "min" else planned <= bound
    question = template.format(p=planned, what=share.cues[0])
    answer = ask(traditional(question) if script == "traditional" else question)
    assert answer.text.startswith("可以" if within else "不可以"), (question, answer.text)
    assert f"{planned}%" in answer.text
    assert share.source.clause_id in [c.id for c in answer.citations]


@pytest.mark.parametrize("share", BOUNDED, ids=lambda s: s.id)
@SETTINGS
@given(whole=st.integers(min_value=1000, max_value=20000), planned=st.integers(min_value=1, max_value=99))
def test_a_part_of_a_stated_whole_is_held_against_the_bound_with_the_arithmetic(share, whole, planned):
    bound = round(share.ratio * 100)
    part = whole * planned // 100
    exact = part * 100 / whole
    if abs(exact - bound) < 0.01:
        return  # on the bound itself both verdicts are defensible wordings of "equal"
    within = exact >= bound if share.bound == "min" else exact <= bound
    answer = ask(f"{whole}万里面{part}万用于{share.cues[0]},超没超比例")
    assert answer.text.startswith("可以" if within else "不可以"), answer.text
    assert f"{yuan(part * 10_000)}÷{yuan(whole * 10_000)}=" in answer.text, "the arithmetic is shown"


# -- 2. counts ---------------------------------------------------------------------------------------

MINIMUM_COUNTS = [t for t in KB.facts.targets if t.bound == "min" and t.count]


@pytest.mark.parametrize("target", MINIMUM_COUNTS, ids=lambda t: t.id)
@pytest.mark.parametrize("numerals", ["arabic", "chinese", "traditional"])
@SETTINGS
@given(data=st.data())
def test_a_planned_count_on_either_side_of_the_minimum_flips_the_verdict(target, numerals, data):
    planned = data.draw(st.integers(min_value=1, max_value=target.count * 4).filter(lambda n: n != target.count))
    written = str(planned) if numerals == "arabic" else cn2an.an2cn(planned)
    question = f"我们区计划改造{written}{target.unit}企业,够不够"
    answer = ask(traditional(question) if numerals == "traditional" else question)
    expected = "够" if planned >= target.count else "不够"
    assert answer.text.startswith(expected), (question, answer.text)
    if planned < target.count:
        assert f"还差{target.count - planned}{target.unit}" in answer.text
    assert target.source.clause_id in [c.id for c in answer.citations]


# -- 3. exclusions -----------------------------------------------------------------------------------

# The status present and absent, for each exclusion of the shipped notice, as an enterprise would put it.
EXCLUSIONS = {
    "little_giant": (
        [
            "我们是小巨人企业,已经获得过中央财政中小企业发展专项资金支持,能参加吗",
            "We are a little giant firm that has already received central SME development funds, can we apply?",
        ],
        [
            "我们是小巨人企业,从来没有获得过中央财政专项资金支持,能参加吗",
            "我们是小巨人,没拿过中央的专项资金,可以参加吗",
            "We are a little giant but never received central funds, are we eligible?",
        ],
    ),
    "pilot_2022": (
        ["我们公司已纳入2022年的数字化转型试点,还能参加吗"],
        ["我们公司没有参加过2022年试点,能参加吗"],
    ),
}


def _condition_line(answer_text: str, condition_id: str) -> str:
    cond = next(c for c in KB.facts.conditions["enterprise"] if c.id == condition_id)
    reasons = {o.reason: o.result for o in cond.options}
    return next((reasons[r] for r in reasons if r in answer_text), "unstated")


@pytest.mark.parametrize("condition_id", sorted(EXCLUSIONS))
@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_an_exclusion_fails_only_when_its_status_is_present(condition_id, script):
    present, absent = EXCLUSIONS[condition_id]
    convert = traditional if script == "traditional" else (lambda q: q)
    for question in present:
        answer = ask(convert(question))
        assert "不符合" in answer.text, (question, answer.text)
        assert _condition_line(answer.text, condition_id) == "fail", answer.text
    for question in absent:
        answer = ask(convert(question))
        assert "不符合" not in answer.text, (question, answer.text)
        assert _condition_line(answer.text, condition_id) == "pass", answer.text


# -- 4. places ---------------------------------------------------------------------------------------

REGION = KB.facts.regions[0].region
INSIDE = sorted(n for n, r in KB.place_region.items() if r == REGION and not n.isascii())
OUTSIDE = sorted(n for n, r in KB.place_region.items() if r not in (REGION, "外地") and not n.isascii())
OUTSIDE_ENGLISH = sorted(n for n, r in KB.place_region.items() if r not in (REGION, "外地") and n.isascii())


@pytest.mark.parametrize("script", ["simplified", "traditional"])
@SETTINGS
@given(data=st.data())
def test_a_place_outside_the_region_never_meets_the_location_rule(script, data):
    place = data.draw(st.sampled_from(OUTSIDE))
    question = data.draw(st.sampled_from(["我们是{p}的企业,能申请吗", "我公司注册在{p},可以参加吗"])).format(p=place)
    answer = ask(traditional(question) if script == "traditional" else question)
    assert "不符合" in answer.text, (question, answer.text)
    assert KB.facts.regions[0].source.clause_id in [c.id for c in answer.citations]


@SETTINGS
@given(place=st.sampled_from(OUTSIDE_ENGLISH))
def test_a_place_outside_the_region_asked_in_english_gets_no(place):
    answer = ask(f"We are a company in {place.title()}, can we join?")
    assert answer.text.startswith("No"), answer.text


@pytest.mark.parametrize("script", ["simplified", "traditional"])
@SETTINGS
@given(data=st.data())
def test_a_place_inside_the_region_never_fails_the_location_rule(script, data):
    place = data.draw(st.sampled_from(INSIDE))
    question = f"我们是{place}的一家中小企业,能参加吗"
    answer = ask(traditional(question) if script == "traditional" else question)
    assert "不符合地域条件" not in answer.text and "✘ 试点区应为" not in answer.text, (question, answer.text)


# -- 5. figures --------------------------------------------------------------------------------------


@SETTINGS
@given(digits=st.integers(min_value=12, max_value=400))
def test_no_figure_is_ever_written_with_an_exponent(digits):
    for question in (f"{'9' * digits}万的80%是多少", f"{'5' * digits}万里面{'1' * (digits - 1)}万用于培训,超没超比例"):
        text = ask(question).text
        assert not re.search(r"\d[eE][+-]?\d", text), text


def test_a_role_stated_in_english_and_an_english_count_are_held_against_the_minimum():
    target = MINIMUM_COUNTS[0]
    answer = ask(f"We are a district in Beijing and plan to retrofit {target.count - 50} SMEs. Is that enough?")
    assert answer.text.startswith("No, not enough.") and f"还差50{target.unit}" in answer.text


def test_a_synonyms_expansion_states_no_place():
    # 区经信局 expands to the bureau's full name, which holds the city's name; the asker stated no place.
    answer = ask("区经信局自己盖章报可以吗")
    assert "满足地域条件" not in answer.text and "所属辖区,满足" not in answer.text


def test_when_the_role_is_unclear_the_verdict_is_given_for_both_roles():
    answer = ask("我们在海淀,能参加吗")
    for who in KB.facts.askers.values():
        assert f"结论({who})" in answer.text
    assert "不符合" not in answer.text  # a place inside the region fails neither role
    firm = ask("我们公司在海淀,能参加吗")  # a firm says so: one verdict, its own
    assert f"结论({KB.facts.askers['enterprise']})" in firm.text
    assert f"结论({KB.facts.askers['district']})" not in firm.text
