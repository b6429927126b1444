"""Questions routed across a library of notices: by the notice they name, by the chat's choice, by default;
one notice per answer unless the question compares notices; clause ids unique across notices."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.console import format_answer
from handlers import Context
from handlers.browse import source_card
from handlers.routing import answer_in_library, route
from knowledge.library import DEFAULT_ENV, Library, qualified, split_id
from knowledge.loader import DEFAULT_NOTICE, NOTICES_DIR

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "notices"
TEXT_ONLY = ("fic-dierpi-2024", "fic-qyzn-2025", "fic-zhuanfa-2024")  # notices with notice.txt alone


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Library:
    """The shipped notice (the default) beside three fixture notices that have their text alone."""
    root = tmp_path_factory.mktemp("notices")
    shutil.copytree(NOTICES_DIR / DEFAULT_NOTICE, root / DEFAULT_NOTICE)
    for key in TEXT_ONLY:
        (root / key).mkdir()
        shutil.copy(FIXTURES / key / "notice.txt", root / key / "notice.txt")
    mp = pytest.MonkeyPatch()
    mp.setenv(DEFAULT_ENV, DEFAULT_NOTICE)
    yield Library(root).build_all()
    mp.undo()


def test_clause_ids_are_unique_across_notices_and_keep_todays_id(library):
    ids = [qualified(key, c.id) for key in library.keys() for c in library.get(key).notice.clauses]
    assert len(ids) == len(set(ids))
    shared = {c.id for c in library.get(DEFAULT_NOTICE).notice.clauses} & {
        c.id for c in library.get("fic-dierpi-2024").notice.clauses
    }
    assert shared, "the fixture shares bare ids with the shipped notice: that is what the notice key resolves"
    assert split_id("fic-dierpi-2024:6.1") == ("fic-dierpi-2024", "6.1")
    assert split_id("6.1.p2.s1") == (None, "6.1.p2.s1")


def test_source_takes_a_qualified_id_or_a_bare_id_of_the_default_notice(library):
    bare = source_card("6.1.p2.s1", library)
    assert bare.notice == DEFAULT_NOTICE and "2023年7月10日前" in bare.citations[0].quote
    clause = library.get("fic-dierpi-2024").notice.clauses[5]
    other = source_card(f"fic-dierpi-2024:{clause.id}", library)
    assert other.notice == "fic-dierpi-2024" and other.citations[0].quote == clause.text
    assert other.citations[0].uid == f"fic-dierpi-2024:{clause.id}"
    assert source_card("no-such-notice:6.1", library) is None
    assert source_card("fic-dierpi-2024:9.9.p9", library) is None


def test_a_question_naming_its_batch_is_answered_from_that_notice(library):
    answer = answer_in_library("第二批啥时候截止?", library=library)
    assert answer.notice == "fic-dierpi-2024" and "2024年8月15日" in answer.text
    assert {c.notice for c in answer.citations} == {"fic-dierpi-2024"}
    assert answer.notice_title == library.notices["fic-dierpi-2024"].short_title


def test_a_question_naming_a_city_or_an_issuer_goes_to_its_notice(library):
    assert route("临江市的专项补贴最多能拿多少", library).key == "fic-qyzn-2025"
    assert route("河川省工业和信息化厅这次要哪些申报材料", library).key == "fic-zhuanfa-2024"
    assert route("2025年度的补贴找谁咨询", library).key == "fic-qyzn-2025"


def test_a_date_in_the_question_does_not_name_a_notice_by_its_year(library):
    assert route("2024年8月16日交材料还来得及吗", library, current_key=DEFAULT_NOTICE).key == DEFAULT_NOTICE
    assert route("项目是2023年底开工的,还在支持范围里吗", library, current_key="fic-qyzn-2025").key == "fic-qyzn-2025"


def test_the_chats_choice_answers_what_names_no_notice(library):
    answer = answer_in_library("申报截止时间是哪天?", library=library, current_key="fic-dierpi-2024")
    assert answer.notice == "fic-dierpi-2024" and "2024年8月15日" in answer.text
    assert answer.alternatives == []  # a choice was made: nothing to switch to


def test_a_named_notice_wins_over_the_chats_choice(library):
    answer = answer_in_library("首批的申报截止时间是哪天?", library=library, current_key="fic-dierpi-2024")
    assert answer.notice == DEFAULT_NOTICE and "2023年7月10日" in answer.text


def test_without_a_choice_the_default_answers_and_names_the_notices_that_fit_as_well(library):
    answer = answer_in_library("申报截止时间是哪天?", library=library)
    assert answer.notice == DEFAULT_NOTICE and "2023年7月10日" in answer.text
    assert "fic-dierpi-2024" in answer.alternatives and DEFAULT_NOTICE not in answer.alternatives
    shown = format_answer(answer, {k: i.short_title for k, i in library.notices.items()})
    assert shown.startswith(f"《{answer.notice_title}》") and "fic-dierpi-2024" in shown


def test_a_question_only_one_notice_speaks_to_goes_there_without_a_choice(library):
    where = route("服务商资源池入库申报要交哪些材料", library)
    assert where.key == "fic-zhuanfa-2024"


def test_a_follow_up_stays_with_the_notice_of_the_question_it_follows(library):
    context = Context()
    first = answer_in_library("第二批的申报材料报送到哪里?", context, library=library, current_key=DEFAULT_NOTICE)
    assert first.notice == "fic-dierpi-2024"
    follow = answer_in_library("那纸质材料呢?", context, library=library, current_key=DEFAULT_NOTICE)
    assert follow.notice == "fic-dierpi-2024"
    assert {c.notice for c in follow.citations} == {"fic-dierpi-2024"}


@pytest.mark.parametrize(
    "question",
    ["申报截止时间是哪天?", "每个区最多给多少钱", "联系电话是多少", "第二批要交哪些材料", "临江的补贴标准是什么"],
)
def test_one_answer_never_cites_two_notices(library, question):
    answer = answer_in_library(question, library=library)
    assert {c.notice for c in answer.citations} <= {answer.notice}


def test_a_comparison_answers_each_notice_side_by_side_each_cited(library):
    answer = answer_in_library("第一批和第二批截止时间有什么不同", library=library)
    assert answer.compared == [DEFAULT_NOTICE, "fic-dierpi-2024"]
    first, second = answer.text.split("\n\n")
    assert library.notices[DEFAULT_NOTICE].short_title in first and "2023年7月10日" in first
    assert library.notices["fic-dierpi-2024"].short_title in second and "2024年8月15日" in second
    cited = [c.notice for c in answer.citations]
    assert DEFAULT_NOTICE in cited and "fic-dierpi-2024" in cited
    assert any("2023年7月10日前" in c.quote for c in answer.citations if c.notice == DEFAULT_NOTICE)
    assert any("2024年8月15日前" in c.quote for c in answer.citations if c.notice == "fic-dierpi-2024")
    assert "fic-dierpi-2024:" in format_answer(answer)  # the other notice's clauses by their qualified ids


def test_one_notice_routes_everything_to_it():
    only = Library(NOTICES_DIR / DEFAULT_NOTICE)
    assert route("第二批啥时候截止?", only).key == DEFAULT_NOTICE


def test_words_pointing_at_a_notice_are_left_out_of_what_it_is_asked(library):
    answer = answer_in_library("北京第二批的通知里,单个企业最多能补多少钱", library=library)
    assert answer.notice == "fic-dierpi-2024"
    assert answer.question == "北京第二批的通知里,单个企业最多能补多少钱"
    assert "北京属于北京市" not in answer.text  # the name is not read as the asker's location


def test_another_notice_mentioned_in_passing_leaves_the_question_with_the_chats_notice(library):
    question = "我们公司之前在首批试点区里已经改造过了,这次还能拿补贴吗"
    assert route(question, library, current_key="fic-dierpi-2024").key == "fic-dierpi-2024"
    assert route("首批的申报截止时间是哪天?", library, current_key="fic-dierpi-2024").key == DEFAULT_NOTICE


def test_the_batch_named_last_is_the_one_asked_about(library):
    assert route("我们区首批已经入选了,第二批还能再报吗?", library).key == "fic-dierpi-2024"


def test_a_title_word_alone_never_overrides_the_chats_choice(library):
    assert route("入了资源池能直接拿到财政补贴吗", library, current_key="fic-zhuanfa-2024").key == "fic-zhuanfa-2024"


def test_the_console_lists_and_chooses_notices(library, monkeypatch):
    from bot import console
    from bot import library as bot_library

    monkeypatch.setattr(bot_library, "notices", lambda: library)
    session: dict = {}
    listing = console.reply("/notices", Context(), session)
    assert "* bj-szhzx-2023" in listing and "fic-dierpi-2024" in listing
    assert "已选定" in console.reply("/notice fic-dierpi-2024", Context(), session)
    shown = console.reply("申报截止时间是哪天?", Context(), session)
    assert shown.startswith(f"《{library.notices['fic-dierpi-2024'].short_title}》") and "2024年8月15日" in shown
    assert "没有这个通知编号" in console.reply("/notice nope", Context(), session)
    assert session["notice"] == "fic-dierpi-2024"
