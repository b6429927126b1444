"""The cache of built knowledge: the same answers from a cached notice, rebuilt when its inputs change."""

from __future__ import annotations

import shutil
from pathlib import Path

from handlers import answer_question
from knowledge.cache import CACHE_ENV, load_or_build
from knowledge.lexicon import Lexicon
from knowledge.library import Library
from knowledge.loader import LEXICON_DIR

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "notices" / "fic-dierpi-2024"


def test_a_cached_notice_answers_as_the_built_one_and_a_change_rebuilds_it(tmp_path):
    folder = tmp_path / "notices" / FIXTURE.name
    folder.mkdir(parents=True)
    shutil.copy(FIXTURE / "notice.txt", folder / "notice.txt")
    lexicon, cache = Lexicon.load(LEXICON_DIR), tmp_path / "cache"
    built = load_or_build(folder, lexicon, cache)
    (stored,) = cache.glob("*.pickle")
    cached = load_or_build(folder, lexicon, cache)
    assert cached is not built and cached.lexicon is lexicon and cached.index.lexicon is lexicon
    question = "申报截止时间是哪天?"
    assert answer_question(question, kb=cached).to_json() == answer_question(question, kb=built).to_json()
    text = (folder / "notice.txt").read_text(encoding="utf-8")
    (folder / "notice.txt").write_text(text.replace("2024年8月15日前", "2024年9月30日前"), encoding="utf-8")
    changed = load_or_build(folder, lexicon, cache)
    assert "2024年9月30日" in answer_question(question, kb=changed).text
    assert len(list(cache.glob("*.pickle"))) == 2
    stored.write_bytes(b"not a pickle")
    (folder / "notice.txt").write_text(text, encoding="utf-8")
    assert "2024年8月15日" in answer_question(question, kb=load_or_build(folder, lexicon, cache)).text


def test_the_library_uses_the_cache_when_it_is_named(tmp_path, monkeypatch):
    root = tmp_path / "notices"
    (root / FIXTURE.name).mkdir(parents=True)
    shutil.copy(FIXTURE / "notice.txt", root / FIXTURE.name / "notice.txt")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    Library(root).get(FIXTURE.name)
    assert len(list((tmp_path / "cache").glob(f"{FIXTURE.name}-*.pickle"))) == 1


def test_a_large_library_keeps_only_the_notices_in_use_built(tmp_path, monkeypatch):
    import knowledge.library as library_module

    root = tmp_path / "notices"
    for key in ("fic-dierpi-2024", "fic-qyzn-2025", "fic-zhuanfa-2024"):
        (root / key).mkdir(parents=True)
        shutil.copy(FIXTURE.parent / key / "notice.txt", root / key / "notice.txt")
    monkeypatch.setattr(library_module, "MAX_BUILT", 2)
    monkeypatch.setenv("NOTICE_BOT_NOTICE", "fic-dierpi-2024")
    library = Library(root).validate()
    assert list(library._built) == ["fic-dierpi-2024"]  # checked all, kept the default
    library.get("fic-qyzn-2025")
    library.get("fic-zhuanfa-2024")
    assert sorted(library._built) == ["fic-dierpi-2024", "fic-zhuanfa-2024"]  # the default is never dropped
    assert "2025年5月31日" in answer_question("申报截止时间是哪天?", kb=library.get("fic-qyzn-2025")).text
