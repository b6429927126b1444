"""Deciders that answer a typed slot from the notice's facts: who issued it, where to send, how many, how much.

Each answers only when the question asks for that slot and the notice states such a fact; otherwise it
passes the question on. The facts come from extraction (any notice) or hand-written files (corrections).
"""

from __future__ import annotations

import datetime as dt

from knowledge.base import KnowledgeBase
from knowledge.cues import occurs
from knowledge.fold import fold

from . import coverage, deadline
from .common import citations, found, has_any
from .model import Answer
from .numbers import cn_date, figure, yuan
from .query import Query
from knowledge.lazy import lazy_re

_ASKED_UNIT = lazy_re(r"(?:几|多少)\s*(个)?\s*([\u4e00-\u9fff])")
EXCLUSION_SHARE = 0.34  # the rule is quoted with its condition, so a looser match is safe
# A window to apply in: "申报时间", or a span named only by applying ("网上申领").
WINDOW = lazy_re(
    r"(申报|报送|提交|受理|申请|报名|申领)(时间|期限|期间|日期|窗口)|^[\u4e00-\u9fff]{0,2}(申报|申请|申领|报名)$"
)
_DELIVERS = lazy_re(r"(?:报送|送|寄|发送|提交|递交)(?:至|到)|报送(?:所在|注册)")


def found_answer(
    query: Query,
    kb: KnowledgeBase,
    sources,
    *,
    intent: str,
    text: str,
    topic: str,
    kind: str,
    best_hit: bool = True,
    limit: int = 3,
    confidence: float = 0.85,
) -> Answer:
    """An answer made from facts of the notice, built by keyword in one place.

    sources: the facts' quotes or clause ids, cited first; best_hit: the best-matching clause may follow them.
    """
    return Answer(
        question=query.asked,
        answered=True,
        intent=intent,
        text=text,
        citations=citations(kb, *sources, hits=list(query.hits)[:1] if best_hit else (), limit=limit),
        confidence=confidence,
        topic=topic,
        kind=kind,
    )


def _about(query: Query, kb: KnowledgeBase, clause_id: str) -> bool:
    return coverage.about(query, kb, clause_id)


def _noted(query: Query, kb: KnowledgeBase) -> bool:
    """Whether a hand-written answer exists for the best clause: then it answers, not a generic pattern."""
    return bool(query.hits) and bool(kb.notes_for(query.hits[0].clause.id))


def _rank(query: Query, clause_id: str) -> int:
    ids = [h.clause.id for h in query.hits]
    return ids.index(clause_id) if clause_id in ids else len(ids)


def issuer(query: Query, kb: KnowledgeBase) -> Answer | None:
    """Who issued the notice and when: its closing lines."""
    if not has_any(query.folded, kb.facts.issuer_cues):
        return None
    if "who" not in query.slots and query.slot in ("date", "deadline", "period"):
        return None  # "哪天印发的" asks when: the date decider answers with the date first
    signatures = [c for c in kb.notice.clauses if c.kind == "signature"]  # joint issuers: one line each
    date = kb.clause("date")
    if not signatures:
        return None
    names = "、".join(c.text for c in signatures)
    text = f"通知由{names}印发" + (f",落款日期{date.text}" if date else "") + "。"
    if query.english:
        text = f"Issued by {names}" + (f", dated {date.text}" if date else "") + ". " + text
    return found_answer(
        query,
        kb,
        [*(c.id for c in signatures), *(["date"] if date else [])],
        intent="general",
        text=text,
        best_hit=False,
        topic="issuer",
        kind="computed",
        confidence=0.9,
    )


def _channel(query: Query, kb: KnowledgeBase) -> str | None:
    """Which channel a where-question names (email, address, phone, person), the most specific word first."""
    best, size = None, 0
    text = query.cues if query.english else query.folded  # "哪里" is no address, though a synonym of one
    for name, words in kb.facts.channels.items():
        for w in found(text, words):
            if len(w) > size:
                best, size = name, len(w)
    return best


