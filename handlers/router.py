"""Question in, Answer out: one first-match chain of deciders, each `(query, kb) -> Answer | None`.

Order matters: what the notice does not say is checked first, so a near miss is never answered; computed
answers (money, counts, verdicts, dates) come before the clause answer they would refine; the last decider
always answers, from a hand-written note or from the notice's own sentences.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from collections.abc import Callable

from knowledge.base import KnowledgeBase, shipped
from knowledge.cues import occurs, weight
from knowledge.fold import fold

from . import coverage, deadline, eligibility, english, funding, requirements, slots, terms
from .common import citations, found, has_any
from .compose import compose
from .compose import evidence as compose_evidence
from .context import Context
from .model import Answer
from .query import Query, analyse
from knowledge.lazy import lazy_re

FOLLOW_UP_ALONE = 0.3  # a follow-up covered this well by its best clause is answered on its own
SECOND_ANSWER_SHARE = 0.8  # the runner-up clause answers too when it scores this close to the best
SAME_TOPIC_SHARE = 0.6  # or this close, when its answer is on the same topic as the best one
_PART_END = lazy_re(r"[?\uff1f!\uff01;\uff1b\u3002\n]+|,\s*and\s+")
_CONTENT = lazy_re(r"[0-9a-z\u4e00-\u9fff]")
_COMMA = lazy_re(r"[,\uff0c]")
MIN_PART_LENGTH = 4  # characters of content for a part to count as a question of its own
MAX_PARTS = 3
PART_COVERAGE = 0.3  # a part must be this well covered by its own best clause to be answered apart
MAX_CITATIONS = 5
DATE_ABOUT = 0.34  # share of the focus a date's sentence (with its section path) must hold to answer for it
RUNNER_UP_DEPTH = 3  # hits, the best included, among which one holding the asked details may answer instead
CONTEXT_MAX = 200  # characters of the sentence setting a date that a date answer quotes as its context
ABOUT_COMPOSED = 0.26  # share of the focus a composed answer's sentence must name
_WHOLE_MESSAGE_KINDS = {"verdict", "outline"}  # these answer every part of a message at once
_COMPUTED_KINDS = {"computed"}

Decider = Callable[[Query, KnowledgeBase], "Answer | None"]


def _not_covered(kb: KnowledgeBase, query: Query, say: str, near=()) -> Answer:
    """通知中未涉及: what it does say nearby, the two closest sections, and where to ask."""
    hits = list(query.hits)
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
    return Answer(
        query.asked,
        False,
        "out_of_scope",
        text,
        citations(kb, *sources, hits=hits[:2]),
        0.0,
        "not_covered",
        kind="not_covered",
    )


def empty_message(query: Query, kb: KnowledgeBase) -> Answer | None:
    """A message with no words: say how to ask."""
    if not query.empty:
        return None
    return Answer(
        query.asked,
        False,
        "out_of_scope",
        "没有看到文字问题。请用一句话描述您想了解的内容,例如:“申报截止时间是什么时候?”",
        [],
        0.0,
        None,
        kind="message",
    )


def smalltalk(query: Query, kb: KnowledgeBase) -> Answer | None:
    """Greetings and thanks: what the bot can answer."""
    facts = kb.facts
    if len(query.folded) <= facts.smalltalk_max and has_any(query.folded, facts.smalltalk_cues):
        return Answer(query.asked, False, "general", facts.smalltalk_reply, [], 0.0, None, kind="message")
    return None


def gap(query: Query, kb: KnowledgeBase) -> Answer | None:
    """A not-covered topic of the notice (gaps.yaml) whose every word group occurs in the question."""
    # An English question is matched through its Chinese synonyms too; a Chinese one only as written,
    # so that a synonym never turns a covered question into a not-covered topic.
    text = query.cues if query.english else query.folded
    for entry in kb.facts.gaps:
        if all(has_any(text, group) for group in entry.when) and not has_any(text, entry.unless):
            return _not_covered(kb, query, entry.say, entry.near)
    return None


def outcome(query: Query, kb: KnowledgeBase) -> Answer | None:
    """What followed the notice (who was selected, how many applied): no notice holds its own results."""
    if not kb.facts.outcome_say or not has_any(query.asking, kb.facts.outcome_cues):
        return None
    if query.stated.role and "permission" in query.slots:
        return None  # "我们区入选了,以后还能再报吗": the asker states the outcome and asks what the rules allow
    return _not_covered(kb, query, kb.facts.outcome_say)


def elsewhere(query: Query, kb: KnowledgeBase) -> Answer | None:
    """A question about another region's policy ("上海的试点怎么申报"): the notice is about its own region."""
    rules = kb.facts.regions
    if not rules or {"permission", "eligibility"} & set(query.slots):
        return None  # whether a place outside may apply is the location rule's verdict
    region = fold(rules[0].region)
    others = [n for n in query.stated.places if kb.place_region[n] not in (region, ELSEWHERE)]
    if not others:
        return None
    return _not_covered(kb, query, f"通知只涉及{rules[0].region}的工作,未涉及{others[0]}的政策。")


