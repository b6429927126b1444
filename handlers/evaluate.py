"""Score a question answerer on an evaluation file: cite@1, cite@3, facts, refusals, accuracy per kind.

An evaluation file is a YAML list of items:

    - id: d001
      q: "这份通知是哪几个部门联合发的?"
      kind: general                       # deadline | funding | ... | out_of_scope
      cite: ["北京市财政局 北京市经济和信息化局"]   # verbatim substrings of the notice
      answer: [["财政局"], ["经济和信息化局", "经信局"]]  # groups of alternatives

Items of kind ``out_of_scope`` (or with ``out_of_scope: true``) carry no cite/answer: the right
behaviour is a refusal (``Answer.answered`` is False).

``python -m bot eval FILE`` calls :func:`load_items`, :func:`score` and :func:`format_report`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .model import Answer

OUT_OF_SCOPE = "out_of_scope"
CITE_DEPTH = 3  # cite@3 looks at the first three citations

Answerer = Callable[[str], Answer]


class EvalFormatError(ValueError):
    """An evaluation file that does not follow the item format."""


@dataclass(frozen=True)
class EvalItem:
    """One evaluation question with what a correct answer must show."""

    id: str
    question: str
    kind: str
    cite: tuple[str, ...] = ()  # a hit when a cited quote contains any one of these
    answer: tuple[tuple[str, ...], ...] = ()  # every group needs one alternative in the answer text
    who: str | None = None

    @property
    def out_of_scope(self) -> bool:
        return self.kind == OUT_OF_SCOPE


@dataclass
class ItemResult:
    """What came back for one item and which checks it passed."""

    item: EvalItem
    answered: bool
    text: str
    intent: str
    quotes: tuple[str, ...]  # the cited quotes, best first
    cite_at_1: bool
    cite_at_3: bool
    facts: bool
    missing_groups: tuple[tuple[str, ...], ...]  # answer groups with no alternative in the text
    error: str | None = None  # the exception the answerer raised, if any

    @property
    def correct(self) -> bool:
        """In scope: the facts and a cite@3 hit; out of scope: a refusal."""
        if self.error is not None:
            return False
        if self.item.out_of_scope:
            return not self.answered
        return self.facts and self.cite_at_3

    @property
    def problems(self) -> list[str]:
        """Every check this item failed, in words; empty when it passed them all."""
        if self.error is not None:
            return [f"error: {self.error}"]
        if self.item.out_of_scope:
            return [] if not self.answered else ["answered an out-of-scope question"]
        if not self.answered:
            return ["false refusal"]
        found = []
        if not self.cite_at_1:
            found.append("cite@1 miss (hit at 2-3)" if self.cite_at_3 else "no cite hit in the first 3")
        if not self.facts:
            found.append("facts missing: " + "; ".join(" / ".join(g) for g in self.missing_groups))
        return found


@dataclass(frozen=True)
class KindScore:
    kind: str
    correct: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass
class EvalReport:
    """Results of one run over an evaluation set; rates are None when their denominator is empty."""

    results: list[ItemResult] = field(default_factory=list)
    source: str = ""

    @property
    def in_scope(self) -> list[ItemResult]:
        return [r for r in self.results if not r.item.out_of_scope]

    @property
    def out_of_scope(self) -> list[ItemResult]:
        return [r for r in self.results if r.item.out_of_scope]

    @property
    def cite_at_1(self) -> float | None:
        return _rate(r.cite_at_1 for r in self.in_scope)

    @property
    def cite_at_3(self) -> float | None:
        return _rate(r.cite_at_3 for r in self.in_scope)

    @property
    def facts(self) -> float | None:
        return _rate(r.facts for r in self.in_scope)

    @property
    def refusal(self) -> float | None:
        return _rate(not r.answered and r.error is None for r in self.out_of_scope)

    @property
    def false_refusals(self) -> int:
        """In-scope questions the answerer declined."""
        return sum(1 for r in self.in_scope if not r.answered and r.error is None)

    @property
    def errors(self) -> int:
        return sum(1 for r in self.results if r.error is not None)

    @property
    def accuracy(self) -> float | None:
        return _rate(r.correct for r in self.results)

    @property
    def per_kind(self) -> dict[str, KindScore]:
        """Correct items per kind, kinds in order of first appearance."""
        counts: dict[str, list[int]] = {}
        for r in self.results:
            c = counts.setdefault(r.item.kind, [0, 0])
            c[0] += r.correct
            c[1] += 1
        return {k: KindScore(k, c, t) for k, (c, t) in counts.items()}

    @property
    def failures(self) -> list[ItemResult]:
        """Items that failed any check, including cite@1 misses on otherwise correct answers."""
        return [r for r in self.results if r.problems]

    def metrics(self) -> dict[str, float | int | None]:
        """The headline numbers as a flat dict (for benchmarks and JSON)."""
        return {
            "items": len(self.results),
            "in_scope": len(self.in_scope),
            "out_of_scope": len(self.out_of_scope),
            "cite@1": self.cite_at_1,
            "cite@3": self.cite_at_3,
            "facts": self.facts,
            "refusal": self.refusal,
            "false_refusals": self.false_refusals,
            "errors": self.errors,
            "accuracy": self.accuracy,
        }


def _rate(flags: Iterable[bool]) -> float | None:
    values = list(flags)
    return sum(values) / len(values) if values else None


# --- loading -------------------------------------------------------------------------------


def _strings(value: object, where: str, name: str) -> tuple[str, ...]:
    """A string or a list of strings, as a tuple; a lone string is a one-element list."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise EvalFormatError(f"{where}: {name} must be a string or a list of strings")
    # YAML reads 500 or 0.8 as numbers; the answer text is compared as text
    out = tuple(str(v) for v in value if str(v) != "")
    if not out:
        raise EvalFormatError(f"{where}: {name} is empty")
    return out


