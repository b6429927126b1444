"""Clause notes: what each clause answers, in users' words, tied to the clause by a verbatim quote."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .fold import fold
from .loader import KnowledgeError, at
from .model import Clause, Notice

INTENTS = ("deadline", "funding", "eligibility", "requirement", "process", "materials", "contact", "general")


@dataclass(frozen=True, eq=False)
class ClauseNote:
    """A clause's intent, topic, the words people use for it and the bot's direct answer."""

    clause_id: str
    quote: str
    intent: str
    topic: str
    keywords: tuple[str, ...]
    answer: str

    @cached_property
    def folded_keywords(self) -> tuple[str, ...]:
        """The keywords folded once, for matching against folded questions."""
        return tuple(fold(k) for k in self.keywords)

    @cached_property
    def folded_text(self) -> str:
        """Keywords and answer folded, to find a question's words in."""
        return fold(" ".join(self.keywords) + self.answer)


def locate(notice: Notice, quote: str, ranked_ids: set[str] | None = None) -> Clause:
    """The smallest clause (by text length) that holds the quote verbatim; ranked clauses preferred."""
    candidates = [c for c in notice.clauses if quote in c.text and c.kind != "heading"]
    if ranked_ids is not None:
        candidates = [c for c in candidates if c.id in ranked_ids] or candidates
    if not candidates:
        raise KnowledgeError(f"quote not found in the notice {notice.key}: {quote!r}")
    return min(candidates, key=lambda c: len(c.text))


def load_notes(notice: Notice, entries: list[dict] | None, ranked_ids: set[str] | None = None) -> list[ClauseNote]:
    """Validate clauses.yaml entries against the notice and tie each to its clause."""
    notes: list[ClauseNote] = []
    for n, entry in enumerate(entries or (), 1):
        where = at("clauses.yaml", entry, f"entry {n}")
        if not isinstance(entry, dict) or not entry.get("quote") or not entry.get("answer"):
            raise KnowledgeError(f"{where}: needs a quote and an answer")
        intent = entry.get("intent", "general")
        if intent not in INTENTS:
            raise KnowledgeError(f"{where}: unknown intent {intent!r}")
        try:
            clause = locate(notice, str(entry["quote"]), ranked_ids)
        except KnowledgeError as exc:
            raise KnowledgeError(f"{where}: {exc}") from None
        notes.append(
            ClauseNote(
                clause_id=clause.id,
                quote=str(entry["quote"]),
                intent=intent,
                topic=str(entry.get("topic") or intent),
                keywords=tuple(str(k) for k in entry.get("keywords") or ()),
                answer=str(entry["answer"]).strip(),
            )
        )
    return notes
