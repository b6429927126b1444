"""The English lead sentence of an answer to a question asked in English; the Chinese answer and quotes follow."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from knowledge.base import KnowledgeBase

from .model import Answer
from .numbers import figure
from .query import Query
from knowledge.lazy import lazy_re

_DATE = lazy_re(r"(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?")
_AMOUNT = lazy_re(r"(\d+(?:\.\d+)?)(亿|万)元")
_PERCENT = lazy_re(r"\d+(?:\.\d+)?%")
_UNIT = {"亿": 100, "万": 0.01}  # in millions of yuan


def _dates(text: str) -> list[str]:
    out = []
    for y, m, d in _DATE.findall(text):
        try:
            day = dt.date(int(y), int(m), int(d or 1))
        except ValueError:
            continue
        out.append(day.strftime("%d %B %Y").lstrip("0") if d else day.strftime("%B %Y"))
    return out


def _amounts(text: str) -> list[str]:
    return [f"{figure(Decimal(n) * Decimal(str(_UNIT[u])))} million yuan" for n, u in _AMOUNT.findall(text)]


# A verdict's conclusion (结论(企业):不符合。), in English.
_VERDICT = lazy_re(r"^结论[(\uff08][^)\uff09]*[)\uff09][:\uff1a](不符合|符合|需进一步确认)")
_VERDICT_LEAD = {
    "不符合": "No: a condition of the notice is not met (see ✘ below). ",
    "符合": "Yes: the conditions stated are met. ",
    "需进一步确认": "Not decided yet: the conditions marked ? or listed below are still open. ",
}


def lead(query: Query, kb: KnowledgeBase, answer: Answer) -> str:
    """One English sentence stating what the Chinese answer states: its dates, amounts and shares."""
    text = answer.text
    first = re.split(r"(?<=[。;])", text, maxsplit=1)[0]
    if verdict := _VERDICT.match(text):
        return _VERDICT_LEAD[verdict.group(1)]
    if text.startswith("不够"):
        return "No, not enough. "
    if text.startswith("够"):
        return "Yes, enough. "
    if text.startswith(("不可以", "不符合", "不能")):
        return "No. "
    if text.startswith(("可以", "符合")):
        return "Yes. "
    facts = [*_dates(first), *_amounts(first), *_PERCENT.findall(first)]
    if answer.intent == "deadline" and facts:
        return f"Date: {', '.join(dict.fromkeys(facts))}. "
    if facts:
        return f"The notice gives: {', '.join(dict.fromkeys(facts))}. "
    return "The notice says (in Chinese, quoted below): "


def in_english(query: Query, kb: KnowledgeBase, answer: Answer) -> Answer:
    """The answer with an English lead when the question was asked in English."""
    if query.english and answer.answered and answer.text and not answer.text[:1].isascii():
        answer.text = lead(query, kb, answer) + answer.text
    return answer
