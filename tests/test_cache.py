"""The cache of built knowledge: the same answers from a cached notice, rebuilt when its inputs change."""

from __future__ import annotations

import os
import pickle
import shutil
import stat
import time
from pathlib import Path

from handlers import answer_question
from knowledge.cache import CACHE_ENV, STALE_DAYS, cache_dir, load_lexicon, load_or_build
from knowledge.fold import fold
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


def test_the_cache_is_on_by_default_in_the_users_cache_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "notice-bot"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "notice-bot"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored, as the XDG spec says
    assert cache_dir() == tmp_path / "home" / ".cache" / "notice-bot"
    Library(_one_notice(tmp_path)).get(FIXTURE.name)
    (stored,) = (tmp_path / "home" / ".cache" / "notice-bot").glob(f"{FIXTURE.name}-*.pickle")
    assert stat.S_IMODE(stored.parent.stat().st_mode) & 0o077 == 0  # no one else may plant a pickle there


def test_off_turns_the_cache_off_and_a_path_chooses_its_folder(tmp_path, monkeypatch):
    for off in ("off", "0", "none", " OFF "):
        monkeypatch.setenv(CACHE_ENV, off)
        assert cache_dir() is None
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv(CACHE_ENV, "off")
    assert "2024年8月15日" in answer_question("申报截止时间是哪天?", kb=Library(_one_notice(tmp_path)).get()).text
    assert not (tmp_path / "home").exists()
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"


def test_a_cache_folder_that_cannot_be_written_still_answers(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))  # its parent is a file: mkdir fails
    kb = Library(_one_notice(tmp_path)).get()
    assert "2024年8月15日" in answer_question("申报截止时间是哪天?", kb=kb).text
    assert caplog.text.count("could not write the knowledge cache") == 1  # the notices, lexicon, knowledge: once


def test_a_truncated_or_foreign_cache_file_is_rebuilt_not_trusted(tmp_path, caplog):
    folder = _one_notice(tmp_path) / FIXTURE.name
    lexicon, cache = Lexicon.load(LEXICON_DIR), tmp_path / "cache"
    load_or_build(folder, lexicon, cache)
    (stored,) = cache.glob("*.pickle")
    whole = stored.read_bytes()
    for damaged in (whole[: len(whole) // 2], pickle.dumps({"not": "a knowledge base"})):
        stored.write_bytes(damaged)
        kb = load_or_build(folder, lexicon, cache)
        assert "2024年8月15日" in answer_question("申报截止时间是哪天?", kb=kb).text
        assert stored.read_bytes() != damaged  # stored afresh
    assert caplog.text.count("rebuilding unreadable knowledge cache") == 2


def _one_notice(tmp_path: Path) -> Path:
    """A notices folder holding the fixture notice alone."""
    root = tmp_path / "notices"
    (root / FIXTURE.name).mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURE / "notice.txt", root / FIXTURE.name / "notice.txt")
    return root


def test_a_cached_lexicon_cuts_as_the_loaded_one_and_a_damaged_file_is_rebuilt(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    fresh = Lexicon.load(LEXICON_DIR)
    stored_one = load_lexicon(LEXICON_DIR)  # loads and stores
    (stored,) = (tmp_path / "cache").glob("lexicon-*.pickle")
    cached = load_lexicon(LEXICON_DIR)
    assert "_tokenizer_state" in vars(cached) and "tokenizer" not in vars(cached)  # not built from the files
    assert cached == fresh and stored_one == fresh
    text = fold((FIXTURE / "notice.txt").read_text(encoding="utf-8")) + "啥时候截止?最多补多少钱?deadline"
    assert cached.cut(text) == fresh.cut(text)
    assert cached.tokenizer_state() == fresh.tokenizer_state()
    stored.write_bytes(b"not a pickle")
    assert load_lexicon(LEXICON_DIR).cut(text) == fresh.cut(text)
    assert "rebuilding unreadable lexicon cache" in caplog.text
    monkeypatch.setenv(CACHE_ENV, "off")
    assert "_tokenizer_state" not in vars(load_lexicon(LEXICON_DIR))


def test_writing_the_cache_removes_files_not_written_for_a_month(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    old, recent = cache / "bj-old-0123.pickle", cache / "bj-recent-4567.pickle"
    for path in (old, recent, cache / "left-by-a-crash.tmp"):
        path.write_bytes(b"x")
    month_ago = time.time() - (STALE_DAYS + 1) * 86400
    os.utime(old, (month_ago, month_ago))
    os.utime(cache / "left-by-a-crash.tmp", (month_ago, month_ago))
    load_or_build(_one_notice(tmp_path) / FIXTURE.name, Lexicon.load(LEXICON_DIR), cache)
    assert sorted(p.name for p in cache.iterdir() if not p.name.startswith(FIXTURE.name)) == [recent.name]


def test_the_list_of_notices_is_cached_and_remade_when_a_meta_file_changes(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    root = _one_notice(tmp_path)
    monkeypatch.setenv(CACHE_ENV, "off")
    uncached = Library(root).notices
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    assert Library(root).notices == uncached  # made and stored
    (stored,) = (tmp_path / "cache").glob("notices-*.pickle")
    assert Library(root).notices == uncached  # read back
    (root / FIXTURE.name / "meta.yaml").write_text("short_title: 改过的简称\n", encoding="utf-8")
    assert Library(root).notices[FIXTURE.name].short_title == "改过的简称"
    stored.write_bytes(b"not a pickle")
    (root / FIXTURE.name / "meta.yaml").unlink()
    assert Library(root).notices == uncached
    assert "remaking unreadable cache" in caplog.text
