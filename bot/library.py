"""The knowledge the front ends answer from: every notice, built once, swapped whole by /reload.

Handlers hold no knowledge of their own; the bot keeps the library in use here, so that a reload replaces
it for every later update at once (new folders appear, removed ones go) and a broken reload leaves the old
one in place.
"""

from __future__ import annotations

import threading
from pathlib import Path

from knowledge.base import KnowledgeBase
from knowledge.library import Library


class Knowledge:
    """The library in use, and how to rebuild it from disk."""

    def __init__(self, root: Path | None = None) -> None:
        self._root = root  # None: NOTICE_BOT_NOTICES, else knowledge/notices/ (knowledge.library.Library)
        self._library: Library | None = None
        self._lock = threading.Lock()
        self.generation = 0  # counts reloads that succeeded, so a listener can tell a new library from the old
        self.added: tuple[str, ...] = ()  # keys of the notices the last reload brought in

    def library(self) -> Library:
        """The library in use, every notice checked on first use (and the default built)."""
        if self._library is None:
            with self._lock:
                if self._library is None:
                    self._library = Library(self._root).validate()
        return self._library

    def current(self) -> KnowledgeBase:
        """The default notice of the library in use."""
        return self.library().get()

    def reload(self) -> KnowledgeBase:
        """Rebuild every notice from disk; on failure the old library stays in use and KnowledgeError says why."""
        old = set(self._library.keys()) if self._library is not None else None
        fresh = Library(self._root).validate(schema=True)  # /reload checks every file against the schema
        with self._lock:
            self._library = fresh
            self.generation += 1
            self.added = tuple(k for k in fresh.keys() if old is not None and k not in old)
        return fresh.get()


KNOWLEDGE = Knowledge()  # the bot's one knowledge holder: front ends read it, /reload replaces what it holds


def current() -> KnowledgeBase:
    return KNOWLEDGE.current()


def notices() -> Library:
    return KNOWLEDGE.library()


def reload() -> KnowledgeBase:
    return KNOWLEDGE.reload()


def for_chat(key: str | None) -> KnowledgeBase:
    """The notice a chat chose (ChatData.notice) while it is still in the library, else the default notice."""
    known = notices()
    return known.get(key) if key and key in known.notices else known.get()


def short_title(key: str) -> str:
    """A notice's short title, or its key when the notice is no longer in the library."""
    info = notices().notices.get(key)
    return info.short_title if info else key
