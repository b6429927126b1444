"""The KnowledgeBase: one notice ready to answer from (its clauses, index, facts and notes), built explicitly.

Facts come from two places: extraction from the notice's own text (knowledge/extract.py), which every
notice has, and the optional hand-written files beside it, which add to it or correct it. A hand-written
fact wins where both state the same thing.
"""

from __future__ import annotations

import re

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from .extract import Extracted, extract
from .facts import Facts, load_facts
from .fold import fold
from .index import ClauseIndex
from .lexicon import Lexicon
from .terms import Definition, defined_terms, definitions
from .loader import DEFAULT_NOTICE, LEXICON_DIR, NOTICES_DIR, NoticeBundle, load_notice, read_yaml
from .model import Clause, Notice
from .notes import ClauseNote

QUESTIONS = "questions.yaml"  # the general question vocabulary of the lexicon
PLACES = "places.yaml"  # regions and the places within them
CURATED_FILES = ("clauses", "facts", "eligibility", "gaps", "intents", "faq")


@dataclass
class KnowledgeBase:
    """A notice ready to answer from."""

    notice: Notice
    index: ClauseIndex
    facts: Facts
    notes_by_clause: dict[str, list[ClauseNote]]
    lexicon: Lexicon
    curated: bool = True  # whether the hand-written files were read

    @property
    def key(self) -> str:
        return self.notice.key

    def clause(self, clause_id: str) -> Clause | None:
        return self.notice.by_id.get(clause_id)

    def notes_for(self, clause_id: str) -> list[ClauseNote]:
        return self.notes_by_clause.get(clause_id, [])

    @cached_property
    def place_region(self) -> dict[str, str]:
        """Every place name of the lexicon, and the region it belongs to."""
        return {name: region for region, names in self.facts.places.items() for name in names}

    @cached_property
    def folded_text(self) -> str:
        """The notice's whole text, folded once."""
        return fold(self.notice.text)

    @cached_property
    def clause_order(self) -> dict[str, int]:
        """Each clause's position in the notice, so sentences quoted together read in the notice's order."""
        return {c.id: i for i, c in enumerate(self.notice.clauses)}

    @cached_property
    def not_focus(self) -> frozenset[str]:
        """Words that never name what a question is about: question words, bound words and place names."""
        facts = self.facts
        words = {w for group in facts.slots.values() for w in group} | set(facts.not_focus)
        return frozenset(words | self.own_names | {name for names in facts.places.values() for name in names})

    @cached_property
    def definitions(self) -> tuple[Definition, ...]:
        """The short terms the notice defines ("(以下简称服务券)"), with what each stands for."""
        return definitions(self.notice, self.index.ranked_ids)

    @cached_property
    def own_names(self) -> frozenset[str]:
        """The issuer's place as the title opens with it ("青岚市临溪区关于……"): words that name the notice
        itself, so they neither name a subject nor decide which of its sentences answers."""
        title = fold(str(self.notice.meta.get("title") or ""))
        issuer = title.split("关于", 1)[0] if "关于" in title else ""
        # The notice's own batch ("第二批…的通知"): "这次第二批还能报吗" names this notice, not a subject of it.
        batch = frozenset(_OWN_BATCH.findall(title)[:1])
        if not 2 <= len(issuer) <= 30:
            return batch
        return frozenset(w for w in self.lexicon.cut(issuer) if len(w) >= 2) | batch


_OWN_BATCH = re.compile(r"首批|第[一二三四五六七八九十\d]+批")


def _overlaps(a: str, b: str) -> bool:
    return a in b or b in a


