"""The notice as a table of contents, clause cards and curated questions, for browsing front ends."""

from __future__ import annotations

from knowledge.base import KnowledgeBase, shipped
from knowledge.library import Library
from knowledge.model import Section

from .common import citations
from .model import Answer


def toc(kb: KnowledgeBase | None = None) -> list[Section]:
    """The top-level sections, in reading order."""
    notice = (kb or shipped()).notice
    return [s for s in notice.sections if s.level == 1]


def section(section_id: str, kb: KnowledgeBase | None = None) -> Section | None:
    return next((s for s in (kb or shipped()).notice.sections if s.id == section_id), None)


def _whole_clauses(sec: Section, kb: KnowledgeBase | None = None) -> list[str]:
    """A section's own paragraphs and items (not their sentences, not a bare heading)."""
    kb = kb or shipped()
    return [cid for cid in sec.clauses if (c := kb.clause(cid)) and c.kind in ("item", "paragraph")]


def clause_card(clause_id: str, kb: KnowledgeBase | None = None) -> Answer | None:
    """One clause quoted as an Answer (for /source and "full section" buttons)."""
    kb = kb or shipped()
    clause = kb.clause((clause_id or "").strip())
    if clause is None:
        return None
    return Answer(
        f"/source {clause.id}",
        True,
        "general",
        f"通知原文,第 {clause.id} 条:{clause.path}",
        citations(kb, clause.id),
        1.0,
        clause.id,
        notice=kb.key,
    )


def source_card(ref: str, library: Library) -> Answer | None:
    """The clause a /source reference names: "<notice key>:<id>" in any notice, or a bare id in the default."""
    found = library.find(ref or "")
    return clause_card(found[1], found[0]) if found else None


def section_card(section_id: str, kb: KnowledgeBase | None = None) -> Answer | None:
    """A section's text, each paragraph or item as one citation."""
    kb = kb or shipped()
    sec = section((section_id or "").strip(), kb)
    if sec is None:
        return None
    ids = _whole_clauses(sec, kb)
    children = [s.label for s in kb.notice.sections if s.id in sec.children]
    text = sec.path + (f"(含:{';'.join(children)})" if children else "")
    cited = citations(kb, *ids, limit=max(1, len(ids)))
    return Answer(f"/section {sec.id}", True, "general", text, cited, 1.0, sec.id, notice=kb.key)


def section_of(clause_id: str, kb: KnowledgeBase | None = None) -> str | None:
    """The id of the numbered section a clause belongs to."""
    clause = (kb or shipped()).clause(clause_id)
    return clause.section if clause else None


def faq(kb: KnowledgeBase | None = None) -> list[str]:
    """Curated questions from knowledge/ (faq.yaml)."""
    return [str(item["q"]) for item in (kb or shipped()).facts.faq if isinstance(item, dict) and item.get("q")]
