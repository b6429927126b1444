"""Facts read from a notice's own text, with the generic forms of Chinese official documents.

Deadlines (于…前), periods (自…起至…), caps (不超过 X 万元), shares (不低于 X%), counts (不少于 N 家),
permitted uses (可用于…), prohibitions (不得用于…), exclusions (不再重复支持), contacts and attachments are
found by pattern in each citable clause. Every fact keeps the verbatim span it was read from, so an answer
built on it cites the sentence that states it, exactly as a hand-written fact would.

Patterns run on a copy of the text whose full-width forms are folded one character for one character, so
the offsets of a match are offsets of the original text and the quote stays verbatim.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from .facts import Attachment, DateFact, Expense, Quoted, Share, Target
from .model import Clause, Notice
from .lazy import lazy_re

_YEAR_MONTH_DAY = r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?"
_DEADLINE = lazy_re(rf"(?:于|在|截止到?|截至)?{_YEAR_MONTH_DAY}\s*(?:前|之前|以前|止|截止)")
# "各市于6月14日前…": a deadline that leaves out its year is in the year the notice is dated.
_YEARLESS_DEADLINE = lazy_re(r"(?:于|在|截止到?|截至)\s*()(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:前|之前|以前|止|截止)")
# "网上申报截止时间为5月20日17:00": a deadline stated as what the closing time is, with or without its year.
_STATED_DEADLINE = lazy_re(
    r"截止(?:日期|时间)?\s*(?:为|是|[:\uff1a])\s*(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日"
)
# "截止时间…由2026年5月15日调整为2026年6月12日": an amending notice's new deadline.
_AMENDED_DEADLINE = lazy_re(
    r"截止(?:日期|时间)?[^。;]{0,30}?(?:调整为|改为|延长至|延期至|推迟至|延长到)\s*(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日"
)
_MONTH_DAY = r"(?:\d{4}\s*年)?\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?"  # the end of a span may leave out its year
_PERIOD = lazy_re(
    rf"自\s*(?P<start>{_YEAR_MONTH_DAY}|[^,;。自至]{{2,20}}?之日)\s*起?\s*(?:至|到)\s*"
    rf"(?P<end>{_MONTH_DAY})\s*止?(?:\s*为\s*(?P<label>[^,;。]{{2,12}}))?"
)
# A span with no 自: "申报时间为2024年5月6日至5月31日", perhaps with the hours ("3月23日9:00至4月17日17:00").
_NAMED_BEFORE = lazy_re(r"([\u4e00-\u9fff]{2,8})\s*[:\uff1a]\s*$")
_HOUR = r"(?:\s*\d{1,2}\s*[:\uff1a]\s*\d{2})?"
_HOUR_AFTER = lazy_re(_HOUR)  # the hour a date may carry ("5月29日17:00"), read past before what follows it
_SPAN = lazy_re(
    rf"(?<![自\d])(?P<start>{_YEAR_MONTH_DAY}){_HOUR}\s*(?:起)?\s*(?:至|到|—|-)\s*(?P<end>{_MONTH_DAY}){_HOUR}\s*止?(?P<label>)"
)
_ONE_DAY = lazy_re(r"(?:(\d{4})\s*年)?\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")
_AFTER = lazy_re(r"(?:于)?(?P<ref>[^,;。于]{2,10}?)结束后(?:将)?(?:进行|开展)(?P<what>[^,;。]{2,14})")
_DATE_LINE = lazy_re(rf"^{_YEAR_MONTH_DAY}$")
# A window that comes back every year: "申报时间为每年3月1日至4月30日".
_YEARLY = lazy_re(r"每年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*起?\s*(?:至|到|—|-)\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
# The closing article of a rule: "本细则自2026年3月1日起施行,有效期至2028年12月31日".
_IN_FORCE = lazy_re(rf"自\s*{_YEAR_MONTH_DAY}\s*起\s*(施行|实施|执行|生效)")
_VALID_UNTIL = lazy_re(rf"有效期(?:至|到)\s*{_YEAR_MONTH_DAY}")
# (pattern, the fact's label (None: the verb it found), its words, a month alone means its last day)
_CLOSING_DATES = (
    (_IN_FORCE, None, ("施行", "实施", "生效", "执行", "起效"), False),
    (_VALID_UNTIL, "有效期", ("有效期", "有效", "失效", "到期"), True),
)
_AMOUNT_CAP = lazy_re(r"(?:最高)?(?:不超过|不高于|最高|上限为?)\s*(\d+(?:\.\d+)?)\s*(亿|万)元")
# A rate's own ceiling, in 元 as well ("按…的50%给予补助,最高不超过20000元").
_RATE_CAP = lazy_re(r"(?:最高)?(?:不超过|不高于|最高|上限为?)\s*(\d+(?:\.\d+)?)\s*(亿|万)?元")
_SHARE = lazy_re(r"(不低于|不少于|至少|不高于|不超过|最高)\s*(\d+(?:\.\d+)?)\s*%\s*(?:的)?(?P<rest>[^,;。:]{0,40})")
# A part of the money paid at a stage: "首期拨付40%", "验收合格后,区财政局拨付补助资金的70%", "拨付剩余30%".
_STAGE = lazy_re(r"(?P<verb>拨付|下达|发放|兑付)(?P<rest>剩余|其余)?(?:[^,;。%]{0,8}?的)?\s*(?P<pct>\d+(?:\.\d+)?)\s*%")
_WHEN = lazy_re(r"后|期|满|时|前|完成|合格|验收")
_RATE = lazy_re(r"按(?:照)?(?P<base>[^,;。]{2,16}?)的\s*(\d+(?:\.\d+)?)\s*%\s*(?:给予|予以)?(?P<what>[^,;。]{0,12})")
_SUBJECT_SPAN = 24  # characters around a rate where its subject and its own cap are read
_COUNT = lazy_re(
    r"(?P<subject>[^,;。]{2,24}?)(?:数量)?(?:应当|应|须|需|要)?(?:不少于|不低于|至少)\s*(\d+)\s*(家|个|项|户|人)"
)
_SELECT = lazy_re(r"(遴选|选定|择优选定|择优遴选|推荐)\s*(\d+)\s*个(?P<what>[^,;。]{0,30}?)(区|城市|项目|企业|单位)")
_REGION = lazy_re(
    r"(?:应为|须为|应当为|主体为|属于|位于|注册在|注册地在|登记注册在|在)\s*(?P<region>本市|[\u4e00-\u9fff]{2,5}?[市省])"
    r"\s*(?:所属辖区|所辖区|行政区域内|行政区域|辖区内|范围内|注册|登记注册)"
)
_TITLE_PLACE = lazy_re(r"[\u4e00-\u9fff]{2,4}?[市省]")
_MINIMUM_AMOUNT = lazy_re(
    r"(?P<subject>[^,;。]{2,16}?)(?:应|须)?(?:不低于|不少于|达到)\s*(\d+(?:\.\d+)?)\s*(万元|亿元)"
)
# What leads a subject without naming it: a number, a joining word, an enumerator (三是), a rule's place (项“).
_SUBJECT_LEAD = lazy_re(
    r"^(?:\d+[.、]|且|并|其中|[一二三四五六七八九十]是|[项条款]?[“\"《]|原[《“\"]|(?:调整|修改|改|变更)?为[“\"])+"
)
# A figure followed by what replaces it ("不低于2000万元”,调整为…"): an amending notice's old rule.
_REPLACED = lazy_re(
    r"[”\"’』」)]*\s*[,;,;]?\s*"
    r"(?:调整为|修改为|改为|变更为|提高至|提高到|降低至|降低为|降至|降为|下调为|下调至|上调为|上调至)"
)
_ENUMERATOR = lazy_re(r"^[(（\uff08]?[一二三四五六七八九十\d]+[)）\uff09、.．]?\s*")
_APPLYING = lazy_re(r"申报|报送|提交|受理|申请|报名|申领")  # what a window to apply in is named by
_ITEM_NAME_MAX = 10
_BATCHES = lazy_re(r"分\s*([一二两三四五六七八九十]|\d+)\s*(批|期|轮|个阶段)")
_LIMIT = lazy_re(
    r"(?P<subject>[^,;。]{0,12}?)(?:限报|只能申报|只能报|最多申报|最多报|限申报)\s*(\d+)\s*(份|个|项)(?P<what>[\u4e00-\u9fff]{0,4})"
)
_DOCUMENT = lazy_re(r"《(?P<title>[^》]{4,80})》\s*[(]?\s*(?P<number>[\u4e00-\u9fff]{1,12}〔\d{4}〕\d+号)")
_AGE = lazy_re(
    r"(?P<what>成立|注册|登记|设立)(?:时间)?满\s*(?P<n>[一二两三四五六七八九十]|\d+)\s*年"
    r"(?:\s*[(]?\s*以\s*(?P<ref>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*为计算节点)?"
)
_RATIO = lazy_re(r"(?P<subject>[^,;。]{2,40}?)比例(?:应当?|须|要)?达到\s*(\d+(?:\.\d+)?)\s*%\s*以上")
_ALLOWED = lazy_re(r"可用于(?P<items>[^。;]+)")
_FORBIDDEN = lazy_re(r"不得用于(?P<items>[^,;。]+)")
_ORDINAL_ITEM = lazy_re(r"[一二三四五六七八九十]是(?P<item>[^;。]+)")
_EXCLUSION = lazy_re(r"不再重复支持|不得重复申报|不予支持|不在支持范围|不得申报|不予受理|不得参与")
_EMAIL = lazy_re(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_PHONE = lazy_re(r"(?:电话|联系电话|咨询电话|热线)\s*[::]?\s*((?:\d{3,4}-)?\d{7,8}(?:-\d{1,6})?)")
_NAMED_NUMBER = lazy_re(r"(?P<who>[\u4e00-\u9fff]{2,3})\s*[,]?\s*(?P<num>0\d{2,3}-\d{7,8}|1[3-9]\d{9})(?!\d)")
_PERSON = lazy_re(r"联系人\s*[::]\s*([\u4e00-\u9fff]{2,4})")
_DELIVERY = lazy_re(r"(?:送至|报送至|寄至|递交至)(?P<office>[^,;。(]{4,40})\((?:地址\s*[::])?(?P<address>[^)]{4,60})\)")
_ADDRESS = lazy_re(r"地址\s*[::]\s*([^,;。)]{4,60})")
_ATTACHMENT_REF = lazy_re(r"\((?:模板)?见?附件\s*(\d+)\)")
_ATTACHMENT_ITEM = lazy_re(r"^(\d+)\s*[.、]\s*(.+)$")
_BOUND = {"不低于": "min", "不少于": "min", "至少": "min", "不高于": "max", "不超过": "max", "最高": "max"}
_NUMERIC = lazy_re(r"[\d.%]+|.*日前|.*年|.*月")
_GENERIC = frozenset("用于 支持 开展 工作 以下 相关 进行 二是 三是 四是 一是 通过 方式 等等".split())  # name nothing
# The money itself, and who spends it, name no expense: "奖励", "资金" or "机构" is no use of the money.
_MONEY_WORDS = frozenset("奖励 资金 奖补 补贴 补助 经费 机构 单位 人员 部门 企业 中小企业 项目 工作".split())
_SPECIFIC_MAX = 3  # a word in more clauses than this names no single expense ("企业", "服务")
_UNIT = {"亿": 100_000_000, "万": 10_000}


def _cn_number(text: str) -> int:
    """parser.cn_number, imported when a notice is built: a start from the cache never parses one."""
    from .parser import cn_number

    return cn_number(text)


def _narrow(text: str) -> str:
    """Full-width forms folded to half-width one for one, so that offsets stay those of the original."""
    out = []
    for ch in text:
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    return "".join(out)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _day(year: str, month: str, day: str | None, end: bool = False) -> dt.date | None:
    try:
        y, m = int(year), int(month)
        if day:
            return dt.date(y, m, int(day))
        return _month_end(y, m) if end else dt.date(y, m, 1)
    except ValueError:
        return None


def _parse_day(text: str, year: int | None = None, end: bool = False) -> tuple[dt.date | None, bool]:
    """A date as notices write it, its year from `year` when left out; and whether it names the day."""
    m = _ONE_DAY.search(text)
    if not m or not (m.group(1) or year):
        return None, False
    return _day(m.group(1) or str(year), m.group(2), m.group(3), end=end), bool(m.group(3))


def cn_date(day: dt.date, with_day: bool = True) -> str:
    """A date as Chinese documents write it: 2023年7月10日, or 2023年7月."""
    return f"{day.year}年{day.month}月{day.day}日" if with_day else f"{day.year}年{day.month}月"


@dataclass(frozen=True)
class Exclusion:
    """A sentence that rules something out ("…不再重复支持"): who or what, and the sentence."""

    text: str  # the part of the sentence that states it
    source: Quoted


@dataclass(frozen=True)
class Document:
    """A document the notice cites by title and number ("《…》(财建〔2023〕117号)")."""

    title: str
    number: str
    source: Quoted


@dataclass(frozen=True)
class Age:
    """A minimum age of the applicant ("成立满2年(以2024年5月6日为计算节点)")."""

    what: str  # 成立 | 注册 ...
    years: int
    reference: dt.date | None  # the day it is counted to; None: the day of applying
    source: Quoted


@dataclass(frozen=True)
class Region:
    """A location rule: who or what must be in a region ("试点区应为北京市所属辖区")."""

    region: str  # "北京市"
    text: str  # the part of the sentence that states it
    source: Quoted


@dataclass(frozen=True)
class Contacts:
    """The channels a notice gives: e-mail, telephone numbers, contact persons, a delivery address."""

    emails: tuple[tuple[str, Quoted], ...] = ()
    phones: tuple[tuple[str, str, Quoted], ...] = ()  # (person or office, number, source)
    addresses: tuple[tuple[str, Quoted], ...] = ()

    def channel(self) -> str:
        """One sentence on where to ask, from what the notice gives; empty when it gives nothing."""
        parts = [f"邮箱 {e}" for e, _ in self.emails[:1]]
        parts += [f"电话 {n}" + (f"({who})" if who else "") for who, n, _ in self.phones[:2]]
        if not parts:
            parts = [f"地址 {a}" for a, _ in self.addresses[:1]]
        return f"如需确认,可通过通知给出的{'、'.join(parts)}联系。" if parts else ""

    @property
    def first(self) -> Quoted | None:
        for group in (self.emails, self.phones, self.addresses):
            if group:
                return group[0][-1]
        return None


@dataclass
class Extracted:
    """Everything read from one notice's text."""

    dates: list[DateFact] = field(default_factory=list)
    cap_amount: int | None = None
    cap: Quoted | None = None
    cap_text: str = ""
    money_noun: str = ""  # what the notice calls its money ("奖补资金"), from the sentences of its shares
    shares: list[Share] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    expenses: list[Expense] = field(default_factory=list)
    exclusions: list[Exclusion] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    ages: list[Age] = field(default_factory=list)
    contacts: Contacts = field(default_factory=Contacts)
    attachments: list[Attachment] = field(default_factory=list)


