"""Score the bot on evaluation sets next to a BM25 baseline, in the same run.

    python benchmarks/accuracy.py [EVAL.yaml ...] [--failures] [--json] [--bm25-threshold X]

With no path: ../shared/eval/dev.yaml (beside the checkout), the project's own
knowledge/notices/bj-szhzx-2023/eval.yaml, the blind sets in tests/data/, and the question sets of the two
fictional notices in tests/fixtures/notices/, each when it exists.

Each set is answered three ways side by side: with the notice's hand-written knowledge ("curated"), from
its notice.txt alone ("text-only": knowledge.base.build(folder, curated=False)), and by the BM25 baseline.

The baseline is what a plain search engine would do: rank_bm25's BM25Okapi over the notice's
paragraphs (the lines of notice.txt after the title), tokens from jieba's default dictionary with
punctuation and white space dropped. It cites its top three paragraphs and uses the top paragraph as
its answer text. It never refuses unless --bm25-threshold is given, in which case it refuses when the
best paragraph scores below the threshold.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere, installed or not
    sys.path.insert(0, str(REPO))

from handlers.evaluate import EvalReport, format_report, load_items, score  # noqa: E402
from handlers.model import Answer, Citation  # noqa: E402

NOTICE_DIR = REPO / "knowledge" / "notices" / "bj-szhzx-2023"
DEV_SET = REPO.parent / "shared" / "eval" / "dev.yaml"
PROJECT_SET = NOTICE_DIR / "eval.yaml"


FIXTURES = REPO / "tests" / "fixtures" / "notices"
# Question sets of the fictional notices, each with the notice it asks about (no hand-written knowledge).
FICTIONAL_SETS = {
    REPO / "tests" / "data" / "fic_guide.yaml": FIXTURES / "fic-qyzn-2025",
    REPO / "tests" / "data" / "fic_batch2.yaml": FIXTURES / "fic-dierpi-2024",
    REPO / "tests" / "data" / "fic_forward.yaml": FIXTURES / "fic-zhuanfa-2024",
    REPO / "tests" / "data" / "fic_sanpi.yaml": FIXTURES / "fic-sanpi-2025",
    REPO / "tests" / "data" / "fic_yunze.yaml": FIXTURES / "fic-yunze-2026",
    REPO / "tests" / "data" / "fic_qinghe.yaml": FIXTURES / "fic-qinghe-2026",
    REPO / "tests" / "data" / "fic_songling.yaml": FIXTURES / "fic-songling-2026",
    REPO / "tests" / "data" / "fic_wutong.yaml": FIXTURES / "fic-wutong-2026",
    REPO / "tests" / "data" / "fic_liuwan.yaml": FIXTURES / "fic-liuwan-2026",
    REPO / "tests" / "data" / "fic_bailu.yaml": FIXTURES / "fic-bailu-2026",
    REPO / "tests" / "data" / "fic_shihu.yaml": FIXTURES / "fic-shihu-2026",
    REPO / "tests" / "data" / "fic_hetang.yaml": FIXTURES / "fic-hetang-2026",
    REPO / "tests" / "data" / "fic_lanxi.yaml": FIXTURES / "fic-lanxi-2026",
}


def default_sets() -> list[Path]:
    """The evaluation sets present in this checkout: the dev set, the project's own and blind sets, the fictional."""
    blind = sorted(p for p in (REPO / "tests" / "data").glob("*.yaml") if p not in FICTIONAL_SETS)
    return [p for p in (DEV_SET, PROJECT_SET, *blind, *FICTIONAL_SETS) if p.is_file()]


def _is_noise(token: str) -> bool:
    return all(ch.isspace() or unicodedata.category(ch).startswith("P") for ch in token)


class Bm25Baseline:
    """BM25 over the notice's paragraphs with jieba's default dictionary; an answerer like the bot."""

    def __init__(self, notice_path: Path = NOTICE_DIR / "notice.txt", threshold: float | None = None) -> None:
        import jieba
        from rank_bm25 import BM25Okapi

        jieba.setLogLevel(logging.WARNING)
        # A tokenizer of its own, so that words the bot adds to jieba's global one cannot leak in.
        self._tokenizer = jieba.Tokenizer()
        lines = notice_path.read_text(encoding="utf-8").splitlines()[1:]  # line 1 is the title
        self.paragraphs = [ln.strip() for ln in lines if ln.strip()]
        self._bm25 = BM25Okapi([self.tokens(p) for p in self.paragraphs])
        self.threshold = threshold

    def tokens(self, text: str) -> list[str]:
        return [t for t in self._tokenizer.lcut(text) if not _is_noise(t)]

    def __call__(self, question: str) -> Answer:
        scores = self._bm25.get_scores(self.tokens(question))
        top = sorted(range(len(scores)), key=lambda i: -scores[i])[:3]
        best = float(scores[top[0]])
        answered = self.threshold is None or best >= self.threshold
        citations = [Citation(f"p{i + 1}", f"paragraph {i + 1}", self.paragraphs[i]) for i in top]
        return Answer(question, answered, "general", self.paragraphs[top[0]], citations, best)


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "-"
    return str(value) if isinstance(value, int) else f"{value:.3f}"


