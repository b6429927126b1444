"""The notice as clauses: every line present once, ids stable, paths right, sentences verbatim."""

from __future__ import annotations

from knowledge.loader import DEFAULT_NOTICE, NOTICES_DIR, load_bundle
from knowledge.parser import cn_number, parse_notice, split_sentences

NOTICE_TEXT = (NOTICES_DIR / DEFAULT_NOTICE / "notice.txt").read_text(encoding="utf-8")


def whole_clauses(notice):
    """Clauses that are whole lines of the notice (not sentences or labels cut from them)."""
    return [c for c in notice.clauses if c.kind not in ("sentence", "label")]


def test_every_line_of_the_notice_is_one_clause_exactly_once():
    notice = parse_notice(NOTICE_TEXT)
    lines = [ln.strip() for ln in NOTICE_TEXT.splitlines() if ln.strip()]
    texts = [c.text for c in whole_clauses(notice)]
    assert sorted(texts) == sorted(lines)


def test_the_bundled_notice_has_no_web_page_chrome():
    assert not NOTICE_TEXT.startswith("当前位置")
    assert NOTICE_TEXT.splitlines()[0] == "北京市关于开展中小企业数字化转型首批试点区遴选工作的通知"


def test_clause_ids_are_unique_and_stable():
    first = parse_notice(NOTICE_TEXT)
    again = parse_notice(NOTICE_TEXT)
    ids = [c.id for c in first.clauses]
    assert len(ids) == len(set(ids))
    assert ids == [c.id for c in again.clauses]
    # Ids are built from the numbering, so they read like the notice.
    by_id = first.by_id
    assert by_id["4.1.p1.s1"].text == "中央财政对试点区给予定额奖励,奖补资金总额不超过1亿元。"
    assert by_id["1.2.3"].text.startswith("3.试点先行,示范推广。")
    assert by_id["date"].text == "2023年6月20日"
    assert by_id["sig"].text == "北京市财政局 北京市经济和信息化局"


def test_paths_name_the_sections_down_to_the_item():
    notice = parse_notice(NOTICE_TEXT)
    assert notice.by_id["4.2.p2"].path == "四、资金分配和使用 › (二)资金使用"
    assert notice.by_id["1.2.1"].path == "一、总体要求 › (二)基本原则 › 1.政府引导,企业主体"
    assert notice.by_id["6.1.p2.s1"].path == "六、组织实施 › (一)组织申报"
    assert notice.by_id["5.p2"].path == "五、绩效管理"


def test_the_table_of_contents_has_six_parts_and_their_items():
    notice = parse_notice(NOTICE_TEXT)
    top = [s.label for s in notice.sections if s.level == 1]
    assert top == ["一、总体要求", "二、支持内容", "三、工作要求", "四、资金分配和使用", "五、绩效管理", "六、组织实施"]
    sections = {s.id: s for s in notice.sections}
    assert [sections[c].label for c in sections["6"].children] == [
        "(一)组织申报",
        "(二)市级推荐",
        "(三)部级评审",
        "(四)公示与批复",
        "(五)职责分工",
    ]


def test_long_paragraphs_are_also_indexed_sentence_by_sentence_verbatim():
    notice = parse_notice(NOTICE_TEXT)
    sentences = [c for c in notice.clauses if c.kind == "sentence"]
    assert sentences
    for s in sentences:
        assert s.text in notice.by_id[s.parent].text
    parts = [c.text for c in notice.clauses if c.parent == "5.p2"]
    assert "".join(parts) == notice.by_id["5.p2"].text


def test_an_items_bare_label_is_kept_apart_from_its_sentences():
    notice = parse_notice(NOTICE_TEXT)
    assert notice.by_id["6.2.s1"].kind == "label"
    assert notice.by_id["6.2.s1"].text == "(二)市级推荐。"


def test_full_width_and_half_width_markers_are_read_alike():
    half = parse_notice("标题\n一、总则\n(一)范围。本办法适用于全市。\n")
    full = parse_notice("标题\n一、总则\n（一）范围。本办法适用于全市。\n")
    assert [c.id for c in half.clauses] == [c.id for c in full.clauses]
    assert full.by_id["1.1"].path == "一、总则 › （一）范围"


def test_numbers_and_sentences():
    assert [cn_number(t) for t in ("一", "十", "十二", "二十", "7")] == [1, 10, 12, 20, 7]
    assert split_sentences("甲。乙;丙?") == ["甲。", "乙;", "丙?"]


def test_the_loader_reads_the_notice_and_its_metadata():
    bundle = load_bundle()
    assert bundle.notice.meta["title"] == "北京市关于开展中小企业数字化转型首批试点区遴选工作的通知"
    assert "eval" not in bundle.data  # the evaluation set is not loaded to answer


def test_an_item_may_open_with_a_year_and_a_paragraph_after_a_list_returns_to_its_part():
    text = "\n".join(
        [
            "某区关于申报的通知",
            "一、申报材料",
            "申报企业应提交以下材料：",
            "1.申报书；",
            "2.营业执照复印件；",
            "3.2024年度财务审计报告；",
            "纸质材料一式三份。",
            "某区工业和信息化局",
            "某区财政局",
            "2025年3月18日",
        ]
    )
    notice = parse_notice(text)
    by_text = {c.text: c for c in notice.clauses}
    assert by_text["3.2024年度财务审计报告；"].kind == "item"
    assert by_text["纸质材料一式三份。"].section == "1", "the paragraph after the list belongs to part 一"
    assert [c.text for c in notice.clauses if c.kind == "signature"] == ["某区工业和信息化局", "某区财政局"]
