"""Structured facts (dates, amounts, shares, targets, expenses, eligibility rules, gaps) read from YAML.

Every fact carries the verbatim quote that states it; loading ties the quote to its clause and refuses
knowledge whose quote is not in the notice, so a wrong fact cannot reach an answer.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .fold import fold
from .loader import KnowledgeError, NoticeBundle, at
from .model import Notice
from .notes import ClauseNote, load_notes, locate


@dataclass(frozen=True)
class Quoted:
    """A fact's evidence: the quote and the clause that holds it."""

    quote: str
    clause_id: str


@dataclass(frozen=True)
class DateFact:
    id: str
    label: str
    role: str  # deadline | event | period | after
    text: str
    cues: tuple[str, ...]
    source: Quoted
    date: dt.date | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    after: dt.date | None = None
    yearly: bool = False  # a window that comes back every year ("每年3月1日至4月30日"): start and end name its days


@dataclass(frozen=True)
class Share:
    id: str
    bound: str  # min | max
    ratio: float
    label: str
    cues: tuple[str, ...]
    source: Quoted
    cap: int | None = None  # yuan: a rate's own ceiling in its sentence ("按投入的15%给予奖励,最高不超过50万元")
    cap_text: str = ""


@dataclass(frozen=True)
class Target:
    id: str
    bound: str
    label: str
    cues: tuple[str, ...]
    source: Quoted
    count: int | None = None
    unit: str = ""
    ratio: float | None = None
    asks: tuple[str, ...] = ()  # words that ask for this target's arithmetic


@dataclass(frozen=True)
class Expense:
    terms: tuple[str, ...]
    label: str
    verdict: str  # allowed | forbidden | partial
    source: Quoted
    share: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    result: str  # pass | fail | check
    reason: str
    cues: tuple[str, ...] = ()


@dataclass(frozen=True)
class Condition:
    id: str
    question: str
    source: Quoted
    options: tuple[Option, ...]
    requires: tuple[str, ...] = ()  # words that must also be in the situation for the cues to count
    count_target: str | None = None
    date_fact: str | None = None
    informational: bool = False  # said when stated, never a condition to check


@dataclass(frozen=True)
class Gap:
    id: str
    when: tuple[tuple[str, ...], ...]
    say: str
    near: tuple[Quoted, ...]
    unless: tuple[str, ...] = ()  # words of a part the notice does answer: then the gap does not apply


@dataclass(frozen=True)
class DetailKind:
    """A kind of detail a question asks for ("几天") and the pattern of an answer that gives it."""

    asks: tuple[str, ...]
    evidence: re.Pattern[str]


@dataclass(frozen=True)
class Attachment:
    """An attachment the notice names: what the notice says it is, not its contents."""

    label: str
    description: str
    source: Quoted