class _Reader:
    """Runs the patterns over a notice's citable clauses and names each fact's evidence."""

    def __init__(self, notice: Notice, clauses: list[Clause], words):
        self.notice = notice
        self.clauses = clauses
        self.words = words  # (text, with sub-words) -> its meaningful words (the lexicon's cut), for cue lists
        self._narrowed: dict[str, str] = {}
        self._folded = [self.narrow(c).lower() for c in clauses]
        dated = next((c for c in notice.clauses if c.kind == "date"), None)
        found = re.search(r"(\d{4})\s*年", dated.text) if dated else None
        self.year = int(found.group(1)) if found else None  # the year the notice is dated
        self._spread: dict[str, int] = {}

    def narrow(self, clause: Clause) -> str:
        """The clause's text with full-width forms folded one for one, computed once per clause."""
        text = self._narrowed.get(clause.id)
        if text is None:
            text = self._narrowed[clause.id] = _narrow(clause.text)
        return text

    def quoted(self, clause: Clause, start: int, end: int) -> Quoted:
        return Quoted(clause.text[start:end], clause.id)

    def cues(self, text: str, specific: bool = False, spread: int = 0, terms: bool = False) -> tuple[str, ...]:
        """The words of a phrase that can name it in a question.

        specific: the sub-words of long words too ("软件" of "工业软件"), but only those few clauses share,
        since a word every clause has ("企业", "服务") names nothing in particular.
        """
        words = (w.strip("及和与的等") for w in self.words(text, specific))  # a mis-cut edge: "存储及"
        words = (w for w in words if len(w) >= 2 and not _NUMERIC.fullmatch(w) and w not in _GENERIC)
        if specific:
            limit = spread or _SPECIFIC_MAX
            words = (w for w in words if self.spread(w) <= limit)
        if terms:
            words = (w for w in words if w not in _MONEY_WORDS)
        return tuple(dict.fromkeys(words))

    def spread(self, word: str) -> int:
        """In how many citable clauses a word occurs."""
        cached = self._spread.get(word)
        if cached is None:
            cached = self._spread[word] = sum(word in t for t in self._folded)
        return cached