_ISSUED = lazy_re(r"印发|发布|出台|下发|发文|签发|发的|issued|published")


def cited_document_date(query: Query, kb: KnowledgeBase) -> Answer | None:
    """When a document the notice cites was issued ("117号文是哪天印发的"): the notice cites it, it does not date it."""
    if not deadline.asks_when(query.cues) or not _ISSUED.search(query.folded):
        return None
    for doc in kb.facts.documents:
        serial = re.findall(r"\d+", doc.number)
        named = fold(doc.title) in query.folded or (serial and f"{serial[-1]}号" in query.folded)
        if named:
            say = f"通知引用了《{doc.title}》({doc.number}),但没有给出该文件的印发日期。"
            return _not_covered(kb, query, say, near=[doc.source])
    return None


ELSEWHERE = "外地"  # places.yaml's words for "somewhere else": a move away, not another region's policy
_BATCH = lazy_re(r"(首|第[一二三四五六七八九十\d]+)批")
_ATTACHMENT_CONTENT = lazy_re(r"附件\s*\d+.{0,10}?(?:里|中|内).{0,12}?(?:哪些|具体|有没有|在不在|是否|列了|包括|包含)")


_BATCH_EN = lazy_re(
    r"\b(first|second|third|fourth|1st|2nd|3rd|4th)\s+(?:batch|round)|\b(?:batch|round)\s+(one|two|three|four|[1-4])\b"
)
_ORDINALS = {
    "first": "首",
    "1st": "首",
    "one": "首",
    "1": "首",
    "second": "第二",
    "2nd": "第二",
    "two": "第二",
    "2": "第二",
    "third": "第三",
    "3rd": "第三",
    "three": "第三",
    "3": "第三",
    "fourth": "第四",
    "4th": "第四",
    "four": "第四",
    "4": "第四",
}  # English ordinals of a batch, as Chinese writes them


def other_batch(query: Query, kb: KnowledgeBase) -> Answer | None:
    """A question about another batch than the notice's own ("第二批" to a first-batch notice)."""
    own = _BATCH.search(kb.notice.meta.get("title", "") or "")
    asked = [m.group(0) for m in _BATCH.finditer(query.folded)]
    asked += [_ORDINALS[m.group(1) or m.group(2)] + "批" for m in _BATCH_EN.finditer(query.folded)]
    if not own or not asked or {"permission", "eligibility"} & set(query.slots):
        return None  # "选上了以后第二批还能报吗" asks about a rule of this notice (不得重复申报)
    others = [b for b in asked if b != own.group(0) and not (own.group(1) == "首" and b == "第一批")]
    missing = [b for b in others if b not in kb.folded_text]
    if not missing:
        return None
    return _not_covered(kb, query, f"通知是{own.group(0)}的通知,未涉及{missing[0]}的安排。")


