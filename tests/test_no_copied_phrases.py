"""Knowledge never repeats evaluation questions: removing any entry that does costs less than 2 points.

An entry copied from a question tunes the bot to that question. Every string of the knowledge files (the
notice's hand-written files and the shared lexicon) that is not notice text but occurs verbatim inside a
question of an evaluation set is removed, the knowledge is rebuilt from the copy, and every set is scored
again: no metric may fall by 0.02 or more.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from functools import partial
from pathlib import Path

import yaml

from handlers import answer_question
from handlers.evaluate import load_items, score
from knowledge.base import build
from knowledge.loader import DEFAULT_NOTICE, LEXICON_DIR, NOTICES_DIR

REPO = Path(__file__).resolve().parents[1]
SETS = [
    p for p in (REPO.parent / "shared" / "eval" / "dev.yaml", NOTICES_DIR / DEFAULT_NOTICE / "eval.yaml") if p.is_file()
] + sorted((REPO / "tests" / "data").glob("*.yaml"))
MIN_CJK = 5  # as ../shared/tools/copied-phrases.py: five Chinese characters, or three English words
MAX_COST = 0.02
METRICS = ("cite@1", "cite@3", "facts", "refusal")


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _questions() -> list[str]:
    out = []
    for path in SETS:
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if isinstance(item, dict) and isinstance(item.get("q"), str):
                out.append(_fold(item["q"]))
    return out


def _copied(files: list[Path], notice_text: str, questions: list[str]) -> set[str]:
    found = set()
    for path in files:
        for s in _strings(yaml.safe_load(path.read_text(encoding="utf-8"))):
            f = _fold(s)
            long_enough = len(re.findall(r"[\u4e00-\u9fff]", f)) >= MIN_CJK or (
                not re.search(r"[\u4e00-\u9fff]", f) and len(s.split()) >= 3
            )
            if long_enough and len(f) <= 40 and f not in notice_text and any(f in q for q in questions):
                found.add(s)
    return found


def _without(node, drop: set[str]):
    """The YAML tree with every string in `drop` removed from its lists (mapping values are kept)."""
    if isinstance(node, dict):
        return {k: _without(v, drop) for k, v in node.items()}
    if isinstance(node, list):
        return [_without(v, drop) for v in node if not (isinstance(v, str) and v in drop)]
    return node


def _knowledge_files(notice: Path, lexicon: Path) -> list[Path]:
    own = [p for p in sorted(notice.glob("*.yaml")) if p.stem not in ("eval", "meta")]
    return own + sorted(lexicon.glob("*.yaml"))


def test_removing_copied_entries_costs_less_than_two_points(tmp_path):
    notice_dir, lexicon_dir = NOTICES_DIR / DEFAULT_NOTICE, LEXICON_DIR
    notice_text = _fold((notice_dir / "notice.txt").read_text(encoding="utf-8"))
    copied = _copied(_knowledge_files(notice_dir, lexicon_dir), notice_text, _questions())

    # A copy of the knowledge with every copied entry removed.
    notice_copy, lexicon_copy = tmp_path / DEFAULT_NOTICE, tmp_path / "lexicon"
    shutil.copytree(notice_dir, notice_copy)
    shutil.copytree(lexicon_dir, lexicon_copy)
    for path in _knowledge_files(notice_copy, lexicon_copy):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        path.write_text(yaml.safe_dump(_without(data, copied), allow_unicode=True), encoding="utf-8")

    shipped, stripped = build(notice_dir), build(notice_copy, lexicon_dir=lexicon_copy)
    for path in SETS:
        if path.name.startswith("fic_"):
            continue  # the fictional notices have no hand-written knowledge to strip
        items = load_items(path)
        before = score(items, partial(answer_question, kb=shipped)).metrics()
        after = score(items, partial(answer_question, kb=stripped)).metrics()
        for key in METRICS:
            if before[key] is not None:
                cost = before[key] - after[key]
                assert cost < MAX_COST, f"{path.name}: {key} falls by {cost:.3f} without {sorted(copied)}"
