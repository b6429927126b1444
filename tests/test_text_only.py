"""A notice folder with notice.txt alone is answered from its text: structure, facts and answers by method.

The shipped notice is read here with its hand-written files ignored, and the two fictional notices of
tests/fixtures/notices have none; every answer is a Chinese question in, the fact and the cited sentence out.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from handlers import answer_question
from handlers.query import analyse
from knowledge.base import build
from knowledge.loader import DEFAULT_NOTICE, NOTICES_DIR

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "notices"
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def shipped():
    """The shipped notice from its text alone."""
    return build(NOTICES_DIR / DEFAULT_NOTICE, curated=False)


def ask(kb, question: str):
    return answer_question(question, now=NOW, kb=kb)


def quotes(answer) -> str:
    return " ".join(c.quote for c in answer.citations)


# --- a folder with notice.txt alone -------------------------------------------------------------------------


def test_a_folder_with_only_the_text_is_a_complete_notice(tmp_path):
    folder = tmp_path / "only-text"
    folder.mkdir()
    shutil.copy(NOTICES_DIR / DEFAULT_NOTICE / "notice.txt", folder / "notice.txt")
    kb = build(folder)
    assert kb.notice.meta["title"].startswith("北京市关于开展中小企业数字化转型首批试点区遴选工作的通知")
    a = ask(kb, "申报截止是哪天?")
    assert "2023年7月10日" in a.text and "2023年7月10日前" in a.citations[0].quote


# --- facts extracted from the text --------------------------------------------------------------------------


def test_the_deadline_and_periods_are_read_from_the_text(shipped):
    deadlines = [d for d in shipped.facts.dates if d.role == "deadline"]
    assert [d.date for d in deadlines] == [dt.date(2023, 7, 10)]
    assert "申报试点的区应于2023年7月10日前" in deadlines[0].source.quote
    periods = {d.label: d.end for d in shipped.facts.dates if d.role == "period"}
    assert periods == {"实施期第一年": dt.date(2024, 12, 31), "实施期第二年": dt.date(2025, 12, 31)}
    midterm = next(d for d in shipped.facts.dates if d.role == "after" and "中期" in d.label)
    assert midterm.after == dt.date(2024, 12, 31)


def test_the_money_is_read_from_the_text(shipped):
    facts = shipped.facts
    assert facts.cap_amount == 100_000_000 and facts.cap.quote == "奖补资金总额不超过1亿元"
    assert {(s.bound, s.ratio) for s in facts.shares} == {("min", 0.8), ("max", 0.2)}
    forbidden = {e.label for e in facts.expenses if e.verdict == "forbidden"}
    assert {"楼堂馆所等基建工程支出", "平衡本级预算"} <= forbidden


def test_counts_exclusions_contacts_and_attachments_are_read_from_the_text(shipped):
    facts = shipped.facts
    assert {t.count for t in facts.targets if t.count} >= {500, 1}
    assert any(t.ratio == 0.9 for t in facts.targets)
    assert any("不得重复申报" in x.text for x in facts.exclusions)
    assert [e for e, _ in facts.contacts.emails] == ["shuzifuneng@jxj.beijing.gov.cn"]
    assert "通州区运河东大街57号院5号楼537" in facts.contacts.addresses[0][0]
    assert facts.contacts.phones == ()  # the notice gives no telephone number
    assert [a.label for a in facts.attachments] == ["附件1", "附件2", "附件3", "附件4"]
    assert facts.regions[0].region == "北京市"


def test_which_hand_written_facts_extraction_also_finds(shipped):
    """The hand-written facts that the text alone yields too; the list should grow toward all of them."""
    curated = build(NOTICES_DIR / DEFAULT_NOTICE)
    hand = curated.facts
    found = shipped.facts
    dates = {
        d.id
        for d in hand.dates
        if not d.id.startswith("x-")
        and any((x.role, x.date, x.end, x.after) == (d.role, d.date, d.end, d.after) for x in found.dates)
    }
    shares = {
        s.id
        for s in hand.shares
        if not s.id.startswith("x-") and any((x.bound, x.ratio) == (s.bound, s.ratio) for x in found.shares)
    }
    targets = {
        t.id
        for t in hand.targets
        if not t.id.startswith("x-") and any((x.count, x.ratio) == (t.count, t.ratio) for x in found.targets)
    }
    forbidden = {
        e.label
        for e in hand.expenses
        if e.verdict == "forbidden"
        and any(
            x.verdict == "forbidden" and (x.source.quote in e.source.quote or e.source.quote in x.source.quote)
            for x in found.expenses
        )
    }
    assert dates == {"application", "issued", "year1", "year2", "midterm", "final_evaluation"}
    assert shares == {"transform", "other"}
    assert targets == {"enterprises", "above_scale"}
    assert forbidden == {
        "财政供养单位人员福利",
        "公用经费、机构运转经费等支出",
        "楼堂馆所等基建工程支出",
        "平衡本级预算",
    }
    assert found.cap_amount == hand.cap_amount


# --- the query, analysed once -------------------------------------------------------------------------------


def test_a_query_holds_what_the_asker_states(shipped):
    q = analyse(shipped, "我们区计划改造420家企业,够不够?", NOW)
    assert q.stated.role == "district" and q.stated.counts == (420,)
    assert "count" not in q.slots or q.stated.counts
    q = analyse(shipped, "我们公司在天津,投了300万,能申请吗", NOW)
    assert q.stated.role == "enterprise" and q.stated.amounts == (3_000_000,)
    assert "permission" in q.slots
    with pytest.raises(AttributeError):
        q.text = "changed"  # frozen: nothing downstream rewrites the question


# --- answers from the shipped notice's text alone -----------------------------------------------------------


def test_deadline_from_the_text(shipped):
    a = ask(shipped, "申报材料最晚哪天交?")
    assert a.answered and "2023年7月10日" in a.text
    assert "2023年7月10日前" in a.citations[0].quote


def test_a_bare_deadline_question(shipped):
    a = ask(shipped, "ddl?")
    assert a.answered and "2023年7月10日" in a.text


def test_the_cap_from_the_text(shipped):
    a = ask(shipped, "奖补资金最多能给多少钱?")
    assert "1亿" in a.text and "奖补资金总额不超过1亿元" in quotes(a)


def test_share_arithmetic_from_the_text(shipped):
    a = ask(shipped, "拿满1个亿的话,至少多少要用于企业改造?")
    assert "8000万元" in a.text and "不低于80%" in a.citations[0].quote


def test_a_stated_count_against_the_target(shipped):
    a = ask(shipped, "我们区摸底能改造450家,够数吗?")
    assert "不够" in a.text and "500" in a.text and "不少于500家" in quotes(a)


def test_a_forbidden_use_from_the_text(shipped):
    a = ask(shipped, "这笔钱能不能拿来翻修区里的办公楼?")
    assert a.text.startswith("不可以") and "楼堂馆所" in quotes(a)


def test_a_place_outside_the_region(shipped):
    a = ask(shipped, "我们是天津的区,能申报这个试点吗?")
    assert a.intent == "eligibility" and "不符合" in a.text and "北京市" in a.text
    assert "试点区应为北京市所属辖区" in quotes(a)


def test_where_to_deliver_the_paper_copies(shipped):
    a = ask(shipped, "盖章的纸质材料送到哪个地址?")
    assert "运河东大街57号院5号楼537" in a.text


def test_a_phone_number_the_notice_does_not_give(shipped):
    a = ask(shipped, "经信局联系电话是多少?")
    assert not a.answered and "shuzifuneng@jxj.beijing.gov.cn" in a.text


def test_an_answer_is_the_sentence_that_holds_it(shipped):
    a = ask(shipped, "数字化服务商由谁牵头遴选?")
    assert a.answered and "中小企业主管部门牵头" in a.text
    assert "由试点区中小企业主管部门牵头" in a.citations[0].quote


# --- a fictional enterprise guide, text only ----------------------------------------------------------------


def test_guide_window(guide):
    a = ask(guide, "申报时间从什么时候到什么时候?")
    assert "2025年4月1日" in a.text and "2025年5月31日" in a.text


def test_guide_rate_and_cap(guide):
    a = ask(guide, "项目投资200万,能补多少?")
    assert "60万元" in a.text and "50万元" in a.text
    assert "按项目实际投资额的30%给予补贴" in quotes(a)


def test_guide_allowed_use_from_a_numbered_list(guide):
    a = ask(guide, "补贴能用来付云服务的费用吗?")
    assert a.text.startswith("可以") and "云服务、数据存储及算力租用费用" in quotes(a)


def test_guide_materials_listed(guide):
    a = ask(guide, "申报要交哪些材料?")
    assert "营业执照复印件" in a.text and "企业信用承诺书" in a.text


def test_guide_phone_number(guide):
    a = ask(guide, "申报系统技术咨询电话是多少?")
    assert "0571-88889999" in a.text


# --- a fictional second batch, text only --------------------------------------------------------------------


def test_batch2_deadline(batch2):
    a = ask(batch2, "第二批啥时候截止?")
    assert "2024年8月15日" in a.text and "2024年8月15日前" in quotes(a)


def test_batch2_limit_of_one_plan(batch2):
    a = ask(batch2, "一个区能报两份实施方案吗?")
    assert a.text.startswith("不可以") and "每区限报1份实施方案" in quotes(a)


def test_batch2_exclusion_stated_as_its_condition(batch2):
    a = ask(batch2, "首批已纳入试点的区还能申报第二批吗?")
    assert "首批已纳入试点的区不得申报" in a.text and "不受此条限制" in a.text


def test_batch2_number_of_districts(batch2):
    a = ask(batch2, "这批一共遴选几个区?")
    assert "2个" in a.text and "择优遴选2个试点区" in quotes(a)


def test_the_askers_situation_asks_nothing(shipped):
    """ "十几家" states a count, "打电话问过" a call made: neither asks 几家 or a phone number."""
    q = analyse(shipped, "我们区有十几家企业,打电话问过区里,改造完要达到什么水平?", NOW)
    assert "count" not in q.slots
    a = ask(shipped, "我们区有十几家企业打电话问过,改造完以后数字化水平要达到几级?")
    assert a.answered and "二级" in a.text


def test_a_planned_share_against_the_bound(shipped):
    a = ask(shipped, "我们区打算拿30%的资金做平台建设,可以吗?")
    assert a.text.startswith("不可以") and "20%" in a.text and "不高于20%" in a.citations[0].quote
    a = ask(shipped, "5000万里拿900万做培训,超没超比例?")
    assert a.text.startswith("可以") and "18%" in a.text


def test_another_batch_is_not_this_notice(shipped):
    a = ask(shipped, "第二批试点什么时候开始申报?")
    assert not a.answered and "第二批" in a.text


def test_the_contents_of_an_attachment_are_not_in_the_notice(shipped):
    assert not ask(shipped, "附件2里有没有食品制造业?").answered


def test_the_document_it_rests_on(shipped):
    a = ask(shipped, "这次遴选依据的是哪个文件?文号多少?")
    assert "财建〔2023〕117号" in a.text and "财建〔2023〕117号" in a.citations[0].quote


def test_a_founding_date_against_a_minimum_age():
    forward = build(FIXTURES / "fic-zhuanfa-2024")
    a = ask(forward, "我们是2023年3月成立的公司,能申报不?")
    assert a.text.startswith("不符合") and "2023年3月" in a.text and "成立满2年" in a.citations[0].quote
    assert ask(forward, "我们2020年5月成立的,可以申报吗?").text.startswith("这一条件符合")


# --- what the notice names but does not define or date ----------------------------------------------------


def test_a_status_the_notice_names_but_never_defines_is_not_given(shipped):
    a = ask(shipped, "专精特新小巨人的认定标准是啥")
    assert not a.answered and "没有给出" in a.text
    assert "小巨人" in quotes(a)


def test_a_document_title_is_no_evidence_of_the_criteria_it_names(shipped):
    a = ask(shipped, "数字化水平二级要满足哪些具体指标")
    assert not a.answered


def test_a_cited_document_is_cited_not_dated(shipped):
    a = ask(shipped, "22号文是哪年发的")
    assert not a.answered and "工信厅联企业〔2022〕22号" in a.text and "印发日期" in a.text
    own = ask(shipped, "根据117号文,首批申报截止是什么时候")
    assert own.answered and "2023年7月10日" in own.text


# --- a range of amounts, and a cap of the money rather than of what an applicant has ----------------------


@pytest.fixture(scope="module")
def sanpi():
    """A fictional district guide: a revenue range, a per-enterprise cap, full-width punctuation."""
    return build(FIXTURES / "fic-sanpi-2025")


def test_a_stated_amount_is_held_against_both_ends_of_a_range(sanpi):
    inside = ask(sanpi, "去年营收3亿,可以申报吗")
    assert inside.text.startswith("这一条件符合") and "不超过4亿元" in inside.text
    above = ask(sanpi, "我们营收5亿能报吗")
    assert above.text.startswith("不符合") and "超过了上限" in above.text
    assert "不超过4亿元" in quotes(above)


def test_the_cap_is_a_bound_of_the_money_not_of_the_applicants_revenue(sanpi):
    a = ask(sanpi, "一家企业最多能拿多少补助")
    assert "50万元" in a.text and "单个企业补助金额不超过50万元" in quotes(a)
    assert "4亿" not in a.text


def test_a_message_of_two_questions_split_at_full_width_marks_gets_both_answers(sanpi):
    a = ask(sanpi, "补助按改造投入的百分之多少给？一家企业最多能拿多少钱")
    assert "30%" in a.text and "50万元" in a.text


def test_a_sentence_cut_at_a_semicolon_is_answered_whole(sanpi):
    a = ask(sanpi, "验收通过后钱是一次给齐吗")
    assert "70%" in a.text and "剩余30%" in a.text


def test_the_sentence_holding_the_asked_detail_answers_first(sanpi):
    a = ask(sanpi, "纸质材料要几份")
    assert a.answered and "一式三份" in a.text and "一式三份" in a.citations[0].quote


def test_the_part_of_the_money_paid_at_a_stage_is_computed_from_a_stated_whole(batch2):
    a = ask(batch2, "满额8000万的话首期能拨下来多少")
    assert "3200万元" in a.text and "首期拨付40%" in quotes(a)


def test_an_amount_for_each_one_is_not_answered_by_the_total(shipped, sanpi):
    each = ask(shipped, "How much subsidy will each transformed enterprise receive?")
    assert not each.answered  # the notice sets the district's total, not an amount per enterprise
    assert ask(sanpi, "每家企业最多能拿多少补助").answered  # this one sets 单个企业补助金额不超过50万元


def test_how_many_instalments_needs_a_number_of_them(shipped, batch2):
    assert not ask(shipped, "奖补资金分几期拨").answered  # "分期拨付" says it is paid in parts, not in how many
    assert "三期" in ask(batch2, "奖补资金分几期拨").text


def test_the_issuers_place_does_not_pick_the_sentence_that_answers(sanpi):
    # 临溪区 names the notice; the district's own review deadline (2025年5月9日) is not the application deadline.
    a = ask(sanpi, "临溪区补助的申报截止是哪天")
    assert "2025年4月25日" in a.text and "5月9日" not in a.text
    located = ask(sanpi, "注册在外区但工厂在临溪区的企业能报吗")  # where the place is the question, it counts
    assert "注册地在临溪区" in quotes(located)


# --- words inside words, and the terms a notice defines -----------------------------------------------------


@pytest.fixture(scope="module")
def yunze():
    """A city's selection of service providers, from its notice.txt alone."""
    return build(FIXTURES / "fic-yunze-2026")


