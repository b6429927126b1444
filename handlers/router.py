"""Question in, Answer out: not-covered topics, outlines, the fact handlers, then the best clause's answer."""
from __future__ import annotations

import datetime as dt
import re

from knowledge.cues import occurs, weight
from knowledge.fold import fold, strip_invisible
from knowledge.index import Hit

from . import deadline, eligibility, funding, requirements
from . import kb as kb_module
from .clock import today
from .common import citations, found, has_any
from .context import Context
from .kb import KnowledgeBase
from .model import Answer
from .numbers import dates

MAX_QUESTION = 500  # longer messages are cut: the question is in the first sentences, not the tenth page
# Below this share of the question found in its best clause, the notice is taken not to cover it.
# Calibrated on the project's evaluation set (see benchmarks/accuracy.py).
COVERAGE_THRESHOLD = 0.18
SCORE_THRESHOLD = 4.5
WEAK_MATCH_COVERAGE = 0.3  # a short question scores low, but may still be covered by its best clause
PHRASE_VOUCHES = 4  # characters of keyword phrases that make a thin match count as covered
FOLLOW_UP_ALONE = 0.3  # a follow-up covered this well by its best clause is answered on its own
SECOND_ANSWER_SHARE = 0.8  # the runner-up clause answers too when it scores this close to the best
SAME_TOPIC_SHARE = 0.6  # or this close, when its answer is on the same topic as the best one
_CONTENT = re.compile(r"[0-9a-z\u4e00-\u9fff]")
_PART_END = re.compile(r"[??!!;;。\n]+|,\s*and\s+")
MIN_PART_LENGTH = 4  # characters of content for a part to count as a question of its own
MAX_PARTS = 3
PART_COVERAGE = 0.3  # a part must be this well covered by its own best clause to be answered apart
EXTRACT_PREFIX = "通知相关规定:"
MAX_CITATIONS = 5
_MULTI_PART_TOPICS_SKIP = {"eligibility", "attachments", "expense"}


def _not_covered(kb: KnowledgeBase, question: str, hits: list[Hit], say: str, near=()) -> Answer:
    """通知中未涉及: what it does say nearby, the two closest sections, and where to ask."""
    sections = []
    for h in hits:
        top = h.clause.path.split(" › ")[0]
        if top not in sections and h.clause.kind not in ("title", "date", "signature", "addressee"):
            sections.append(top)
    text = say
    if sections:
        text += f"最接近的内容见:{'、'.join(sections[:2])}。"
    text += kb.facts.contact_channel
    sources = list(near) + ([kb.facts.contact] if kb.facts.contact else [])
    return Answer(question, False, "out_of_scope", text, citations(kb, *sources, hits=hits[:2]), 0.0, "not_covered")


def _gap(kb: KnowledgeBase, folded: str):
    """The first not-covered topic whose every word group occurs in the question."""
    for gap in kb.facts.gaps:
        if all(has_any(folded, group) for group in gap.when) and not has_any(folded, gap.unless):
            return gap
    return None


def _overview(kb: KnowledgeBase, folded: str, question: str) -> Answer | None:
    """The outline of a part when the question asks for its items ("基本原则有哪几条")."""
    if not has_any(folded, kb.facts.overview_cues):
        return None
    best = max(
        ((max((weight(w) for w in found(folded, words)), default=0), sid) for sid, words in kb.facts.overview_sections.items()),
        default=(0, None),
    )
    if not best[0]:
        return None
    section = next(s for s in kb.notice.sections if s.id == best[1])
    children = [s for s in kb.notice.sections if s.id in section.children]
    # Each item by its label and the first sentence of what the bot says about it; each cited whole.
    lines, cited = [], []
    for child in children:
        notes = [n for cid in child.clauses for n in kb.notes_for(cid)]
        lines.append(f"{child.label}:{notes[0].answer.split('。')[0]}" if notes else child.label)
        own = [kb.clause(cid) for cid in child.clauses]
        whole = next((c for c in own if c and c.kind in ("item", "paragraph")), None)
        if whole or notes:
            cited.append(whole.id if whole else notes[0].clause_id)
    text = f"{section.label}共{len(children)}部分:\n" + "。\n".join(lines) + "。"
    return Answer(question, True, "general", text, citations(kb, *cited, limit=len(cited)), 0.9, f"section:{section.id}")


