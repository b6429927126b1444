"""A library of notices: every folder under knowledge/notices/ has a key, title and date; answers name theirs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from handlers import answer_question
from knowledge.library import DEFAULT_ENV, Library
from knowledge.loader import DEFAULT_NOTICE, NOTICES_DIR, KnowledgeError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "notices"


@pytest.fixture
def root(tmp_path):
    """A knowledge/notices/ with the shipped notice and a later, second-batch notice with its text alone."""
    shutil.copytree(NOTICES_DIR / DEFAULT_NOTICE, tmp_path / DEFAULT_NOTICE)
    (tmp_path / "dierpi").mkdir()
    shutil.copy(FIXTURES / "fic-dierpi-2024" / "notice.txt", tmp_path / "dierpi" / "notice.txt")
    return tmp_path


def test_every_folder_is_a_notice_with_a_title_and_a_date(root):
    library = Library(root)
    assert library.keys() == ["bj-szhzx-2023", "dierpi"]
    second = library.notices["dierpi"]
    assert second.title == "北京市关于开展中小企业数字化转型第二批试点区遴选工作的通知"
    assert str(second.date) == "2024-07-01"
    assert second.short_title == "开展中小企业数字化转型第二批试点区遴选工作"


def test_the_default_is_the_newest_unless_one_is_named(root, monkeypatch):
    monkeypatch.delenv(DEFAULT_ENV, raising=False)
    assert Library(root).default_key() == "dierpi"
    monkeypatch.setenv(DEFAULT_ENV, "bj-szhzx-2023")
    assert Library(root).default_key() == "bj-szhzx-2023"
    monkeypatch.setenv(DEFAULT_ENV, "nope")
    with pytest.raises(KnowledgeError, match="bj-szhzx-2023, dierpi"):
        Library(root).default_key()


def test_each_answer_names_its_notice_and_cites_its_own_clauses(root):
    library = Library(root)
    first = answer_question("申报截止时间是哪天?", kb=library.get("bj-szhzx-2023"))
    second = answer_question("申报截止时间是哪天?", kb=library.get("dierpi"))
    assert "2023年7月10日" in first.text and first.notice == "bj-szhzx-2023"
    assert "2024年8月15日" in second.text and second.notice == "dierpi"
    assert {c.notice for c in second.citations} == {"dierpi"}
    assert "2024年8月15日前" in second.citations[0].quote


def test_the_issuers_place_in_a_question_names_the_notice_not_a_subject(tmp_path):
    from handlers import answer_question
    from knowledge.base import build

    kb = build(Path(__file__).resolve().parent / "fixtures" / "notices" / "fic-sanpi-2025")
    answer = answer_question("临溪区的补助一家企业最多给多少", kb=kb)
    assert answer.answered and "50万元" in answer.text
