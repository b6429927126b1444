"""Notices of other shapes, read from notice.txt alone: parts and tables, explainers with bullets and Q/A,
amending notices, lists in one paragraph, and the generic forms their answers rest on.

Each test is a Chinese question in and the fact and the cited sentence out, on a fictional notice of
tests/fixtures/notices that has no hand-written file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from handlers import answer_question
from knowledge.base import build
from knowledge.index import numerals
from knowledge.loader import DEFAULT_NOTICE, NOTICES_DIR

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "notices"
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def kbs():
    """Each fictional notice built once from its text, by folder name."""
    names = ("fic-shihu-2026", "fic-lanxi-2026", "fic-hetang-2026", "fic-bailu-2026", "fic-wutong-2026")
    return {name: build(FIXTURES / name, curated=False) for name in names}


def ask(kb, question: str):
    return answer_question(question, now=NOW, kb=kb)


def quotes(answer) -> str:
    return " ".join(c.quote for c in answer.citations)


# --- structure ----------------------------------------------------------------------------------------------


def test_parts_numbered_di_x_bufen_outline_the_notice(kbs):
    kb = kbs["fic-shihu-2026"]
    top = [s for s in kb.notice.sections if "." not in s.id and s.id != "att"]
    assert [s.label for s in top][:2] == ["第一部分 总体安排", "第二部分 申领条件"]
    assert kb.clause("2.2").path.startswith("第二部分 申领条件 › ")


def test_a_table_row_is_named_by_its_header(kbs):
    row = next(c for c in kbs["fic-shihu-2026"].notice.clauses if c.text.startswith("2｜工业软件"))
    assert row.path.endswith("序号｜服务类别｜券面额上限｜企业自付比例")


def test_the_closing_date_above_an_appended_attachment_dates_the_notice(kbs):
    reply = ask(kbs["fic-shihu-2026"], "这份通知是哪天发的？")
    assert reply.answered and "2026年3月16日" in reply.text


def test_an_explainers_bullets_nest_under_their_heads(kbs):
    kb = kbs["fic-lanxi-2026"]
    head = next(s for s in kb.notice.sections if s.label == "① 设备数字化改造")
    items = [s.label for s in kb.notice.sections if s.id in head.children]
    assert any(label.startswith("● 最高限额") for label in items)
    assert not any("工业软件订阅" in label for label in items)  # ② is its sibling, not its item


def test_a_q_line_heads_its_answer_and_the_answer_is_cited(kbs):
    reply = ask(kbs["fic-lanxi-2026"], "我们不在四个重点行业里，还能申报吗？")
    assert reply.answered
    assert reply.citations[0].quote.startswith("A：能。")


def test_a_name_then_a_number_with_its_area_code_is_a_phone_contact(kbs):
    reply = ask(kbs["fic-lanxi-2026"], "Who should I call with questions about the policy? Please give the number.")
    assert reply.answered and "0579-88216035" in reply.text


# --- facts --------------------------------------------------------------------------------------------------


def test_an_amended_minimum_answers_with_the_new_figure_unless_the_old_is_asked(kbs):
    kb = kbs["fic-bailu-2026"]
    assert "1000万" in ask(kb, "营收门槛现在降到多少了").text
    assert "2000万" in ask(kb, "补充通知之前，营业收入要求是多少？").text


def test_a_rates_own_ceiling_in_yuan_is_given_with_the_rate(kbs):
    reply = ask(kbs["fic-hetang-2026"], "上云的补助按多少比例算？封顶多少钱")
    assert "30%" in reply.text and "50000元" in reply.text
    assert "按实际支付云服务费的30%给予补助" in quotes(reply)


def test_the_notices_own_batch_names_the_notice_not_a_subject(kbs):
    reply = ask(kbs["fic-hetang-2026"], "第一批已经拿过补贴了，这次第二批还能再申报吗")
    assert reply.answered
    assert "本批次不得再次申报" in quotes(reply)


def test_a_founding_word_asks_about_the_age_rule_whichever_the_notice_uses(kbs):
    reply = ask(kbs["fic-hetang-2026"], "注册要满几年？")
    assert reply.answered and "满2年" in reply.text
    assert "注册成立满2年" in quotes(reply)


def test_a_list_written_in_one_paragraph_is_answered_whole(kbs):
    reply = ask(kbs["fic-wutong-2026"], "申报要准备哪些材料，给列个清单")
    assert "项目申报书" in reply.text and "营业执照复印件" in reply.text and "信用承诺书" in reply.text


def test_an_item_of_a_list_in_one_paragraph_carries_its_lead(kbs):
    reply = ask(kbs["fic-wutong-2026"], "房地产开发企业控股的子公司可以申报吗？")
    assert "不予受理" in reply.text
    assert "房地产开发企业、金融类企业及其控股企业" in quotes(reply)


# --- not covered --------------------------------------------------------------------------------------------


def test_an_attachment_named_by_its_title_without_its_text_is_not_covered(kbs):
    reply = ask(kbs["fic-shihu-2026"], "企业信用承诺书的模板里具体要写哪些内容？")
    assert not reply.answered and "附件3" in reply.text


def test_contacts_of_other_offices_do_not_answer_for_an_office_named(kbs):
    reply = ask(kbs["fic-hetang-2026"], "区财政局那边有没有对接人电话？")
    assert not reply.answered


def test_a_batch_named_in_english_is_another_batch():
    kb = build(NOTICES_DIR / DEFAULT_NOTICE, curated=False)
    reply = ask(kb, "When does the second batch of the pilot open for applications?")
    assert not reply.answered and "第二批" in reply.text


# --- search -------------------------------------------------------------------------------------------------


def test_chinese_numerals_before_a_measure_word_are_searched_in_digits():
    assert numerals("注册满三年,两千万以上") == "注册满3年,2000万以上"
    assert numerals("统一申报,一是") == "统一申报,一是"  # no measure word after it: left as written


def test_a_sentence_stating_what_one_must_have_answers_a_question_for_conditions():
    kb = build(NOTICES_DIR / DEFAULT_NOTICE, curated=False)
    reply = ask(kb, "对服务商有什么门槛要求吗？需要有案例吗")
    assert "服务商应具有较深的行业知识积累" in quotes(reply)


def test_a_deadline_stated_as_the_closing_time_without_its_year_is_a_deadline(kbs):
    reply = ask(kbs["fic-hetang-2026"], "网上申报截止到几号几点？")
    assert reply.answered and "5月20日17:00" in reply.text
    assert reply.citations[0].quote.startswith("网上申报截止时间为5月20日17:00")


def test_an_amended_deadline_is_the_new_date_not_the_one_it_replaces(kbs):
    dates = [d for d in kbs["fic-bailu-2026"].facts.dates if d.role == "deadline"]
    assert {d.date.isoformat() for d in dates} == {"2026-05-29", "2026-06-12"}
