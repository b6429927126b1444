"""Cue words in data files: a plain word, or words in order with a gap ("自己...申报" matches 自己直接找市里申报)."""

from __future__ import annotations

import re
from functools import lru_cache
from .lazy import lazy_re

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


def _first(cue: str) -> str:
    """The character a text must hold for the cue to occur in it: the first of its first part."""
    return cue.replace(GAP, "")[:1]


_FEW = 8  # cues tried one by one: fewer than this cost less than the intersection of character sets


class CueIndex:
    """Cues grouped by their first character, so that a text is tried only against the cues it could hold.

    Questions are checked against hundreds of cues; most start with a character the question lacks, and
    a set intersection rules them out at once. The result is exactly that of trying every cue in order.
    """

    def __init__(self, cues) -> None:
        self.cues = tuple(cues)
        self._by_first: dict[str, list[int]] = {}
        self._always: list[int] = []  # a cue of the gap mark alone occurs in every text
        for n, cue in enumerate(self.cues):
            if first := _first(cue):
                self._by_first.setdefault(first, []).append(n)
            elif cue:
                self._always.append(n)
        self._firsts = frozenset(self._by_first)

    def positions(self, text: str) -> list[int]:
        """The positions (in the order given) of the cues that occur in the text."""
        if len(self.cues) <= _FEW:
            return [n for n, cue in enumerate(self.cues) if occurs(cue, text)]
        by_first = self._by_first
        candidates = sorted([n for c in self._firsts.intersection(text) for n in by_first[c]] + self._always)
        return [n for n in candidates if occurs(self.cues[n], text)]

    def any(self, text: str) -> bool:
        """Whether some cue occurs in the text."""
        if len(self.cues) <= _FEW:
            return any(occurs(cue, text) for cue in self.cues)
        if self._always:
            return True
        by_first, cues = self._by_first, self.cues
        return any(occurs(cues[n], text) for c in self._firsts.intersection(text) for n in by_first[c])


@lru_cache(maxsize=2048)
def cue_index(cues: tuple[str, ...]) -> CueIndex:
    """One index per list of cues: lists come from frozen knowledge, so the same few recur."""
    return CueIndex(cues)


class CueGroups:
    """Several lists of cues searched at once: which of the lists have a cue in a text."""

    def __init__(self, groups: tuple[tuple[str, ...], ...]) -> None:
        flat = [(g, cue) for g, cues in enumerate(groups) for cue in cues]
        self._owner = [g for g, _ in flat]
        self._index = CueIndex(cue for _, cue in flat)

    def matched(self, text: str) -> list[int]:
        """The positions of the lists (in the order given) that have a cue occurring in the text."""
        return sorted({self._owner[n] for n in self._index.positions(text)})


@lru_cache(maxsize=256)
def cue_groups(groups: tuple[tuple[str, ...], ...]) -> CueGroups:
    return CueGroups(groups)


@lru_cache(maxsize=4096)
def _literal(cue: str) -> re.Pattern[str]:
    return re.compile(re.escape(cue))


_NEGATIONS = ("没有", "从未", "并未", "从没", "没", "未", "不", "非")
# A negation up to a dozen characters before the cue, in the same clause, still negates it ("没有获得过中央财政资金"
# negates 中央财政资金). Only words that negate a verb count at that distance: 不 and 非 start too many
# words (不少, 非常) to be read that far.
_FAR_NEGATIONS = ("没有", "从未", "并未", "从没", "未曾", "没", "未")
_FAR = 12
_CLAUSE_END = lazy_re(r"[,。;!?,.;!?、]|但|可是|不过|而且|but")


def occurs_affirmed(cue: str, text: str) -> bool:
    """Whether the cue occurs in the text not right after a negation: "没拿过中央资金" states no 拿过中央.

    A cue that is itself negative ("没拿过") is matched as written.
    """
    if not cue or not occurs(cue, text):
        return False  # the common case, decided without a search for every occurrence
    pattern = _pattern(cue) or _literal(cue)
    for m in pattern.finditer(text):
        if cue.startswith(_NEGATIONS) or not _negated(text, m.start()):
            return True
    return False


def _negated(text: str, start: int) -> bool:
    """Whether a negation stands before position start, right before it or a few characters back in its clause."""
    # Words may stand apart ("从未 获得", an English question's words): a negation before the space counts.
    if text[max(0, start - 4) : start].rstrip()[-2:].endswith(_NEGATIONS):
        return True
    window = text[max(0, start - _FAR) : start]
    clause = _CLAUSE_END.split(window)[-1]
    return any(n in clause for n in _FAR_NEGATIONS)


def weight(cue: str) -> int:
    """How much a matched cue says: its length without the gap marks."""
    return len(cue.replace(GAP, ""))
