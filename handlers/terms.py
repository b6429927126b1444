"""What a short term the notice defines stands for ("“两部门”是哪两个部门"), from the sentence that defines it."""

from __future__ import annotations

from knowledge.base import KnowledgeBase
from knowledge.fold import fold

from .coverage import FOCUS_MIN_IDF
from .model import Answer
from .query import Query
from .slots import found_answer


def defined_term(query: Query, kb: KnowledgeBase) -> Answer | None:
    """The words a defined term stands for, when the question asks what or who it is."""
    if not {"definition", "who"} & set(query.slots):
        return None
    asked = [d for d in kb.definitions if fold(d.term) in query.folded]
    if not asked:
        return None
    definition = max(asked, key=lambda d: len(d.term))
    lexicon = kb.lexicon
    own = set(lexicon.expand(lexicon.cut(fold(definition.term + " " + definition.referent), search=True)))
    # "两部门谁负责拨付资金" asks what the body does, not its name: a rare word besides the term decides.
    if any(w not in own and kb.index.idf.get(w, 0.0) >= FOCUS_MIN_IDF for w in query.focus):
        return None
    text = f"通知中的“{definition.term}”指{definition.referent}。"
    if query.english:
        text = f"In the notice, “{definition.term}” stands for {definition.referent}. " + text
    return found_answer(
        query,
        kb,
        [definition.clause_id],
        intent="general",
        text=text,
        topic=f"term:{definition.term}",
        kind="computed",
        best_hit=False,
        confidence=0.9,
    )
