"""Answers composed from the notice's sentences: lead with what was asked, cite the sentences that hold it.

Used when no hand-written note answers the best clause: the sentence itself is the fact, so the answer is
that sentence (or the parts of it that hold the question's words), with the asked detail put first when a
pattern can find it (who leads, where to send, which items).
"""

from __future__ import annotations

import re

from knowledge.base import KnowledgeBase
from knowledge.fold import fold
from knowledge.index import Hit
from knowledge.lazy import lazy_re
from knowledge.model import Clause

from .coverage import asked_details, holds_details
from .query import Query

MAX_SENTENCE = 150  # a sentence longer than this is cut to the parts that hold the question's words
KEEP_PARTS = 3
SECOND_SHARE = 0.75  # a second sentence is added when it scores this close to the best and is its neighbour
DETAIL_SHARE = 0.8  # a sentence holding the asked detail goes first when it scores this close to the best
_PARTS = lazy_re(r"(?<=[,;:。])")
_ACTOR = lazy_re(r"由([^,;。]{2,24}?)(牵头|负责|组织|统筹)")
_RESPONSIBLE = lazy_re(r"^([^,;。]{2,20}?)(负责|做好|承担|发挥)")
_DEFINED = r"“{term}”\s*\(([^)]{{2,40}})\)"


def _weight(kb: KnowledgeBase, words) -> dict[str, float]:
    return {w: kb.index.idf.get(w, 0.0) for w in sorted(set(words))}


def shorten(text: str, weights: dict[str, float]) -> str:
    """A long sentence cut to the comma parts that hold most of the question's words, in reading order."""
    if len(text) <= MAX_SENTENCE:
        return text
    parts = [p for p in _PARTS.split(text) if p.strip()]
    folded = [fold(p) for p in parts]
    scored = sorted(((sum(v for w, v in weights.items() if w in f), i) for i, f in enumerate(folded)), reverse=True)
    keep = sorted(i for s, i in scored[:KEEP_PARTS] if s) or [0]
    return "……".join(parts[i].rstrip(",;:") for i in keep).rstrip("。") + "。"


def _neighbours(a: Clause, b: Clause) -> bool:
    """Sentences of one paragraph or items of one section: read together, they answer together."""
    return (a.parent is not None and a.parent == b.parent) or a.section == b.section


# An item of an enumeration: "二是……" opens a sentence, or "……以下工作:一是……" follows a colon.
_ORDINAL = lazy_re(r"(?:^|[:\uff1a])\s*[一二三四五六七八九十]是")


def _enumeration(kb: KnowledgeBase, clause: Clause) -> list[Clause]:
    """The items of an enumeration a sentence belongs to ("一是书面评审…二是现场评审…"), in order."""
    if not clause.parent or not _ORDINAL.search(clause.text):
        return [clause]
    siblings = [c for c in kb.notice.clauses if c.parent == clause.parent and _ORDINAL.search(c.text)]
    return siblings if len(siblings) > 1 else [clause]


def _holding_first(query: Query, kb: KnowledgeBase, hits: list[Hit]) -> list[Hit]:
    """The hits with the one that holds the asked detail first, when it scores nearly as well as the best:
    "纸质材料要几份" is answered by the sentence with 一式三份, not by the one that only names the materials."""
    kinds = asked_details(query, kb)
    if not kinds or holds_details(kinds, hits[0].clause.text):
        return hits
    for h in hits[1:3]:
        if h.score >= DETAIL_SHARE * hits[0].score and holds_details(kinds, h.clause.text):
            return [h] + [x for x in hits if x is not h]
    return hits


def _continuation(kb: KnowledgeBase, clause: Clause) -> Clause | None:
    """The next sentence of the paragraph when this one ends with a semicolon: together they are one sentence."""
    if not clause.parent or not clause.text.endswith((";", "\uff1b")):
        return None
    siblings = [c for c in kb.notice.clauses if c.parent == clause.parent]
    at = next((i for i, c in enumerate(siblings) if c.id == clause.id), None)
    return siblings[at + 1] if at is not None and at + 1 < len(siblings) else None


