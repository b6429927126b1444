"""Targets as arithmetic: a planned count against the minimum, or the share of a count that must qualify."""

from __future__ import annotations

import math

from knowledge.facts import Facts, Target

from knowledge.cues import weight

from .common import found, has_any
from .numbers import counted_units, counts, percent

_ASKS_HOW_MANY = ("多少家", "几家", "多少个", "how many")


def _stated_unit(folded: str) -> str:
    """The unit of the first count the question states ("430家" -> "家")."""
    units = counted_units(folded)
    return units[0].replace("个企业", "家").replace("个项目", "个") if units else ""


def _pick(facts: Facts, folded: str, want_ratio: bool, unit: str = "") -> Target | None:
    """The target the question is about: its cue words, and for a count its unit ("家" is no "个区")."""
    scored = [
        (sum(weight(w) for w in found(folded, t.cues)) + (2 if unit and t.unit == unit else 0), t)
        for t in facts.targets
        if (t.ratio is not None) == want_ratio and (want_ratio or not unit or not t.unit or t.unit == unit)
    ]
    scored = [s for s in scored if s[0]]
    return max(scored, key=lambda s: s[0])[1] if scored else None


def answer(facts: Facts, folded: str, stated: tuple[int, ...] = ()) -> tuple[str, Target] | None:
    """The computed answer and the target it rests on, or None when the question has no count.

    stated: the counts the message states, in order (the query's, read once from its text).
    """
    numbers = list(stated) or counts(folded)
    if not numbers:
        return None
    n = numbers[0]
    ratio_target = _pick(facts, folded, want_ratio=True)
    if ratio_target and len(numbers) >= 2 and numbers[0] and has_any(folded, facts.count_checks):
        # "150家里有130家达到了,算达标吗": the share reached against the share required.
        reached = numbers[1] / numbers[0]
        verdict = "达标" if reached >= ratio_target.ratio - 1e-9 else "未达标"
        return (
            f"{verdict}。{numbers[1]}/{numbers[0]}={reached * 100:.1f}%,"
            f"{ratio_target.label}应达到{percent(ratio_target.ratio)}以上。"
        ), ratio_target
    if ratio_target and has_any(folded, _ASKS_HOW_MANY) and has_any(folded, ratio_target.asks or facts.ratio_checks):
        need = math.ceil(n * ratio_target.ratio - 1e-9)
        return (
            f"按{percent(ratio_target.ratio)}以上计算,{n}家中至少{need}家要达到要求"
            f"({ratio_target.label}应达到{percent(ratio_target.ratio)}以上)。"
        ), ratio_target
    count_target = _pick(facts, folded, want_ratio=False, unit=_stated_unit(folded))
    if count_target and count_target.count and count_target.bound == "max":
        if n > count_target.count:
            return (
                f"不可以。{count_target.label}最多{count_target.count}{count_target.unit},"
                f"{n}{count_target.unit}超出了限额。"
            ), count_target
        return f"可以。{count_target.label}最多{count_target.count}{count_target.unit}。", count_target
    if count_target and count_target.count and has_any(folded, count_target.asks or facts.count_checks):
        if n >= count_target.count:
            return (
                f"够。{count_target.label}应不少于{count_target.count}{count_target.unit},{n}{count_target.unit}满足要求。",
                count_target,
            )
        return (
            f"不够。{count_target.label}应当不少于{count_target.count}{count_target.unit},"
            f"{n}{count_target.unit}还差{count_target.count - n}{count_target.unit}。"
        ), count_target
    return None