def test_a_part_of_a_heading_word_finds_its_section(shipped):
    """部里 names 部级, a part of the heading 部级评审: the ministry's review is found, not the city's."""
    reply = ask(shipped, "部里那一轮评审是谁组织，怎么评？")
    assert reply.answered
    assert "工业和信息化部会同财政部组织专家开展竞争性评审" in reply.citations[0].quote


def test_a_term_the_notice_defines_is_one_word(yunze):
    """ "(以下简称服务券)" makes 服务券 a word, so the voucher's share is found by it."""
    assert "服务券" in yunze.index.terms
    reply = ask(yunze, "服务券按合同金额的多少抵扣？")
    assert "40%" in reply.text
    assert "服务券按合同金额的40%抵扣" in reply.citations[0].quote


def test_a_size_in_capitals_is_a_size(yunze):
    """ "20MB" answers a question about a file size limit."""
    reply = ask(yunze, "上传的扫描件单个文件有大小限制吗？")
    assert reply.answered and "20MB" in reply.text
    assert "单个文件不超过20MB" in quotes(reply)


def test_a_building_number_asks_no_date(shipped):
    """几号楼 asks where, not which day: the address with its room is the answer."""
    reply = ask(shipped, "市经信局中小企业处在几号楼几号房间？")
    assert reply.answered and "5号楼537" in reply.text


