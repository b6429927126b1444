"""Cue words in data files: a plain word, or words in order with a gap ("自己...申报" matches 自己直接找市里申报)."""

from __future__ import annotations

import re
from functools import lru_cache

GAP = "..."  # "…" in a data file folds (NFKC) to "..." as well
MAX_GAP = 16  # characters allowed between the parts of a gapped cue


@lru_cache(maxsize=4096)
def _pattern(cue: str) -> re.Pattern[str] | None:
    if GAP not in cue:
        return None
    parts = [re.escape(p) for p in cue.split(GAP) if p]
    return re.compile(f".{{0,{MAX_GAP}}}?".join(parts))


def occurs(cue: str, text: str) -> bool:
    """Whether the cue occurs in the text (both folded)."""
    if not cue:
        return False
    pattern = _pattern(cue)
    return cue in text if pattern is None else pattern.search(text) is not None


@lru_cache(maxsize=4096)
def _literal(cue: str) -> re.Pattern[str]:
    return re.compile(re.escape(cue))


_NEGATIONS = ("没有", "从未", "并未", "从没", "没", "未", "不", "非")


def occurs_affirmed(cue: str, text: str) -> bool:
    """Whether the cue occurs in the text not right after a negation: "没拿过中央资金" states no 拿过中央.

    A cue that is itself negative ("没拿过") is matched as written.
    """
    if not cue or not occurs(cue, text):
        return False  # the common case, decided without a search for every occurrence
    pattern = _pattern(cue) or _literal(cue)
    for m in pattern.finditer(text):
        before = text[max(0, m.start() - 2) : m.start()]
        if cue.startswith(_NEGATIONS) or not before.endswith(_NEGATIONS):
            return True
    return False


def weight(cue: str) -> int:
    """How much a matched cue says: its length without the gap marks."""
    return len(cue.replace(GAP, ""))