def _part(text: str, start: int, end: int) -> tuple[int, int]:
    """The comma-separated part of a sentence that holds [start, end)."""
    left = max(text.rfind(p, 0, start) for p in ",;:。")
    rights = [i for i in (text.find(p, end) for p in ",;。") if i >= 0]
    return left + 1, min(rights) if rights else len(text)


def _item_name(clause: Clause) -> str:
    """The short name of the item a clause stands in ("（一）网上申领" -> 网上申领), or "" when it has none."""
    item = _ENUMERATOR.sub("", clause.path.split(" › ")[-1]).strip("。 ")
    return item if len(item) <= _ITEM_NAME_MAX else ""


def _dates(r: _Reader, out: Extracted) -> None:
    seen: set[tuple] = set()
    for clause in r.clauses:
        text = r.narrow(clause)
        for m in [*_PERIOD.finditer(text), *_SPAN.finditer(text)]:
            start, start_has_day = _parse_day(m.group("start"))
            end, end_has_day = _parse_day(m.group("end"), start.year if start else None, end=True)
            if end is None or ("period", end) in seen or (start and end < start):
                continue
            seen.add(("period", end))
            a, _ = _part(text, m.start(), m.end())
            before = re.sub(r"[为是]$", "", text[a : m.start()].strip())
            before = re.sub(r"^[(\d一二三四五六七八九十)、.]+|[(于自]+$", "", before).strip()
            if not before:  # "报名时间:2026年3月23日……": the name before the colon names the span
                named = _NAMED_BEFORE.search(text[: m.start()])
                before = named.group(1) if named else ""
            label = (m.group("label") or "").strip() or before or "期间"
            # "（一）网上申领。符合条件的企业自…起至…止": the item's name says what the span is for.
            named = _item_name(clause)
            if named and _APPLYING.search(named) and not _APPLYING.search(label):
                label = named
            begin = cn_date(start, start_has_day) if start else m.group("start").strip()
            finish = cn_date(end, end_has_day)
            out.dates.append(
                DateFact(
                    id=f"x-period-{len(out.dates) + 1}",
                    label=label,
                    role="period",
                    text=f"{label}自{begin}起至{finish}",
                    cues=r.cues(label + m.group("start") + " " + named),
                    source=r.quoted(clause, m.start(), m.end()),
                    start=start,
                    end=end,
                )
            )
        stated = [
            m
            for m in _STATED_DEADLINE.finditer(text)
            if not _REPLACED.match(text, m.end() + len(_HOUR_AFTER.match(text, m.end()).group(0)))
        ]
        stated += list(_AMENDED_DEADLINE.finditer(text))
        for m in [*_DEADLINE.finditer(text), *_YEARLESS_DEADLINE.finditer(text), *stated]:
            day = _day(m.group(1) or str(r.year), m.group(2), m.group(3), end=True) if m.group(1) or r.year else None
            if (
                day is None
                or ("deadline", day, clause.id) in seen
                or any(d.end == day for d in out.dates if d.role == "period")
            ):
                continue
            seen.add(("deadline", day, clause.id))
            a, b = _part(text, m.start(), m.end())
            what = clause.text[a:b].strip()
            out.dates.append(
                DateFact(
                    id=f"x-deadline-{len(out.dates) + 1}",
                    label="截止",
                    role="deadline",
                    text=f"截止时间为{cn_date(day, bool(m.group(3)))}前:{what}",
                    cues=r.cues(what + " " + _item_name(clause)),  # "（七）兑付": what the deadline is for
                    source=r.quoted(clause, a, b),
                    date=day,
                )
            )
    for clause in r.clauses:
        text = r.narrow(clause)
        for m in _AFTER.finditer(text):
            ref = m.group("ref").strip()
            period = next((d for d in out.dates if d.role == "period" and d.end and ref in d.label), None)
            if period is None:
                continue
            what = m.group("what").strip()
            out.dates.append(
                DateFact(
                    id=f"x-after-{len(out.dates) + 1}",
                    label=what,
                    role="after",
                    text=f"{what}在{ref}结束({cn_date(period.end, with_day=False)})后进行",
                    cues=r.cues(what),
                    source=r.quoted(clause, m.start(), m.end()),
                    after=period.end,
                )
            )
        for m in _YEARLY.finditer(text):
            year = r.year or 2000  # any year: only the days count
            start, end = _day(str(year), m.group(1), m.group(2)), _day(str(year), m.group(3), m.group(4))
            if not start or not end or end < start:
                continue
            a, _ = _part(text, m.start(), m.end())
            label = re.sub(r"^[(\d一二三四五六七八九十)、.第条\s]+|[为是于自\s]+$", "", text[a : m.start()]).strip()
            label = label.rpartition(",")[2] or "期间"
            out.dates.append(
                DateFact(
                    id=f"x-yearly-{len(out.dates) + 1}",
                    label=label,
                    role="period",
                    text=f"{label}为每年{m.group(1)}月{m.group(2)}日至{m.group(3)}月{m.group(4)}日",
                    cues=r.cues(label),
                    source=r.quoted(clause, m.start(), m.end()),
                    start=start,
                    end=end,
                    yearly=True,
                )
            )
        for pattern, label, cues, end in _CLOSING_DATES:
            for m in pattern.finditer(text):
                day = _day(m.group(1), m.group(2), m.group(3), end=end)
                if not day:
                    continue
                name, when = label or m.group(4), cn_date(day, bool(m.group(3)))
                out.dates.append(
                    DateFact(
                        id=f"x-{'valid' if label else 'in-force'}-{len(out.dates) + 1}",
                        label=name,
                        role="event",
                        text=f"有效期至{when}" if label else f"自{when}起{name}",
                        cues=(*cues, name),
                        source=r.quoted(clause, m.start(), m.end()),
                        date=day,
                    )
                )
        if clause.kind == "date":
            m = _DATE_LINE.match(_narrow(clause.text))
            day = m and _day(m.group(1), m.group(2), m.group(3))
            if day:
                out.dates.append(
                    DateFact(
                        id="x-issued",
                        label="印发",
                        role="event",
                        text=f"通知于{cn_date(day)}印发",
                        cues=("印发", "发布", "发文", "落款", "出台", "发的", "下发"),
                        source=Quoted(clause.text, clause.id),
                        date=day,
                    )
                )