def test_which_two_departments_issued_it(shipped):
    """The issuers from the closing lines, however the question says "issued"."""
    reply = ask(shipped, "这个通知是哪两个部门发的？")
    assert "北京市财政局" in reply.text and "北京市经济和信息化局" in reply.text


# --- details the notice does not give ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "市里评审的专家都有谁?",  # a body acts ("两部门组织专家"), no expert is named
        "服务商的收费有没有上限?",  # no sentence sets a fee
        "明天通州会下雨吗",  # the address names 通州; nothing is said about the weather
    ],
)
def test_a_detail_the_shipped_notice_does_not_give_is_declined(shipped, question):
    reply = ask(shipped, question)
    assert not reply.answered
    assert "未" in reply.text or "没有" in reply.text


def test_a_body_not_named_is_no_answer_to_which_company(yunze):
    """ "委托第三方机构" says a third party reviews, not which one."""
    reply = ask(yunze, "负责形式审查的第三方机构是哪家公司？")
    assert not reply.answered


def test_a_named_person_still_answers_whom_to_call(yunze):
    reply = ask(yunze, "平台操作有问题找谁？电话多少")
    assert reply.answered and "宋佳怡" in reply.text and "83217730" in reply.text


# --- terms the notice defines --------------------------------------------------------------------------------