_OFFICE = lazy_re(r"[\u4e00-\u9fff]{2,}(?:局|厅|处|科|委|办|中心)$")  # a government office named in a question


def _subject(query: Query, kb: KnowledgeBase) -> bool:
    """Whether the question names a subject of the notice ("方案调整找谁批"), not only whom to ask."""
    return any(kb.index.idf.get(w, 0.0) >= coverage.FOCUS_MIN_IDF for w in query.focus)


def contact(query: Query, kb: KnowledgeBase) -> Answer | None:
    """Where and how to send, or whom to call: the channels the notice gives, with the sentence that gives them."""
    if _noted(query, kb):
        return None
    contacts = kb.facts.contacts
    channel = _channel(query, kb)
    if contacts is None or not (query.slot == "where" or channel and query.slot == "who"):
        return None  # "发邮件还赶得上吗" asks about the deadline, not the e-mail address
    options = {
        "email": [(f"邮箱:{e}", q) for e, q in contacts.emails],
        "address": [(f"地址:{a}", q) for a, q in contacts.addresses],
        "phone": [(f"电话:{n}" + (f"(联系人:{who})" if who else ""), q) for who, n, q in contacts.phones],
    }
    options["person"] = options["phone"]
    options["any"] = options["email"] + options["address"] + options["phone"]
    if channel is None:
        # No channel named: the channel whose sentence holds what the question is about.
        pool = [o for group in options.values() for o in group if _about(query, kb, o[1].clause_id)]
        pool.sort(key=lambda o: _rank(query, o[1].clause_id))
        if not pool or _rank(query, pool[0][1].clause_id) > 1:
            return None
        chosen = [pool[0]]
    else:
        chosen = options.get(channel) or []
        if not chosen and channel == "person" and not coverage.asked_details(query, kb) and not _subject(query, kb):
            chosen = options["any"]  # whom to ask, in a notice that names no person: the channels it gives
        if not chosen:
            return None  # the notice gives no such channel: the not-covered check says so
        chosen = sorted(chosen, key=lambda o: _rank(query, o[1].clause_id))[:3]
        # Of several contacts, those whose line the search found for this question ("资金拨付:…联系人:…").
        found_lines = [o for o in chosen if _rank(query, o[1].clause_id) < len(query.hits)]
        chosen = found_lines or chosen
        top = query.hits[0].clause if query.hits else None
        every = {q.clause_id for group in options.values() for _, q in group}
        if (
            top
            and top.id not in every
            and _DELIVERS.search(top.text)
            and not _about(query, kb, chosen[0][1].clause_id)
            and _about(query, kb, top.id)
        ):
            return None  # "纸质材料交到哪里" answered by the sentence that says where, not by the contacts list
    offices = [w for w in query.words if _OFFICE.search(w) and w in query.folded]
    given = "".join(fold(kb.clause(q.clause_id).text) for _, q in chosen)
    full = kb.index.synonyms  # 区工信局 given as the body's full name
    if offices and not any(w in given or full.get(w, "\0") in given for w in offices):
        return None  # "区财政局那边有没有对接人电话": the contacts given are of other offices
    lines = [label for label, _ in chosen]
    sources = [q.clause_id for _, q in chosen]
    sentence = kb.clause(sources[0])
    given = ";".join(lines) + "。"
    text = given + (sentence.text if sentence and len(sentence.text) <= 160 else "")
    if coverage.detail_missing(query, kb, given + (sentence.text if sentence else "")):
        return None  # "邮件附件大小有没有限制": the channel is given, the detail asked of it is not
    return found_answer(
        query,
        kb,
        sources,
        intent="contact",
        text=text,
        topic=f"contact:{channel or 'any'}",
        kind="computed",
    )


_COUNTED = lazy_re(r"(?:多少|几)\s*[个家项批份条名位]([\u4e00-\u9fff]{2,8})")


