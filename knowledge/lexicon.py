"""The words of the domain: a small jieba dictionary, the domain dictionary and the synonyms, as data.

jieba's default dictionary (350,000 words) takes most of a second to load; segmenting questions against
one short notice needs only the words that occur in the notices, plus the domain words and synonyms.
`python -m knowledge.lexicon` rebuilds `lexicon/dictionary.txt` from jieba's default one (`--check`: is it up to date?).
"""

from __future__ import annotations

import logging
import sys
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path


from .fold import fold
from .loader import LEXICON_DIR, NOTICES_DIR, KnowledgeError, read_yaml
from .lazy import lazy_re

SMALL_DICTIONARY = "dictionary.txt"
USER_DICTIONARY = "userdict.txt"
SYNONYMS = "synonyms.yaml"
STOPWORDS = "stopwords.txt"

_WORD = lazy_re(r"[0-9a-z\u4e00-\u9fff%]")
_HAS_LATIN = lazy_re(r"[a-z]")
_LATIN_PHRASE = lazy_re(r"[a-z][a-z0-9\- ]*[a-z0-9]")
_SUBSTRING_MAX = 4  # nine in ten of jieba's words are this short


@dataclass
class Lexicon:
    """Synonyms, stop words and the jieba tokenizer built from the small dictionary."""

    folder: Path = LEXICON_DIR
    synonyms: dict[str, str] = field(default_factory=dict)  # folded variant -> folded canonical word
    stopwords: frozenset[str] = frozenset()
    domain_words: tuple[str, ...] = ()

    @classmethod
    def load(cls, folder: Path = LEXICON_DIR) -> "Lexicon":
        """Read the synonyms, stop words and domain words of a lexicon folder."""
        synonyms: dict[str, str] = {}
        for canonical, variants in (read_yaml(folder / SYNONYMS) or {}).items():
            for variant in variants or ():
                key, value = fold(str(variant)), fold(str(canonical))
                if synonyms.get(key, value) != value:
                    raise KnowledgeError(
                        f"{SYNONYMS}: {variant!r} is listed under both {synonyms[key]!r} and {canonical!r}"
                    )
                synonyms[key] = value
        stop_path = folder / STOPWORDS
        stopwords = (
            frozenset(
                w
                for w in (ln.strip() for ln in stop_path.read_text(encoding="utf-8").splitlines())
                if w and not w.startswith("#")
            )
            if stop_path.is_file()
            else frozenset()
        )
        domain = tuple(
            ln.split()[0] for ln in (folder / USER_DICTIONARY).read_text(encoding="utf-8").splitlines() if ln.strip()
        )
        return cls(folder=folder, synonyms=synonyms, stopwords=stopwords, domain_words=domain)

    @cached_property
    def tokenizer(self):
        """A jieba Tokenizer on the small dictionary plus the domain dictionary."""
        jieba = _import_jieba()
        jieba.setLogLevel(logging.WARNING)
        small = self.folder / SMALL_DICTIONARY
        tok = jieba.Tokenizer(str(small)) if small.is_file() else jieba.Tokenizer()
        state = self.__dict__.pop("_tokenizer_state", None)
        if state is not None:  # from the knowledge cache: what the steps below gave when it was stored
            tok.FREQ, tok.total, tok.user_word_tag_tab = state
            tok.initialized = True
            return tok
        tok.initialize()
        tok.load_userdict(str(self.folder / USER_DICTIONARY))
        for word in self.synonyms:  # so that a colloquial variant ("最多", "啥时候") is cut as one word
            if not _LATIN_PHRASE.fullmatch(word) and len(word) > 1:
                tok.suggest_freq(word, tune=True)
        return tok

    def tokenizer_state(self) -> tuple[dict[str, int], int, dict[str, str]]:
        """The tokenizer's words, total frequency and tags: what the knowledge cache stores of it."""
        tok = self.tokenizer
        return tok.FREQ, tok.total, tok.user_word_tag_tab

    def with_tokenizer_state(self, state: tuple[dict[str, int], int, dict[str, str]]) -> "Lexicon":
        """This lexicon, its tokenizer to be made from a stored state instead of the dictionaries."""
        self.__dict__.pop("tokenizer", None)
        self.__dict__["_tokenizer_state"] = state
        return self

    @cached_property
    def latin_phrases(self) -> re.Pattern[str] | None:
        """One pattern of every English variant, longest first: replaced in the text before it is cut."""
        phrases = sorted((v for v in self.synonyms if _LATIN_PHRASE.fullmatch(v)), key=lambda v: (-len(v), v))
        if not phrases:
            return None
        return re.compile(r"\b(" + "|".join(re.escape(v) for v in phrases) + r")s?\b")

    def cut(self, folded: str, search: bool = False) -> list[str]:
        """Segment folded text into words, dropping punctuation and stop words.

        search: jieba's search-engine mode, which also yields the dictionary words inside a long one
        (部级评审 -> 部级, 评审), so that a question naming a part finds the text that names the whole.
        """
        # Latin letters first: the phrase pattern is long to compile, and most questions have none.
        if _HAS_LATIN.search(folded) and self.latin_phrases is not None:
            folded = self.latin_phrases.sub(lambda m: f" {self.synonyms[m.group(1)]} ", folded)
        cut = self.tokenizer.lcut_for_search if search else self.tokenizer.lcut
        return self._kept(cut(folded))

    def _kept(self, words) -> list[str]:
        # A stop word that has a synonym ("什么时候" -> <日期>) is kept here so that expand() can map it.
        return [w for w in words if _WORD.search(w) and (w not in self.stopwords or w in self.synonyms)]

    def cut_with_tokens(self, folded: str) -> tuple[list[str], list[tuple[str, int, int]]]:
        """The words of cut(folded, search=True), and jieba's default-mode tokens with their positions.

        One pass of jieba gives both when the text holds no English phrase to replace first.
        """
        if _HAS_LATIN.search(folded) and self.latin_phrases is not None:
            return self.cut(folded, search=True), list(self.tokenizer.tokenize(folded))
        found = list(self.tokenizer.tokenize(folded, mode="search"))
        # Search mode yields a long word's dictionary parts before the word itself: read backwards, a token
        # inside the span of the word last met is one of its parts, any other is a word of default mode.
        tokens: list[tuple[str, int, int]] = []
        for token in reversed(found):
            if not tokens or not (tokens[-1][1] <= token[1] and token[2] <= tokens[-1][2]):
                tokens.append(token)
        return self._kept(w for w, _, _ in found), tokens[::-1]

    def teach(self, terms: tuple[str, ...]) -> None:
        """Make the tokenizer cut each of a notice's defined terms as one word (idempotent, cheap when known)."""
        tok = self.tokenizer
        for term in terms:
            if not tok.FREQ.get(term):
                tok.suggest_freq(term, tune=True)

    def expand(self, words: list[str]) -> list[str]:
        """Each word, followed by its canonical synonym when it has one."""
        out: list[str] = []
        for w in words:
            if w not in self.stopwords:
                out.append(w)
            canonical = self.synonyms.get(w)
            if canonical and canonical != w:
                out.append(canonical)
        return out