def best_note(kb: KnowledgeBase, clause_id: str, cues: str, words=()):
    """The note of a clause that the question is about (a clause may answer two things).

    Keyword phrases in the question count most; then the question's words found in the note, by weight.
    """
    notes = kb.notes_for(clause_id)
    if len(notes) <= 1:
        return notes[0] if notes else None
    words = set(words)

    def score(note) -> float:
        phrases = sum(weight(k) for k in note.folded_keywords if occurs(k, cues))
        return 2 * phrases + sum(kb.index.idf.get(w, 0.0) for w in words if w in note.folded_text)

    return max(notes, key=score)


def _attachments(kb: KnowledgeBase, folded: str, question: str) -> Answer | None:
    """What each attachment is, from the notice's metadata; their contents are not in the notice."""
    items = kb.facts.attachments
    if not items or not has_any(folded, kb.facts.attachment_cues):
        return None
    lines = [f"{a.label}:{a.description}" for a in items]
    text = f"通知共提到{len(items)}个附件:" + ";".join(lines) + "。" + kb.facts.attachments_note
    return Answer(question, True, "general", text, citations(kb, *(a.source for a in items), limit=4), 0.9,
                  "attachments")


def _intent(kb: KnowledgeBase, folded: str, note) -> str:
    """The kind of question: the best clause's note decides, cue words when there is none."""
    if note:
        return note.intent
    scores = {name: sum(weight(w) for w in found(folded, cues)) for name, cues in kb.facts.intents.items()}
    best = max(scores.items(), key=lambda kv: kv[1], default=("general", 0))
    return best[0] if best[1] else "general"


def _extract(clause_text: str, words: list[str]) -> str:
    """The parts of a clause (between commas) that share most words with the question, in order."""
    parts = [p for p in re.split(r"(?<=[,;:。])", clause_text) if p.strip()]
    if len(parts) <= 2:
        return clause_text
    scored = [(sum(len(w) for w in set(words) if w in fold(p)), i) for i, p in enumerate(parts)]
    keep = sorted(i for s, i in sorted(scored, reverse=True)[:2] if s) or [0]
    return "……".join(parts[i].rstrip(",;:") for i in keep) + "。"


def _covered(hits: list[Hit]) -> bool:
    """Whether the best clause answers enough of the question: a weak match must at least cover much of it."""
    if not hits:
        return False
    top = hits[0]
    if top.coverage < COVERAGE_THRESHOLD:
        # Users' own words for the clause, long enough to mean something, vouch for a thinly covered match.
        return top.score >= SCORE_THRESHOLD * 2 or top.phrase >= PHRASE_VOUCHES
    return top.score >= SCORE_THRESHOLD or top.coverage >= WEAK_MATCH_COVERAGE


def _detail_missing(kb: KnowledgeBase, folded: str, evidence: str) -> bool:
    """Whether the question asks for a kind of detail (a number of days, a date...) the answer does not hold."""
    return any(has_any(folded, kind.asks) and not kind.evidence.search(evidence) for kind in kb.facts.details)


def _follow_up(kb: KnowledgeBase, folded: str, context: Context | None) -> bool:
    """A short question that leans on the previous one ("那规下企业呢?")."""
    if not context or not context.question:
        return False
    return len(folded) <= kb.facts.follow_up_max and has_any(folded, kb.facts.follow_up_cues)


