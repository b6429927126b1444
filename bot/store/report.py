"""Problem questions for /unanswered: alike questions grouped, and the groups as a CSV file (pure functions)."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from rapidfuzz import fuzz, process

from handlers.clock import BEIJING

REASON_UNANSWERED = "unanswered"
REASON_DOWNVOTED = "downvoted"


@dataclass(frozen=True)
class ProblemQuestion:
    """A question the bot could not answer, or whose answer got 👎."""

    ts: float
    text: str
    reason: str  # REASON_UNANSWERED | REASON_DOWNVOTED
    intent: str | None = None


@dataclass
class QuestionGroup:
    """Alike problem questions, the most recent one standing for the group."""

    text: str
    count: int = 0
    last_ts: float = 0.0
    reasons: Counter = field(default_factory=Counter)
    variants: list[str] = field(default_factory=list)  # distinct wordings, most recent first


# -- grouping and export (pure) ---------------------------------------------------------------

# Courtesy words that make two askings of the same thing look different to a character matcher
_FILLERS = ("请问", "您好", "你好", "麻烦", "一下", "吗", "呢", "呀", "啊", "吧")
GROUP_THRESHOLD = 80.0


def normalise_question(text: str) -> str:
    """Letters and digits only, width- and case-folded, without courtesy words."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(ch for ch in folded if ch.isalnum())
    for filler in _FILLERS:
        kept = kept.replace(filler, "")
    return kept or folded.strip()


def group_similar(items: Iterable[ProblemQuestion], threshold: float = GROUP_THRESHOLD) -> list[QuestionGroup]:
    """Greedy grouping: each question joins the first group whose representative it resembles.

    Items should come most recent first, so a group is named after its latest wording.
    rapidfuzz's WRatio scores a short question contained in a longer one highly, which is how
    Chinese askings of one thing usually differ ("截止时间" / "申报截止时间是什么时候").
    """
    groups: list[QuestionGroup] = []
    keys: list[str] = []
    for item in items:
        key = normalise_question(item.text)
        index = None
        if key in keys:
            index = keys.index(key)
        elif keys and len(key) >= 2:
            match = process.extractOne(key, keys, scorer=fuzz.WRatio, score_cutoff=threshold)
            if match is not None:
                index = match[2]
        if index is None:
            groups.append(QuestionGroup(text=item.text.strip()))
            keys.append(key)
            index = len(groups) - 1
        group = groups[index]
        group.count += 1
        group.last_ts = max(group.last_ts, item.ts)
        group.reasons[item.reason] += 1
        wording = item.text.strip()
        if wording not in group.variants:
            group.variants.append(wording)
    # stable sort keeps recency order among groups of equal size
    return sorted(groups, key=lambda g: (-g.count, -g.last_ts))


_CSV_HEADER = ("序号", "次数", "未回答", "差评", "最近时间(北京)", "代表问题", "全部问法")


def _cell(text: str) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ would be evaluated."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def groups_to_csv(groups: list[QuestionGroup]) -> bytes:
    """UTF-8 CSV with a BOM, so that Excel shows the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_CSV_HEADER)
    for number, group in enumerate(groups, start=1):
        writer.writerow(
            (
                number,
                group.count,
                group.reasons.get(REASON_UNANSWERED, 0),
                group.reasons.get(REASON_DOWNVOTED, 0),
                # the CSV's times, as the bureau reads them
                datetime.fromtimestamp(group.last_ts, BEIJING).strftime("%Y-%m-%d %H:%M"),
                _cell(group.text),
                _cell(" | ".join(group.variants)),
            )
        )
    return buffer.getvalue().encode("utf-8-sig")