def _counts_named(query: Query, kb: KnowledgeBase, target) -> bool:
    """Whether the target counts the thing the question names after its count word ("多少家服务商": not 企业)."""
    m = _COUNTED.search(query.folded)
    if not m:
        return True
    counted = fold(target.label + target.source.quote)
    noun = kb.lexicon.cut(m.group(1))[0]  # the word right after the count word
    if len(noun) < 2 or noun not in query.words:
        return True
    return noun in counted or kb.index.synonyms.get(noun, "\0") in counted


def how_many(query: Query, kb: KnowledgeBase) -> Answer | None:
    """A count the notice sets (不少于500家, 遴选1个区), when the question asks how many of that thing."""
    if _noted(query, kb):
        return None
    if "count" not in query.slots or query.stated.counts:
        return None  # a stated count is checked against the target by the count decider
    asked_units = {u for pair in _ASKED_UNIT.findall(query.folded) for u in pair if u}  # "几个项目": 个 and 项
    best, score = None, 0.0
    for target in kb.facts.targets:
        # The thing counted must be the thing asked: "几批" is no question about "500家".
        if target.count is None or not target.unit or target.unit[-1] not in asked_units:
            continue
        if not _about(query, kb, target.source.clause_id) or not _counts_named(query, kb, target):
            continue
        hit = sum(len(w) for w in found(query.cues, target.cues)) + 2
        hit += 3 - min(3, _rank(query, target.source.clause_id))
        if hit > score:
            best, score = target, hit
    same_unit = [t for t in kb.facts.targets if t.count and t.unit and t.unit[-1] in asked_units]
    if best is None or (score < 4 and len(same_unit) > 1):
        return None  # the only count of the asked unit answers; among several, the one the question names
    bound = {"min": "不少于", "max": "不超过"}.get(best.bound, "")
    text = f"{best.label}{bound}{best.count}{best.unit}。"
    if len(best.source.quote) <= 40:
        text = best.source.quote.rstrip(",;。") + "。"  # the notice's own words: "拟分三批", "不少于500家"
    clause = kb.clause(best.source.clause_id)
    if clause and len(clause.text) <= 160:
        # A short clause says it all, the count included: it is not repeated after its own words.
        text = clause.text if best.source.quote in clause.text and len(clause.text) <= 60 else text + clause.text
    return found_answer(
        query,
        kb,
        [best.source],
        intent="requirement",
        text=text,
        topic=f"target:{best.id}",
        kind="computed",
    )


def cap(query: Query, kb: KnowledgeBase) -> Answer | None:
    """The money cap, when the question asks how much money in all and is about what the cap is about."""
    if _noted(query, kb):
        return None
    facts = kb.facts
    if facts.cap_amount is None or "amount" not in query.slots or not has_any(query.cues, facts.money_words):
        return None
    clause = kb.clause(facts.cap.clause_id)
    # Every word the question is about must be in the cap's sentence or section: "单个企业最多多少" is
    # not a question about the fund's total.
    place = fold(clause.text + clause.path) if clause else ""
    money_words = set(facts.money_words)
    if any(w not in place and w not in money_words and kb.index.idf.get(w) for w in query.focus):
        return None
    if any(len(w) >= 3 and w not in kb.index.idf and w not in money_words for w in query.focus):
        return None  # "高新技术企业认定奖励是多少钱": a subject the notice never names, so not its money
    return total(query, kb, best_hit=True)


def total(query: Query, kb: KnowledgeBase, *, best_hit: bool = False) -> Answer | None:
    """The money cap the notice sets, whatever was asked; None when it sets none (what /funding answers)."""
    facts = kb.facts
    if facts.cap_amount is None:
        return None
    text = f"{facts.cap_text}(上限{yuan(facts.cap_amount)})。"
    if query.english:
        text = f"At most {figure(facts.cap_amount / 1_000_000)} million yuan. " + text
    return found_answer(
        query,
        kb,
        [facts.cap],
        intent="funding",
        text=text,
        topic="cap",
        kind="computed",
        best_hit=best_hit,
    )


def only_deadline(query: Query, kb: KnowledgeBase) -> Answer | None:
    """A bare deadline question ("截止?", "ddl") when the notice sets deadlines: all of them, earliest first."""
    if _noted(query, kb):
        return None
    if query.slot != "deadline" or len(query.focus) > 1:
        return None
    return deadlines(query, kb)