def _one_apart(targets: set[str]):
    """A test for "one character away from a target (and not that target)", in one lookup per position.

    Each target is stored under its masks (one character blanked at a time); a word one character
    from a target shares a mask with it. Comparing every jieba word with every target took most of a minute.
    """
    masks: dict[str, set[str]] = {}
    for t in targets:
        for i in range(len(t)):
            masks.setdefault(f"{t[:i]}\0{t[i + 1 :]}", set()).add(t)

    def near(word: str) -> bool:
        return any(masks.get(f"{word[:i]}\0{word[i + 1 :]}", {word}) - {word} for i in range(len(word)))

    return near


def _import_jieba():
    """jieba, imported without pkg_resources: jieba only uses it to open its own files, which it also opens
    without it, and importing pkg_resources costs about 50 ms of every cold start (benchmarks/speed.py)."""
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # an import of it raises ImportError: jieba takes its fallback
    try:
        import jieba
    finally:
        if blocked:
            del sys.modules["pkg_resources"]  # whoever needs it later imports it as usual
    return jieba


def small_dictionary() -> str:
    """The words of jieba's default dictionary that occur in any notice or lexicon file, in jieba's order."""
    jieba = _import_jieba()
    jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" lines on stderr
    corpus = "\n".join(fold(p.read_text(encoding="utf-8")) for p in sorted(NOTICES_DIR.glob("*/*.txt")))
    corpus += "\n".join(fold(p.read_text(encoding="utf-8")) for p in sorted(LEXICON_DIR.glob("*.yaml")))
    corpus += "\n".join(fold(p.read_text(encoding="utf-8")) for p in sorted(NOTICES_DIR.glob("*/*.yaml")))
    # Typo targets: a real word one character away from one ("关系" beside "联系") must stay a word,
    # so such neighbours are kept too; the index restores only strings that are no word at all.
    lexicon = Lexicon.load()
    targets = {fold(w) for w in (*lexicon.domain_words, *lexicon.synonyms.values()) if len(w) >= 2}
    full = jieba.Tokenizer()
    for path in sorted(NOTICES_DIR.glob("*/notice.txt")):  # the notices' own words are typo targets too
        targets |= {
            w for w in full.lcut(fold(path.read_text(encoding="utf-8"))) if 3 <= len(w) <= 4 and _WORD.search(w)
        }
    near = _one_apart(targets)
    # Short words are looked up among the corpus's substrings; the few long ones are searched for.
    present = {corpus[i : i + n] for n in range(1, _SUBSTRING_MAX + 1) for i in range(len(corpus) - n + 1)}
    kept = []
    with jieba.get_dict_file() as fh:
        for raw in fh:
            line = raw.decode("utf-8")
            word, _, rest = line.partition(" ")
            freq = int(rest.split(" ", 1)[0] or 0) if rest else 0
            found = word in present if len(word) <= _SUBSTRING_MAX else word in corpus
            if word and (found or (freq >= 30 and near(word))):
                kept.append(line if line.endswith("\n") else line + "\n")
    return "".join(kept)


def build_small_dictionary(out: Path | None = None, *, check: bool = False) -> tuple[int, bool]:
    """Write the small dictionary if it changed; (words, changed). check: write nothing, only compare."""
    text = small_dictionary()
    target = out or LEXICON_DIR / SMALL_DICTIONARY
    changed = not target.is_file() or target.read_text(encoding="utf-8") != text
    if changed and not check:
        target.write_text(text, encoding="utf-8")
    return text.count("\n"), changed


def main(argv: list[str] | None = None) -> int:
    """Rebuild lexicon/dictionary.txt; --check exits 1 when it is out of date, writing nothing."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m knowledge.lexicon", description=main.__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if dictionary.txt is out of date")
    args = parser.parse_args(argv)
    words, changed = build_small_dictionary(check=args.check)
    target = LEXICON_DIR / SMALL_DICTIONARY
    if args.check:
        print(f"{target}: {'out of date' if changed else 'up to date'} ({words} words)")
        return 1 if changed else 0
    print(f"{target}: {'rewritten' if changed else 'unchanged'} ({words} words)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