def _item(raw: object, index: int, source: str) -> EvalItem:
    where = f"{source}: item {index + 1}"
    if not isinstance(raw, dict):
        raise EvalFormatError(f"{where}: expected a mapping, got {type(raw).__name__}")
    if "id" in raw:
        where = f"{source}: item {raw['id']}"
    question = raw.get("q", raw.get("question"))
    if not isinstance(question, str) or not question.strip():
        raise EvalFormatError(f"{where}: no question (field q)")
    kind = str(raw.get("kind") or "general")
    if raw.get("out_of_scope") is True:
        kind = OUT_OF_SCOPE
    item_id = str(raw.get("id", f"#{index + 1}"))
    who = raw.get("who")
    if kind == OUT_OF_SCOPE:
        return EvalItem(item_id, question, kind, who=who)
    if "cite" not in raw or "answer" not in raw:
        raise EvalFormatError(f"{where}: an in-scope item needs both cite and answer")
    cite = _strings(raw["cite"], where, "cite")
    groups = raw["answer"]
    if isinstance(groups, str) or not isinstance(groups, list) or not groups:
        raise EvalFormatError(f"{where}: answer must be a list of groups of alternatives")
    answer = tuple(_strings(g, where, "answer group") for g in groups)
    return EvalItem(item_id, question, kind, cite, answer, who)


def parse_items(data: object, source: str = "<data>") -> list[EvalItem]:
    """Validate already-parsed YAML data as a list of evaluation items."""
    if not isinstance(data, list):
        raise EvalFormatError(f"{source}: expected a list of items")
    items = [_item(raw, i, source) for i, raw in enumerate(data)]
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise EvalFormatError(f"{source}: duplicate id {item.id}")
        seen.add(item.id)
    return items


def load_items(path: str | Path) -> list[EvalItem]:
    """Read an evaluation YAML file; raise EvalFormatError naming the file and item when it is malformed."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise EvalFormatError(f"{path}: invalid YAML: {exc}") from exc
    return parse_items(data, str(path))


# --- scoring -------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Full-width and half-width forms made one (NFKC); nothing else, so the check stays strict."""
    return unicodedata.normalize("NFKC", text)


def _cited(quotes: Sequence[str], cites: Sequence[str]) -> bool:
    # Quotes must be verbatim clauses of the notice, so the cite strings are matched exactly.
    return any(c in q for q in quotes for c in cites)


