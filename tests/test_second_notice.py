"""A second, structurally different notice dropped in beside the first is parsed and indexed with no code change.

The fixture (tests/fixtures/notices/bj-szfwq-2024) is an invented notice written for this test: its outline
is 一、 -> 1． -> （1） with no （一） level, it uses full-width punctuation throughout (as notices typed in
office software do), has a single short item that is only a heading, long items split into sentences, and
an attachment list after the body.
"""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest

from knowledge.index import ClauseIndex
from knowledge.lexicon import Lexicon
from knowledge.loader import NOTICES_DIR, NoticeBundle, load_bundle, load_notice, notice_folders
from knowledge.model import Notice
from knowledge.parser import parse_notice

FIRST = "bj-szhzx-2023"
SECOND = "bj-szfwq-2024"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "notices" / SECOND
ATTACHMENT_HEADER = ("附件：", "附件:")


@pytest.fixture(scope="module")
def notices_root(tmp_path_factory) -> Path:
    """A notices folder holding a copy of the real notice and the fixture side by side."""
    root = tmp_path_factory.mktemp("knowledge") / "notices"
    shutil.copytree(NOTICES_DIR / FIRST, root / FIRST)
    shutil.copytree(FIXTURE, root / SECOND)
    return root


@pytest.fixture(scope="module")
def bundle(notices_root) -> NoticeBundle:
    return load_notice(notices_root / SECOND)


@pytest.fixture(scope="module")
def notice(bundle) -> Notice:
    return bundle.notice


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def _section(notice: Notice, section_id: str):
    found = [s for s in notice.sections if s.id == section_id]
    assert found, f"no section {section_id}; have {[s.id for s in notice.sections]}"
    return found[0]


# ---- the folder is found and loaded like the first ----


def test_both_folders_are_found_and_loaded(notices_root):
    assert [p.name for p in notice_folders(notices_root)] == [SECOND, FIRST]
    for folder in notice_folders(notices_root):
        loaded = load_notice(folder)
        assert loaded.notice.key == folder.name
        assert loaded.notice.clauses


def test_load_bundle_by_key_from_another_root(notices_root):
    assert load_bundle(SECOND, root=notices_root).notice.meta["title"].endswith("服务券申领工作的通知")


def test_the_first_notice_parses_the_same_beside_the_second(notices_root):
    packaged = load_bundle(FIRST).notice
    copied = load_notice(notices_root / FIRST).notice
    assert [(c.id, c.path, c.text) for c in copied.clauses] == [(c.id, c.path, c.text) for c in packaged.clauses]


def test_meta_is_read_and_its_quotes_are_in_the_fixture(bundle):
    meta = bundle.notice.meta
    assert meta["fictional"] is True
    assert meta["title"] == _lines(bundle.notice.text)[0]
    for entry in [*meta["issuers"], meta["addressee"], meta["date"], *meta["attachments"]]:
        assert entry["clause_quote"] in bundle.notice.text, entry


# ---- structure ----


def test_top_level_sections(notice):
    top = [_section(notice, sid) for sid in notice.meta["toc"]]
    assert [s.label for s in top] == [
        "一、工作目标",
        "二、支持对象",
        "三、支持内容和标准",
        "四、申领程序",
        "五、监督管理",
        "六、联系方式",
        "附件",
    ]
    assert [s.id for s in top] == ["1", "2", "3", "4", "5", "6", "att"]
    assert all(s.level == 1 for s in top)


def test_numbered_items_nest_under_chinese_numerals(notice):
    """1． sits directly under 一、 (there is no （一） level) and （1） under 1．."""
    assert _section(notice, "2").children == ("2.1", "2.2")
    assert _section(notice, "3").children == ("3.1", "3.2")
    assert _section(notice, "4").children == ("4.1", "4.2", "4.3")
    assert _section(notice, "1").children == ()
    first = _section(notice, "2.1")
    assert first.label == "1．申领条件"
    assert first.level == 2
    assert first.path == "二、支持对象 › 1．申领条件"


def test_parenthesised_numbers_are_a_third_level(notice):
    assert _section(notice, "2.1").children == ("2.1.1", "2.1.2", "2.1.3")
    assert _section(notice, "2.2").children == ("2.2.1", "2.2.2")
    sub = _section(notice, "2.1.2")
    assert sub.level == 3
    assert sub.path.startswith("二、支持对象 › 1．申领条件 › （2）")
    # A short （n） line without a full stop is its own heading, with its whole text as label.
    assert _section(notice, "2.1.1").label == "（1）在本市注册登记、具有独立法人资格的中小企业；"


def test_clause_ids_paths_and_kinds(notice):
    by_id = notice.by_id
    assert len(by_id) == len(notice.clauses), "clause ids must be unique"
    assert by_id["title"].text == _lines(notice.text)[0]
    assert by_id["to"].kind == "addressee"
    assert by_id["to"].text == "各区经济和信息化主管部门、财政局，各有关单位："
    assert by_id["sig"].text == "北京市经济和信息化局 北京市财政局"
    assert by_id["date"].text == "2024年3月15日"
    assert by_id["1.h"].kind == "heading"
    assert by_id["1.p1"].path == "一、工作目标"
    assert by_id["3.1"].kind == "item"
    assert by_id["3.1"].path == "三、支持内容和标准 › 1．服务券面额"
    assert by_id["4.1"].text.startswith("1．企业申报。")
    assert by_id["5.p2"].text.startswith("对弄虚作假")
    sections = {s.id: s for s in notice.sections}
    for clause in notice.clauses:
        if clause.section in sections:
            assert clause.path == sections[clause.section].path, clause.id
            assert clause.id in sections[clause.section].clauses, clause.id