def attachment_content(query: Query, kb: KnowledgeBase) -> Answer | None:
    """What an attachment lists: the attachments are named in the notice, their contents are not in it."""
    named = _named_attachment(query, kb)
    if named is not None:
        # "信用承诺书的模板里要写哪些内容": an attachment named by its title, whose text the notice does not carry.
        return _not_covered(kb, query, f"通知只列出{named.label}《{named.description}》的名称,其内容不在通知中。")
    if not _ATTACHMENT_CONTENT.search(query.folded):
        return None
    if any(c.section == "att" and len(c.text) > 40 for c in kb.notice.clauses):
        return None  # the notice carries its attachments' text
    return _not_covered(kb, query, "通知正文只写明附件的名称,附件本身的内容不在通知中。")


_ASKS_CONTENT = lazy_re(
    r"(?:里|中|内|上)[^。?]{0,10}?(?:哪些|具体|什么内容|啥内容|都写|要写|写什么|写啥|包括什么|有谁|都有)"
    r"|要填|填哪些|填什么|哪些栏目|哪些字段|什么栏目"
)
ATTACHMENT_TITLE_MIN = 4  # characters of an attachment's title a question must name to mean that attachment


def _named_attachment(query: Query, kb: KnowledgeBase):
    """The attachment a question names by its title and asks the contents of, when the notice lacks its text."""
    if not _ASKS_CONTENT.search(query.folded):
        return None
    carried = {fold(c.text) for c in kb.notice.clauses if c.section == "att"}
    for item in kb.facts.attachments:
        title = fold(item.description)
        # Named by its label ("附件2", not 附件21) or by its title.
        by_label = re.search(re.escape(fold(item.label)) + r"(?!\d)", query.folded)
        if not by_label and (
            len(title) < ATTACHMENT_TITLE_MIN or title not in query.folded and not _tail_named(title, query.folded)
        ):
            continue
        # The attachment's own text, when the notice carries it, starts with its title on a line of its own.
        if title not in carried and not _described(kb, title):
            return item
    return None


_DESCRIBES = lazy_re(r"填写|填报|包括|列明|注明|载明")


def _described(kb: KnowledgeBase, title: str) -> bool:
    """Whether the body says what the attachment holds: the paragraph naming it says what to fill in
    ("增加《…关键指标对比表》(见附件1)。企业应如实填写生产效率、产品不良率……")."""
    for c in kb.notice.clauses:
        if c.section != "att" and c.kind in ("paragraph", "item") and title in fold(c.text):
            rest = fold(c.text).split(title, 1)[1]
            if _DESCRIBES.search(rest):
                return True
    return False


def _tail_named(title: str, folded: str) -> bool:
    """Whether the question names the title by its last words ("信用承诺书" of 企业信用承诺书)."""
    return any(title[-n:] in folded for n in range(ATTACHMENT_TITLE_MIN, len(title) + 1))


