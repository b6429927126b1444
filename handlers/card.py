"""The 一图读懂 card of a notice as data: what the picture shows, in order, each item with its clause id.

The card is built from the notice's facts (extracted, or hand-written where the notice has them) and from
the numbered lists the notice itself introduces ("须提交以下材料:"). Nothing here draws and nothing here
knows Telegram: bot/picture.py renders the card, any front end sends it. An item the notice does not give
is left out; every item's words are the notice's own (a verbatim phrase) or a fact's figure, and the only
thing computed is where today stands against a date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from knowledge.base import KnowledgeBase
from knowledge.facts import DateFact
from knowledge.model import Clause

from .numbers import cn_date, percent, yuan
from knowledge.lazy import lazy_re

# Generic headings of the card, in the order it is drawn: the kinds of fact, never a notice's own words.
HEADINGS = {
    "dates": "关键日期",
    "money": "资金",
    "allowed": "可用于",
    "forbidden": "不得用于",
    "who": "申报对象与条件",
    "excluded": "不予支持的情形",
    "materials": "申报材料",
    "submit": "报送方式",
    "contacts": "联系方式",
    "attachments": "附件",
}
MAX_ITEMS = 8  # per section: the picture stays one phone screen or two
MAX_TEXT = 64  # characters of one item's text; a longer phrase of the notice is cut with "…"

_BOUND = {"min": "不低于", "max": "不高于", "rate": "按"}
_COUNT_BOUND = {"min": "不少于", "max": "至多", "exact": ""}
_LIST_INTRO = lazy_re(r"以下|下列")
_ITEM_NUMBER = lazy_re(
    r"^\s*(?:[(\uff08]\s*[一二三四五六七八九十\d]+\s*[)\uff09]|[一二三四五六七八九十\d]+\s*[.、\uff0e])\s*"
)  # "（1）", "1.", "一、": the list's own numbering, drawn by the card instead
_TRAILING = lazy_re(r"[;\uff1b。,\uff0c:\uff1a\s]+$")
_CONJUNCTION = lazy_re(r"^(?:且|并|或|以及|同时)")
_CONDITION_WORD = "条件"  # a list of conditions: "应同时符合以下条件"
_MATERIAL_WORD = "材料"  # a list of materials: "须提交以下材料"
_DELIVERY = lazy_re(r"(?:报送|送|寄|发送|提交|递交|上传)(?:至|到)")
_ONLINE = lazy_re(r"(?:登录|通过)[^,;。,;]{0,16}(?:平台|系统)[^,;。,;]{0,12}(?:填报|提交|上传)")


@dataclass(frozen=True)
class CardItem:
    """One line of the card: a short lead (a date, an amount, a share), the text, and its clause."""

    text: str
    clause_id: str
    lead: str = ""
    status: str = ""  # computed against today: 还剩N天, 进行中, 已截止, 已结束 ...
    passed: bool = False  # the date is behind today
    also: tuple[str, ...] = ()  # clauses of the facts a computed figure rests on ("结束后": the period's end)


@dataclass(frozen=True)
class CardSection:
    key: str  # one of HEADINGS
    heading: str
    items: tuple[CardItem, ...]


@dataclass(frozen=True)
class NoticeCard:
    """Everything the picture of one notice shows, in drawing order."""

    key: str
    title: CardItem
    issuer: CardItem | None
    date: CardItem | None
    today: dt.date
    sections: tuple[CardSection, ...]

    def section(self, key: str) -> CardSection | None:
        return next((s for s in self.sections if s.key == key), None)

    def items(self) -> list[CardItem]:
        """Every item drawn, header first."""
        head = [i for i in (self.title, self.issuer, self.date) if i is not None]
        return head + [item for s in self.sections for item in s.items]


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    text = _TRAILING.sub("", _ITEM_NUMBER.sub("", text.strip()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _written(day: dt.date, quote: str) -> str:
    """A date as the notice writes it: with the day only when the notice names the day."""
    plain = re.sub(r"\s+", "", quote)
    return cn_date(day, with_day=f"{day.month}月{day.day}日" in plain)


def _days(n: int) -> str:
    return f"还剩{n}天"


def _date_item(fact: DateFact, kb: KnowledgeBase, today: dt.date) -> CardItem | None:
    clause = kb.clause(fact.source.clause_id)
    quote = clause.text if clause else fact.source.quote
    cid = fact.source.clause_id
    if fact.role == "deadline" and fact.date:
        text = fact.label if fact.source.quote in fact.label else _clip(fact.source.quote)
        left = (fact.date - today).days
        status = "已截止" if left < 0 else ("今天截止" if left == 0 else _days(left))
        return CardItem(text, cid, f"{_written(fact.date, quote)}前", status, left < 0)
    if fact.role == "period" and fact.end:
        start = _written(fact.start, quote) if fact.start else ""
        lead = f"{start}至{_written(fact.end, quote)}" if start else f"至{_written(fact.end, quote)}"
        if today > fact.end:
            status, passed = "已结束", True
        elif fact.start and today < fact.start:
            status, passed = f"{(fact.start - today).days}天后开始", False
        else:
            status, passed = f"进行中,{_days((fact.end - today).days)}", False
        return CardItem(fact.label, cid, lead, status, passed)
    if fact.role == "after" and fact.after:
        passed = today > fact.after
        status = "已到时间" if passed else f"{(fact.after - today).days}天后"
        ends = [d for d in kb.facts.dates if d.role == "period" and d.end == fact.after]
        if ends:  # the date is the end of a period, stated in the period's sentence
            written = kb.clause(ends[0].source.clause_id)
            quote = written.text if written else ends[0].source.quote
        also = tuple(dict.fromkeys(d.source.clause_id for d in ends if d.source.clause_id != cid))
        return CardItem(fact.label, cid, f"{_written(fact.after, quote)}后", status, passed, also)
    if fact.role == "event" and fact.date and fact.source.clause_id != "date":
        left = (fact.date - today).days
        return CardItem(fact.label, cid, _written(fact.date, quote), "已过" if left < 0 else _days(left), left < 0)
    return None


_ROLE_ORDER = {"deadline": 0, "event": 1, "period": 2, "after": 3}


def _when(fact: DateFact) -> tuple[dt.date, int]:
    """Chronological order; on the same day a deadline before a period, a period before what follows it."""
    day = fact.date or fact.start or fact.end or fact.after or dt.date.max
    return day, _ROLE_ORDER.get(fact.role, len(_ROLE_ORDER))


def _dates(kb: KnowledgeBase, today: dt.date) -> list[CardItem]:
    facts = sorted(kb.facts.dates, key=lambda d: (_when(d), d.id))
    items = [_date_item(d, kb, today) for d in facts]
    return _unique(i for i in items if i is not None)


def _money(kb: KnowledgeBase) -> list[CardItem]:
    facts = kb.facts
    items = []
    if facts.cap_amount is not None and facts.cap is not None:
        items.append(CardItem(_clip(facts.cap_text or facts.cap.quote), facts.cap.clause_id, yuan(facts.cap_amount)))
    for share in facts.shares:
        lead = f"{_BOUND.get(share.bound, '')}{percent(share.ratio)}"
        text = share.source.quote if share.bound in ("rate", "stage") else share.label
        also: tuple[str, ...] = ()
        uses = [e for e in facts.expenses if e.share == share.id and e.verdict == "allowed"]
        if _LIST_INTRO.search(text) and uses:  # "支持以下工作:一是……": the card names the listed uses instead
            text = "、".join(e.label for e in uses)
            also = tuple(
                dict.fromkeys(e.source.clause_id for e in uses if e.source.clause_id != share.source.clause_id)
            )
        items.append(CardItem(_clip(text), share.source.clause_id, lead, also=also))
    return items


def _uses(kb: KnowledgeBase, verdict: str) -> list[CardItem]:
    expenses = [e for e in kb.facts.expenses if e.verdict == verdict]
    expenses.sort(key=lambda e: _position(kb, e.source.clause_id))
    labels: list = []
    for e in expenses:
        if any(e.label in other.label or other.label in e.label for other in labels):
            continue  # the same use, read twice (a hand-written fact and the sentence it came from)
        labels.append(e)
    return [CardItem(_clip(e.label), e.source.clause_id) for e in labels]


def _position(kb: KnowledgeBase, clause_id: str) -> int:
    ids = [c.id for c in kb.notice.clauses]
    base = clause_id.split(".s")[0] if clause_id not in ids else clause_id
    return ids.index(base) if base in ids else len(ids)


def _lists(kb: KnowledgeBase) -> list[tuple[Clause, list[Clause]]]:
    """Every numbered list the notice introduces ("以下条件:", "下列情形之一的"), with its items."""
    notice = kb.notice
    sections = {s.id: s for s in notice.sections}
    out = []
    for clause in notice.clauses:
        if clause.kind == "sentence" or not _LIST_INTRO.search(clause.text):
            continue
        section = sections.get(clause.section)
        if section is None or not section.children:
            continue
        children = [sections[c] for c in section.children if c in sections]
        items = [notice.by_id[child.clauses[0]] for child in children if child.clauses]
        if len(items) >= 2:
            out.append((clause, items))
    return out


def _listed(lists, word: str) -> tuple[Clause, list[Clause]] | None:
    return next(((intro, items) for intro, items in lists if word in intro.text), None)


def _who(kb: KnowledgeBase, lists) -> list[CardItem]:
    facts = kb.facts
    conditions = _listed(lists, _CONDITION_WORD)
    listed = {c.id for _, listed_items in lists for c in listed_items}  # stated by a list of the notice already
    items = [CardItem(_clip(r.text), r.source.clause_id) for r in facts.regions if r.source.clause_id not in listed]
    items += [CardItem(_clip(c.text), c.id) for c in conditions[1]] if conditions else []
    for t in facts.targets:
        if t.source.clause_id in listed or t.id.startswith("x-parts"):
            continue  # in a list of the notice (drawn there), or how the money or work is split
        if t.count is not None:
            lead = f"{_COUNT_BOUND.get(t.bound, '')}{t.count}{t.unit}"
        elif t.ratio is not None:
            lead = f"{_BOUND.get(t.bound, '')}{percent(t.ratio)}"
        else:
            continue
        items.append(CardItem(_clip(t.source.quote), t.source.clause_id, lead))
    for age in facts.ages:
        if age.source.clause_id not in listed:
            items.append(CardItem(_clip(age.source.quote), age.source.clause_id))
    return _unique(items)


def _excluded(kb: KnowledgeBase, lists) -> list[CardItem]:
    intros = {intro.id: items for intro, items in lists}
    items: list[CardItem] = []
    covered: set[str] = set()
    for ex in kb.facts.exclusions:
        cid = ex.source.clause_id
        clause = kb.clause(cid)
        intro = cid if cid in intros else (clause.parent if clause and clause.parent in intros else None)
        if intro:  # "有下列情形之一的,不予支持:": each listed case is an exclusion
            items += [CardItem(_clip(c.text), c.id) for c in intros[intro] if c.id not in covered]
            covered |= {c.id for c in intros[intro]}
            continue
        if cid in covered or _CONJUNCTION.match(ex.text) or len(ex.text) < 6:
            continue  # a case of a list drawn already, or a fragment that names no case
        items.append(CardItem(_clip(ex.text), cid))
    return _unique(items)


def _materials(lists) -> list[CardItem]:
    found = _listed(lists, _MATERIAL_WORD)
    if not found:
        return []
    intro, listed = found
    return [CardItem(_clip(intro.text), intro.id)] + [CardItem(_clip(c.text), c.id) for c in listed]


def _part(text: str, start: int, end: int) -> str:
    left = max(text.rfind(p, 0, start) for p in ",;。,;")
    rights = [i for i in (text.find(p, end) for p in ",;。,;") if i >= 0]
    return text[left + 1 : min(rights) if rights else len(text)]


def _submit(kb: KnowledgeBase) -> list[CardItem]:
    """How and where to hand in: the sentences that send to an address, a mailbox or a platform."""
    items = []
    split = {c.parent for c in kb.notice.clauses if c.parent}
    for clause in kb.notice.clauses:
        if clause.id in split or clause.kind == "heading":
            continue  # a paragraph split into sentences: its sentences are read instead
        for pattern in (_DELIVERY, _ONLINE):
            m = pattern.search(clause.text)
            if m:
                items.append(CardItem(_clip(_part(clause.text, m.start(), m.end())), clause.id))
                break
    return _unique(items)


def _contacts(kb: KnowledgeBase) -> list[CardItem]:
    contacts = kb.facts.contacts
    if contacts is None:
        return []
    items = [CardItem(number, q.clause_id, who or "电话") for who, number, q in contacts.phones]
    items += [CardItem(email, q.clause_id, "邮箱") for email, q in contacts.emails]
    items += [CardItem(_clip(a), q.clause_id, "地址") for a, q in contacts.addresses]
    return _unique(items)


def _unique(items) -> list[CardItem]:
    seen, out = set(), []
    for item in items:
        if (item.text, item.lead) not in seen:
            seen.add((item.text, item.lead))
            out.append(item)
    return out


def _header(kb: KnowledgeBase) -> tuple[CardItem, CardItem | None, CardItem | None]:
    notice = kb.notice
    title_clause = kb.clause("title")
    title = CardItem(title_clause.text if title_clause else str(notice.meta.get("title", notice.key)), "title")
    sig, date = kb.clause("sig"), kb.clause("date")
    return title, CardItem(sig.text, sig.id) if sig else None, CardItem(date.text, date.id) if date else None


def build_card(kb: KnowledgeBase, today: dt.date) -> NoticeCard:
    """The card of a notice, with its dates held against `today` (a Beijing date: handlers.clock.today)."""
    lists = _lists(kb)
    parts = {
        "dates": _dates(kb, today),
        "money": _money(kb),
        "allowed": _uses(kb, "allowed"),
        "forbidden": _uses(kb, "forbidden"),
        "who": _who(kb, lists),
        "excluded": _excluded(kb, lists),
        "materials": _materials(lists),
        "submit": _submit(kb),
        "contacts": _contacts(kb),
        "attachments": [CardItem(_clip(a.description), a.source.clause_id, a.label) for a in kb.facts.attachments],
    }
    sections = tuple(CardSection(key, HEADINGS[key], tuple(items[:MAX_ITEMS])) for key, items in parts.items() if items)
    title, issuer, date = _header(kb)
    return NoticeCard(kb.key, title, issuer, date, today, sections)


__all__ = ["HEADINGS", "CardItem", "CardSection", "NoticeCard", "build_card"]