def deadlines(query: Query, kb: KnowledgeBase) -> Answer | None:
    """Every deadline the notice sets, earliest first; None when it sets none (what /deadline answers)."""
    # A window to apply in ("申报时间自…至…") first: its end is the deadline an applicant asks about.
    windows = [d for d in kb.facts.dates if d.role == "period" and d.end and WINDOW.search(d.label)]
    due = windows + sorted((d for d in kb.facts.dates if d.role == "deadline" and d.date), key=lambda d: d.date)
    if not due:
        return None
    lines = [
        d.text if d.role == "period" or not d.id.startswith("x-") else f"{cn_date(d.date)}前:{d.text.split(':', 1)[-1]}"
        for d in due
    ]
    yearly = [d for d in due if d.yearly]
    past = not yearly and all(query.today > (d.date or d.end) for d in due)
    text = "截止时间:" + ";".join(lines) + "。" + (f"(按今天{cn_date(query.today)}计,已过。)" if past else "")
    if yearly:  # a window that comes back: where today stands against this year's, or the next
        text += deadline.status(yearly[0], query.today)
    return found_answer(
        query,
        kb,
        [d.source for d in due],
        intent="deadline",
        text=text,
        best_hit=False,
        topic=f"date:{due[0].id}",
        kind="computed",
    )


def location(query: Query, kb: KnowledgeBase) -> Answer | None:
    """Whether a stated place meets the notice's location rule: a place outside its region never does."""
    rules = kb.facts.regions
    if not rules or not ({"permission", "eligibility"} & set(query.slots)):
        return None
    names = kb.place_region
    stated = query.stated.places
    if not stated:
        return None
    rule = rules[0]
    provider_words = kb.facts.roles.get("provider", ())
    if query.stated.role == "provider" and not any(occurs(w, fold(rule.text)) for w in provider_words):
        return None  # the rule places the applicants; a service provider's own seat is another question
    region = fold(rule.region)
    outside = [n for n in stated if names[n] != region and not region.startswith(n)]
    if outside:
        place = outside[0] if not outside[0].isascii() else names[outside[0]]  # "tianjin" -> 天津市
        text = f"不符合地域条件:通知规定“{rule.text}”,{place}不属于{rule.region}。"
        if query.english:
            text = f"No: the notice requires {rule.region} ({place} is not in it). " + text
    elif kb.facts.conditions:
        return None  # inside the region: the hand-written rules weigh every other condition too
    else:
        place = stated[0]
        text = f"{place}属于{rule.region},符合地域条件(“{rule.text}”);其他条件仍需对照通知逐条确认。"
    return found_answer(
        query,
        kb,
        [rule.source],
        intent="eligibility",
        text=text,
        topic="eligibility",
        kind="verdict",
        confidence=0.9,
    )


def excluded(query: Query, kb: KnowledgeBase) -> Answer | None:
    """A may-we question that meets one of the notice's exclusions ("不得重复申报"): the rule, as its condition."""
    if not ({"permission", "eligibility"} & set(query.slots)) or not kb.facts.exclusions or _noted(query, kb):
        return None
    if query.slot == "deadline":
        return None  # "现在还能申报吗" asks about the deadline, not about an exclusion
    top = {h.clause.id for h in query.hits[:2]}
    best, share = None, 0.0
    for rule in kb.facts.exclusions:
        place = fold(rule.text)
        held = [w for w in query.focus if w in place]
        if not held or rule.source.clause_id not in top:
            continue
        if len(held) / max(1, len(query.focus)) > share:
            best, share = rule, len(held) / max(1, len(query.focus))
    if best is None or share < EXCLUSION_SHARE:
        return None
    text = f"按通知规定:“{best.text}”。属于这一情形的,不能申报或不再支持;不属于这一情形的,不受此条限制。"
    return found_answer(
        query,
        kb,
        [best.source],
        intent="eligibility",
        text=text,
        topic="eligibility",
        kind="verdict",
    )