@dataclass
class Facts:
    """All structured knowledge of one notice."""

    notes: list[ClauseNote] = field(default_factory=list)
    dates: list[DateFact] = field(default_factory=list)
    cap_amount: int | None = None
    cap: Quoted | None = None
    cap_text: str = ""
    cap_cues: tuple[str, ...] = ()
    shares: list[Share] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    expenses: list[Expense] = field(default_factory=list)
    unnamed_expenses: tuple[str, ...] = ()
    spending_words: tuple[str, ...] = ()
    unnamed_near: tuple[Quoted, ...] = ()
    forbidden_cues: tuple[str, ...] = ()  # words that ask what the money may not pay for
    askers: dict[str, str] = field(default_factory=dict)
    conditions: dict[str, list[Condition]] = field(default_factory=dict)
    gaps: list[Gap] = field(default_factory=list)
    intents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    slots: dict[str, tuple[str, ...]] = field(default_factory=dict)  # slot -> question words, in order
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)  # asker role -> words that state it
    channels: dict[str, tuple[str, ...]] = field(default_factory=dict)  # email | address | phone | person -> words
    issuer_cues: tuple[str, ...] = ()  # words that ask who issued the notice
    places: dict[str, tuple[str, ...]] = field(default_factory=dict)  # region -> the places within it
    regions: list = field(default_factory=list)  # extract.Region: location rules of the notice
    documents: list = field(default_factory=list)  # extract.Document: documents cited by title and number
    ages: list = field(default_factory=list)  # extract.Age: how long an applicant must have existed
    document_cues: tuple[str, ...] = ()  # words that ask which document the notice rests on
    remainder_cues: tuple[str, ...] = ()  # words that ask for what is left besides the main share
    former_cues: tuple[str, ...] = ()  # words that ask for a rule as it stood before an amendment
    interrogatives: tuple[str, ...] = ()  # words that make a clause of a message a question of its own
    outcome_cues: tuple[str, ...] = ()  # questions about what followed the notice (who was selected)
    outcome_say: str = ""
    money_words: tuple[str, ...] = ()  # words for the money itself (lexicon/questions.yaml)
    money_noun: str = "资金"  # what the notice calls its money ("奖补资金"), read from its text
    not_focus: frozenset[str] = frozenset()  # words that bound a figure or ask leave, not a subject
    not_asking: tuple[str, ...] = ()  # phrases whose question words ask nothing ("十几家")
    self_reference: tuple[str, ...] = ()  # phrases that mean the notice itself ("文件里"): no subject
    count_checks: tuple[str, ...] = ()  # words that hold a stated count against a minimum
    ratio_checks: tuple[str, ...] = ()  # words that ask how many of a count must reach a share
    exclusions: list = field(default_factory=list)  # extract.Exclusion: what the notice rules out
    contacts: object = None  # extract.Contacts: the channels the notice gives
    overview_cues: tuple[str, ...] = ()
    attachment_cues: tuple[str, ...] = ()
    overview_sections: dict[str, tuple[str, ...]] = field(default_factory=dict)
    follow_up_cues: tuple[str, ...] = ()
    follow_up_max: int = 14
    contact_channel: str = ""
    details: list[DetailKind] = field(default_factory=list)
    details_say: str = ""
    smalltalk_cues: tuple[str, ...] = ()
    smalltalk_max: int = 8
    smalltalk_reply: str = ""
    contact: Quoted | None = None
    faq: list[dict] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    attachments_note: str = ""

    def date(self, fact_id: str) -> DateFact:
        return next(d for d in self.dates if d.id == fact_id)

    def target(self, target_id: str) -> Target:
        return next(t for t in self.targets if t.id == target_id)


def _words(values) -> tuple[str, ...]:
    return tuple(fold(str(v)) for v in values or ())


def _date(value, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise KnowledgeError(f"{where}: not a date (YYYY-MM-DD): {value!r}") from None


class _Reader:
    """Resolves quotes to clauses and names the file and entry in every error."""

    last: str = ""  # the entry read last, for errors that are not about a quote

    def __init__(self, notice: Notice, ranked_ids: set[str]):
        self.notice = notice
        self.ranked_ids = ranked_ids

    def quoted(self, entry: dict, where: str, key: str = "quote") -> Quoted:
        _Reader.last = where
        quote = entry.get(key) if isinstance(entry, dict) else None
        if not quote:
            raise KnowledgeError(f"{where}: missing {key}")
        try:
            clause = locate(self.notice, str(quote), self.ranked_ids)
        except KnowledgeError as exc:
            raise KnowledgeError(f"{where}: {exc}") from None
        return Quoted(str(quote), clause.id)

    def quote_text(self, quote: str, where: str) -> Quoted:
        return self.quoted({"quote": quote}, where)


def merge_vocabulary(general: dict | None, own: dict | None) -> dict:
    """The lexicon's question vocabulary with a notice's intents.yaml on top: lists are joined, the rest replaced."""
    general, own = dict(general or {}), own or {}
    for key, value in own.items():
        base = general.get(key)
        if isinstance(base, dict) and isinstance(value, dict):
            general[key] = merge_vocabulary(base, value)
        elif isinstance(base, list) and isinstance(value, list):
            general[key] = (
                list(dict.fromkeys([*base, *value])) if all(isinstance(v, str) for v in base + value) else base + value
            )
        else:
            general[key] = value
    return general


def load_facts(bundle: NoticeBundle, ranked_ids: set[str], vocabulary: dict | None = None) -> Facts:
    """Read and validate every structured-knowledge file of a notice folder.

    vocabulary: the lexicon's general question words (lexicon/questions.yaml), which the notice's own
    intents.yaml adds to.
    """
    try:
        return _load_facts(bundle, ranked_ids, vocabulary)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, KnowledgeError):
            raise
        # A missing or mistyped field: name the last entry that was being read.
        raise KnowledgeError(f"{_Reader.last or 'knowledge'}: missing or malformed field: {exc!r}") from None


