"""Accuracy of handlers.answer_question on the evaluation sets, with the targets of issues 2 and 3.

Two sets: the project's own (knowledge/notices/bj-szhzx-2023/eval.yaml, always in the repository) and the
shared dev set (../shared/eval/dev.yaml beside the checkout, as in CI, or the file named by
NOTICE_BOT_DEV_SET). The dev set is skipped only when it is absent and not asked for, so that a fresh
clone without ../shared passes. A failing check prints the whole report with every failure.
That the sets themselves quote the notice verbatim is checked in test_eval_data.py.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from handlers.evaluate import EvalReport, format_report, load_items, score
from knowledge.loader import DEFAULT_NOTICE, NOTICES_DIR

CITE_AT_1 = 0.85
CITE_AT_3 = 0.95
REFUSAL = 0.90  # issue 3 (issue 2 asks 0.85; the stricter one holds)
FACTS = 0.90
PER_KIND = 0.80
BM25_MARGIN = 0.10  # issue 2: cite@1 at least this much above the BM25 baseline

REPO = Path(__file__).resolve().parents[1]
PROJECT_SET = NOTICES_DIR / DEFAULT_NOTICE / "eval.yaml"
# Each written blind (by someone who saw neither the bot nor the other sets), scored once as written, then
# used to improve the method; the blind scores are in benchmarks/README.md.
HOLDOUT_SETS = {
    name: REPO / "tests" / "data" / f"{name}.yaml" for name in ("holdout", "holdout2", "final_blind", "near_scope")
}
SHARED_DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.yaml"
DEV_SET_ENV = "NOTICE_BOT_DEV_SET"


def eval_set(name: str) -> Path:
    """The file of a named set; skips only the dev set, and only when nobody asked for it and it is absent."""
    if name == "project":
        assert PROJECT_SET.is_file(), f"the project's own evaluation set is missing: {PROJECT_SET}"
        return PROJECT_SET
    if name in HOLDOUT_SETS:
        assert HOLDOUT_SETS[name].is_file(), f"the {name} set is missing: {HOLDOUT_SETS[name]}"
        return HOLDOUT_SETS[name]
    named = os.environ.get(DEV_SET_ENV)
    if named:
        path = Path(named)
        assert path.is_file(), f"{DEV_SET_ENV}={named} names no file"
        return path
    if not SHARED_DEV_SET.is_file():
        pytest.skip(f"no dev set: {SHARED_DEV_SET} is absent and {DEV_SET_ENV} is not set")
    return SHARED_DEV_SET


_reports: dict[Path, EvalReport] = {}


@pytest.fixture(scope="module", params=["project", "holdout", "holdout2", "final_blind", "near_scope", "dev"])
def report(request) -> EvalReport:
    """The bot's report on one set, scored once per test module."""
    path = eval_set(request.param)
    if path not in _reports:
        _reports[path] = score(load_items(path), source=str(path))
    return _reports[path]


def _at_least(report: EvalReport, name: str, value: float | None, threshold: float) -> None:
    assert value is not None, f"{report.source}: no items to measure {name} on"
    assert value >= threshold, f"{name} {value:.3f} < {threshold:.2f}\n\n{format_report(report)}"


def test_cite_at_1(report: EvalReport):
    _at_least(report, "cite@1", report.cite_at_1, CITE_AT_1)


def test_cite_at_3(report: EvalReport):
    _at_least(report, "cite@3", report.cite_at_3, CITE_AT_3)


def test_facts(report: EvalReport):
    _at_least(report, "facts", report.facts, FACTS)


def test_refusal(report: EvalReport):
    _at_least(report, "refusal", report.refusal, REFUSAL)


def test_every_kind(report: EvalReport):
    weak = {k: f"{s.correct}/{s.total}" for k, s in report.per_kind.items() if s.accuracy < PER_KIND}
    assert not weak, f"kinds below {PER_KIND:.2f}: {weak}\n\n{format_report(report)}"


def _baseline_module():
    spec = importlib.util.spec_from_file_location("bench_accuracy", REPO / "benchmarks" / "accuracy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cite_at_1_beats_bm25(report: EvalReport):
    """The index earns its keep: cite@1 clearly above plain BM25 over paragraphs on the same items."""
    baseline = _baseline_module().Bm25Baseline()
    base = score([r.item for r in report.results], baseline)
    gain = report.cite_at_1 - base.cite_at_1
    assert gain >= BM25_MARGIN - 1e-9, (
        f"cite@1 {report.cite_at_1:.3f} vs BM25 {base.cite_at_1:.3f}: gain {gain:+.3f} < {BM25_MARGIN:.2f}"
        f"\n\n{format_report(report)}"
    )