def test_what_a_defined_term_stands_for(shipped):
    """ "(以下统称两部门)": the two bodies named just before it, cited from that sentence."""
    reply = ask(shipped, "文件里一直说“两部门”,到底是哪两个部门啊")
    assert "北京市财政局、北京市经济和信息化局" in reply.text
    assert "(以下统称两部门)" in reply.citations[0].quote


def test_a_quoted_name_is_what_a_term_stands_for(yunze):
    reply = ask(yunze, "服务商库是什么意思？")
    assert "云泽市数字化转型服务商库" in reply.text


def test_a_question_about_what_the_body_does_is_no_definition(shipped):
    """ "两部门负责拨付资金吗" asks about a duty: the sentence on paying out answers, not the definition."""
    reply = ask(shipped, "两部门里谁负责拨付奖补资金?")
    assert reply.kind != "computed" or "拨付" in reply.text
    assert "拨付" in quotes(reply)


def test_the_funds_share_is_no_share_the_enterprise_pays(shipped):
    """不低于80% is the fund's share for upgrades; what an enterprise pays itself the notice does not say."""
    reply = ask(shipped, "企业自己要出的那部分钱,最低比例是多少")
    assert not reply.answered


def test_those_few_items_ask_no_count(shipped):
    """ "那几项工作" points back at the list; the question asks how much money, which the cap and share give."""
    reply = ask(shipped, "按上限1个亿算,除了企业改造以外的那几项工作最多能安排多少钱")
    assert reply.answered and "2000万" in reply.text