_LIST_OPENS = lazy_re(r"(?:包括|如下|以下[^。;]{0,8}|下列[^。;]{0,8})[:]")  # a sentence that opens a list


def listing(query: Query, kb: KnowledgeBase) -> Answer | None:
    """Which items: the numbered list a sentence introduces ("须提交以下材料:"), item by item."""
    if "items" not in query.slots or _noted(query, kb):
        return None
    for rank, hit in enumerate(query.hits[:3]):
        clause = hit.clause
        if rank and not _about(query, kb, clause.id):
            continue  # "专家评审主要看哪几方面": a list of materials further down is no answer to it
        text = fold(clause.text)
        whole = kb.clause(clause.parent) if clause.parent else None
        if whole and _LIST_OPENS.search(text) and fold(whole.text).count(";") >= 2:
            # "答:主要包括:项目申报书;营业执照复印件;……": a list written in one paragraph, item after item.
            return found_answer(
                query,
                kb,
                [whole.id],
                intent="materials" if "材料" in fold(whole.text) else "general",
                text=whole.text,
                best_hit=False,
                topic=f"section:{clause.section}",
                kind="outline",
            )
        if "以下" not in text and not text.endswith(":"):
            continue
        section = next((s for s in kb.notice.sections if s.id == clause.section), None)
        children = [s for s in kb.notice.sections if section and s.id in section.children]
        items = [kb.clause(s.clauses[0]) for s in children if s.clauses]
        items = [c for c in items if c is not None and c.kind in ("item", "paragraph")]
        if len(items) < 2:
            continue
        lines = "\n".join(c.text for c in items)
        text = f"{clause.text}\n{lines}"
        return found_answer(
            query,
            kb,
            [*(c.id for c in items), clause.id],  # the items are the facts; the sentence that lists them follows
            intent="materials" if "材料" in fold(clause.text) else "general",
            text=text,
            best_hit=False,
            limit=len(items) + 1,
            topic=f"section:{clause.section}",
            kind="outline",
        )
    return None


_OTHER_SLOTS = frozenset({"where", "who", "date", "deadline", "period"})  # kinds of answer no minimum amount gives


FORMER = "原"  # extraction's mark on the label of a figure that an amendment replaced


def _rare(kb: KnowledgeBase, word: str) -> bool:
    return kb.index.idf.get(word, 0.0) >= coverage.COMMON_IDF


def minimum_amount(query: Query, kb: KnowledgeBase) -> Answer | None:
    """A minimum amount the notice sets (营业收入不低于500万元), and a stated amount held against it."""
    if _noted(query, kb):
        return None
    minimums = [t for t in kb.facts.targets if t.unit == "万元" and t.bound == "min" and t.count]
    # A stated amount, a question for an amount, or one that names what a minimum is about ("营收有要求没").
    asks = (
        bool(query.stated.amounts)
        or "amount" in query.slots
        # a word of what the minimum is about, rare enough in the notice to name it ("营收有要求没", not 项目)
        or any(len(w) >= 2 and w in query.cues and _rare(kb, w) for t in minimums for w in t.cues)
    )
    if not minimums or not asks:
        return None
    if _OTHER_SLOTS & set(query.slots) and "amount" not in query.slots and not query.stated.amounts:
        return None  # "申报咨询有没有邮箱" asks where, whatever minimum the words of 申报 name
    scored = []
    # An amended figure ("原…2000万元,调整为…1000万元") answers only a question about the rule before the change.
    former = has_any(query.cues, kb.facts.former_cues)
    for t in minimums:
        named = sum(len(w) for w in found(query.cues, t.cues))
        rank = _rank(query, t.source.clause_id)
        if named or rank <= 1:
            scored.append((named, t.label.startswith(FORMER) == former, -rank, t))
    if not scored:
        return None
    target = max(scored, key=lambda s: s[:3])[3]
    # The upper end of the same range, when the notice gives one ("不低于500万元且不超过4亿元").
    upper = next(
        (t for t in kb.facts.targets if t.bound == "max" and t.unit == "万元" and t.label == target.label), None
    )
    low = yuan(target.count * 10_000)
    rule = f"{target.label}应不低于{low}" + (f"且不超过{yuan(upper.count * 10_000)}" if upper else "")
    sources = [target.source] + ([upper.source] if upper else [])
    if query.stated.amounts:
        stated = query.stated.amounts[0]
        written = yuan(stated)
        if stated < target.count * 10_000:
            text = f"不符合:{rule},{written}低于这一要求。"
        elif upper and stated > upper.count * 10_000:
            text = f"不符合:{rule},{written}超过了上限。"
        else:
            within = "在这一范围内" if upper else "已达到"
            text = f"这一条件符合:{rule},{written}{within};其他条件仍需对照通知逐条确认。"
        kind = "verdict"
    else:
        if not coverage.about(query, kb, target.source.clause_id, share=0.34):
            return None
        text, kind = f"{rule}。", "computed"
    return found_answer(
        query,
        kb,
        sources,
        intent="eligibility",
        text=text,
        topic=f"target:{target.id}",
        kind=kind,
    )