def _diff(a: float | int | None, b: float | int | None) -> str:
    if a is None or b is None:
        return "-"
    return f"{a - b:+d}" if isinstance(a, int) and isinstance(b, int) else f"{a - b:+.3f}"


METRICS = ("cite@1", "cite@3", "facts", "refusal", "false_refusals", "accuracy")


def table(columns: dict[str, EvalReport]) -> str:
    """The reports' metrics and per-kind accuracy in one table, one column each."""
    names = list(columns)
    lines = [f"{'metric':<16}" + "".join(f"{n:>11}" for n in names)]
    metrics = {n: r.metrics() for n, r in columns.items()}
    for key in METRICS:
        lines.append(f"{key:<16}" + "".join(f"{_fmt(metrics[n][key]):>11}" for n in names))
    lines += ["", f"{'kind (accuracy)':<16}" + "".join(f"{n:>11}" for n in names) + f"{'n':>5}"]
    first = columns[names[0]]
    for kind, k in first.per_kind.items():
        lines.append(
            f"{kind:<16}" + "".join(f"{columns[n].per_kind[kind].accuracy:>11.3f}" for n in names) + f"{k.total:>5}"
        )
    return "\n".join(lines)


def run(paths: list[Path], failures: bool, as_json: bool, threshold: float | None, notice: Path | None = None) -> int:
    from functools import partial

    from handlers import answer_question
    from knowledge.base import build

    label = "bm25" if threshold is None else f"bm25>{threshold:g}"
    refusal_note = "never refuses" if threshold is None else f"refuses when the top score < {threshold:g}"
    out: dict[str, dict] = {}
    for path in paths:
        folder = notice or FICTIONAL_SETS.get(path.resolve(), NOTICE_DIR)
        items = load_items(path)
        columns: dict[str, EvalReport] = {}
        seconds = 0.0
        curated = build(folder)
        # A folder with no hand-written file answers the same either way: one column says so.
        modes = (
            {"curated": curated, "text-only": build(folder, curated=False)}
            if any((folder / f"{name}.yaml").is_file() for name in ("clauses", "facts", "gaps", "eligibility"))
            else {"text-only": curated}
        )
        for name, kb in modes.items():
            t0 = time.perf_counter()
            columns[name] = score(items, partial(answer_question, kb=kb), source=str(path))
            seconds = max(seconds, time.perf_counter() - t0)
        baseline = Bm25Baseline(folder / "notice.txt", threshold=threshold)
        columns[label] = score(items, baseline, source=str(path))
        out[str(path)] = {"notice": folder.name, **{n: r.metrics() for n, r in columns.items()}}
        if as_json:
            continue
        first = columns[next(iter(columns))]
        print(
            f"== {path.name} : {len(items)} items ({len(first.in_scope)} in scope, {len(first.out_of_scope)} out "
            f"of scope), notice {folder.name}"
        )
        print(
            f"   bot answered all in {seconds:.2f} s per mode; baseline: BM25Okapi over {len(baseline.paragraphs)} "
            f"paragraphs, jieba default dictionary, {refusal_note}, top paragraph as answer text"
        )
        print()
        print(table(columns))
        print()
        if failures:
            for name in modes:
                print(f"-- failures, {name}")
                print(format_report(columns[name]))
            print()
    if as_json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="evaluation YAML files (default: dev set and project set)")
    parser.add_argument("--failures", action="store_true", help="also print the bot's full report with its failures")
    parser.add_argument("--json", action="store_true", help="print the metrics as one JSON object instead")
    parser.add_argument("--bm25-threshold", type=float, default=None, help="let the baseline refuse below this score")
    parser.add_argument(
        "--notice", type=Path, default=None, help="the notice folder the sets ask about (default: by set)"
    )
    args = parser.parse_args(argv)
    paths = args.paths or default_sets()
    missing = [p for p in paths if not p.is_file()]
    if missing or not paths:
        print(f"no evaluation set found: {', '.join(map(str, missing)) or DEV_SET}", file=sys.stderr)
        return 2
    return run(paths, args.failures, args.json, args.bm25_threshold, args.notice)


if __name__ == "__main__":
    sys.exit(main())
