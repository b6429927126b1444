"""Plain data types shared by the parser, the index and the handlers."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Clause:
    """The smallest citable unit: a numbered item, a paragraph, or one sentence of a long paragraph."""

    id: str  # stable: built from the numbering, e.g. "4.2.p2" or "4.2.p2.s1"
    path: str  # human path, e.g. "四、资金分配和使用 › (二)资金使用"
    text: str  # verbatim text from the notice
    kind: str  # title | addressee | heading | item | paragraph | label | sentence | signature | date
    section: str  # id of the numbered node the clause belongs to, e.g. "4.2"
    parent: str | None = None  # for a sentence: the id of its paragraph


@dataclass(frozen=True)
class Section:
    """A numbered node of the notice's table of contents (一、 / (一) / 1.)."""

    id: str
    label: str  # e.g. "四、资金分配和使用" or "(二)资金使用"
    path: str
    level: int
    children: tuple[str, ...] = ()
    clauses: tuple[str, ...] = ()  # ids of the clauses directly under this node


@dataclass
class Notice:
    """One parsed notice: its text, metadata and clauses in reading order."""

    key: str  # folder name under knowledge/notices/
    text: str
    meta: dict
    clauses: list[Clause] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def clause(self, clause_id: str) -> Clause:
        return self.by_id[clause_id]

    @property
    def by_id(self) -> dict[str, Clause]:
        cached = self.__dict__.get("_by_id")
        if cached is None:
            cached = self.__dict__["_by_id"] = {c.id: c for c in self.clauses}
        return cached

    def section_of(self, clause: Clause) -> Section | None:
        """The numbered section a clause sits in: by its section id, else by its path (the preamble has none)."""
        cached = self.__dict__.get("_sections")
        if cached is None:
            cached = self.__dict__["_sections"] = {s.id: s for s in self.sections} | {
                s.path: s for s in reversed(self.sections)
            }
        return cached.get(clause.section) or cached.get(clause.path)
