"""The knowledge the handlers answer from: one notice's clauses, index and facts, loaded once per process."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from knowledge.facts import Facts, load_facts
from knowledge.index import ClauseIndex
from knowledge.lexicon import Lexicon
from knowledge.loader import DEFAULT_NOTICE, LEXICON_DIR, NOTICES_DIR, KnowledgeError, load_notice
from knowledge.model import Clause, Notice
from knowledge.notes import ClauseNote


@dataclass
class KnowledgeBase:
    """A notice ready to answer from."""

    notice: Notice
    index: ClauseIndex
    facts: Facts
    notes_by_clause: dict[str, list[ClauseNote]]

    def clause(self, clause_id: str) -> Clause | None:
        return self.notice.by_id.get(clause_id)

    def notes_for(self, clause_id: str) -> list[ClauseNote]:
        return self.notes_by_clause.get(clause_id, [])


def build(folder: Path = NOTICES_DIR / DEFAULT_NOTICE, lexicon_dir: Path = LEXICON_DIR) -> KnowledgeBase:
    """Load, validate and index one notice folder; raises KnowledgeError with the reason."""
    bundle = load_notice(folder)
    lexicon = Lexicon.load(lexicon_dir)
    ranked = {c.id for c in ClauseIndex.ranked(bundle.notice)}
    facts = load_facts(bundle, ranked)
    notes_by_clause: dict[str, list[ClauseNote]] = {}
    keywords: dict[str, list[str]] = {}
    for note in facts.notes:
        notes_by_clause.setdefault(note.clause_id, []).append(note)
        keywords.setdefault(note.clause_id, []).extend(note.keywords)
    index = ClauseIndex(bundle.notice, lexicon, keywords)
    return KnowledgeBase(bundle.notice, index, facts, notes_by_clause)


_lock = threading.Lock()
_current: KnowledgeBase | None = None


def get() -> KnowledgeBase:
    """The knowledge in use, built on first use."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = build()
    return _current


def reload_knowledge(folder: Path | None = None) -> KnowledgeBase:
    """Rebuild the knowledge from disk; on failure keep answering from the old one and raise the reason."""
    global _current
    fresh = build(folder) if folder else build()  # raises KnowledgeError; _current stays as it was
    with _lock:
        _current = fresh
    return fresh


__all__ = ["KnowledgeBase", "KnowledgeError", "build", "get", "reload_knowledge"]
