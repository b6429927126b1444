"""The clause index: jieba words and character pairs of every citable clause, searched with BM25 weights.

Words carry meaning; character pairs keep a question that jieba cut differently, or that has a typo in
one character, close to its clause. Domain words with a typo are restored with rapidfuzz first.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import Hamming

from .cues import GAP, CueIndex, weight
from .fold import fold
from .lexicon import Lexicon
from .terms import defined_terms
from .abbreviations import canonical_names, issuer_names
from .model import Clause, Notice
from .lazy import lazy_re

# Which clauses compete for a citation: the smallest unit of each part of the notice.
_RANKED_KINDS = {"title", "addressee", "item", "paragraph", "sentence", "signature", "date"}
_FUNCTION_CHARS = frozenset(
    "的了吗呢吧啊呀么是在和与及或跟把被给对都也还就要能会有不我你他她它这那个家里上下中从到向为让什啥哪谁怎几多备由于以其之而才好再又很太更"
)
_FUNCTION_TEXT = "".join(sorted(_FUNCTION_CHARS))  # for str.strip
GUESSED_WEIGHT = 1.0  # a guessed pair around a particle names nothing: it weighs as a word most clauses hold
DATE_TOKEN = "<日期>"  # the synonym group of when-words in lexicon/synonyms.yaml
# A sentence that states what one must have or meet answers "what conditions" questions, whether or not it
# says 条件 ("服务商应具有较深的行业知识积累"): the synonym group of condition words in lexicon/synonyms.yaml.
CONDITION_TOKEN = "<条件>"
_CONDITION = lazy_re(
    r"(?:应|须|需|应当|必须)(?:具有|具备|满足|符合)|同时(?:满足|符合)|(?:具有|具备)[^,;。]{0,12}(?:资格|资质|能力)"
)
_DATE = lazy_re(r"\d{4}\s*年\s*\d{1,2}\s*月|\d{1,2}\s*月\s*\d{1,2}\s*日")
_CJK_ONLY = lazy_re(r"[\u4e00-\u9fff]+")
_CJK_RUN = lazy_re(r"[\u4e00-\u9fff]+|[0-9a-z%]+")
_BM25_K1 = 1.2
_BM25_B = 0.5
_PHRASE_WEIGHT = 0.8  # per character of keyword phrases found whole in the question
_PATH_WEIGHT = 0.35  # words of the section path count, but less than the clause's own words


@dataclass(frozen=True)
class Hit:
    """One clause found for a question, with its score and how much of the question it covers."""

    clause: Clause
    score: float
    coverage: float  # share of the question's weighted words and character pairs found in the clause
    phrase: int = 0  # characters of the clause's keyword phrases found whole in the question


# A Chinese numeral before a measure word ("满三年", "两千万"): searched as the notice writes figures ("满3年").
_CN_FIGURE = lazy_re(r"(?<![第统唯单同])[零〇一二两三四五六七八九十百千]+(?=[年个家月日天份项条批级名人位万亿元倍%])")


def numerals(folded: str) -> str:
    """The text as searched: Chinese numerals before a measure word written in digits; the rest as it is."""
    if not _CN_FIGURE.search(folded):
        return folded
    import cn2an  # only for text with such a numeral

    def digits(m) -> str:
        try:
            return str(cn2an.cn2an(m.group(0), "smart"))
        except (ValueError, KeyError, IndexError):
            return m.group(0)

    return _CN_FIGURE.sub(digits, folded)


def bigrams(folded: str) -> list[str]:
    """Character pairs inside runs of Chinese characters, and whole runs of Latin letters or digits."""
    out: list[str] = []
    for run in _CJK_RUN.findall(folded):
        if run[0].isascii():
            out.append(run)
        elif len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


@dataclass
class _Doc:
    clause: Clause
    words: Counter
    path_words: frozenset[str]
    pairs: frozenset[str]
    length: int


class ClauseIndex:
    """Search a notice's clauses for the ones that answer a question."""

    def __init__(self, notice: Notice, lexicon: Lexicon, keywords: dict[str, list[str]] | None = None):
        """Index the notice's citable clauses; `keywords` adds users' words to clauses, by clause id."""
        self.notice = notice
        self.lexicon = lexicon
        self.docs: list[_Doc] = []
        self.phrases: dict[str, list[str]] = {}  # clause id -> its folded keyword phrases
        self.clause_vocabulary: set[str] = set()  # the words of the notice itself, not of its keywords
        keywords = keywords or {}
        self.terms = defined_terms(fold(notice.text))
        lexicon.teach(self.terms)
        # The issuers' short names (经信局 for 北京市经济和信息化局): this notice's own, beside the lexicon's.
        signatures = [fold(c.text) for c in notice.clauses if c.kind == "signature"]
        named = canonical_names(issuer_names(signatures), fold(notice.text), lexicon.tokenizer.lcut)
        self.short_names = {form: name for form, name in named.items() if form not in lexicon.synonyms}
        # Found as written, never taught to the tokenizer: the tokenizer is shared by every notice of a library,
        # and one notice's names must not change how another's text is cut.
        self._name_forms = sorted(self.short_names, key=lambda f: (-len(f), f))
        for clause in self.ranked(notice):
            folded = fold(clause.text)
            extra = [fold(k) for k in keywords.get(clause.id, ())]
            self.phrases[clause.id] = [k for k in extra if len(k) >= 2]
            words = Counter(lexicon.expand(lexicon.cut(folded, search=True)))
            words.update(self.named_bodies(folded, words))
            # "3年" beside "三年": found by either spelling, never making the clause longer for BM25.
            figures = set(lexicon.cut(numerals(folded), search=True)) - set(words)
            words.update(figures)
            self.clause_vocabulary.update(words)
            if _DATE.search(folded):  # a clause that sets a date answers "when" questions
                words[DATE_TOKEN] += 1
            if _CONDITION.search(folded):
                words[CONDITION_TOKEN] += 1
            for k in extra:  # users' words count once each, beside the clause's own
                words.update(set(lexicon.expand(lexicon.cut(k.replace(GAP, " ")))) - set(words))
            label_words = lexicon.expand(lexicon.cut(fold(clause.path), search=True))
            self.docs.append(
                _Doc(
                    clause,
                    words,
                    frozenset(label_words),
                    frozenset(bigrams(folded) + bigrams(numerals(folded))),
                    max(1, sum(words.values()) - len(figures)),
                )
            )
        self.ranked_ids = {d.clause.id for d in self.docs}
        self._doc_by_id = {d.clause.id: d for d in self.docs}
        # Postings in clause order (so that sums run in one order whatever the hash seed).
        self._postings: dict[str, dict[int, float]] = {}
        self._path_postings: dict[str, list[int]] = {}
        self._pair_postings: dict[str, list[int]] = {}
        self._phrase_list: list[tuple[int, str]] = []
        avg = sum(d.length for d in self.docs) / max(1, len(self.docs))
        for i, doc in enumerate(self.docs):
            for w, tf in doc.words.items():
                norm = tf * (_BM25_K1 + 1) / (tf + _BM25_K1 * (1 - _BM25_B + _BM25_B * doc.length / avg))
                self._postings.setdefault(w, {})[i] = norm
            for w in sorted(doc.path_words):
                self._path_postings.setdefault(w, []).append(i)
            for p in sorted(doc.pairs):
                self._pair_postings.setdefault(p, []).append(i)
            self._phrase_list += [(i, k) for k in self.phrases.get(doc.clause.id, ())]
        n = len(self.docs)
        df: Counter = Counter()
        pair_df: Counter = Counter()
        for doc in self.docs:
            df.update(set(doc.words) | doc.path_words)
            pair_df.update(doc.pairs)
        self.idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in df.items()}
        self.pair_idf = {p: math.log(1 + (n - f + 0.5) / (f + 0.5)) for p, f in pair_df.items()}
        self.unknown_idf = math.log(1 + (n + 0.5) / 0.5) * 0.5  # a word no clause has: weighty, but half
        self.avg_len = sum(d.length for d in self.docs) / max(1, n)

    def doc(self, clause_id: str) -> _Doc | None:
        """The indexed words of one citable clause."""
        return self._doc_by_id.get(clause_id)

    @staticmethod
    def ranked(notice: Notice) -> list[Clause]:
        """Clauses that can be cited: a long paragraph competes through its sentences, not as a whole."""
        split = {c.parent for c in notice.clauses if c.parent}
        return [c for c in notice.clauses if c.kind in _RANKED_KINDS and c.id not in split]

    @cached_property
    def _typo_targets(self) -> dict[int, list[str]]:
        """Domain words that a typo may have broken, by length."""
        # Only words the notice holds: restoring a word it never uses ("合适" -> 合同) finds nothing and
        # adds a subject the question never named.
        # A word that only English words stand for ("合同": contract) has no Chinese misspellings on record.
        spelled = {c for v, c in self.lexicon.synonyms.items() if _CJK_ONLY.fullmatch(v)}
        words = {fold(w) for w in (*self.lexicon.domain_words, *spelled)}
        words = {w for w in words if w in self.clause_vocabulary}
        # The notice's own longer words too; its two-character words are too many to guess among.
        words |= {w for w in self.clause_vocabulary if len(w) >= 3 and w not in self.lexicon.stopwords}
        by_size: dict[int, list[str]] = {}
        for w in sorted(words):
            if _CJK_ONLY.fullmatch(w) and 2 <= len(w) <= 4:
                by_size.setdefault(len(w), []).append(w)
        return by_size

    def restore_typos(self, folded: str, tokens: list[tuple[str, int, int]]) -> list[str]:
        """Domain words the question misspells in one character (申保 -> 申报, 服物商 -> 服务商).

        A window of the question one character away from a domain word counts as that word when the
        window is no word itself (the small dictionary keeps real neighbours such as 关系 beside 联系),
        when some of its characters lie outside the words jieba recognised (数字化服务商 holds no typo of
        云服务), and when the differing character is not a particle at its edge (试点跟 is no 试点期).
        """
        known = self.lexicon.tokenizer.FREQ  # tokens: jieba's default-mode tokens of the question, with positions
        spans = [(a, b) for w, a, b in tokens if len(w) >= 2 and known.get(w)]
        covered = {i for a, b in spans for i in range(a, b)}
        unknown_pairs = {w for w, _, _ in tokens if len(w) == 2 and not known.get(w)}
        # A word jieba only guessed ("申保要": 申保 and 要 run together) holds its two-character pairs too, except
        # a pair that shares a character with a known word beside it ("用区" of 能用区 cuts through 能用).
        unknown_pairs |= {
            w[i : i + 2]
            for w, _, _ in tokens
            if len(w) > 2 and not known.get(w)
            for i in range(len(w) - 1)
            if not (i > 0 and known.get(w[i - 1 : i + 1])) and not (i + 3 <= len(w) and known.get(w[i + 1 : i + 3]))
        }
        alone = {a for w, a, _ in tokens if len(w) == 1}  # characters jieba cut as words of their own
        found: list[str] = []
        for size, targets in self._typo_targets.items():
            # A two-character typo must be a word of its own as jieba cut it; "州下" in "通州下雨" is not.
            # A window must hold something jieba did not recognise, and must not cut through a word it did
            # ("买服务" in 买服务器 is no typo of 云服务).
            if size == 2:
                windows = {(w, None) for w in unknown_pairs}
            else:
                crossed = {i for a, b in spans for i in range(a - size + 1, b) if not (i <= a and b <= i + size)}
                windows = {
                    (folded[i : i + size], i)
                    for i in range(len(folded) - size + 1)
                    if i not in crossed and any(j not in covered for j in range(i, i + size))
                }
            for window, start in windows:
                if not _CJK_ONLY.fullmatch(window) or known.get(window) or window in self.clause_vocabulary:
                    continue  # a word of the notice itself ("投资") is no misspelling of another ("工资")
                # The targets one character away, in their order (rapidfuzz compares the window to all at once).
                near = sorted(
                    (n, w)
                    for w, distance, n in process.extract(
                        window, targets, scorer=Hamming.distance, score_cutoff=1, limit=None
                    )
                    if distance == 1
                )
                for _, w in near:
                    if w in folded:
                        continue
                    diff = next(i for i in range(size) if window[i] != w[i])
                    if start is not None:
                        # "试点想" is the word 试点 and the word 想, not a typo of 试点期; and a character
                        # inside a word jieba recognised ("用" of 用于 in 不用于) is no typo either.
                        rest = window[:diff] + window[diff + 1 :]
                        if (start + diff in alone and known.get(rest)) or start + diff in covered:
                            continue
                        if window[diff] in _FUNCTION_CHARS:
                            continue
                    elif window[1 - diff] in _FUNCTION_CHARS or window[diff] in _FUNCTION_CHARS:
                        continue  # "全由" shares only a particle with 路由, "分才" is 分 and 才: no typos
                    found.append(w)
        return found

    def weight_of(self, word: str) -> float:
        """How much a question word counts: its rarity in the notice. A word no clause holds weighs half the
        rarest; a pair jieba guessed around a particle ("这算", "区要": no dictionary has it) as a common word."""
        idf = self.idf.get(word)
        if idf is not None:
            return idf
        if (
            len(word) == 2
            and _CJK_ONLY.fullmatch(word)
            and not self.lexicon.tokenizer.FREQ.get(word)
            and (word[0] in _FUNCTION_CHARS or word[1] in _FUNCTION_CHARS)
        ):
            return GUESSED_WEIGHT
        return self.unknown_idf

    def analyse(self, question: str) -> tuple[str, list[str]]:
        """The folded question and its words (synonyms expanded, typos restored)."""
        folded = fold(question)
        words, tokens = self.lexicon.cut_with_tokens(folded)
        if (digits := numerals(folded)) != folded:
            words += [w for w in self.lexicon.cut(digits, search=True) if w not in words]  # "满3年" too
        # A pair jieba guessed around a particle ("区有" of 哪些区有资格) still holds a word the lexicon knows.
        kept = (w.strip(_FUNCTION_TEXT) for w in words if self.weight_of(w) == GUESSED_WEIGHT)
        words += [w for w in kept if w in self.synonyms]
        words += self.restore_typos(folded, tokens)
        words += self.named_bodies(folded, words)
        return folded, self.lexicon.expand(words)

    @cached_property
    def synonyms(self) -> dict[str, str]:
        """Each variant and its canonical word: the lexicon's, and this notice's short names of its issuers."""
        return {**self.lexicon.synonyms, **self.short_names} if self.short_names else self.lexicon.synonyms

    def named_bodies(self, folded: str, words) -> list[str]:
        """The canonical names of the issuers a text names by some form ("区工信局"), not yet among its words."""
        found = [self.short_names[f] for f in self._name_forms if f in folded]
        return [name for name in dict.fromkeys(found) if name not in words]

    def _held(self, word: str) -> dict[int, float]:
        """The clauses holding a word: 1 in their text, _PATH_WEIGHT in their section path only."""
        held = dict.fromkeys(self._path_postings.get(word, ()), _PATH_WEIGHT)
        held.update(dict.fromkeys(self._postings.get(word, {}), 1.0))
        return held

    def search(self, question: str, k: int = 5, words: list[str] | None = None) -> list[Hit]:
        """The k best clauses for a question, best first."""
        folded = fold(question)
        if words is None:
            folded, words = self.analyse(question)
        return self.rank(folded, words, k)

    @cached_property
    def _phrase_index(self) -> CueIndex:
        return CueIndex(phrase for _, phrase in self._phrase_list)

    def rank(self, folded: str, words, k: int = 5) -> list[Hit]:
        """The k best clauses for an analysed question (folded text and its words), best first."""
        # A variant ("啥时候", "补贴") speaks through its canonical word, which the words hold as well.
        # Ordered, never sets: floating-point sums must not depend on PYTHONHASHSEED.
        q_words = sorted({w for w in words if w not in self.synonyms} or set(words))
        q_pairs = sorted(set(bigrams(folded) + bigrams(numerals(folded))))
        phrase_text = folded + " " + " ".join(q_words)  # restored typos and synonyms count as written
        if not q_words and not q_pairs:
            return []
        # A part of a longer question word (服务 of 服务商) ranks, but covers only a share of its whole:
        # the question asked for the whole once, not for each of its parts.
        parts_of = {w: [p for p in q_words if p != w and p in w] for w in q_words}
        parts = {p for ps in parts_of.values() for p in ps}
        wholes = [w for w in q_words if w not in parts]
        word_mass = sum(self.weight_of(w) for w in wholes) or 1.0
        pair_mass = sum(self.pair_idf.get(p, self.unknown_idf) for p in q_pairs) or 1.0
        # Postings, not a scan of every clause: only the clauses holding a word of the question are scored,
        # each sum taken in the order of the question's words whatever order the clauses come in.
        bm25: dict[int, float] = {}
        covered: dict[int, float] = {}
        pairs: dict[int, float] = {}
        for w in q_words:
            idf = self.idf.get(w)
            if not idf:
                continue
            holding = self._postings.get(w, {})
            for i, norm in holding.items():
                bm25[i] = bm25.get(i, 0.0) + idf * norm
            for i in self._path_postings.get(w, ()):
                if i not in holding:
                    bm25[i] = bm25.get(i, 0.0) + idf * _PATH_WEIGHT
        for w in wholes:
            share: dict[int, float] = {}
            for p in parts_of[w]:
                for i, v in self._held(p).items():
                    share[i] = max(share.get(i, 0.0), v * len(p) / len(w))
            for i, v in self._held(w).items():
                share[i] = max(share.get(i, 0.0), v)
            weight_w = self.weight_of(w)
            for i, v in share.items():
                if v:
                    covered[i] = covered.get(i, 0.0) + weight_w * v
        for p in q_pairs:
            for i in self._pair_postings.get(p, ()):
                pairs[i] = pairs.get(i, 0.0) + self.pair_idf[p]
        phrases: dict[int, int] = {}
        for m in self._phrase_index.positions(phrase_text):
            i, phrase = self._phrase_list[m]
            phrases[i] = phrases.get(i, 0) + weight(phrase)
        scores: dict[int, float] = {}
        for i in sorted(bm25.keys() | pairs.keys() | phrases.keys()):  # clause order breaks ties
            # A keyword phrase found whole in the question is the strongest sign of what it asks.
            score = (
                bm25.get(i, 0.0) + 4.0 * (pairs.get(i, 0.0) / pair_mass) + _PHRASE_WEIGHT * min(phrases.get(i, 0), 12)
            )
            if score > 0:
                scores[i] = score
        best = sorted(scores, key=scores.__getitem__, reverse=True)[:k]
        hits: list[Hit] = []
        for i in best:
            coverage = 0.6 * covered.get(i, 0.0) / word_mass + 0.4 * (pairs.get(i, 0.0) / pair_mass)
            hits.append(Hit(self.docs[i].clause, scores[i], coverage, phrases.get(i, 0)))
        return hits