def test_settled_every_quarter_answers_how_often(yunze):
    reply = ask(yunze, "服务券抵的那部分钱是怎么给到服务商的，多久结一次")
    assert reply.answered and "按季度" in reply.text


def test_no_email_in_the_notice_is_said(yunze):
    """The notice gives phones and a portal, no e-mail address: asked for one, the bot says it is not given."""
    reply = ask(yunze, "申報諮詢有沒有電子郵箱？")
    assert not reply.answered


# --- a tiered reward -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def qinghe():
    """A district's call for model enterprises with two tiers of reward, from its notice.txt alone."""
    return build(FIXTURES / "fic-qinghe-2026")


def test_each_tier_has_its_rate_and_its_cap(qinghe):
    """ "二档" names the second tier: 15% of 300万 is 45万, under that tier's cap of 50万."""
    reply = ask(qinghe, "投入了300万，假如评上二档，大概能拿到多少奖励？")
    assert "45万元" in reply.text
    assert "按数字化投入的15%给予奖励" in reply.citations[0].quote


def test_a_tiers_own_cap_bounds_its_reward(qinghe):
    reply = ask(qinghe, "评上一档的话投入800万能拿多少？")
    assert "按上限100万元" in reply.text


def test_an_item_of_a_list_comes_with_what_the_list_leads_to(qinghe):
    """ "认定后3年内将注册地迁出" is one case of "撤销称号,追回已拨付的奖励资金"."""
    reply = ask(qinghe, "评上以后如果把注册地迁出青禾区，奖励要退吗？")
    assert "追回" in reply.text


def test_how_old_a_company_must_be(qinghe):
    reply = ask(qinghe, "公司成立要满几年才能报，按哪天算？")
    assert "满3年" in reply.text and "2026年3月1日" in reply.text
    assert "成立满3年" in reply.citations[0].quote


def test_every_channel_when_asked_how_to_get_in_touch(shipped):
    reply = ask(shipped, "有问题想联系的话通知里留了啥联系方式")
    assert "shuzifuneng@jxj.beijing.gov.cn" in reply.text and "5号楼537" in reply.text


