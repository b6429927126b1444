"""Eligibility: the rules in knowledge/ applied to a described situation or to the guided check's answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from knowledge.facts import Condition, Option

from knowledge.base import KnowledgeBase, shipped
from knowledge.cues import occurs_affirmed, weight

from .clock import today
from .common import citations, found, has_any
from .model import Answer
from .numbers import cn_date, counts

_ASKS_ELIGIBLE = (
    "能不能",
    "能否",
    "可以",
    "能参加",
    "能进",
    "能报",
    "能申报",
    "能申请",
    "能参与",
    "还能",
    "有资格",
    "资格",
    "符合",
    "够格",
    "算不算",
    "能享受",
    "能拿",
    "可不可以",
    "行不行",
    "eligible",
    "qualify",
    "can we",
    "有关系",
)
_ENTERPRISE_WORDS = ("企业", "公司", "厂", "我们是做", "小巨人", "company", "firm")
_DISTRICT_WORDS = ("区政府", "我们区", "本区", "区里", "区财政")
VERDICT = {"fail": "不符合", "pass": "符合", "check": "需进一步确认"}
ROLE_UNCLEAR = "没有说明是以区(区政府)还是以企业的身份询问,下面分别给出结论:\n"
MARK = {"pass": "✔", "fail": "✘", "check": "?"}


@dataclass(frozen=True)
class Step:
    """One question of the guided check and its answer options (value, label)."""

    id: str
    question: str
    options: list[tuple[str, str]]


def askers(kb: KnowledgeBase | None = None) -> dict[str, str]:
    """Who may be checked: value -> label, from knowledge/."""
    return dict((kb or shipped()).facts.askers)


def steps(asker: str, kb: KnowledgeBase | None = None, day: dt.date | None = None) -> list[Step]:
    """The guided check's questions for a district or an enterprise; none about a date that has passed."""
    knowledge = kb or shipped()
    day = day or today()
    conds = [c for c in knowledge.facts.conditions.get(asker, []) if not _date_passed(knowledge, c, day)]
    return [Step(c.id, c.question, [(o.value, o.label) for o in c.options]) for c in conds]


def _date_passed(kb: KnowledgeBase, cond: Condition, day: dt.date) -> bool:
    """Whether the condition is tied to a date before day: the verdict then says it has passed, nobody is asked."""
    return bool(cond.date_fact and (fact := kb.facts.date(cond.date_fact)).date and day > fact.date)


def _option(cond: Condition, value: str) -> Option | None:
    return next((o for o in cond.options if o.value == value), None)


def read_situation(asker: str, folded: str, kb=None) -> dict[str, str]:
    """The condition values a described situation states; a condition it does not mention stays out."""
    knowledge = kb or shipped()
    stated: dict[str, str] = {}
    for cond in knowledge.facts.conditions.get(asker, []):
        if cond.requires and not has_any(folded, cond.requires):
            continue
        if cond.count_target:
            numbers = counts(folded)
            target = knowledge.facts.target(cond.count_target)
            if numbers and target.count:
                wanted = "pass" if numbers[0] >= target.count else "fail"
                option = next((o for o in cond.options if o.result == wanted), None)
                if option:
                    stated[cond.id] = option.value
            continue
        present = set(found(folded, tuple(w for o in cond.options for w in o.cues)))  # before the negation check
        best = max(
            (
                (max((weight(w) for w in o.cues if w in present and occurs_affirmed(w, folded)), default=0), o.value)
                for o in cond.options
            ),
            default=(0, None),
        )
        if best[0]:
            stated[cond.id] = best[1]
    return stated


def guess_asker(folded: str) -> str:
    return "district" if has_any(folded, _DISTRICT_WORDS) and not has_any(folded, _ENTERPRISE_WORDS) else "enterprise"


