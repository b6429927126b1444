"""The method alone holds its level: the shipped notice from its text, and the fictional notices, beat BM25.

Floors sit a little below the measured figures (benchmarks/README.md), so that a change which costs the
text-only engine several questions fails here, while curation cannot make these pass.
"""

from __future__ import annotations

import importlib.util
from functools import partial
from pathlib import Path

import pytest

from handlers import answer_question
from handlers.evaluate import format_report, load_items, score
from knowledge.base import build
from knowledge.loader import DEFAULT_NOTICE, NOTICES_DIR

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "notices"
DATA = REPO / "tests" / "data"
# set -> (notice folder, floors of cite@1, cite@3, facts, refusal)
FLOORS = {
    "holdout.yaml": (NOTICES_DIR / DEFAULT_NOTICE, 0.80, 0.85, 0.78, 0.60),
    "final_blind.yaml": (NOTICES_DIR / DEFAULT_NOTICE, 0.80, 0.85, 0.72, 0.75),
    "fic_guide.yaml": (FIXTURES / "fic-qyzn-2025", 0.80, 0.88, 0.78, 0.75),
    "fic_batch2.yaml": (FIXTURES / "fic-dierpi-2024", 0.72, 0.75, 0.75, 0.75),
    "fic_forward.yaml": (FIXTURES / "fic-zhuanfa-2024", 0.70, 0.75, 0.75, 0.75),
}


def _bm25(notice: Path):
    spec = importlib.util.spec_from_file_location("bench_accuracy", REPO / "benchmarks" / "accuracy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Bm25Baseline(notice / "notice.txt")


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_text_only_holds_its_floor_and_beats_bm25(name):
    folder, *floors = FLOORS[name]
    items = load_items(DATA / name)
    report = score(items, partial(answer_question, kb=build(folder, curated=False)))
    measured = (report.cite_at_1, report.cite_at_3, report.facts, report.refusal)
    for label, value, floor in zip(("cite@1", "cite@3", "facts", "refusal"), measured, floors, strict=True):
        assert value >= floor, f"{name}: text-only {label} {value:.3f} < {floor:.2f}\n\n{format_report(report)}"
    base = score(items, _bm25(folder))
    assert report.cite_at_1 > base.cite_at_1 and report.accuracy > base.accuracy + 0.2
