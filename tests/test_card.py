"""The 一图读懂 card as data: which facts, in what order, each with its clause, for the shipped notice and a
notice folder that holds notice.txt alone. Pixels are tested in tests/test_picture.py.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from handlers.card import HEADINGS, build_card
from knowledge.base import build, shipped
from knowledge.loader import DEFAULT_NOTICE, NOTICES_DIR

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "notices"
TODAY = dt.date(2023, 7, 1)  # a Beijing date before the shipped notice's deadline
_STATUS = re.compile(r"^(还剩\d+天|今天截止|已截止|已结束|已到时间|已过|进行中,还剩\d+天|\d+天后开始|\d+天后)$")


@pytest.fixture(scope="module")
def shipped_card():
    return build_card(shipped(), TODAY)


def _texts(card, key):
    section = card.section(key)
    return [(i.lead, i.text, i.clause_id) for i in section.items] if section else []


def _drawn_only_from_the_notice(kb, card):
    """Every item cites a clause of the notice, and every figure it draws occurs in that clause (or, for a
    year the clause leaves out, in the notice's date line); its status is computed, never read."""
    date_line = kb.clause("date").text
    for item in card.items():
        clause = kb.clause(item.clause_id)
        assert clause is not None and all(kb.clause(c) for c in item.also), item
        stated = " ".join([clause.text, date_line, *(kb.clause(c).text for c in item.also)])
        for figure in re.findall(r"\d+", item.lead + item.text.rstrip("…")):
            assert figure in stated, (figure, item)
        body = item.text.rstrip("…")
        assert body in clause.text or item.lead or item.clause_id in {"title", "sig", "date"} or _a_fact(kb, item)
        assert item.status == "" or _STATUS.match(item.status), item.status


def _a_fact(kb, item) -> bool:
    """A hand-written fact's label (a share's purpose, a date's name), tied to the clause by its quote."""
    facts = kb.facts
    labels = {d.label for d in facts.dates} | {s.label for s in facts.shares} | {e.label for e in facts.expenses}
    return item.text.rstrip("…") in labels


def test_the_shipped_card_holds_title_issuer_and_date_from_the_notice_lines(shipped_card):
    assert shipped_card.title.text == shipped().notice.meta["title"]
    assert (shipped_card.issuer.text, shipped_card.issuer.clause_id) == ("北京市财政局 北京市经济和信息化局", "sig")
    assert (shipped_card.date.text, shipped_card.date.clause_id) == ("2023年6月20日", "date")


def test_sections_come_in_the_generic_order_with_generic_headings(shipped_card):
    keys = [s.key for s in shipped_card.sections]
    assert keys == [k for k in HEADINGS if k in keys]
    assert keys[:5] == ["dates", "money", "allowed", "forbidden", "who"]
    assert all(s.heading == HEADINGS[s.key] for s in shipped_card.sections)


def test_the_deadline_comes_first_with_the_days_left_in_beijing(shipped_card):
    first = shipped_card.section("dates").items[0]
    assert (first.lead, first.clause_id) == ("2023年7月10日前", "6.1.p2.s1")
    assert first.status == "还剩9天" and not first.passed
    later = build_card(shipped(), dt.date(2023, 7, 11)).section("dates").items[0]
    assert later.status == "已截止" and later.passed


def test_dates_are_in_order_and_a_month_the_notice_gives_without_a_day_stays_a_month(shipped_card):
    leads = [i.lead for i in shipped_card.section("dates").items]
    assert leads == ["2023年7月10日前", "至2024年12月", "2024年12月后", "2025年1月至2025年12月", "2025年12月后"]


def test_the_money_shows_the_cap_then_the_shares(shipped_card):
    assert _texts(shipped_card, "money")[:3] == [
        ("1亿元", "奖补资金总额不超过1亿元", "4.1.p1.s1"),
        ("不低于80%", "用于支持被改造企业开展数字化改造", "4.2.p1.s2"),
        ("不高于20%", shipped().facts.shares[1].label, "4.2.p2.s1"),
    ]


def test_a_share_that_pays_for_a_list_names_the_listed_uses_and_cites_them():
    kb = build(NOTICES_DIR / DEFAULT_NOTICE, curated=False)  # its share is read as "用于支持以下工作"
    other = build_card(kb, TODAY).section("money").items[2]
    assert other.lead == "不高于20%" and "以下" not in other.text
    assert other.text.startswith("支持提高工业互联网平台、数字化服务商服务能力")
    assert (other.clause_id, other.also[:2]) == ("4.2.p2.s1", ("4.2.p2.s2", "4.2.p2.s3"))


def test_forbidden_uses_and_exclusions_each_cite_their_sentence(shipped_card):
    assert _texts(shipped_card, "forbidden") == [
        ("", "财政供养单位人员福利", "4.2.p3.s1"),
        ("", "公用经费、机构运转经费等支出", "4.2.p3.s1"),
        ("", "楼堂馆所等基建工程支出", "4.2.p3.s1"),
        ("", "平衡本级预算", "4.2.p3.s1"),
    ]
    excluded = _texts(shipped_card, "excluded")
    assert excluded[0][1].startswith("对已获得中央财政") and excluded[0][1].endswith("“小巨人”企业不再重复支持")
    assert [e[2] for e in excluded] == ["4.2.p3.s2", "4.2.p3.s2", "6.2.s5"]


def test_who_may_apply_holds_the_region_and_the_counts(shipped_card):
    who = _texts(shipped_card, "who")
    assert who[0] == ("", "试点区应为北京市所属辖区", "1.4.s2")
    assert ("不少于500家", "试点区被改造中小企业应当不少于500家", "3.2.s3") in who


def test_no_item_of_the_shipped_card_is_not_in_the_notice(shipped_card):
    _drawn_only_from_the_notice(shipped(), shipped_card)


def test_a_notice_gives_no_list_of_materials_and_no_phone_so_the_card_draws_none(shipped_card):
    assert shipped_card.section("materials") is None  # the shipped notice lists no materials one by one
    assert [i.lead for i in shipped_card.section("contacts").items] == ["邮箱", "地址"]
    assert shipped_card.section("contacts").items[0].text == "shuzifuneng@jxj.beijing.gov.cn"


def test_a_text_only_guide_lists_its_conditions_exclusions_and_materials_in_the_notice_order(guide):
    card = build_card(guide, dt.date(2025, 5, 1))
    who = _texts(card, "who")
    assert [w[2] for w in who] == ["1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5"]
    assert who[2][1] == "生产经营正常，财务管理制度健全，2024年度营业收入不低于500万元"  # the list's number dropped
    assert [e[2] for e in _texts(card, "excluded")] == ["1.2.1", "1.2.2", "1.2.3", "6.1.s5"]
    materials = _texts(card, "materials")
    assert materials[0][2] == "5.p1" and "一式两份" in materials[0][1]
    assert [m[2] for m in materials[1:]] == ["5.1", "5.2", "5.3", "5.4", "5.5", "5.6"][: len(materials) - 1]
    assert materials[2][1] == "营业执照复印件"


def test_a_text_only_guide_shows_its_rate_its_cap_and_its_window(guide):
    card = build_card(guide, dt.date(2025, 5, 1))
    assert _texts(card, "money") == [
        ("50万元", "单个企业最高不超过50万元", "4.1"),
        ("按30%", "按项目实际投资额的30%给予补贴", "4.1"),
    ]
    window = next(i for i in card.section("dates").items if i.clause_id == "6.1.s2")
    assert (window.lead, window.status) == ("2025年4月1日至2025年5月31日", "进行中,还剩30天")
    assert "6.1.s3" in [i.clause_id for i in card.section("submit").items]  # 登录…平台在线填报


def test_a_text_only_guide_lists_each_phone_with_its_contact_person(guide):
    contacts = _texts(build_card(guide, dt.date(2025, 5, 1)), "contacts")
    assert contacts[:3] == [
        ("王某某", "0571-88881234", "9.1.p1"),
        ("李某某", "0571-88885678", "9.1.p2"),
        ("电话", "0571-88889999", "9.2"),
    ]


def test_text_only_cards_draw_nothing_the_notice_does_not_state(guide, batch2):
    text_only = build(NOTICES_DIR / DEFAULT_NOTICE, curated=False)
    for kb in (guide, batch2, build(FIXTURES / "fic-zhuanfa-2024"), text_only):
        _drawn_only_from_the_notice(kb, build_card(kb, dt.date(2024, 8, 1)))


def test_the_second_batch_card_counts_down_to_both_of_its_deadlines(batch2):
    dates = build_card(batch2, dt.date(2024, 8, 10)).section("dates").items
    assert [(d.lead, d.status, d.clause_id) for d in dates[:2]] == [
        ("2024年8月15日前", "还剩5天", "7.1.s2"),
        ("2024年8月20日前", "还剩10天", "7.1.s3"),
    ]


def test_the_card_is_the_same_however_often_it_is_built(guide):
    assert build_card(guide, TODAY) == build_card(guide, TODAY)