def documents(query: Query, kb: KnowledgeBase) -> Answer | None:
    """Which documents the notice rests on or forwards: their titles and numbers, as the notice cites them."""
    docs = kb.facts.documents
    if not docs or _noted(query, kb) or not has_any(query.asking, kb.facts.document_cues):
        return None
    text = "通知引用的文件:" + ";".join(f"《{d.title}》({d.number})" for d in docs[:3]) + "。"
    return found_answer(
        query,
        kb,
        [d.source for d in docs[:3]],
        intent="general",
        text=text,
        best_hit=False,
        topic="documents",
        kind="computed",
    )


_YEAR_MONTH = lazy_re(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?")


_FOUNDING = ("成立", "注册", "登记", "设立")  # the words notices use for when a firm began


def age(query: Query, kb: KnowledgeBase) -> Answer | None:
    """A founding date held against a minimum age ("2023年3月成立的公司能申报吗" against 成立满2年)."""
    ages = kb.facts.ages
    # "注册要满几年" asks about "注册成立满2年": the words of founding stand for one another.
    rule = next((a for a in ages if a.what in query.folded), None) or next(
        (a for a in ages if any(w in query.folded for w in _FOUNDING)), None
    )
    m = _YEAR_MONTH.search(query.folded)
    if rule is not None and m is None and "period" in query.slots:
        # "成立要满几年才能报": the rule itself, with the day it is counted to.
        counted = f"(以{cn_date(rule.reference)}为计算节点)" if rule.reference else ""
        text = f"通知要求{rule.what}满{rule.years}年{counted}。"
        clause = kb.clause(rule.source.clause_id)
        if clause and len(clause.text) <= 160:
            text += clause.text  # the rule's sentence: what else it asks of the same firm ("税收征管关系在…")
        return found_answer(
            query, kb, [rule.source], intent="eligibility", text=text, topic="age", kind="computed", confidence=0.9
        )
    if not ages or not ({"permission", "eligibility"} & set(query.slots)):
        return None
    if rule is None or m is None:
        return None
    founded = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
    until = rule.reference or query.today
    try:
        due = founded.replace(year=founded.year + rule.years)
    except ValueError:  # 29 February
        due = founded.replace(year=founded.year + rule.years, day=28)
    counted = f"以{cn_date(until)}计" if rule.reference else f"按今天{cn_date(until)}计"
    if due > until:
        when = cn_date(founded, with_day=bool(m.group(3)))
        text = f"不符合:通知要求{rule.what}满{rule.years}年({counted}),{when}{rule.what}的,尚未满{rule.years}年。"
    else:
        text = f"这一条件符合:{rule.what}已满{rule.years}年({counted});其他条件仍需对照通知逐条确认。"
    return found_answer(
        query,
        kb,
        [rule.source],
        intent="eligibility",
        text=text,
        topic="eligibility",
        kind="verdict",
    )