def answer_question(question: str, context: Context | None = None, now: dt.datetime | None = None) -> Answer:
    """Answer one question about the notice, with citations best first."""
    kb = kb_module.get()
    original = question if isinstance(question, str) else str(question)
    text = strip_invisible(original)[:MAX_QUESTION]
    folded = fold(text)
    if not _CONTENT.search(folded):
        return Answer(original, False, "out_of_scope",
                      "没有看到文字问题。请用一句话描述您想了解的内容,例如:“申报截止时间是什么时候?”", [], 0.0, None)

    if len(folded) <= kb.facts.smalltalk_max and has_any(folded, kb.facts.smalltalk_cues):
        return Answer(original, False, "general", kb.facts.smalltalk_reply, [], 0.0, None)

    search_text = text
    _, words = kb.index.analyse(search_text)
    hits = kb.index.search(search_text, k=5, words=words)
    if _follow_up(kb, folded, context) and (not hits or hits[0].coverage < FOLLOW_UP_ALONE):
        # Too thin alone: read it together with the question it follows.
        search_text = f"{context.question} {text}"
        _, words = kb.index.analyse(search_text)
        hits = kb.index.search(search_text, k=5, words=words)

    result = _answer(kb, original, folded, fold(search_text), words, hits, now)
    # A verdict, an outline or a list already answers the whole message; anything else may have parts.
    whole_message = result.topic in _MULTI_PART_TOPICS_SKIP or str(result.topic).startswith("section:")
    if result.answered and not whole_message:
        _add_parts(kb, result, text, now)
    result.related = _related(kb, result, folded)
    if context is not None and result.answered:
        context.remember(search_text, result.intent, result.topic, result.citations[0].id if result.citations else None)
    return result


def _parts(text: str) -> list[str]:
    """The questions of a message that asks several ("啥时候截止?纸质材料也要送吗?")."""
    parts = [p.strip() for p in _PART_END.split(text)]
    return [p for p in parts if len(_CONTENT.findall(fold(p))) >= MIN_PART_LENGTH]


def _add_parts(kb: KnowledgeBase, result: Answer, text: str, now: dt.datetime | None) -> None:
    """Answer each part of a several-part question too, adding what the whole answer left out."""
    parts = _parts(text)
    if len(parts) < 2:
        return
    whole = fold(text)
    for part in parts[:MAX_PARTS]:
        part_folded = fold(part)
        _, words = kb.index.analyse(part)
        hits = kb.index.search(part, k=5, words=words)
        extra = _answer(kb, part, part_folded, part_folded, words, hits, now, amount_text=whole)
        if not extra.answered or not extra.citations or extra.text in result.text:
            continue
        computed = str(extra.topic).startswith(("share:", "target:", "date:", "expense"))
        clear = hits and (hits[0].coverage >= PART_COVERAGE or hits[0].phrase)
        if not computed and (not clear or extra.text.startswith(EXTRACT_PREFIX)):
            continue  # "它们起啥作用" leans on the rest of the message: the whole answer stands for it
        result.text += "\n" + extra.text
        known = {c.id for c in result.citations}
        result.citations = (result.citations[:1] + [c for c in extra.citations[:1] if c.id not in known]
                            + result.citations[1:])[:MAX_CITATIONS]


def _related(kb: KnowledgeBase, answer: Answer, folded: str) -> list[str]:
    """Up to three curated questions on the same topic, for buttons under the answer."""
    same = [str(f["q"]) for f in kb.facts.faq if isinstance(f, dict) and f.get("topic") == answer.intent]
    return [q for q in same if fold(q) != folded][:3]