def verdict(
    asker: str,
    answers: dict[str, str],
    question: str = "",
    ranked: list[str] = (),
    now: dt.datetime | None = None,
    kb=None,
    day: dt.date | None = None,
) -> Answer:
    """符合 / 不符合 / 需进一步确认, with the reason and clause for each condition; unknown ones listed to check."""
    knowledge = kb or shipped()
    day = day or today(now)
    conds = knowledge.facts.conditions.get(asker, [])
    lines, results, sources, unknown = [], [], [], []
    for cond in conds:
        option = _option(cond, answers.get(cond.id, ""))
        if option is None:
            # A condition tied to a date that has passed is no question to ask any more: the note below says so.
            if not cond.informational and not _date_passed(knowledge, cond, day):
                unknown.append(cond)
            continue
        results.append(option.result)
        lines.append(f"{MARK[option.result]} {option.reason}")
        rank = ranked.index(cond.source.clause_id) if cond.source.clause_id in ranked else len(ranked)
        sources.append((option.result != "fail", rank, cond.source))
    if "fail" in results:
        overall = "fail"
    elif unknown or "check" in results:
        overall = "check"
    else:
        overall = "pass"
    if unknown:  # never passed unstated: listed, even when another condition already fails
        lines.append("仍需确认:" + ";".join(c.question for c in unknown))
        sources += [(True, len(ranked) + 1, c.source) for c in unknown]
    for cond in conds:  # a condition tied to a date that has passed: say so, whatever was answered
        if _date_passed(knowledge, cond, day):
            fact = knowledge.facts.date(cond.date_fact)
            lines.append(f"注意:{fact.label}日期{cn_date(fact.date)}已过(按今天{cn_date(day)}计)。")
    who = knowledge.facts.askers.get(asker, asker)
    text = f"结论({who}):{VERDICT[overall]}。\n" + "\n".join(lines)
    sources.sort(key=lambda s: (s[0], s[1]))  # failing conditions first, then as the search ranked them
    return Answer(
        question=question,
        answered=True,
        intent="eligibility",
        text=text,
        citations=citations(knowledge, *(q for *_, q in sources), limit=5),
        confidence=0.9,
        topic="eligibility",
    )


def from_situation(
    folded: str,
    question: str,
    ranked: list[str] = (),
    now: dt.datetime | None = None,
    kb=None,
    day: dt.date | None = None,
    role: str | None = None,
) -> Answer | None:
    """A verdict when a message asks whether a situation qualifies, or describes one in two facts or more."""
    # The role the asker states (我们区 / our district / 我们公司) decides whose rules apply; else a guess.
    knowledge = kb or shipped()
    if role in knowledge.facts.conditions:
        askers_ = [role]
    elif _role_unclear(folded) and len(knowledge.facts.conditions) > 1:
        askers_ = list(knowledge.facts.conditions)  # "我们在海淀,能参加吗": a district or a firm? answer for both
    else:
        askers_ = [guess_asker(folded)]
    verdicts = []
    for asker in askers_:
        stated = read_situation(asker, folded, kb)
        if not stated or (len(stated) < 2 and not has_any(folded, _ASKS_ELIGIBLE)):
            continue
        verdicts.append(verdict(asker, stated, question, list(ranked), now, kb=kb, day=day))
    if len(verdicts) < 2:
        return verdicts[0] if verdicts else None
    # Each role's verdict in turn, labelled by who it is for; the failing conditions of either cited first.
    combined = verdicts[0]
    combined.text = ROLE_UNCLEAR + "\n\n".join(v.text for v in verdicts)
    seen = {c.id for c in combined.citations}
    for other in verdicts[1:]:
        combined.citations += [c for c in other.citations if c.id not in seen]
        seen |= {c.id for c in other.citations}
    combined.citations = combined.citations[:5]
    return combined


def _role_unclear(folded: str) -> bool:
    """Whether the message says neither that a district nor that a firm is asking ("我们在海淀,能参加吗")."""
    return not has_any(folded, _DISTRICT_WORDS) and not has_any(folded, _ENTERPRISE_WORDS)
