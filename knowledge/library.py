"""Every notice under knowledge/notices/: keys, titles and dates, each built into a KnowledgeBase on first use.

A notice's key is its folder name. Its title is its first line (or meta.yaml's title), its date the date
line that closes it (or meta.yaml's date), its short title meta.yaml's short_title or the title without the
issuers and 关于…的通知. The default notice is NOTICE_BOT_NOTICE when that names one, else the newest.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .base import KnowledgeBase, build, vocabulary
from .cache import cache_dir, cached, load_lexicon, load_or_build, load_or_make
from .fold import fold
from .index import bigrams
from .lexicon import Lexicon
from .loader import LEXICON_DIR, NOTICES_DIR, KnowledgeError, notice_folders, read_yaml
from .lazy import lazy_re

DEFAULT_ENV = "NOTICE_BOT_NOTICE"
NOTICES_ENV = "NOTICE_BOT_NOTICES"  # another folder of notices than knowledge/notices/ (tests, deployments)
ID_SEP = ":"  # a clause's id across notices: "<notice key>:<its id in the notice>", e.g. "fic-qyzn-2025:4.2.p1"
MAX_BUILT = 100  # notices kept built at once: about 1 MB each
_DATE = lazy_re(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ABOUT = lazy_re(r"关于(.+?)(?:的)?通知$")
_FORWARDED = lazy_re(r"^转发《[^》]*》\s*并")
BATCH = lazy_re(r"(?:首|第([一二三四五六七八九十]|\d{1,2}))批")  # 首批, 第二批, 第3批
_SMALL = {ch: n for n, ch in enumerate("一二三四五六七八九十", 1)}
_PLACE = lazy_re(r"([\u4e00-\u9fff]{2,8}?[省市区县])")  # the place an issuer or title opens with


def _leading_places(text: str) -> list[str]:
    """The places a title or issuer opens with, each level: "青岚市临溪区关于…" -> 青岚市, 临溪区."""
    out, at = [], 0
    while (m := _PLACE.match(text, at)) and len(out) < 3:
        out.append(m.group(1))
        at = m.end()
    return out


_YEAR = lazy_re(r"(20\d\d)\s*年")
_ISSUER_END = ("局", "厅", "委", "部", "府", "办", "会", "院", "室", "中心", "办公厅")


def batch_number(match: re.Match) -> int:
    """1 for 首批 and 第一批, n for 第n批."""
    ordinal = match.group(1)
    return 1 if ordinal is None else int(ordinal) if ordinal.isdigit() else _SMALL[ordinal]


@dataclass(frozen=True)
class NoticeInfo:
    """What a list of notices shows: key, title, short title and date."""

    key: str
    title: str
    short_title: str
    date: dt.date | None
    folder: Path
    # What a question may name the notice by (handlers/routing.py): its batch, its places, its issuers, its years
    batch: int | None = None
    places: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()
    years: tuple[int, ...] = ()


def _info(folder: Path) -> NoticeInfo:
    meta_path = folder / "meta.yaml"
    meta = (read_yaml(meta_path) or {}) if meta_path.is_file() else {}
    lines = [ln.strip() for ln in (folder / "notice.txt").read_text(encoding="utf-8").splitlines() if ln.strip()]
    title = str(meta.get("title") or (lines[0] if lines else folder.name))
    date = None
    raw = (meta.get("date") or {}).get("value") if isinstance(meta.get("date"), dict) else meta.get("date")
    if raw:
        try:
            date = dt.date.fromisoformat(str(raw))
        except ValueError:
            date = None
    if date is None and lines:
        m = _DATE.fullmatch(lines[-1])
        if m:
            date = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    about = _ABOUT.search(title)
    short = str(meta.get("short_title") or (about.group(1) if about else title))
    # A forwarding notice is known by what it adds ("转发《…》并做好…申报工作" -> "做好…申报工作").
    short = _FORWARDED.sub("", short) or short
    issuers = _issuers(meta, lines)
    batch = BATCH.search(title)
    places = {p for t in (title, *issuers) for p in _leading_places(t)}
    places |= {p[:-1] for p in places if len(p) > 2}  # 北京市 is also 北京, 临江市 临江
    years = {int(y) for y in _YEAR.findall(title)} | ({date.year} if date else set())
    return NoticeInfo(
        key=folder.name,
        title=title,
        short_title=short,
        date=date,
        folder=folder,
        batch=batch_number(batch) if batch else None,
        places=tuple(sorted(places)),
        issuers=tuple(issuers),
        years=tuple(sorted(years)),
    )


def _issuers(meta: dict, lines: list[str]) -> list[str]:
    """The issuers meta.yaml names, else the signature line above the closing date."""
    named = [str(i.get("name")) for i in meta.get("issuers") or [] if isinstance(i, dict) and i.get("name")]
    if named or len(lines) < 3 or not _DATE.fullmatch(lines[-1]):
        return named
    parts = lines[-2].split()
    return parts if all(len(p) <= 30 and p.endswith(_ISSUER_END) for p in parts) else []


def qualified(key: str, clause_id: str) -> str:
    """A clause's id unique across notices: the notice key, then the id within the notice."""
    return f"{key}{ID_SEP}{clause_id}"


