"""The Answer every front end renders: a direct answer, then its citations, best first."""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.library import qualified

CITATION_FIELDS = ("id", "path", "quote", "notice")  # what the JSON contract shows of a citation


@dataclass(frozen=True)
class Citation:
    """A clause quoted as evidence: its stable id, its section path and its verbatim text.

    It carries its section too, so a front end can offer "the whole section" without asking handlers again.
    """

    id: str
    path: str
    quote: str
    notice: str = ""  # the key of the notice the clause belongs to
    section: str = ""  # the id of the numbered section the clause sits in ("" for the preamble)
    section_label: str = ""  # that section's own label, e.g. "(二)资金使用"

    @property
    def uid(self) -> str:
        """The id unique across notices ("<notice key>:<id>"); /source accepts it."""
        return qualified(self.notice, self.id) if self.notice else self.id


@dataclass
class Answer:
    """The bot's reply to one question, independent of any front end."""

    question: str
    answered: bool  # False when the notice does not cover the question
    intent: (
        str  # deadline | funding | eligibility | requirement | process | materials | contact | general | out_of_scope
    )
    text: str  # the direct answer, plain text, no markup, without the quoted clauses
    citations: list[Citation] = field(default_factory=list)
    confidence: float = 0.0
    topic: str | None = None  # what a follow-up question ("那规下企业呢?") refers back to
    related: list[str] = field(default_factory=list)  # suggested next questions
    # How the answer was made: computed (arithmetic, dates), verdict, outline, note (a hand-written
    # answer), sentence (composed from the notice's sentences), not_covered, or message (no question).
    kind: str = "note"
    notice: str = ""  # the key of the notice answered from (knowledge/notices/<key>/)
    notice_title: str = ""  # its short title, for front ends to show with the answer
    alternatives: list[str] = field(default_factory=list)  # keys of notices that fit about as well (no choice made)
    compared: list[str] = field(default_factory=list)  # keys of the notices a comparison answers side by side

    def to_json(self) -> dict:
        """The stable JSON contract: question, answered, intent, answer, citations, confidence."""
        return {
            "question": self.question,
            "notice": self.notice,
            "answered": self.answered,
            "intent": self.intent,
            "answer": self.text,
            "citations": [{k: getattr(c, k) for k in CITATION_FIELDS} for c in self.citations],
            "confidence": round(self.confidence, 3),
        }