def _list_lead(kb: KnowledgeBase, clause: Clause) -> Clause | None:
    """The sentence that opens the list an item belongs to, when it says what the items lead to:
    "2.认定后3年内将注册地迁出的;" means what "有下列情形之一的,撤销称号,追回奖励资金:" says of it."""
    if clause.kind == "sentence" and clause.parent:
        return _sentence_list_lead(kb, clause)
    if clause.kind != "item" or "." not in clause.section:
        return None
    parent = clause.section.rpartition(".")[0]
    order = kb.clause_order.get(clause.id, 0)
    leads = [
        c
        for c in kb.notice.clauses
        if c.section == parent and c.text.rstrip().endswith((":", "\uff1a")) and kb.clause_order.get(c.id, 0) < order
    ]
    return leads[-1] if leads and leads[-1].id in kb.index.ranked_ids else None


_OPENS_LIST = lazy_re(r"(?:情形|条件|以下|下列|如下|包括)[^。;:]{0,12}[:\uff1a]")


def _sentence_list_lead(kb: KnowledgeBase, clause: Clause) -> Clause | None:
    """The sentence of the same paragraph that opens the list this one is an item of, items ending in ";":
    "房地产开发企业…控股企业。" is an item of "有下列情形之一的,不予受理:被列入严重失信主体名单的;"."""
    siblings = [c for c in kb.notice.clauses if c.parent == clause.parent and c.kind == "sentence"]
    at = next((i for i, c in enumerate(siblings) if c.id == clause.id), 0)
    for i in range(at - 1, -1, -1):
        text = siblings[i].text.rstrip()
        if _OPENS_LIST.search(text) and text.endswith((";", "\uff1b")):
            return siblings[i] if siblings[i].id in kb.index.ranked_ids else None
        if not text.endswith((";", "\uff1b")):
            return None  # an item list runs on semicolons; a full stop before it ends the search
    return None


def evidence(query: Query, kb: KnowledgeBase, hits: list[Hit]) -> list[Clause]:
    """The sentences the answer rests on: the best (with the other items of its enumeration, or the rest of a
    sentence cut at a semicolon), and its neighbour when that scores nearly as well."""
    if not hits:
        return []
    hits = _holding_first(query, kb, hits)
    out = _enumeration(kb, hits[0].clause)
    if len(out) == 1 and (rest := _continuation(kb, out[0])):
        out.append(rest)
    if len(out) == 1 and (lead := _list_lead(kb, out[0])):
        return out + [lead]
    if len(out) > 1:
        best = hits[0].clause
        return [best] + [c for c in out if c.id != best.id]  # the best item first: it is cited first
    for h in hits[1:3]:
        if h.score >= SECOND_SHARE * hits[0].score and _neighbours(h.clause, hits[0].clause):
            out.append(h.clause)
            break
    return out


def _lead(query: Query, kb: KnowledgeBase, clause: Clause) -> tuple[str, str | None]:
    """The asked detail stated first, when a pattern finds it, and the clause it was found in."""
    text = clause.text
    if query.slot == "who":
        m = _ACTOR.search(text) or _RESPONSIBLE.search(text)
        if m:
            lead = f"{m.group(1)}{m.group(2)}。" if m.re is _RESPONSIBLE else f"由{m.group(1)}{m.group(2)}。"
            return lead, clause.id
    if query.slot == "definition":
        for term in query.focus:
            for c in kb.notice.clauses:
                m = re.search(_DEFINED.format(term=re.escape(term)), fold(c.text))
                if m and c.id in kb.index.ranked_ids:
                    return f"“{term}”指{m.group(1)}。", c.id
    return "", None


def compose(query: Query, kb: KnowledgeBase, hits: list[Hit]) -> tuple[str, list[str]]:
    """The answer text and the ids of the sentences it states, best first."""
    chosen = evidence(query, kb, hits)
    weights = _weight(kb, query.words)
    lead, source = _lead(query, kb, chosen[0]) if chosen else ("", None)
    # Read in the notice's order (一是 before 二是), cited best first.
    body = "".join(shorten(c.text, weights) for c in sorted(chosen, key=lambda c: kb.clause_order.get(c.id, 0)))
    if lead and fold(lead.rstrip("。")) in fold(body):
        lead = ""
    ids = [c.id for c in chosen]
    if lead and source and source not in ids:  # the definition stands in another sentence: it is cited first
        ids.insert(0, source)
    return lead + body, ids