def split_id(ref: str) -> tuple[str | None, str]:
    """(notice key or None, clause id) of "key:4.2.p1" or of a bare "4.2.p1"."""
    key, sep, clause_id = ref.strip().rpartition(ID_SEP)
    return (key, clause_id) if sep else (None, clause_id)


class Library:
    """The notices of a folder, answered from one at a time."""

    def __init__(self, root: Path | None = None) -> None:
        root = root or Path(os.environ.get(NOTICES_ENV, "").strip() or NOTICES_DIR)
        self.root = root
        # A notice folder itself is a library of one (check-knowledge and tests pass one).
        folders = [root] if (root / "notice.txt").is_file() else notice_folders(root)
        inputs = [f / name for f in folders for name in ("notice.txt", "meta.yaml")]
        self.notices: dict[str, NoticeInfo] = load_or_make(
            "notices", inputs, lambda: {info.key: info for info in (_info(f) for f in folders)}
        )
        # Built notices, least recently used first; beyond MAX_BUILT the oldest is dropped (the default never):
        # a library of hundreds keeps the memory of the notices in use, and the cache makes a rebuild a load.
        self._built: OrderedDict[str, KnowledgeBase] = OrderedDict()
        self._lexicon: Lexicon | None = None  # one lexicon for every notice: it is the same files
        self._pairs: dict[str, frozenset[str]] = {}

    @property
    def lexicon(self) -> Lexicon:
        """The lexicon every notice of the library is read with, loaded once."""
        if self._lexicon is None:
            self._lexicon = load_lexicon(LEXICON_DIR)
        return self._lexicon

    @cached_property
    def vocabulary(self) -> dict:
        """The lexicon's general question words (questions.yaml), for reading questions across notices."""
        return vocabulary(LEXICON_DIR)

    def keys(self) -> list[str]:
        return list(self.notices)

    def check(self, key: str) -> str:
        """The key if it names a notice; else KnowledgeError listing the known keys."""
        if key not in self.notices:
            raise KnowledgeError(f"unknown notice {key!r}; known notices: {', '.join(self.keys()) or 'none'}")
        return key

    def default_key(self) -> str:
        """NOTICE_BOT_NOTICE when it names a notice, else the newest by date."""
        named = os.environ.get(DEFAULT_ENV, "").strip()
        if named:
            return self.check(named)
        if not self.notices:
            raise KnowledgeError(f"no notice folder under {self.root}")
        return max(self.notices.values(), key=lambda n: (n.date or dt.date.min, n.key)).key

    def get(self, key: str | None = None) -> KnowledgeBase:
        """The knowledge base of a notice (the default one when no key is given), built once."""
        key = self.check(key) if key else self.default_key()
        kb = self._built.get(key)
        if kb is None:
            kb = self._built[key] = self._build(key)
            default = self.default_key()
            while len(self._built) > MAX_BUILT:
                oldest = next(k for k in self._built if k != default)
                del self._built[oldest]
        self._built.move_to_end(key)
        return kb

    def _build(self, key: str) -> KnowledgeBase:
        folder, where = self.notices[key].folder, cache_dir()
        return load_or_build(folder, self.lexicon, where) if where else build(folder, lexicon=self.lexicon)

    def validate(self, schema: bool = False) -> "Library":
        """Check that every notice builds (at start-up and on reload), so a broken one is refused before use.

        A notice whose inputs are in the cache built before and is not built again; the rest are built and
        dropped unless still in use, so validating a large library does not keep all of it in memory.
        schema: also check every file against the schema (check-knowledge and /reload; it costs an import).
        """
        where = cache_dir()
        for key, info in self.notices.items():
            if key in self._built and not schema:
                continue
            if schema:
                build(info.folder, lexicon=self.lexicon, validate=True)
            elif where is not None:
                cached(info.folder, self.lexicon, where)
            else:
                build(info.folder, lexicon=self.lexicon)
        self.get()
        return self

    def pairs(self, key: str) -> frozenset[str]:
        """The character pairs of a notice's folded text, read without building it (for routing)."""
        cached = self._pairs.get(key)
        if cached is None:
            text = fold((self.notices[key].folder / "notice.txt").read_text(encoding="utf-8"))
            cached = self._pairs[key] = frozenset(bigrams(text))
        return cached

    def build_all(self) -> "Library":
        """Build every notice now (at start-up and on reload), so a broken one is refused before use."""
        for key in self.notices:
            self.get(key)
        return self

    def find(self, ref: str) -> tuple[KnowledgeBase, str] | None:
        """The knowledge base and clause id that "key:id" names, or that a bare id names in the default notice."""
        key, clause_id = split_id(ref)
        if key is not None and key not in self.notices:
            return None
        kb = self.get(key)
        return (kb, clause_id) if kb.clause(clause_id) else None
