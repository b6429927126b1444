"""Small helpers every handler uses: cue matching and turning clauses into citations."""

from __future__ import annotations

from knowledge.cues import cue_index, weight
from knowledge.facts import Quoted
from knowledge.index import Hit

from knowledge.base import KnowledgeBase
from .model import Citation


def found(folded: str, words) -> list[str]:
    """The cue words that occur in the folded question, longest first ("A...B" allows a gap)."""
    index = cue_index(tuple(words))
    return sorted((index.cues[n] for n in index.positions(folded)), key=weight, reverse=True)


def has_any(folded: str, words) -> bool:
    return cue_index(tuple(words)).any(folded)


RELATED_HIT_SHARE = 0.5  # a hit is cited after the facts only if it scores at least this share of the best


def cite(kb: KnowledgeBase, clause_id: str) -> Citation | None:
    """The citation of one clause: id, section path and its verbatim text."""
    clause = kb.clause(clause_id)
    if clause is None:
        return None
    section = kb.notice.section_of(clause)
    return Citation(
        id=clause.id,
        path=clause.path,
        quote=clause.text,
        notice=kb.key,
        section=section.id if section else "",
        section_label=section.label if section else "",
    )


def citations(kb: KnowledgeBase, *sources, hits: list[Hit] = (), limit: int = 3) -> list[Citation]:
    """Citations from facts' quotes and clause ids first, then search hits; no clause twice."""
    out: list[Citation] = []
    seen: set[str] = set()
    # Search hits far below the best one add noise, not evidence.
    strong = [h for h in hits if h.score >= RELATED_HIT_SHARE * hits[0].score] if hits else []
    ids = [s.clause_id if isinstance(s, Quoted) else s for s in sources] + [h.clause.id for h in strong]
    for cid in ids:
        if cid and cid not in seen:
            c = cite(kb, cid)
            if c:
                out.append(c)
                seen.add(cid)
        if len(out) >= limit:
            break
    return out