def test_attachment_list_is_its_own_section(notice):
    att = _section(notice, "att")
    texts = [notice.clause(cid).text for cid in att.clauses]
    assert len(texts) == 3
    for name, text in zip(["申领表", "数字化服务商承诺书", "服务券使用情况统计表"], texts, strict=False):
        assert name in text
    # Lines of the attachment list are not outline markers of the body.
    assert not any(s.id.startswith("att.") for s in notice.sections)


def test_every_line_is_exactly_one_whole_clause(notice):
    """Nothing lost, nothing doubled: each line of the notice is the text of one clause.

    The attachment header may be dropped from the first attachment's clause ("附件：1．…" -> "1．…").
    """
    clauses = [c.text for c in notice.clauses if c.parent is None]  # sentences and labels are parts
    for line in _lines(notice.text):
        candidates = {line}
        for header in ATTACHMENT_HEADER:
            if line.startswith(header):
                candidates.add(line[len(header) :].strip())
        assert sum(text in candidates for text in clauses) == 1, line
    assert len(clauses) == len(_lines(notice.text))


def test_long_items_are_also_indexed_by_sentence(notice):
    sentences = [c for c in notice.clauses if c.kind == "sentence"]
    assert sentences
    for s in (c for c in notice.clauses if c.parent):
        assert s.parent and s.text in notice.clause(s.parent).text
        assert s.path == notice.clause(s.parent).path
    item = notice.clause("3.1")
    parts = [c.text for c in sentences if c.parent == "3.1"]
    # The label sentence "1．服务券面额。" is no sentence of its own; the rest is split at each 。
    assert parts == [
        "服务券按照企业实际支付服务费用的50%核定，单家企业年度累计不超过20万元。",
        "其中，数字化诊断类服务单次不超过2万元，上云用云类服务单次不超过5万元，数字化改造类服务单次不超过15万元。",
    ]
    assert all(p in item.text for p in parts)


def test_ids_are_stable_across_parses(notice):
    again = parse_notice(notice.text, key=SECOND)
    assert [(c.id, c.text) for c in again.clauses] == [(c.id, c.text) for c in notice.clauses]


def test_full_width_and_half_width_punctuation_parse_alike(notice):
    """The same notice typed with half-width punctuation has the same outline and clause ids."""
    half = "".join(unicodedata.normalize("NFKC", ch) if ch in "（）：，；．" else ch for ch in notice.text)
    assert half != notice.text
    other = parse_notice(half, key=SECOND)
    assert [(s.id, s.level, s.children) for s in other.sections] == [
        (s.id, s.level, s.children) for s in notice.sections
    ]
    assert [(c.id, c.kind) for c in other.clauses] == [(c.id, c.kind) for c in notice.clauses]


# ---- the index ----


@pytest.fixture(scope="module")
def index(notice) -> ClauseIndex:
    return ClauseIndex(notice, Lexicon.load())


@pytest.mark.parametrize(
    "question, expected",
    [
        ("企业在哪个平台填报申领表", "北京市中小企业公共服务平台"),
        ("服务商是我们参股的公司,能用服务券吗", "控股、参股"),
        ("单家企业一年最多能拿多少服务券", "单家企业年度累计不超过20万元"),
        ("服务券可以拿来买硬件设备吗", "不得用于购买硬件设备"),
        ("区里审核要多久?", "15个工作日内完成审核"),
        ("骗取服务券会有什么后果", "三年内不再受理其申请"),
        ("复核通过的名单在哪里公示,公示几天", "公示5个工作日"),
    ],
)
def test_index_finds_the_clause_of_the_second_notice(index, question, expected):
    hits = index.search(question, k=3)
    assert hits, question
    assert all(h.clause.id in index.notice.by_id for h in hits)
    assert any(expected in h.clause.text for h in hits), [(h.clause.id, h.clause.text[:30]) for h in hits]
    assert expected in hits[0].clause.text, (hits[0].clause.id, hits[0].clause.text)


# Known gaps of the bare index on a notice that has no clause notes (clauses.yaml) yet. Strict: when the
# index learns these, the tests report XPASS as a failure, and the mark should go.
def test_index_finds_a_date_range_for_a_deadline_question(index):
    hits = index.search("服务券申领截止到什么时候?", k=3)
    assert any("2024年5月31日" in h.clause.text for h in hits)


@pytest.mark.xfail(
    strict=True,
    reason="the small jieba dictionary holds only the first notice's words: 服务券能转让 is cut 券能/转, "
    "so 转让 of the second notice is lost",
)
def test_index_segments_words_only_the_second_notice_uses(index):
    hits = index.search("服务券能转让给别的企业吗", k=3)
    assert "服务券不得转让、买卖" in hits[0].clause.text


def test_each_notice_gets_its_own_index(notices_root, index):
    """The real notice indexed from the shared folder answers from its own clauses only."""
    first = ClauseIndex(load_notice(notices_root / FIRST).notice, Lexicon.load())
    question = "申报材料电子版发到哪个邮箱?"
    top = first.search(question, k=1)[0]
    assert "shuzifuneng@jxj.beijing.gov.cn" in top.clause.text
    assert top.clause.id in first.notice.by_id
    assert all("shuzifuneng" not in h.clause.text for h in index.search(question, k=5))