def score_item(item: EvalItem, answer: Answerer) -> ItemResult:
    """Ask one question and check the reply against the item."""
    try:
        reply = answer(item.question)
    except Exception as exc:  # one broken answer should not hide the rest of the run
        return ItemResult(item, False, "", "", (), False, False, False, item.answer, f"{type(exc).__name__}: {exc}")
    answered = bool(reply.answered)
    text = reply.text or ""
    quotes = tuple(c.quote for c in reply.citations)
    if item.out_of_scope:
        return ItemResult(item, answered, text, reply.intent, quotes, False, False, False, ())
    norm = normalise(text)
    missing = tuple(g for g in item.answer if not any(normalise(alt) in norm for alt in g))
    # A refusal earns nothing on an in-scope item, whatever it happens to cite.
    return ItemResult(
        item,
        answered,
        text,
        reply.intent,
        quotes,
        cite_at_1=answered and _cited(quotes[:1], item.cite),
        cite_at_3=answered and _cited(quotes[:CITE_DEPTH], item.cite),
        facts=answered and not missing,
        missing_groups=missing,
    )


def score(items: Iterable[EvalItem], answer: Answerer | None = None, source: str = "") -> EvalReport:
    """Score `answer` (default: handlers.answer_question) on the items."""
    if answer is None:
        from . import answer_question  # imported late: loading the index is the costly part

        answer = answer_question
    return EvalReport([score_item(item, answer) for item in items], source)


# --- report --------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _clip(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def format_report(report: EvalReport, failures: bool = True) -> str:
    """The report as a plain-text table: metrics, accuracy per kind, then each failure."""
    n_in, n_out = len(report.in_scope), len(report.out_of_scope)
    refused = sum(1 for r in report.out_of_scope if not r.answered and r.error is None)
    correct = sum(r.correct for r in report.results)
    rows = [
        ("cite@1", report.cite_at_1, f"{sum(r.cite_at_1 for r in report.in_scope)}/{n_in}"),
        ("cite@3", report.cite_at_3, f"{sum(r.cite_at_3 for r in report.in_scope)}/{n_in}"),
        ("facts", report.facts, f"{sum(r.facts for r in report.in_scope)}/{n_in}"),
        ("refusal", report.refusal, f"{refused}/{n_out}"),
        ("false refusals", None, f"{report.false_refusals}/{n_in}"),
        ("accuracy", report.accuracy, f"{correct}/{len(report.results)}"),
    ]
    title = f"Evaluation of {report.source}" if report.source else "Evaluation"
    lines = [f"{title}: {len(report.results)} items ({n_in} in scope, {n_out} out of scope)", ""]
    lines.append(f"{'metric':<16}{'value':>7}{'count':>10}")
    lines += [f"{name:<16}{'' if name == 'false refusals' else _pct(v):>7}{n:>10}" for name, v, n in rows]
    if report.errors:
        lines.append(f"{'errors':<16}{'':>7}{report.errors:>10}")
    lines += ["", f"{'kind':<16}{'acc':>7}{'correct':>10}"]
    for k in report.per_kind.values():
        lines.append(f"{k.kind:<16}{k.accuracy:>7.3f}{f'{k.correct}/{k.total}':>10}")
    if failures:
        failed = report.failures
        lines += ["", f"Failures ({len(failed)}):" if failed else "Failures: none"]
        for r in failed:
            lines.append(f"- {r.item.id} [{r.item.kind}] {r.item.question}")
            lines.append(f"    problems: {'; '.join(r.problems)}")
            if r.item.out_of_scope:
                lines.append("    expected: a refusal (answered = False)")
            else:
                lines.append(f"    expected cite: {' | '.join(r.item.cite)}")
                lines.append(f"    expected facts: {' + '.join('/'.join(g) for g in r.item.answer)}")
            if r.error is None:
                lines.append(f"    got: answered={r.answered} intent={r.intent}: {_clip(r.text)}")
                for i, quote in enumerate(r.quotes[:CITE_DEPTH], 1):
                    lines.append(f"    cited {i}: {_clip(quote, 80)}")
    return "\n".join(lines)
