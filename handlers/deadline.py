"""Dates and deadlines: the date the notice sets, and where today stands against it."""

from __future__ import annotations

import datetime as dt

from knowledge.facts import DateFact

from knowledge.cues import weight

from .common import found
from .numbers import cn_date, dates

_ASKS_WHEN = (
    "什么时候",
    "啥时候",
    "哪天",
    "几号",
    "何时",
    "日期",
    "截止",
    "最晚",
    "来得及",
    "多久",
    "几年",
    "哪年",
    "起止",
    "期限",
    "when",
    "deadline",
    "date",
    "还能申报",
    "还能报",
    "现在还能",
    "还来得及",
    "过期",
    "晚了",
    "几月",
    "哪一年",
    "算到",
    "按时",
    "赶得上",
    "赶不上",
    "逾期",
)


# "还能申报吗" asks whether it is too late, unless the asker states figures: then whether they qualify.
_STILL = frozenset({"还能申报", "还能报", "现在还能"})


_ASKS_WHEN_SITUATED = tuple(w for w in _ASKS_WHEN if w not in _STILL)


def asks_when(folded: str, situation: bool = False) -> bool:
    """Whether the question asks for a date, or names a day to hold against one.

    situation: the asker states figures of their own ("营收4亿,还能申报吗"), which "还能" then asks about.
    """
    words = _ASKS_WHEN_SITUATED if situation else _ASKS_WHEN
    return any(w in folded for w in words) or bool(dates(folded, 2000))


def pick(
    facts: list[DateFact], folded: str, top_clauses: list[str], synonyms: dict[str, str] | None = None
) -> DateFact | None:
    """The date fact the question is about: its cues in the question, its clause among the best hits.

    synonyms: a cue counts through its canonical word too ("申领" of the notice, "申请" of the question: 申报).
    """
    synonyms = synonyms or {}
    best, best_score = None, 0.0
    for fact in facts:
        cues = tuple(dict.fromkeys([*fact.cues, *(synonyms[c] for c in fact.cues if c in synonyms)]))
        cue = sum(weight(w) for w in found(folded, cues))
        rank = top_clauses.index(fact.source.clause_id) if fact.source.clause_id in top_clauses else None
        if rank is None and not cue:
            continue
        if rank not in (None, 0) and not cue:
            continue  # a date in a lower-ranked clause answers only when the question names it
        score = cue + (4 - rank if rank is not None else 0)
        if score > best_score:
            best, best_score = fact, score
    return best


def _since(today: dt.date, day: dt.date) -> str:
    days = (today - day).days
    if days < 60:
        return f"{days}天"
    months = (today.year - day.year) * 12 + today.month - day.month - (today.day < day.day)
    years, months = divmod(months, 12)
    return (f"{years}年" if years else "") + (f"{months}个月" if months else "") or f"{days}天"


def _in_year(day: dt.date, year: int) -> dt.date:
    """The same day of the year in another year (29 February as the 28th)."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def status(fact: DateFact, today: dt.date) -> str:
    """Where today stands against the fact: passed by how long, under way, or still ahead."""
    today_text = f"(按今天{cn_date(today)}计)"
    if fact.role == "deadline" and fact.date:
        if today > fact.date:
            return f"该期限已于{cn_date(fact.date)}截止,已过去{_since(today, fact.date)}{today_text}。"
        return f"距截止还有{(fact.date - today).days}天{today_text}。"
    if fact.role == "event" and fact.date:
        return f"距今已{_since(today, fact.date)}{today_text}。" if today >= fact.date else ""
    if fact.role == "period" and fact.yearly and fact.start and fact.end:
        start, end = _in_year(fact.start, today.year), _in_year(fact.end, today.year)
        if today > end:
            ended = cn_date(end)
            start, end = _in_year(fact.start, today.year + 1), _in_year(fact.end, today.year + 1)
            return f"今年的已于{ended}结束,下一次为{cn_date(start)}至{cn_date(end)}{today_text}。"
        if today >= start:
            return f"目前处于今年的期间内,至{cn_date(end)}结束{today_text}。"
        return f"今年的将于{cn_date(start)}开始{today_text}。"
    if fact.role == "period" and fact.end:
        if today > fact.end:
            return f"该期间已于{cn_date(fact.end, with_day=False)}结束,已过去{_since(today, fact.end)}{today_text}。"
        if fact.start is None or today >= fact.start:
            return f"目前处于该期间内,至{cn_date(fact.end, with_day=False)}结束{today_text}。"
        return f"该期间尚未开始{today_text}。"
    if fact.role == "after" and fact.after:
        if today > fact.after:
            return f"按时间推算,该评价的时间点({cn_date(fact.after, with_day=False)}之后)已到{today_text}。"
        return f"该评价须在{cn_date(fact.after, with_day=False)}之后进行{today_text}。"
    return ""


def compare_asked_date(fact: DateFact, folded: str) -> str:
    """When the question names a day ("7月11号才发"), say whether it is in time for a deadline."""
    if fact.role != "deadline" or not fact.date:
        return ""
    for day in dates(folded, fact.date.year):
        if day == fact.date:
            continue  # the deadline itself, restated by the user: the answer states it anyway
        if day > fact.date:
            return f"{cn_date(day)}已超过截止时间,来不及:须在{cn_date(fact.date)}前报送。"
        return f"{cn_date(day)}在截止日期{cn_date(fact.date)}之前,来得及。"
    return ""


def answer_text(fact: DateFact, folded: str, today: dt.date) -> str:
    """One to three sentences: the fact, the asked day against it, and today against it."""
    parts = [compare_asked_date(fact, folded), fact.text + "。", status(fact, today)]
    return "".join(p for p in parts if p)
