"""Whether the notice covers a question, decided from the evidence: what the question is about and what it asks.

A question is covered when a sentence holds what it is about (its focus, or a synonym) well enough, and,
when it asks for a kind of detail (a number of days, a phone number, a date), when a sentence that answers it
holds such a detail. Gap entries of a notice only explain a refusal; this module decides it.
"""

from __future__ import annotations


from knowledge.base import KnowledgeBase
from knowledge.cues import cue_groups
from knowledge.fold import fold
from knowledge.index import Hit

from .query import Query
from knowledge.lazy import lazy_re

# Below this share of the question found in its best clause, the notice is taken not to cover it.
COVERAGE_THRESHOLD = 0.18
SCORE_THRESHOLD = 4.5
WEAK_MATCH_COVERAGE = 0.3  # a short question scores low, but may still be covered by its best clause
PHRASE_VOUCHES = 4  # characters of keyword phrases that make a thin match count as covered
FOCUS_VOUCHES = 0.5  # share of the question's focus (by weight) found in one sentence that makes it covered
FOCUS_MIN_IDF = 1.5  # a focus word this rare in the notice names its subject


COMMON_IDF = 1.2  # below this a word is in about a quarter of the sentences or more
ABOUT_SHARE = 0.5  # share of the question's focus words a fact's sentence must hold to answer it


def about(query: Query, kb: KnowledgeBase, clause_id: str, share: float = ABOUT_SHARE, rare_only: bool = False) -> bool:
    """Whether a sentence (with its section path) holds enough of what the question is about.

    A focus word counts when the sentence has it, or its canonical synonym among its words.
    """
    clause = kb.clause(clause_id)
    if clause is None:
        return False
    # rare_only: a word most sentences share ("资金", "企业") says nothing about which sentence is meant.
    focus = [w for w in query.focus if not rare_only or kb.index.idf.get(w, COMMON_IDF) >= COMMON_IDF]
    # An English word the lexicon does not translate cannot be found in a Chinese sentence: it says nothing here.
    focus = [w for w in focus if not (w.isascii() and w.isalpha() and w not in kb.index.idf)]
    if not focus:
        return True
    place = fold(clause.text + clause.path)
    doc = kb.index.doc(clause_id)
    words = set(doc.words) | set(doc.path_words) if doc else set()
    synonyms = kb.index.synonyms
    held = sum(
        1.0 if w in place or w in words or synonyms.get(w, "\0") in words else _part_held(query, w, words)
        for w in focus
    )
    return held >= share * len(focus)


def _part_held(query: Query, word: str, words: set[str]) -> float:
    """How much of a focus word a sentence holds through its parts (申报材料: 申报 and 材料), by length."""
    return max((len(p) / len(word) for p in query.words if p != word and p in word and p in words), default=0.0)


def focus_share(query: Query, kb: KnowledgeBase, hit: Hit) -> float:
    """Share of the question's focus words (weighted by rarity in the notice) that the hit's sentence holds."""
    doc = kb.index.doc(hit.clause.id)
    weights = {w: kb.index.weight_of(w) for w in query.focus}
    total = sum(weights.values())
    if not total or doc is None:
        return 0.0
    words = set(doc.words) | doc.path_words
    return sum(v * (1.0 if w in words else _part_held(query, w, words)) for w, v in weights.items()) / total


def _rare_focus_found(query: Query, kb: KnowledgeBase, hit: Hit) -> bool:
    doc = kb.index.doc(hit.clause.id)
    return doc is not None and any(kb.index.idf.get(w, 0.0) >= FOCUS_MIN_IDF and w in doc.words for w in query.focus)


def covered(query: Query, kb: KnowledgeBase, hits: list[Hit]) -> bool:
    """Whether the best clause answers enough of the question."""
    if not hits:
        return False
    top = hits[0]
    if query.focus and not focus_share(query, kb, top):
        return False  # "明天通州下雨吗": the sentence shares the asker's place, not what is asked about
    # "评审至少得多少分" against "评审得分低于70分的不予入库": the kind of detail asked, beside its subject.
    kinds = asked_details(query, kb)
    if kinds and holds_details(kinds, top.clause.text) and _rare_focus_found(query, kb, top):
        return True
    if top.coverage < COVERAGE_THRESHOLD:
        # Users' own words for the clause, long enough to mean something, vouch for a thinly covered match;
        # so does a sentence holding most of what the question is about, in the notice's rarer words.
        if top.score >= SCORE_THRESHOLD * 2 or top.phrase >= PHRASE_VOUCHES:
            return True
        return focus_share(query, kb, top) >= FOCUS_VOUCHES and _rare_focus_found(query, kb, top)
    if top.score >= SCORE_THRESHOLD or top.coverage >= WEAK_MATCH_COVERAGE:
        return True
    return focus_share(query, kb, top) >= FOCUS_VOUCHES and _rare_focus_found(query, kb, top)


def holds_asked(query: Query, kb: KnowledgeBase, hit: Hit) -> bool:
    """Whether a hit holds every kind of detail the question asks and a rare word of what it is about."""
    kinds = asked_details(query, kb)
    return bool(kinds) and holds_details(kinds, hit.clause.text) and _rare_focus_found(query, kb, hit)


_TITLE = lazy_re(r"《[^》]*》")


def asked_details(query: Query, kb: KnowledgeBase) -> list:
    """The kinds of detail the question asks for (a number of days, a date, a count of copies...)."""
    details = kb.facts.details
    return [details[n] for n in cue_groups(tuple(kind.asks for kind in details)).matched(query.asking)]


def holds_details(kinds, text: str) -> bool:
    """Whether the text holds every kind of detail asked; a document's title names a topic, no detail of it."""
    text = _TITLE.sub("《》", fold(text))  # "20MB" holds a size as "20mb" does
    return all(kind.evidence.search(text) for kind in kinds)


def detail_missing(query: Query, kb: KnowledgeBase, evidence: str) -> bool:
    """Whether the question asks for a kind of detail (a number of days, a date...) the evidence does not hold."""
    return any(not holds_details([kind], evidence) for kind in asked_details(query, kb))