def overview(query: Query, kb: KnowledgeBase) -> Answer | None:
    """The outline of a part when the question asks for its items ("基本原则有哪几条")."""
    folded = query.folded
    steps = query.slot == "process" and not kb.facts.overview_sections  # "流程是啥样的": the steps of a part
    if not has_any(folded, kb.facts.overview_cues) and not steps:
        return None
    folded = query.cues if steps else folded  # a synonym may name the part ("流程" for "程序")
    sections = dict(kb.facts.overview_sections)
    if not sections:  # no hand-written words: each numbered part is named by its own label
        sections = {
            s.id: (fold(re.sub(r"^[^\u4e00-\u9fff]*", "", s.label.split("。")[0])),)
            for s in kb.notice.sections
            if s.children and len(s.label) >= 3
        }
    best = max(
        ((max((weight(w) for w in found(folded, words)), default=0), sid) for sid, words in sections.items()),
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
    return Answer(
        query.asked,
        True,
        "general",
        text,
        citations(kb, *cited, limit=len(cited)),
        0.9,
        f"section:{section.id}",
        kind="outline",
    )


def attachments(query: Query, kb: KnowledgeBase) -> Answer | None:
    """What each attachment is, from the notice; their contents are not in it."""
    items = kb.facts.attachments
    if not items or not has_any(query.folded, kb.facts.attachment_cues):
        return None
    lines = [f"{a.label}:{a.description}" for a in items]
    text = f"通知共提到{len(items)}个附件:" + ";".join(lines) + "。" + kb.facts.attachments_note
    return Answer(
        query.asked,
        True,
        "general",
        text,
        citations(kb, *(a.source for a in items), limit=4),
        0.9,
        "attachments",
        kind="outline",
    )


def share_check(query: Query, kb: KnowledgeBase) -> Answer | None:
    """A planned share of the money held against the notice's bound, with the arithmetic."""
    stated = query.stated.shares[0] if query.stated.shares else None
    result = funding.share_check(kb.facts, query.cues, stated, list(query.stated.amounts))
    if not result:
        return None
    text, share = result
    return Answer(
        question=query.asked,
        answered=True,
        intent="funding",
        text=text,
        citations=citations(kb, share.source, hits=list(query.hits)[:1]),
        confidence=0.9,
        topic=f"share:{share.id}",
        kind="verdict",
    )


_FIGURES = "1%、1万元"  # any share and any amount: the kinds of detail the money decider itself gives


def money(query: Query, kb: KnowledgeBase) -> Answer | None:
    """Amounts from the cap and the shares: "1个亿里最少多少用于改造" -> 8000万元."""
    facts = kb.facts
    result = funding.arithmetic(facts, query.cues, query.amount_text)
    if not result:
        return None
    text, share = result
    if not share.id.startswith("x-") or query.stated.amounts:
        pass  # a hand-written share, or arithmetic on a stated amount: its cue words chose it
    elif not coverage.about(query, kb, share.source.clause_id, share=0.34):
        return None  # "SaaS服务补贴百分之多少" is no question about the fund's shares
    clause = kb.clause(share.source.clause_id)
    evidence = text + (clause.text if clause else "")
    # Amounts and shares are what this decider computes; any other kind of detail asked must be in its sentence.
    others = [k for k in coverage.asked_details(query, kb) if not k.evidence.search(_FIGURES)]
    if others and not coverage.holds_details(others, evidence):
        return _not_covered(kb, query, facts.details_say)  # "企业自己出多少比例": the shares are the fund's
    sources = [share.source] + ([facts.cap] if facts.cap else [])
    return Answer(
        query.asked,
        True,
        "funding",
        text,
        citations(kb, *sources),  # the share and the cap are what the figure rests on; search hits are not
        0.9,
        f"share:{share.id}",
        kind="computed",
    )


def expense(query: Query, kb: KnowledgeBase) -> Answer | None:
    """Whether the money may pay for a named expense: allowed, forbidden, or not named by the notice."""
    facts = kb.facts
    found_rule = funding.classify_expense(facts, query.cues, [h.clause.id for h in query.hits[:2]])
    if not found_rule:
        return None
    verdict, rule, word = found_rule
    if verdict == "unnamed" and word and word in kb.folded_text:
        return None  # "办公电脑…不计入数字化投入": the notice names it, in a rule no list of uses holds
    # An expense no list names: the lists of what the money may and may not pay for are the evidence.
    uses = list(facts.unnamed_near) or [e.source for e in funding.main_uses(facts)][:2]
    sources = [rule.source] if rule else uses + [e.source for e in facts.expenses if e.verdict == "forbidden"][:1]
    return Answer(
        query.asked,
        True,
        "funding",
        funding.expense_text(facts, verdict, rule, word),
        citations(kb, *sources),  # the rule or the lists of uses decide; nearby hits are not evidence
        0.85,
        "expense",
        kind="verdict",
    )


def forbidden_uses(query: Query, kb: KnowledgeBase) -> Answer | None:
    """What the money may not pay for, as a list ("哪些不能花"), when no one expense is named."""
    facts = kb.facts
    banned = [e for e in facts.expenses if e.verdict == "forbidden"]
    if not banned or "items" not in query.slots or not has_any(query.cues, facts.forbidden_cues):
        return None
    if not has_any(query.cues, (*facts.money_words, *facts.spending_words)):
        return None
    text = f"通知规定{facts.money_noun}不得用于:" + "、".join(e.label for e in banned) + "。"
    sources = list(dict.fromkeys(e.source.clause_id for e in banned))
    return Answer(
        query.asked,
        True,
        "funding",
        text,
        citations(kb, *sources, limit=max(3, len(sources))),
        0.85,
        "expense",
        kind="computed",
    )


def counted(query: Query, kb: KnowledgeBase) -> Answer | None:
    """A planned count against the notice's minimum, or the share of a count that must qualify."""
    result = requirements.answer(kb.facts, query.cues, query.stated.counts)
    if not result:
        return None
    text, target = result
    return Answer(
        query.asked,
        True,
        "requirement",
        text,
        citations(kb, target.source, hits=list(query.hits)[:1]),  # the count's clause may be the best hit
        0.9,
        f"target:{target.id}",
        kind="computed",
    )


def situation(query: Query, kb: KnowledgeBase) -> Answer | None:
    """A verdict on a described situation, from the eligibility rules."""
    if deadline.asks_when(query.cues) and query.stated.dates:
        return None  # a named day against a deadline is a date question, not a verdict
    hits = list(query.hits)
    ranked = [h.clause.id for h in hits]
    # Situation words are read as written: a synonym's expansion (区经信局 -> 北京市经济和信息化局) states no place.
    said = query.cues if query.english else query.folded
    result = eligibility.from_situation(said, query.asked, ranked, kb=kb, day=query.today, role=query.stated.role)
    if not result:
        return None
    # The best clause, when no condition cites it, says what the verdict alone would miss.
    lead = []
    if hits and hits[0].clause.id not in {c.id for c in result.citations}:
        note = best_note(kb, hits[0].clause.id, query.cues, query.words)
        # Only a clause about who qualifies or what is required belongs before a verdict.
        if note and note.intent in ("eligibility", "requirement") and hits[0].coverage >= coverage.COVERAGE_THRESHOLD:
            result.text = note.answer + "\n" + result.text
            lead = citations(kb, hits[0].clause.id)
    result.citations = (lead + result.citations + citations(kb, hits=hits[:2]))[:5]
    result.kind = "verdict"
    return result


def not_covered(query: Query, kb: KnowledgeBase) -> Answer | None:
    """The notice does not cover the question: no sentence holds what it is about."""
    hits = list(query.hits)
    if coverage.covered(query, kb, hits) or _date_fact(query, kb, strict=True):
        return None
    # "诊断小组会来几个人,呆几天": the best match shares the subject only, a close runner-up holds the
    # details asked ("不少于3人的诊断小组…为期1至2天"): that one answers, read first.
    for i, hit in enumerate(hits[1:RUNNER_UP_DEPTH], 1):
        if coverage.holds_asked(query, kb, hit):
            return _decide(replace(query, hits=(hit, *hits[:i], *hits[i + 1 :])), kb)
    return _not_covered(kb, query, "通知中未涉及这个问题。")


def _dates_for(query: Query, kb: KnowledgeBase) -> list:
    """The date facts of the kind asked: a question about a period ("一共几年", "到哪年结束") is about periods."""
    if query.slot == "period":
        chosen = [d for d in kb.facts.dates if d.role == "period"]
    elif query.slot == "deadline":  # a deadline, or the end of a window to apply in ("申报时间自…至…")
        chosen = [
            d for d in kb.facts.dates if d.role == "deadline" or d.role == "period" and slots.WINDOW.search(d.label)
        ]
    else:
        chosen = []
    return chosen or kb.facts.dates


def _date_fact(query: Query, kb: KnowledgeBase, strict: bool = False):
    """The date fact a when-question is about; strict: only one whose cue words the question names."""
    stated = query.stated
    if not deadline.asks_when(query.cues, bool(stated.amounts or stated.counts)) and query.slot != "period":
        return None
    fact = deadline.pick(_dates_for(query, kb), query.cues, [h.clause.id for h in query.hits[:3]], kb.index.synonyms)
    if fact is None and query.slot == "period":  # "一共搞几年": the period whose sentence the question matched
        hit_ids = [h.clause.id for h in query.hits]
        return next((d for d in _dates_for(query, kb) if d.role == "period" and d.source.clause_id in hit_ids), None)
    if fact and strict and not found(query.cues, fact.cues):
        return None
    return fact


def dated(query: Query, kb: KnowledgeBase) -> Answer | None:
    """A date the notice sets, and where today stands against it."""
    fact = _date_fact(query, kb)
    if not fact:
        return None
    deadlines = [d for d in kb.facts.dates if d.role == "deadline"]
    only = query.slot == "deadline" and deadlines == [fact]  # "还来得及么": the one deadline there is
    # "哪天印发的": the question names the date by its own words.
    named = fact.role == "event" and found(query.cues, fact.cues)
    if (
        not only
        and not named
        and not kb.notes_for(fact.source.clause_id)
        and not coverage.about(query, kb, fact.source.clause_id, share=DATE_ABOUT)
    ):
        return None  # "现场答辩定在哪天" is no question about the deadline, whatever date is nearest
    clause = kb.clause(fact.source.clause_id)
    # The rule may stand in the next sentence of the same item ("逾期不予受理"): the item is the evidence.
    item = "".join(c.text for c in kb.notice.clauses if clause and c.section == clause.section)
    if clause and coverage.detail_missing(query, kb, item + fact.text):
        return _not_covered(kb, query, kb.facts.details_say)  # "过了截止还能补交吗": the notice sets no such rule
    hits = list(query.hits)
    body = deadline.answer_text(fact, query.cues, query.today)
    # "什么时候施行,有效期到哪天": the other dates its sentence sets that the question names too.
    for other in kb.facts.dates:
        if other is not fact and other.source.clause_id == fact.source.clause_id and found(query.cues, other.cues):
            body += other.text + "。"
    periods = [d for d in _dates_for(query, kb) if d.role == "period"]
    shared = set.intersection(*(set(d.cues) for d in periods)) if periods else set()
    if fact.role == "period" and len(periods) > 1 and not set(found(query.cues, fact.cues)) - shared:
        # No words pick one part of the period: the whole of it, part by part, and the sentence that sets it.
        fact = max(periods, key=lambda d: d.end)
        body = ";".join(d.text for d in periods) + "。" + deadline.status(fact, query.today)
        clause = kb.clause(fact.source.clause_id)
        if clause and len(clause.text) <= 160 and not kb.notes_for(clause.id):
            body += clause.text
    if hits and hits[0].clause.id == fact.source.clause_id:
        note = best_note(kb, hits[0].clause.id, query.cues, query.words)
        body += _second_note(kb, hits, query, body, note)
    if clause and not kb.notes_for(clause.id) and clause.text not in body and len(clause.text) <= CONTEXT_MAX:
        # The sentence that sets the date, as context: what the date is for often answers the rest of the
        # question ("中期评价啥时候搞,结果有啥用": 评价结果将作为拨付奖补资金的重要参考).
        body += clause.text
    return Answer(
        query.asked,
        True,
        "deadline",
        body,
        citations(kb, fact.source, hits=hits),
        0.9,
        f"date:{fact.id}",
        kind="computed",
    )


def detail_not_given(query: Query, kb: KnowledgeBase) -> Answer | None:
    """The question asks for a kind of detail that the clause answering it does not hold."""
    if not query.hits:
        return _not_covered(kb, query, "通知中未涉及这个问题。")
    top = query.hits[0]
    note = best_note(kb, top.clause.id, query.cues, query.words)
    # The sentences found beside it in its own part are the same answer's ("邮箱…;同时,纸质版送至…").
    beside = "".join(h.clause.text for h in query.hits[1:3] if h.clause.section == top.clause.section)
    evidence = top.clause.text + beside + (note.answer if note else "")
    if not note:  # a composed answer rests on the sentences it would quote: they must hold the detail
        evidence = "".join(c.text for c in compose_evidence(query, kb, list(query.hits)))
    if coverage.detail_missing(query, kb, evidence):
        return _not_covered(kb, query, kb.facts.details_say)
    return None


def clause_answer(query: Query, kb: KnowledgeBase) -> Answer:
    """The best clause's hand-written answer, or an answer composed from the notice's sentences."""
    hits = list(query.hits)
    top = hits[0]
    note = best_note(kb, top.clause.id, query.cues, query.words)
    intent = _intent(kb, query.cues, note)
    confidence = min(0.95, 0.3 + top.coverage)
    if note:
        body = note.answer + _second_note(kb, hits, query, note.answer, note)
        return Answer(query.asked, True, intent, body, citations(kb, hits=hits), confidence, note.topic)
    if query.slots and not coverage.about(query, kb, top.clause.id, share=ABOUT_COMPOSED, rare_only=True):
        # A question asking for something (a date, a number, a place) about a subject the best sentence
        # does not name: a sentence that only shares its incidental words ("每个区") answers nothing.
        return _not_covered(kb, query, "通知中未涉及这个问题。")
    body, cited = compose(query, kb, hits)
    return Answer(
        query.asked, True, intent, body, citations(kb, *cited, hits=hits), confidence, top.clause.id, kind="sentence"
    )


DECIDERS: tuple[Decider, ...] = (
    empty_message,
    smalltalk,
    gap,
    outcome,
    elsewhere,
    other_batch,
    cited_document_date,
    attachment_content,
    terms.defined_term,
    slots.documents,
    overview,
    attachments,
    slots.issuer,
    share_check,
    money,
    expense,
    forbidden_uses,
    counted,
    slots.location,
    slots.age,
    situation,
    slots.only_deadline,
    slots.how_many,
    slots.minimum_amount,
    slots.cap,
    slots.contact,
    slots.excluded,
    slots.listing,
    not_covered,
    dated,
    detail_not_given,
    clause_answer,
)


_VERDICT_OPENING = lazy_re(
    r"^(不可以|可以|不能|能|不会|会|不符合|符合|不需要|需要|不用|不行|行|不是|是|否)[\u3002,\uff0c;\uff1b]"
)


def _keyed(note, cues: str) -> bool:
    return any(occurs(k, cues) for k in note.folded_keywords)


def best_note(kb: KnowledgeBase, clause_id: str, cues: str, words=()):
    """The note of a clause that the question is about (a clause may answer two things).

    Keyword phrases in the question count most; then the question's words found in the note, by weight.
    """
    # A note that opens with yes or no answers one question: it is used only when that question's words are
    # asked, never because its clause was found through other words ("服务商能申报吗" is not 能否重复申报).
    notes = [n for n in kb.notes_for(clause_id) if not _VERDICT_OPENING.match(n.answer) or _keyed(n, cues)]
    if len(notes) <= 1:
        return notes[0] if notes else None
    words = sorted(set(words))  # ordered: a float sum must not depend on PYTHONHASHSEED

    def score(note) -> float:
        phrases = sum(weight(k) for k in note.folded_keywords if occurs(k, cues))
        return 2 * phrases + sum(kb.index.idf.get(w, 0.0) for w in words if w in note.folded_text)

    return max(notes, key=score)


def _intent(kb: KnowledgeBase, cues: str, note) -> str:
    """The kind of question: the best clause's note decides, cue words when there is none."""
    if note:
        return note.intent
    scores = {name: sum(weight(w) for w in found(cues, words)) for name, words in kb.facts.intents.items()}
    best = max(scores.items(), key=lambda kv: kv[1], default=("general", 0))
    return best[0] if best[1] else "general"


def _second_note(kb: KnowledgeBase, hits, query: Query, first: str, lead) -> str:
    """The runner-up clause's answer too, when it scores nearly as well, or fairly well on the same topic.

    lead: the note that gave the first answer (of the best clause).
    """
    if len(hits) < 2:
        return ""
    note = best_note(kb, hits[1].clause.id, query.cues, query.words)
    share = SAME_TOPIC_SHARE if note and lead and note.topic == lead.topic else SECOND_ANSWER_SHARE
    if hits[1].score < share * hits[0].score:
        return ""
    if not note or note.answer in first or len(first) + len(note.answer) > 400:
        return ""
    return note.answer


def _decide(query: Query, kb: KnowledgeBase) -> Answer:
    """The answer of the first decider that answers."""
    for decide in DECIDERS:
        result = decide(query, kb)
        if result is not None:
            return result
    raise AssertionError("the last decider always answers")  # pragma: no cover


def answer(query: Query, kb: KnowledgeBase) -> Answer:
    """Answer one analysed question from one knowledge base: the first decider that answers wins."""
    result = _decide(query, kb)
    result.notice = kb.key
    return english.in_english(query, kb, result)


def _follow_up(kb: KnowledgeBase, query: Query, context: Context | None) -> bool:
    """A short question that leans on the previous one ("那规下企业呢?")."""
    if not context or not context.question:
        return False
    return len(query.folded) <= kb.facts.follow_up_max and has_any(query.folded, kb.facts.follow_up_cues)


def answer_question(
    question: str, context: Context | None = None, now: dt.datetime | None = None, kb: KnowledgeBase | None = None
) -> Answer:
    """Answer one message about the notice, with citations best first; several questions part by part."""
    kb = kb or shipped()  # front ends pass the knowledge they hold; the CLI and tests the shipped notice
    query = analyse(kb, question, now)
    if _follow_up(kb, query, context) and (not query.hits or query.hits[0].coverage < FOLLOW_UP_ALONE):
        # Too thin alone: read it together with the question it follows.
        query = analyse(kb, question, now, context_text=context.question)
    result = answer(query, kb)
    if result.answered and result.kind not in _WHOLE_MESSAGE_KINDS and result.topic != "expense":
        _add_parts(kb, result, query, now)
    result.related = _related(kb, result, query.folded)
    if context is not None and result.answered:
        context.remember(query.text, result.intent, result.topic, result.citations[0].id if result.citations else None)
    return result


def _parts(kb: KnowledgeBase, text: str) -> list[str]:
    """The questions of a message that asks several ("啥时候截止?纸质材料也要送吗?")."""
    parts = []
    for part in _PART_END.split(text):
        pieces = [p.strip() for p in _COMMA.split(part)]
        # A comma joins two questions only when each side asks something ("啥时候搞,结果有啥用"); otherwise
        # it joins the asker's situation to the question ("我们是小厂,能报吗").
        if len(pieces) > 1 and all(has_any(fold(p), kb.facts.interrogatives) for p in pieces):
            parts += pieces
        else:
            parts.append(part.strip())
    return [p for p in parts if len(_CONTENT.findall(fold(p))) >= MIN_PART_LENGTH]


def _add_parts(kb: KnowledgeBase, result: Answer, query: Query, now: dt.datetime | None) -> None:
    """Answer each part of a several-part question too, adding what the whole answer left out."""
    parts = _parts(kb, query.text)
    if len(parts) < 2:
        return
    for part in parts[:MAX_PARTS]:
        sub = analyse(kb, part, now, amount_text=query.folded)
        extra = answer(sub, kb)
        if not extra.answered or not extra.citations or extra.text in result.text:
            continue
        clear = sub.hits and (sub.hits[0].coverage >= PART_COVERAGE or sub.hits[0].phrase)
        computed = extra.kind in _COMPUTED_KINDS or extra.topic == "expense"
        known = {c.id for c in result.citations}
        if not computed and (
            not clear or (extra.kind == "sentence" and (kb.curated or extra.citations[0].quote in result.text))
        ):
            # "它们起啥作用" leans on the rest of the message: the whole answer stands for it; and a part whose
            # best sentence the answer already cites adds nothing.
            continue
        result.text += "\n" + extra.text
        result.citations = (
            result.citations[:1] + [c for c in extra.citations[:1] if c.id not in known] + result.citations[1:]
        )[:MAX_CITATIONS]


def _related(kb: KnowledgeBase, answer: Answer, folded: str) -> list[str]:
    """Up to three curated questions on the same topic, for buttons under the answer."""
    same = [str(f["q"]) for f in kb.facts.faq if isinstance(f, dict) and f.get("topic") == answer.intent]
    return [q for q in same if fold(q) != folded][:3]
