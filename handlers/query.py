"""One question, analysed once: its folded text, words, the slot it asks for, its focus and what the asker states.

Every decider reads the same frozen `Query`; nothing downstream folds or segments the question again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from knowledge.base import KnowledgeBase
from knowledge.cues import cue_groups, occurs, weight
from knowledge.fold import fold, strip_invisible
from knowledge.index import GUESSED_WEIGHT, Hit

from .clock import today
from .numbers import amounts, counts, dates
from knowledge.lazy import lazy_re

MAX_QUESTION = 500  # longer messages are cut: the question is in the first sentences, not the tenth page
_CONTENT = lazy_re(r"[0-9a-z\u4e00-\u9fff]")
_PERCENT = lazy_re(r"(\d+(?:\.\d+)?)\s*%|百分之([零一二两三四五六七八九十]+)")
_LATIN = lazy_re(r"[a-z]")


@dataclass(frozen=True)
class Stated:
    """What the asker says about themselves or their plan: facts to hold against the notice's rules."""

    role: str | None = None  # district | enterprise | provider, from 我们区 / 我们公司 / 服务商
    places: tuple[str, ...] = ()
    counts: tuple[int, ...] = ()
    amounts: tuple[int, ...] = ()  # yuan
    shares: tuple[float, ...] = ()  # 0.3 for 30%
    dates: tuple[dt.date, ...] = ()


@dataclass(frozen=True)
class Query:
    """A message as the deciders see it."""

    asked: str  # the message as sent (for the Answer)
    text: str  # what is searched: the message, or a follow-up read with the question it follows
    folded: str  # text folded (simplified, half-width, lower case)
    words: tuple[str, ...]  # jieba words, typos restored, synonyms expanded
    cues: str  # folded text plus its words: where cue words are looked for
    asking: str  # folded text with the asker's own situation blanked ("十几家"): where question words count
    slot: str | None  # the kind of fact asked for first (deadline, amount, who, where ...)
    slots: tuple[str, ...]  # every kind asked for, in the vocabulary's order
    focus: tuple[str, ...]  # the words that name what is asked about (not question words, not the asker)
    stated: Stated = field(default_factory=Stated)
    hits: tuple[Hit, ...] = ()  # the clauses that best match, best first: the evidence to answer from
    today: dt.date = field(default_factory=lambda: today())
    english: bool = False
    amount_text: str = ""  # the whole message, when this query is one part of it

    @property
    def empty(self) -> bool:
        return not _CONTENT.search(self.folded)


def _slots(kb: KnowledgeBase, cues: str) -> tuple[str, ...]:
    slots = kb.facts.slots
    names = tuple(slots)
    return tuple(names[n] for n in cue_groups(tuple(tuple(slots[s]) for s in names)).matched(cues))


def _role(kb: KnowledgeBase, folded: str) -> str | None:
    """The role the asker speaks for: the longest role word in the message decides."""
    best, size = None, 0
    for role, words in kb.facts.roles.items():
        for w in words:
            if occurs(w, folded) and weight(w) > size:
                best, size = role, weight(w)
    return best


def _shares(folded: str) -> tuple[float, ...]:
    out = []
    for digits, chinese in _PERCENT.findall(folded):
        if digits:
            out.append(float(digits) / 100)
        elif chinese:
            from .numbers import to_number

            out.append(to_number(chinese) / 100)
    return tuple(out)


_NUMERIC = lazy_re(r"^[\d.%]+|^[零一二两三四五六七八九十百千万]+[^\u4e00-\u9fff]*$|来号")


def _places(kb: KnowledgeBase, folded: str, words, english: bool) -> tuple[str, ...]:
    """The places a message names, as written (an English question also by its words: "tianjin"), in order.

    Never a restored typo: "当天发" holds no 天津.
    """
    found = {n for n in kb.place_region if n in folded or english and n in words}
    return tuple(sorted(found, key=lambda n: (folded.find(n), -len(n))))