_MONEY_SUBJECT = lazy_re(r"资金|补助|补贴|奖励|奖补|金额|资助|拨付|支持|奖金|总额|额度|经费|券|发放")
_MEASURE_SUBJECT = lazy_re(r"收入|营收|产值|资产|销售|规模|投资|利润|注册资本")  # what an applicant has
# The upper end of a range right after its minimum: "不低于500万元且不超过4亿元".
_RANGE_MAX = lazy_re(r"\s*(?:且|、|,|并且)?\s*(?:不超过|不高于|最高)\s*(\d+(?:\.\d+)?)\s*(万元|亿元)")


def _money(r: _Reader, out: Extracted) -> None:
    for clause in r.clauses:
        text = r.narrow(clause)
        for m in _AMOUNT_CAP.finditer(text):
            a, b = _part(text, m.start(), m.end())
            sentence = text[text.rfind("。", 0, a) + 1 : m.start()]
            if _MEASURE_SUBJECT.search(text[a : m.start()]) and not _MONEY_SUBJECT.search(text[a : m.start()]):
                continue  # a bound of something else (营业收入不超过4亿元), not of the money given
            if not _MONEY_SUBJECT.search(sentence):
                continue
            if out.cap_amount is None:
                out.cap_amount = int(float(m.group(1)) * _UNIT[m.group(2)])
                out.cap = r.quoted(clause, a, b)
                out.cap_text = clause.text[a:b].strip()
        for m in _SHARE.finditer(text):
            rest = m.group("rest").strip()
            if "资金" not in rest and "资金" not in text[: m.start()][-12:]:
                continue  # a share of something other than the money (a count, a level)
            noun = re.match(r"^(?:奖补|专项|补助|补贴)?资金", rest)
            if noun and not out.money_noun:
                out.money_noun = noun.group(0)
            label = rest[noun.end() :].strip() if noun else rest.strip()
            if "以下" in label and clause.parent:
                # "支持以下工作:一是……": the list that follows says what the share pays for
                paragraph = r.notice.by_id[clause.parent].text
                label_words = paragraph[paragraph.find(clause.text) + len(clause.text) :][:200]
            else:
                label_words = label
            out.shares.append(
                Share(
                    id=f"x-share-{len(out.shares) + 1}",
                    bound=_BOUND[m.group(1)],
                    ratio=float(m.group(2)) / 100,
                    label=label if label.startswith("用于") else f"用于{label.removeprefix('用于')}",
                    cues=r.cues(label_words, specific=True, spread=max(_SPECIFIC_MAX, len(r.clauses) // 5)),
                    source=r.quoted(clause, m.start(), m.end()),
                )
            )
        for m in _STAGE.finditer(text):
            if not _MONEY_SUBJECT.search(text[max(0, m.start() - 30) : m.end()]):
                continue
            a, _ = _part(text, m.start(), m.end())
            if not _WHEN.search(text[a : m.start("verb")]) and a > 0 and text[a - 1] == ",":
                a, _ = _part(text, a - 1, a - 1)  # "验收合格后,区财政局拨付……": the stage is the part before
            stage = text[a : m.start("verb")].strip(" ,")
            if not stage:
                continue
            out.shares.append(
                Share(
                    id=f"x-stage-{len(out.shares) + 1}",
                    bound="stage",  # the part of the money paid at one stage ("首期拨付40%")
                    ratio=float(m.group("pct")) / 100,
                    label=f"{stage}{m.group('verb')}{m.group('rest') or ''}",
                    cues=r.cues(stage),
                    source=r.quoted(clause, a, m.end()),
                )
            )
        for m in _RATE.finditer(text):
            # Who the rate is for, said before it ("1.一档标杆企业,按……的20%"): a tier is named by it.
            before = re.split(r"[;。:]", text[max(0, m.start() - _SUBJECT_SPAN) : m.start()])[-1]
            cap = _RATE_CAP.search(text[m.end() : m.end() + _SUBJECT_SPAN])
            out.shares.append(
                Share(
                    id=f"x-rate-{len(out.shares) + 1}",
                    bound="rate",
                    ratio=float(m.group(2)) / 100,
                    label=m.group("base").strip(),  # what the rate applies to: "项目实际投资额"
                    cues=r.cues(before + m.group("base") + m.group("what")),
                    source=r.quoted(clause, m.start(), m.end()),
                    cap=int(float(cap.group(1)) * _UNIT.get(cap.group(2) or "", 1)) if cap else None,
                    cap_text=cap.group(0) if cap else "",
                )
            )


def _targets(r: _Reader, out: Extracted) -> None:
    for clause in r.clauses:
        text = r.narrow(clause)
        for m in _COUNT.finditer(text):
            subject = re.sub(r"^(?:在[^,]*上|且|其中|并)", "", m.group("subject")).strip()
            out.targets.append(
                Target(
                    id=f"x-count-{len(out.targets) + 1}",
                    bound="min",
                    label=subject,
                    cues=r.cues(subject),
                    source=r.quoted(clause, m.start(), m.end()),
                    count=int(m.group(2)),
                    unit=m.group(3),
                )
            )
        for m in _SELECT.finditer(text):
            what = m.group(4)
            if any(t.count == int(m.group(2)) and t.unit == f"个{what}" for t in out.targets):
                continue
            out.targets.append(
                Target(
                    id=f"x-select-{len(out.targets) + 1}",
                    bound="exact",
                    label=m.group(1),
                    cues=r.cues(what),
                    source=r.quoted(clause, m.start(), m.end()),
                    count=int(m.group(2)),
                    unit=f"个{what}",
                )
            )
        for m in _MINIMUM_AMOUNT.finditer(text):
            subject = _SUBJECT_LEAD.sub("", m.group("subject")).strip()
            if _REPLACED.match(text, m.end()):
                subject = "原" + subject.removeprefix("原")  # "原…不低于2000万元,调整为…": the figure replaced
            if "资金" in subject or "补贴" in subject:
                continue  # a share or cap of the money, read above
            cues = r.cues(subject, specific=True, spread=len(r.clauses))
            bounds = [("min", m.group(2), m.group(3), m.end())]
            if upper := _RANGE_MAX.match(text, m.end()):  # "不低于500万元且不超过4亿元": the range's upper end too
                bounds.append(("max", upper.group(1), upper.group(2), upper.end()))
            for bound, number, unit, end in bounds:
                out.targets.append(
                    Target(
                        id=f"x-amount-{len(out.targets) + 1}",
                        bound=bound,
                        label=subject,
                        cues=cues,
                        source=r.quoted(clause, m.start(), end),
                        count=int(float(number) * (10_000 if unit == "亿元" else 1)),  # in 万元
                        unit="万元",
                    )
                )
        for m in _BATCHES.finditer(text):
            a, b = _part(text, m.start(), m.end())
            out.targets.append(
                Target(
                    id=f"x-parts-{len(out.targets) + 1}",
                    bound="exact",
                    label=clause.text[a : m.start() + 1].strip(),
                    cues=r.cues(clause.text[a:b]),
                    source=r.quoted(clause, a, b),
                    count=_cn_number(m.group(1)),
                    unit=m.group(2),
                )
            )
        for m in _LIMIT.finditer(text):
            what = m.group("what")
            subject = re.sub(r"^\d+[.、]", "", (m.group("subject") or "").strip()) or what
            out.targets.append(
                Target(
                    id=f"x-limit-{len(out.targets) + 1}",
                    bound="max",
                    label=f"{subject}申报{what}".strip(),
                    cues=r.cues(subject + what),
                    source=r.quoted(clause, m.start(), m.end()),
                    count=int(m.group(2)),
                    unit=m.group(3),
                )
            )
        for m in _RATIO.finditer(text):
            subject = re.sub(r"^(?:即|且|其中|并)", "", m.group("subject")).strip()
            out.targets.append(
                Target(
                    id=f"x-ratio-{len(out.targets) + 1}",
                    bound="min",
                    label=subject + "比例",
                    cues=r.cues(subject),
                    source=r.quoted(clause, m.start(), m.end()),
                    ratio=float(m.group(2)) / 100,
                )
            )


def _items_below(notice: Notice, clause: Clause) -> list[Clause]:
    """The numbered items directly under a clause's section: the list a "以下" introduces."""
    section = next((s for s in notice.sections if s.id == clause.section), None)
    if section is None:
        return []
    children = [s for s in notice.sections if s.id in section.children]
    return [notice.by_id[s.clauses[0]] for s in children if s.clauses]


def _share_near(out: Extracted, clause: Clause) -> str | None:
    """The share that a use of the money belongs to: one stated in the same sentence or paragraph."""
    for share in out.shares:
        if share.source.clause_id in (clause.id, clause.parent):
            return share.id
    return None


def _expenses(r: _Reader, out: Extracted) -> None:
    for clause in r.clauses:
        text = r.narrow(clause)
        for m in _ALLOWED.finditer(text):
            if "以下" in m.group("items"):  # "可用于以下支出:" and the numbered items that follow
                for item in _items_below(r.notice, clause):
                    label = re.sub(r"[;。]$", "", _narrow(item.text)).strip()
                    label = re.sub(r"^\(?\d+[).、]?", "", label).strip()
                    out.expenses.append(
                        Expense(
                            terms=r.cues(label, specific=True, terms=True),
                            label=label,
                            verdict="allowed",
                            source=Quoted(item.text, item.id),
                            share=_share_near(out, clause),
                        )
                    )
                continue
            for piece in re.split(r",|以及", m.group("items")):
                label = piece.strip().rstrip("等")
                if len(label) >= 2:
                    start = text.find(piece.strip(), m.start())
                    out.expenses.append(
                        Expense(
                            terms=r.cues(re.sub(r"支出$", "", label), specific=True, terms=True),
                            label=label,
                            verdict="allowed",
                            source=r.quoted(clause, start, start + len(piece.strip())),
                            share=_share_near(out, clause),
                        )
                    )
        for m in _FORBIDDEN.finditer(text):
            for piece in m.group("items").split("、"):
                label = piece.strip()
                if len(label) >= 2:
                    start = text.find(label, m.start())
                    out.expenses.append(
                        Expense(
                            terms=r.cues(re.sub(r"等?支出$", "", label), specific=True, terms=True),
                            label=label,
                            verdict="forbidden",
                            source=r.quoted(clause, start, start + len(label)),
                        )
                    )
        if clause.parent and any(s.bound == "max" for s in out.shares):
            for m in _ORDINAL_ITEM.finditer(text):
                share = next(
                    (s for s in out.shares if s.bound == "max" and s.source.clause_id.startswith(clause.parent)), None
                )
                if share:
                    label = m.group("item").strip()
                    out.expenses.append(
                        Expense(
                            terms=r.cues(label, specific=True, terms=True),
                            label=label,
                            verdict="allowed",
                            source=r.quoted(clause, m.start("item"), m.end("item")),
                            share=share.id,
                        )
                    )
        if _EXCLUSION.search(text):
            for m in re.finditer(r"(?:\d+\.)?([^,;。]*(?:" + _EXCLUSION.pattern + r"))", text):
                out.exclusions.append(
                    Exclusion(
                        text=clause.text[m.start(1) : m.end()].strip(), source=r.quoted(clause, m.start(1), m.end())
                    )
                )


def _regions(r: _Reader, out: Extracted) -> None:
    home = _TITLE_PLACE.search(r.notice.meta.get("title", "") or "")
    for clause in r.clauses:
        text = r.narrow(clause)
        for m in _REGION.finditer(text):
            region = m.group("region")
            if region == "本市":
                if not home:
                    continue
                region = home.group(0)
            a, b = _part(text, m.start(), m.end())
            lead = re.match(r"\s*(?:[(][一二三四五六七八九十\d]+[)]|\d+[.、])?\s*", text[a:b])
            a += lead.end() if lead else 0  # the rule, not its item number
            out.regions.append(Region(region, clause.text[a:b].strip(), r.quoted(clause, a, b)))


def _ages(r: _Reader, out: Extracted) -> None:
    for clause in r.clauses:
        text = r.narrow(clause)
        for m in _AGE.finditer(text):
            reference, _ = _parse_day(m.group("ref")) if m.group("ref") else (None, False)
            quote = r.quoted(clause, m.start(), m.end())
            out.ages.append(Age(m.group("what"), _cn_number(m.group("n")), reference, quote))


def _documents(r: _Reader, out: Extracted) -> None:
    seen = set()
    for clause in r.clauses:
        text = r.narrow(clause)
        for m in _DOCUMENT.finditer(text):
            if m.group("number") not in seen:
                seen.add(m.group("number"))
                out.documents.append(
                    Document(m.group("title"), m.group("number"), r.quoted(clause, m.start(), m.end()))
                )


def _contacts(r: _Reader, out: Extracted) -> None:
    emails, phones, addresses = [], [], []
    for clause in r.clauses:
        text = r.narrow(clause)
        for m in _EMAIL.finditer(text):
            emails.append((m.group(0), r.quoted(clause, m.start(), m.end())))
        people = list(_PERSON.finditer(text))
        found = list(_PHONE.finditer(text))
        for m in found:
            who = next((p.group(1) for p in reversed(people) if p.start() < m.start()), "")
            phones.append((who, m.group(1), r.quoted(clause, m.start(1), m.end(1))))
        if not found:  # "政策咨询:市工信局中小企业科 王敏 0579-88216035": a name, then a number with its area code
            for m in _NAMED_NUMBER.finditer(text):
                phones.append((m.group("who"), m.group("num"), r.quoted(clause, m.start("num"), m.end("num"))))
        for m in _DELIVERY.finditer(text):
            addresses.append(
                (
                    f"{m.group('office').strip()}({m.group('address').strip()})",
                    r.quoted(clause, m.start("office"), m.end()),
                )
            )
        if not any(a[1].clause_id == clause.id for a in addresses):
            for m in _ADDRESS.finditer(text):
                addresses.append((m.group(1).strip(), r.quoted(clause, m.start(1), m.end(1))))
    out.contacts = Contacts(tuple(emails), tuple(phones), tuple(addresses))


def _attachments(r: _Reader, out: Extracted) -> None:
    named: dict[int, Attachment] = {}
    for clause in r.clauses:
        text = r.narrow(clause)
        if clause.section == "att":  # the list of attachments at the end: "1.实施方案模板"
            m = _ATTACHMENT_ITEM.match(text)
            if m:
                named[int(m.group(1))] = Attachment(
                    f"附件{m.group(1)}", m.group(2).strip(), Quoted(clause.text, clause.id)
                )
            continue
        for m in _ATTACHMENT_REF.finditer(text):
            number = int(m.group(1))
            before = text[: m.start()]
            if before.endswith(")") and "《" in before:  # a cited document: its title and number
                desc = before[before.rfind("《") :]
            else:
                cut = max(before.rfind(p) for p in ",、:;。()") + 1
                desc = re.split(r"编制|可在|应在|^在|^和|^及", before[cut:])[-1].strip()
            if number not in named and desc:
                named[number] = Attachment(f"附件{number}", desc, r.quoted(clause, m.start(), m.end()))
    out.attachments = [named[n] for n in sorted(named)]


def extract(notice: Notice, clauses: list[Clause], words) -> Extracted:
    """Every fact the patterns find in the given clauses of a notice; `words` cuts text into cue words."""
    r = _Reader(notice, clauses + [c for c in notice.clauses if c.section == "att" and c not in clauses], words)
    out = Extracted()
    _dates(r, out)
    _money(r, out)
    _targets(r, out)
    _expenses(r, out)
    _regions(r, out)
    _documents(r, out)
    _ages(r, out)
    _contacts(r, out)
    _attachments(r, out)
    return out
