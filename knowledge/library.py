"""Every notice under knowledge/notices/: keys, titles and dates, each built into a KnowledgeBase on first use.

A notice's key is its folder name. Its title is its first line (or meta.yaml's title), its date the date
line that closes it (or meta.yaml's date), its short title meta.yaml's short_title or the title without the
issuers and 关于…的通知. The default notice is NOTICE_BOT_NOTICE when that names one, else the newest.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .base import KnowledgeBase, build
from .loader import NOTICES_DIR, KnowledgeError, notice_folders, read_yaml

DEFAULT_ENV = "NOTICE_BOT_NOTICE"
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ABOUT = re.compile(r"关于(.+?)(?:的)?通知$")


@dataclass(frozen=True)
class NoticeInfo:
    """What a list of notices shows: key, title, short title and date."""

    key: str
    title: str
    short_title: str
    date: dt.date | None
    folder: Path


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
    return NoticeInfo(folder.name, title, short, date, folder)


class Library:
    """The notices of a folder, answered from one at a time."""

    def __init__(self, root: Path = NOTICES_DIR) -> None:
        self.root = root
        self.notices = {info.key: info for info in (_info(f) for f in notice_folders(root))}
        self._built: dict[str, KnowledgeBase] = {}

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
        if key not in self._built:
            self._built[key] = build(self.notices[key].folder)
        return self._built[key]