def _ranking_words(kb: KnowledgeBase, words, slots: tuple[str, ...]) -> list[str]:
    """The words the search ranks by. The issuer's place names the notice ("临溪区补助的申报截止"), so it points
    at no sentence of it, except in a question whether one may take part, where the location rule answers."""
    if {"permission", "eligibility"} & set(slots):
        return list(words)
    return [w for w in words if w not in kb.own_names]


def _focus(kb: KnowledgeBase, words: tuple[str, ...]) -> tuple[str, ...]:
    """Words that name the subject: no stop word, no question word, no synonym variant (its canonical stays).

    The asker's own situation is no subject either: a place ("顺义"), a figure ("四十来号人").
    """
    asking = kb.not_focus
    lexicon, synonyms = kb.lexicon, kb.index.synonyms
    # A typo restored ("申保" beside 申报) is that word misspelled, not a second subject.
    known = [v for v in words if v in kb.index.idf]
    typos = {
        w
        for w in words
        if w not in kb.index.idf
        and any(len(v) == len(w) and sum(a != b for a, b in zip(v, w, strict=True)) == 1 for v in known)
    }
    # A part that search-mode segmentation found inside a longer word (服务 in 服务商) is that word's, not a
    # subject; a variant's parts too ("不能" of 能不能), except the canonical word it stands for (资金 of 奖补资金).
    parts = {p for p in words for w in words if len(p) < len(w) and p in w and p != synonyms.get(w)}
    return tuple(
        dict.fromkeys(
            w
            for w in words
            if w not in parts
            and w not in typos
            and kb.index.weight_of(w) != GUESSED_WEIGHT  # "区有", "这算": a guessed pair around a particle
            and w not in lexicon.stopwords
            and w not in asking
            and w not in synonyms
            and len(w) >= 2
            and not w.startswith("<")  # a marker token such as <日期> names no subject
            and not _NUMERIC.search(w)
        )
    )


def analyse(
    kb: KnowledgeBase, message: str, now: dt.datetime | None = None, context_text: str = "", amount_text: str = ""
) -> Query:
    """The Query of a message; `context_text`: the question a follow-up leans on, read with it."""
    asked = message if isinstance(message, str) else str(message)
    text = strip_invisible(asked)[:MAX_QUESTION]
    if context_text:
        text = f"{context_text} {text}"
    folded = fold(text)
    searched = folded
    for phrase in kb.facts.self_reference:  # "文件里一直说“两部门”": 文件 is the notice, not its 材料
        searched = searched.replace(phrase, " ")
    _, words = kb.index.analyse(searched)
    cues = folded + " " + " ".join(words)
    asking = folded
    for phrase in kb.facts.not_asking:  # "十几家店" asks no count, "打电话问过" no phone number
        asking = asking.replace(phrase, " " * len(phrase))
    # Question words as written (less the situation), and the synonyms of words the message has ("ddl").
    # A blanked phrase ("几号楼") must not ask through its words' synonyms either (几号 -> a date).
    asked_words = words if asking == folded else kb.index.analyse(asking)[1]
    slots = _slots(kb, asking + " " + " ".join(w for w in asked_words if w not in folded))
    focus = _focus(kb, tuple(words))
    latin = len(_LATIN.findall(folded))
    stated = Stated(
        role=_role(kb, folded),
        places=_places(kb, folded, words, latin * 2 > len(folded)),
        counts=tuple(counts(folded)),
        amounts=tuple(amounts(folded)),
        shares=_shares(folded),
        dates=tuple(dates(folded, today(now).year)),
    )
    return Query(
        asked=asked,
        text=text,
        folded=folded,
        words=tuple(words),
        cues=cues,
        asking=asking,
        slot=slots[0] if slots else None,
        slots=slots,
        focus=focus,
        stated=stated,
        hits=tuple(kb.index.rank(folded, _ranking_words(kb, words, slots), k=5)),
        today=today(now),
        english=latin * 2 > len(folded),
        amount_text=amount_text,
    )
