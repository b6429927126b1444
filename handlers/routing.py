"""Which notice of the library answers a question, and the answer from it (or from two, side by side).

A question that names a notice (its batch, a year, its place, its issuer, a word of its title) is answered
from that notice. Otherwise a short follow-up stays with the notice of the question it follows, and the rest
goes to the chat's current notice. When the chat has chosen none, the notice whose words fit the question
best answers (the default on a near tie), and the others that fit about as well are named so a front end can
offer to switch. One answer cites one notice, unless the question compares notices it names: then each
answers it and the answers stand side by side, each with its own citations.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from knowledge.base import KnowledgeBase
from knowledge.fold import fold
from knowledge.index import bigrams
from knowledge.library import BATCH, Library, NoticeInfo, batch_number

from .common import has_any
from .context import Context
from .model import Answer
from .router import answer_question
from knowledge.lazy import lazy_re

# Weights of what a question may name a notice by: a batch is the surest, a title word the weakest.
BATCH_WEIGHT, YEAR_WEIGHT, PLACE_WEIGHT, ISSUER_WEIGHT, TITLE_WEIGHT = 3.0, 2.0, 2.0, 2.0, 1.0
POINTER_WEIGHT = 3.0  # a name followed by 的通知 / 那个文件 points at the notice
STRONG_NAMING = 2.0  # a batch, a year, a place or an issuer names a notice whatever its words; title words less
LONG_TITLE_WORD = 4  # a title word this long counts twice
MIN_ISSUER_STEM = 4  # an issuer named without its place ("经济和信息化局"), only if this distinctive
TITLE_WORD_SHARE = 4  # a title word names notices only if at most one in this many titles has it
NEAR_TIE = 0.9  # another notice fits "about equally" at this share of the best fit
DEFAULT_MARGIN = 1.25  # without a choice, another notice must fit this much better than the default to answer
MIN_RARE_WORDS = 2  # how many words only it has another notice needs to answer instead of the default
MAX_ALTERNATIVES = 3
COMPARED_CITATIONS = 2  # each side of a comparison cites its best clauses, this many

_QUOTED = lazy_re(r"《[^》]*》")  # a forwarded document's title names that document, not the notice
# A year as a name ("2025年度的", "2024年那个"), not as a date ("2023年底开工", "2024年8月15日")
_ASKED_YEAR = lazy_re(r"(20\d\d)\s*年度|(20\d\d)\s*年(?=\s*(?:的|那|这|发|出|印|新))")


@dataclass(frozen=True)
class Route:
    """Where a question goes: the notice answering it, and why."""

    key: str
    why: str  # named | follow_up | chosen | best | only
    alternatives: tuple[str, ...] = ()  # other notices that fit about as well (only when none was chosen)
    compared: tuple[str, ...] = ()  # the notices a comparison question names, in the order asked
    spans: tuple[tuple[int, int], ...] = ()  # where the folded question names the notice it goes to


def _asked_years(folded: str) -> set[int]:
    """Years the question names as such ("2025年度", "24年那个" aside), not the year of a date it states."""
    return {int(a or b) for a, b in _ASKED_YEAR.findall(folded)}


def _title_words(library: Library) -> dict[str, list[str]]:
    """Each notice's title words that few titles share: what a question may call it by."""
    cached = library.__dict__.get("_title_words")
    if cached is not None:
        return cached
    lexicon = library.lexicon
    words = {
        key: sorted(
            {
                w
                for w in lexicon.tokenizer.lcut(_QUOTED.sub("", fold(info.short_title)))
                if len(w) >= 2 and w not in lexicon.stopwords and not w.isdigit() and not BATCH.fullmatch(w)
            }
        )
        for key, info in library.notices.items()
    }
    df: dict[str, int] = {}
    for ws in words.values():
        for w in ws:
            df[w] = df.get(w, 0) + 1
    most = max(1, len(words) // TITLE_WORD_SHARE)
    cached = {key: [w for w in ws if df[w] <= most] for key, ws in words.items()}
    library.__dict__["_title_words"] = cached
    return cached


def _issuer_names(info: NoticeInfo) -> list[str]:
    """Each issuer by its full name, and without its place when the rest is distinctive."""
    names = []
    for issuer in info.issuers:
        names.append(fold(issuer))
        for place in info.places:
            stem = issuer.removeprefix(place)
            if stem != issuer and len(stem) >= MIN_ISSUER_STEM:
                names.append(fold(stem))
    return names


def _spans(pattern: str, folded: str) -> list[tuple[int, int]]:
    """Where pattern occurs in folded."""
    out, at = [], folded.find(pattern) if pattern else -1
    while at >= 0:
        out.append((at, at + len(pattern)))
        at = folded.find(pattern, at + 1)
    return out


def _names(library: Library) -> dict[str, tuple[list[str], list[str]]]:
    """Each notice's places and issuers, folded once per library: (places, issuer names)."""
    cached = library.__dict__.get("_names")
    if cached is None:
        cached = library.__dict__["_names"] = {
            key: (sorted({fold(p) for p in info.places}), _issuer_names(info)) for key, info in library.notices.items()
        }
    return cached


def mentions(folded: str, library: Library, base: KnowledgeBase) -> dict[str, tuple[float, list[tuple[int, int]]]]:
    """For each notice the question names: how strongly (batch, year, place, issuer, title words) and where.

    base: the notice the question would go to otherwise; a title word its own text uses names no other notice.
    """
    batches = [(batch_number(m), m.span()) for m in BATCH.finditer(folded)]
    years = [(int(m.group(1) or m.group(2)), m.span()) for m in _ASKED_YEAR.finditer(folded)]
    titles, names = _title_words(library), _names(library)
    found: dict[str, tuple[float, list[tuple[int, int]]]] = {}
    for key, info in library.notices.items():
        score, spans = 0.0, []
        batch = [span for n, span in batches if n == info.batch]
        year = [span for y, span in years if y in info.years]
        places, issuers = names[key]
        place = [span for p in places if p in folded for span in _spans(p, folded)]
        issuer = [span for name in issuers if name in folded for span in _spans(name, folded)]
        for weight, where in (
            (BATCH_WEIGHT, batch),
            (YEAR_WEIGHT, year),
            (PLACE_WEIGHT, place),
            (ISSUER_WEIGHT, issuer),
        ):
            if where:
                score += weight
                spans += where
        for word in titles[key]:
            where = _spans(word, folded) if word in folded else []
            if where and (key == base.key or word not in base.folded_text):
                score += TITLE_WEIGHT * (2 if len(word) >= LONG_TITLE_WORD else 1)
                spans += where
        if score and any(_points_at(folded, end, library) for _, end in spans):
            score += POINTER_WEIGHT  # "临江市的通知里,…": the question points at this notice by name
        if score:
            found[key] = (score, sorted(spans))
    return found


def named(folded: str, library: Library, base: KnowledgeBase) -> dict[str, float]:
    """How strongly the question names each notice it names."""
    return {key: score for key, (score, _) in mentions(folded, library, base).items()}


def _pair_notices(library: Library) -> dict[str, frozenset[str]]:
    """Every character pair of every notice's text, and the notices that have it."""
    cached = library.__dict__.get("_pair_notices")
    if cached is None:
        postings: dict[str, set[str]] = {}
        for key in library.keys():
            for pair in library.pairs(key):
                postings.setdefault(pair, set()).add(key)
        cached = library.__dict__["_pair_notices"] = {p: frozenset(ks) for p, ks in postings.items()}
    return cached


def fit(question: str, library: Library, base: KnowledgeBase) -> dict[str, float]:
    """How well each notice's text holds the question's content words, weighted by their rarity across notices.

    A notice holds a word when its text has every character pair of it (read without building the notice);
    question words (什么时候, 多少) and single characters say nothing of which notice is asked about.
    """
    postings = _pair_notices(library)
    n = len(library.notices)
    _, words = base.index.analyse(question)
    scores = dict.fromkeys(library.keys(), 0.0)
    everyone = frozenset(library.keys())
    for word in sorted(set(words) - base.not_focus - base.lexicon.stopwords):
        pairs = bigrams(word)
        if len(word) < 2 or not pairs:
            continue
        having = everyone
        for pair in pairs:
            having = having & postings.get(pair, frozenset())
        if not having:
            continue
        weight = math.log(1 + (n - len(having) + 0.5) / (len(having) + 0.5))
        for key in having:
            scores[key] += weight
    return scores


def _follow_up(folded: str, kb: KnowledgeBase, context: Context | None) -> bool:
    """A short question that leans on the previous one, which was answered from some notice."""
    if not context or not context.question or not context.notice:
        return False
    return len(folded) <= kb.facts.follow_up_max and has_any(folded, kb.facts.follow_up_cues)


def _preferred(keys: list[str], *first: str | None) -> list[str]:
    """keys with the given ones first, in their order, then the rest as they were."""
    front = [k for k in first if k and k in keys]
    return list(dict.fromkeys(front + keys))


def route(question: str, library: Library, current_key: str | None = None, context: Context | None = None) -> Route:
    """The notice a question goes to: named, followed up, chosen by the chat, or the best fit."""
    default = library.default_key()
    base_key = current_key if current_key in library.notices else default
    if len(library.notices) == 1:
        return Route(base_key, "only")
    base = library.get(base_key)
    folded = fold(question)
    found = mentions(folded, library, base)
    vocab = library.vocabulary
    stay = context.notice if context and context.notice in library.notices else current_key
    if found and stay in library.notices and has_any(folded, vocab.get("this_notice", ())):
        found = {}  # "首批入选过,这次还能报吗": another notice mentioned in passing; this one is asked about
    scores = {key: score for key, (score, _) in found.items()}
    if scores and max(scores.values()) < STRONG_NAMING:
        # Title words alone are weak: they never override a choice, and name a notice only if its words fit
        # the question nearly as well as the best.
        fits = fit(question, library, base)
        keep = stay is None
        scores = {k: s for k, s in scores.items() if keep and fits[k] >= NEAR_TIE * max(fits.values())}
    if scores:
        if len(scores) >= 2 and has_any(folded, vocab.get("compare", ())):
            ranked = sorted(scores, key=lambda k: (-scores[k], k))
            return Route(ranked[0], "named", compared=tuple(_in_order(folded, library, ranked[:2])))
        top = max(scores.values())
        # On a tie the chat's notice wins, then the one named last ("首批入选了,第二批还能报吗" asks of 第二批).
        tied = sorted((k for k, s in scores.items() if s == top), key=lambda k: (-found[k][1][-1][1], k))
        best = _preferred(tied, current_key)
        if len(best) == 1 or current_key in best or found[best[0]][1][-1][1] > found[best[1]][1][-1][1]:
            return Route(best[0], "named", spans=tuple(found[best[0]][1]))
        fits = fit(question, library, base)
        best = sorted(best, key=lambda k: (-fits[k], k != default, k))
        return Route(
            best[0], "named", alternatives=tuple(best[1 : 1 + MAX_ALTERNATIVES]), spans=tuple(found[best[0]][1])
        )
    if _follow_up(folded, base, context) and context.notice in library.notices:
        return Route(context.notice, "follow_up")
    if current_key in library.notices:
        return Route(current_key, "chosen")
    fits = fit(question, library, base)
    ranked = sorted(fits, key=lambda k: (-fits[k], k != default, k))
    # Another notice answers instead of the default only when it holds clearly more: by a share, and by more
    # than one word that only it has ("截止时间" in one text and "截至" in the other decides nothing).
    rare = math.log(1 + (len(fits) - 0.5) / 1.5)
    gain = fits[ranked[0]] - fits[default]
    better = fits[ranked[0]] > DEFAULT_MARGIN * fits[default] and gain >= MIN_RARE_WORDS * rare
    chosen = ranked[0] if better else default
    near = [k for k in ranked if k != chosen and fits[k] >= NEAR_TIE * fits[chosen]]
    return Route(chosen, "best", alternatives=tuple(near[:MAX_ALTERNATIVES]))


def _in_order(folded: str, library: Library, keys: list[str]) -> list[str]:
    """The compared notices in the order the question names them (by batch when it names batches)."""
    asked = [batch_number(m) for m in BATCH.finditer(folded)]
    position = {b: i for i, b in reversed(list(enumerate(asked)))}
    return sorted(keys, key=lambda k: (position.get(library.notices[k].batch, len(asked)), keys.index(k)))


def _unnamed(question: str, library: Library, keys: tuple[str, ...]) -> str:
    """The question without what names the compared notices and without the comparison words."""
    text = fold(question)
    cut = [m.group(0) for m in BATCH.finditer(text)]
    cut += [m.group(0) for m in _ASKED_YEAR.finditer(text)]
    for key in keys:
        info = library.notices[key]
        cut += [fold(p) for p in info.places] + _issuer_names(info)
    cut += list(library.vocabulary.get("compare", ()))
    for piece in sorted(set(cut), key=len, reverse=True):
        text = text.replace(piece, " ")
    joins = sorted(library.vocabulary.get("compare_joins", ()), key=len, reverse=True)
    text = re.sub(r"^(?:\s|的|" + "|".join(map(re.escape, joins)) + r")+", "", text)
    text = re.sub(r"\s+(?:" + "|".join(map(re.escape, joins)) + r")\s+", " ", text)
    return " ".join(text.split()) or question


def compare(question: str, keys: tuple[str, ...], library: Library, now: dt.datetime | None = None) -> Answer:
    """One answer per compared notice, side by side under each short title, each citing its own clauses."""
    asked = _unnamed(question, library, keys)
    parts = [(key, answer_question(asked, None, now, kb=library.get(key))) for key in keys]
    first = parts[0][1]
    lines = [f"《{library.notices[key].short_title}》:{part.text}" for key, part in parts]
    return Answer(
        question=question,
        answered=any(part.answered for _, part in parts),
        intent=first.intent,
        text="\n\n".join(lines),
        citations=[c for _, part in parts for c in part.citations[:COMPARED_CITATIONS]],
        confidence=min(part.confidence for _, part in parts),
        topic=first.topic,
        kind="comparison",
        notice=keys[0],
        notice_title=library.notices[keys[0]].short_title,
        compared=list(keys),
    )


def _pointer(library: Library) -> re.Pattern:
    """What follows a notice's name when a question points at the notice: "的通知里,", "那个文件,"."""
    cached = library.__dict__.get("_pointer")
    if cached is None:
        vocab = library.vocabulary

        def alts(name: str) -> str:
            return "|".join(map(re.escape, sorted(vocab.get(name, ()), key=len, reverse=True)))

        cached = re.compile(
            rf"\s*(?:{alts('notice_pointers')})?\s*(?:{alts('notice_words')})\s*(?:{alts('notice_places')})?"
            r"(?:说的|讲的|写的)?\s*[,,::;;、\s]*"
        )
        library.__dict__["_pointer"] = cached
    return cached


def _points_at(folded: str, end: int, library: Library) -> bool:
    """Whether a name ending at end is followed by words that point at a notice ("的通知", "那个文件")."""
    after = _pointer(library).match(folded, end)
    return bool(
        after and after.end() > end and any(w in after.group(0) for w in library.vocabulary.get("notice_words", ()))
    )


def without_name(question: str, spans: tuple[tuple[int, int], ...], library: Library) -> str:
    """The question without the words that point at its notice ("临江市的通知里,每家最多补多少" asks
    "每家最多补多少"); a name used inside the question ("第二批啥时候截止") stays."""
    folded = fold(question)
    if len(folded) != len(question):
        return question  # folding changed the length: the spans do not fit the text as typed
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pointer = _pointer(library)
    for start, end in reversed(merged):
        after = pointer.match(folded, end)
        if after and _points_at(folded, end, library):
            rest = folded[:start] + folded[after.end() :]
            if rest.strip():
                folded, question = rest, question[:start] + question[after.end() :]
    return question


def answer_in_library(
    question: str,
    context: Context | None = None,
    now: dt.datetime | None = None,
    library: Library | None = None,
    current_key: str | None = None,
) -> Answer:
    """Answer a message from the notice it goes to (see route), naming that notice and any near alternatives.

    current_key: the chat's chosen notice, or None when it has chosen none. The context remembers the
    notice answered from, so a follow-up stays with it.
    """
    library = library or Library()
    where = route(question, library, current_key, context)
    if where.compared:
        result = compare(question, where.compared, library, now)
    else:
        asked = without_name(question, where.spans, library) if where.spans else question
        result = answer_question(asked, context, now, kb=library.get(where.key))
        result.question = question
        result.notice_title = library.notices[where.key].short_title
        # A greeting or a refusal names no notice worth switching to.
        result.alternatives = list(where.alternatives) if result.answered and result.kind != "message" else []
    if context is not None and result.answered:
        context.notice = result.notice
    return result


__all__ = ["Route", "answer_in_library", "compare", "fit", "named", "route"]