def test_the_location_rule_places_districts_not_providers(shipped):
    """ "试点区应为北京市所属辖区" says nothing of where a service provider is registered."""
    reply = ask(shipped, "数字化服务商是不是必须在北京注册的公司？外地的能参与吗")
    assert "不符合地域条件" not in reply.text


def test_a_blanked_building_number_asks_no_date_through_its_words(shipped):
    reply = ask(shipped, "纸质版送到哪个地址，几号楼几零几？")
    assert reply.answered and "5号楼537" in reply.text


@pytest.fixture(scope="module")
def songling():
    """A city's rules for a fund, in numbered articles, from its notice.txt alone."""
    return build(FIXTURES / "fic-songling-2026")


def test_when_a_rule_takes_effect_and_until_when(songling):
    """The closing article's two dates, both named by the question, from the sentence that sets them."""
    reply = ask(songling, "这个细则什么时候开始施行，有效期到哪天？")
    assert "2026年3月1日" in reply.text and "2028年12月31日" in reply.text
    assert "本细则自2026年3月1日起施行" in reply.citations[0].quote


def test_a_window_that_comes_back_every_year(songling):
    """ "申报时间为每年3月1日至4月30日": after this year's has closed, the next one is named."""
    reply = ask(songling, "今年这个专项资金啥时候开始申保，截止到几号啊？")
    assert "每年3月1日至4月30日" in reply.text
    assert "2027年3月1日" in reply.text  # today is 2026-12-02


def test_a_rate_asked_with_its_ceiling(songling):
    reply = ask(songling, "买数字化设备的话补贴比例是多少？有没有封顶？")
    assert "20%" in reply.text and "300万元" in reply.text


def test_vouchers_may_not_be_handed_on_or_cashed(songling):
    reply = ask(songling, "服务券用不完能不能转给我们关联公司，或者直接换成现金？")
    assert reply.answered and "不得转让" in quotes(reply)


def test_a_share_asked_for_is_computed_not_declined(shipped):
    """ "拿多少比例" asks for a share: the 80% rule answers, though 拿多少 alone would ask for an amount."""
    reply = ask(shipped, "讲补资金里面至少要拿多少比例用在企业改造上？")
    assert reply.answered and "80%" in reply.text


def test_in_a_question_and_answer_text_the_answer_is_cited():
    """ "二、问:哪些企业可以申报?" heads its answer; the answer ("答:申报企业应同时满足以下条件……") is cited."""
    kb = build(FIXTURES / "fic-wutong-2026")
    asked = [c for c in kb.notice.clauses if c.text.startswith("二、问")]
    assert asked and all(c.kind == "heading" for c in asked)
    reply = ask(kb, "哪些企业可以申报揭榜项目？")
    assert not any(c.quote.startswith("二、问") for c in reply.citations)  # the question is no evidence


# --- a notice in labelled paragraphs -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def liuwan():
    """A district's sign-up notice whose parts are labelled paragraphs ("报名条件:"), from its notice.txt alone."""
    return build(FIXTURES / "fic-liuwan-2026")


def test_a_labelled_paragraph_opens_a_part(liuwan):
    """ "名额安排:……" is a part of its own, not a tail of the list before it."""
    quota = next(c for c in liuwan.notice.clauses if c.text.startswith("名额安排"))
    assert quota.path == "名额安排"
    conditions = [c for c in liuwan.notice.clauses if c.kind == "item" and c.path.startswith("报名条件")]
    assert len(conditions) == 5


def test_a_span_with_hours_is_the_window_to_sign_up(liuwan):
    """ "报名时间:2026年3月23日9:00至4月17日17:00": the hours do not hide the window."""
    reply = ask(liuwan, "报名什么时候开始，什么时候截止啊")
    assert "2026年3月23日" in reply.text and "4月17日" in reply.text
    assert "报名时间：2026年3月23日9:00至4月17日17:00" in reply.citations[0].quote


def test_english_words_the_lexicon_cannot_translate_veto_nothing(sanpi):
    """ "retrofit isn't finished" has words no Chinese sentence holds; the period's sentence still answers."""
    reply = ask(sanpi, "What happens if our retrofit isn't finished by the end of the implementation period?")
    assert reply.answered
    assert "逾期未完成改造的视为自动放弃" in reply.citations[0].quote