def enrich(facts: Facts, found: Extracted) -> Facts:
    """Add to hand-written facts what extraction found and they do not state; hand-written wins on a tie."""
    same_day = {(d.role, d.date, d.end, d.after) for d in facts.dates}
    facts.dates += [d for d in found.dates if (d.role, d.date, d.end, d.after) not in same_day]
    if facts.cap_amount is None and found.cap_amount is not None:
        facts.cap_amount, facts.cap, facts.cap_text = found.cap_amount, found.cap, found.cap_text
    facts.shares += [
        s for s in found.shares if not any(c.bound == s.bound and abs(c.ratio - s.ratio) < 1e-9 for c in facts.shares)
    ]
    facts.targets += [
        t for t in found.targets if not any((c.count, c.ratio) == (t.count, t.ratio) for c in facts.targets)
    ]
    facts.expenses += [
        e
        for e in found.expenses
        if not any(c.verdict == e.verdict and _overlaps(c.source.quote, e.source.quote) for c in facts.expenses)
    ]
    facts.exclusions = list(found.exclusions)
    facts.regions = list(found.regions)
    facts.money_noun = found.money_noun or facts.money_noun
    facts.documents = list(found.documents)
    facts.ages = list(found.ages)
    facts.contacts = found.contacts
    if not facts.attachments:
        facts.attachments = list(found.attachments)
    if facts.contact is None:
        facts.contact = found.contacts.first
    if not facts.contact_channel:
        facts.contact_channel = found.contacts.channel()
    return facts


def vocabulary(lexicon_dir: Path = LEXICON_DIR) -> dict:
    """The lexicon's general question words (questions.yaml) and places, or nothing when the folder has none."""
    path, places = lexicon_dir / QUESTIONS, lexicon_dir / PLACES
    words = dict((read_yaml(path) or {}) if path.is_file() else {})
    words["places"] = (read_yaml(places) or {}) if places.is_file() else {}
    return words


def build(
    folder: Path = NOTICES_DIR / DEFAULT_NOTICE,
    lexicon_dir: Path = LEXICON_DIR,
    curated: bool = True,
    lexicon: Lexicon | None = None,
    validate: bool = False,
) -> KnowledgeBase:
    """Load, validate and index one notice folder; raises KnowledgeError with the reason.

    curated=False reads notice.txt (and meta.yaml) alone, as if no hand-written file were there: what the
    method does by itself, for benchmarks and for checking that no kind of question rests on curation.
    """
    bundle = load_notice(Path(folder))  # a str path is as good as a Path
    if validate:  # the full schema check: check-knowledge and /reload ask for it, `ask` does not pay for it
        from .schema import validate as validate_schema

        validate_schema(bundle)
    if not curated:
        bundle = NoticeBundle(
            notice=bundle.notice,
            folder=bundle.folder,
            data={k: v for k, v in bundle.data.items() if k not in CURATED_FILES},
        )
    lexicon = lexicon or Lexicon.load(lexicon_dir)
    lexicon.teach(defined_terms(fold(bundle.notice.text)))  # before any of its text is cut
    ranked = ClauseIndex.ranked(bundle.notice)
    facts = load_facts(bundle, {c.id for c in ranked}, vocabulary(lexicon_dir))

    def words(text: str, sub_words: bool = False) -> list[str]:
        folded = fold(text)
        cut = lexicon.tokenizer.lcut_for_search if sub_words else lexicon.tokenizer.lcut
        return [w for w in cut(folded) if w not in lexicon.stopwords]

    facts = enrich(facts, extract(bundle.notice, ranked, words))
    notes_by_clause: dict[str, list[ClauseNote]] = {}
    keywords: dict[str, list[str]] = {}
    for note in facts.notes:
        notes_by_clause.setdefault(note.clause_id, []).append(note)
        keywords.setdefault(note.clause_id, []).extend(note.keywords)
    index = ClauseIndex(bundle.notice, lexicon, keywords)
    return KnowledgeBase(bundle.notice, index, facts, notes_by_clause, lexicon, curated)


@lru_cache(maxsize=1)
def shipped() -> KnowledgeBase:
    """The default notice as shipped, built once: for callers that name no knowledge base (CLI, tests).

    Front ends that reload hold their own current KnowledgeBase (bot/library.py) and pass it explicitly.
    """
    return build()


__all__ = ["KnowledgeBase", "build", "enrich", "shipped"]