def _load_facts(bundle: NoticeBundle, ranked_ids: set[str], vocabulary: dict | None) -> Facts:
    _Reader.last = "clauses.yaml"  # read first; a name left from an earlier load must not be blamed
    r = _Reader(bundle.notice, ranked_ids)
    data = bundle.data
    facts = Facts(notes=load_notes(bundle.notice, data.get("clauses"), ranked_ids))
    raw = data.get("facts") or {}
    _Reader.last = "facts.yaml"
    for n, d in enumerate(raw.get("dates") or (), 1):
        where = _Reader.last = at("facts.yaml", d, f"dates[{n}]")
        facts.dates.append(
            DateFact(
                id=str(d["id"]),
                label=str(d["label"]),
                role=str(d.get("role", "event")),
                text=str(d["text"]),
                cues=_words(d.get("cues")),
                source=r.quoted(d, where),
                date=_date(d.get("date"), where),
                start=_date(d.get("start"), where),
                end=_date(d.get("end"), where),
                after=_date(d.get("after"), where),
            )
        )
    cap = (raw.get("money") or {}).get("cap")
    if cap:
        facts.cap_amount = int(cap["amount"])
        facts.cap_text = str(cap["text"])
        facts.cap_cues = _words(cap.get("cues"))
        facts.cap = r.quoted(cap, "facts.yaml money.cap")
    for n, s in enumerate(raw.get("shares") or (), 1):
        facts.shares.append(
            Share(
                str(s["id"]),
                str(s["bound"]),
                float(s["ratio"]),
                str(s["label"]),
                _words(s.get("cues")),
                r.quoted(s, at("facts.yaml", s, f"shares[{n}]")),
            )
        )
    for n, t in enumerate(raw.get("targets") or (), 1):
        facts.targets.append(
            Target(
                str(t["id"]),
                str(t["bound"]),
                str(t["label"]),
                _words(t.get("cues")),
                r.quoted(t, at("facts.yaml", t, f"targets[{n}]")),
                count=t.get("count"),
                unit=str(t.get("unit", "")),
                ratio=t.get("ratio"),
                asks=_words(t.get("asks")),
            )
        )
    expenses = raw.get("expenses") or {}
    for verdict in ("allowed", "forbidden", "partial"):
        for n, e in enumerate(expenses.get(verdict) or (), 1):
            facts.expenses.append(
                Expense(
                    _words(e.get("terms")),
                    str(e["label"]),
                    verdict,
                    r.quoted(e, at("facts.yaml", e, f"expenses.{verdict}[{n}]")),
                    share=e.get("share"),
                    note=str(e.get("note", "")),
                )
            )
    general_expenses = (vocabulary or {}).get("expenses") or {}
    facts.unnamed_expenses = _words([*(general_expenses.get("unnamed") or ()), *(expenses.get("unnamed") or ())])
    facts.forbidden_cues = _words(
        [*(general_expenses.get("forbidden_cues") or ()), *(expenses.get("forbidden_cues") or ())]
    )
    facts.spending_words = _words(
        [*(general_expenses.get("spending_words") or ()), *(expenses.get("spending_words") or ())]
    )
    facts.unnamed_near = tuple(
        r.quote_text(q, "facts.yaml expenses.unnamed_near") for q in expenses.get("unnamed_near") or ()
    )

    elig = data.get("eligibility") or {}
    facts.askers = {str(k): str(v) for k, v in (elig.get("askers") or {}).items()}
    for asker, conds in (elig.get("conditions") or {}).items():
        out = []
        for n, c in enumerate(conds or (), 1):
            where = _Reader.last = at("eligibility.yaml", c, f"{asker}[{n}]")
            cues = c.get("cues") or {}
            options = tuple(
                Option(str(value), str(o["label"]), str(o["result"]), str(o["reason"]), _words(cues.get(value)))
                for value, o in (c.get("options") or {}).items()
            )
            if any(o.result not in ("pass", "fail", "check") for o in options):
                raise KnowledgeError(f"{where}: result must be pass, fail or check")
            out.append(
                Condition(
                    str(c["id"]),
                    str(c["question"]),
                    r.quoted(c, where),
                    options,
                    _words(c.get("requires")),
                    count_target=(c.get("count") or {}).get("target"),
                    date_fact=c.get("date"),
                    informational=bool(c.get("informational", False)),
                )
            )
        facts.conditions[str(asker)] = out

    for n, g in enumerate(data.get("gaps") or (), 1):
        where = _Reader.last = at("gaps.yaml", g, f"entry {n}")
        facts.gaps.append(
            Gap(
                str(g["id"]),
                tuple(_words(group) for group in g["when"]),
                str(g["say"]),
                tuple(r.quote_text(q, where) for q in g.get("near") or ()),
                _words(g.get("unless")),
            )
        )

    own = data.get("intents") or {}
    if not isinstance(own, dict):
        raise KnowledgeError("intents.yaml: must be a mapping")
    intents = merge_vocabulary(vocabulary, own)
    facts.intents = {str(k): _words(v) for k, v in (intents.get("intents") or {}).items()}
    facts.slots = {str(k): _words(v) for k, v in (intents.get("slots") or {}).items()}
    facts.roles = {str(k): _words(v) for k, v in (intents.get("roles") or {}).items()}
    facts.channels = {str(k): _words(v) for k, v in (intents.get("channels") or {}).items()}
    facts.issuer_cues = _words(intents.get("issuer"))
    facts.count_checks = _words(intents.get("count_checks"))
    facts.document_cues = _words(intents.get("documents"))
    facts.remainder_cues = _words(intents.get("remainder"))
    facts.former_cues = _words(intents.get("former"))
    facts.interrogatives = _words(intents.get("interrogatives"))
    facts.money_words = _words(intents.get("money"))
    facts.not_focus = frozenset(_words(intents.get("not_focus")))
    facts.outcome_cues = _words((intents.get("outcomes") or {}).get("cues"))
    facts.outcome_say = str((intents.get("outcomes") or {}).get("say", ""))
    facts.not_asking = tuple(sorted(_words(intents.get("not_asking")), key=len, reverse=True))
    facts.self_reference = tuple(sorted(_words(intents.get("self_reference")), key=len, reverse=True))
    general_cap = _words(intents.get("cap_cues"))
    facts.cap_cues = tuple(dict.fromkeys((*facts.cap_cues, *general_cap)))
    facts.places = {fold(str(k)): _words([k, *(v or ())]) for k, v in (intents.get("places") or {}).items()}
    facts.ratio_checks = _words(intents.get("ratio_checks"))
    overview = intents.get("overview") or {}
    facts.overview_cues = _words(overview.get("cues"))
    facts.attachment_cues = _words((intents.get("attachments") or {}).get("cues"))
    facts.overview_sections = {str(k): _words(v) for k, v in (overview.get("sections") or {}).items()}
    known_sections = {s.id for s in bundle.notice.sections}
    for sid in facts.overview_sections:
        if sid not in known_sections:
            raise KnowledgeError(f"intents.yaml overview: unknown section id {sid!r}")
    follow = intents.get("follow_up") or {}
    facts.follow_up_cues = _words(follow.get("cues"))
    facts.follow_up_max = int(follow.get("max_length", 14))
    facts.contact_channel = str(intents.get("contact_channel", ""))
    details = intents.get("details") or {}
    facts.details_say = str(details.get("say", ""))
    for n, kind in enumerate(details.get("kinds") or (), 1):
        try:
            facts.details.append(DetailKind(_words(kind.get("asks")), re.compile(str(kind["evidence"]))))
        except (re.error, KeyError) as exc:
            raise KnowledgeError(
                f"{at('intents.yaml', kind, f'details.kinds[{n}]')}: bad evidence pattern: {exc}"
            ) from None
    smalltalk = intents.get("smalltalk") or {}
    facts.smalltalk_cues = _words(smalltalk.get("cues"))
    facts.smalltalk_max = int(smalltalk.get("max_length", 8))
    facts.smalltalk_reply = str(smalltalk.get("reply", "")).replace("{title}", str(bundle.notice.meta.get("title", "")))
    if intents.get("contact_quote"):
        facts.contact = r.quote_text(str(intents["contact_quote"]), "intents.yaml contact_quote")
    facts.faq = list(data.get("faq") or [])
    meta = bundle.notice.meta
    facts.attachments_note = str(meta.get("attachments_note", ""))
    for n, a in enumerate(meta.get("attachments") or (), 1):
        where = _Reader.last = at("meta.yaml", a, f"attachments[{n}]")
        facts.attachments.append(
            Attachment(str(a["label"]), str(a["description"]), r.quoted(a, where, key="clause_quote"))
        )
    return facts