def _answer(kb: KnowledgeBase, question: str, folded: str, search_folded: str, words: list[str],
            hits: list[Hit], now: dt.datetime | None, amount_text: str = "") -> Answer:
    """The first handler that recognises the question answers it; the best clause's answer is the last resort.

    Order matters: what the notice does not say is checked first, so a near miss is never answered;
    computed answers (money, counts, verdicts) come before the clause answer they would refine.
    """
    # An English question is matched through its Chinese synonyms too; a Chinese one only as written,
    # so that a synonym never turns a covered question into a not-covered topic.
    latin = sum(ch.isascii() and ch.isalpha() for ch in folded)
    gap = _gap(kb, folded + (" " + " ".join(words) if latin * 2 > len(folded) else ""))
    if gap:
        return _not_covered(kb, question, hits, gap.say, gap.near)

    overview = _overview(kb, folded, question)
    if overview:
        return overview

    attachments = _attachments(kb, folded, question)
    if attachments:
        return attachments

    facts = kb.facts
    # Cue words are looked for in the question as written plus its restored typos and synonyms.
    cues = search_folded + " " + " ".join(words)
    money = funding.arithmetic(facts, cues, amount_text)
    if money:
        text, share = money
        sources = [share.source] + ([facts.cap] if facts.cap else [])
        return Answer(question, True, "funding", text, citations(kb, *sources, hits=hits), 0.9, f"share:{share.id}")

    expense = funding.classify_expense(facts, cues, [h.clause.id for h in hits[:2]])
    if expense:
        verdict, rule, word = expense
        sources = [rule.source] if rule else list(facts.unnamed_near)
        return Answer(question, True, "funding", funding.expense_text(facts, verdict, rule, word),
                      citations(kb, *sources, hits=hits), 0.85, "expense")

    counted = requirements.answer(facts, cues)
    if counted:
        text, target = counted
        return Answer(question, True, "requirement", text, citations(kb, target.source, hits=hits), 0.9, f"target:{target.id}")

    asks_when = deadline.asks_when(cues)
    names_a_day = asks_when and bool(dates(cues, 2000))
    situation = None if names_a_day else eligibility.from_situation(cues, question, [h.clause.id for h in hits], now)
    if situation:
        # The best clause, when no condition cites it, says what the verdict alone would miss.
        lead = []
        if hits and hits[0].clause.id not in {c.id for c in situation.citations}:
            note = best_note(kb, hits[0].clause.id, cues, words)
            # Only a clause about who qualifies or what is required belongs before a verdict.
            if note and note.intent in ("eligibility", "requirement") and hits[0].coverage >= COVERAGE_THRESHOLD:
                situation.text = note.answer + "\n" + situation.text
                lead = citations(kb, hits[0].clause.id)
        situation.citations = (lead + situation.citations + citations(kb, hits=hits[:2]))[:5]
        return situation

    top_ids = [h.clause.id for h in hits[:3]]
    if not _covered(hits):
        return _not_covered(kb, question, hits, "通知中未涉及这个问题。")

    top = hits[0]
    note = best_note(kb, top.clause.id, cues, words)
    intent = _intent(kb, cues, note)
    if asks_when:
        fact = deadline.pick(facts.dates, cues, top_ids)
        if fact:
            body = deadline.answer_text(fact, cues, today(now))
            if hits[0].clause.id == fact.source.clause_id:
                body += _second_note(kb, hits, cues, body, words, note)
            return Answer(question, True, "deadline", body, citations(kb, fact.source, hits=hits),
                          0.9, f"date:{fact.id}")
    if _detail_missing(kb, folded, top.clause.text + (note.answer if note else "")):
        return _not_covered(kb, question, hits, kb.facts.details_say)
    body = note.answer if note else EXTRACT_PREFIX + _extract(top.clause.text, words)
    body += _second_note(kb, hits, cues, body, words, note)
    confidence = min(0.95, 0.3 + top.coverage)
    return Answer(question, True, intent, body, citations(kb, hits=hits), confidence, note.topic if note else top.clause.id)


def _second_note(kb: KnowledgeBase, hits: list[Hit], folded: str, first: str, words, lead) -> str:
    """The runner-up clause's answer too, when it scores nearly as well, or fairly well on the same topic.

    lead: the note that gave the first answer (of the best clause).
    """
    if len(hits) < 2:
        return ""
    note = best_note(kb, hits[1].clause.id, folded, words)
    share = SAME_TOPIC_SHARE if note and lead and note.topic == lead.topic else SECOND_ANSWER_SHARE
    if hits[1].score < share * hits[0].score:
        return ""
    if not note or note.answer in first or len(first) + len(note.answer) > 400:
        return ""
    return note.answer
