"""The knowledge the front ends answer from: built once, swapped whole by /reload, passed to every handler.

Handlers hold no knowledge of their own; the bot keeps the one knowledge base in use here, so that a
reload replaces it for every later update at once and a broken reload leaves the old one in place.
"""

from __future__ import annotations

import threading
from pathlib import Path

from knowledge.base import KnowledgeBase, build
from knowledge.library import Library


class Knowledge:
    """The knowledge base in use, and how to rebuild it from disk."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder
        self._current: KnowledgeBase | None = None
        self._lock = threading.Lock()

    def current(self) -> KnowledgeBase:
        """The knowledge in use, built on first use."""
        if self._current is None:
            with self._lock:
                if self._current is None:
                    self._current = self._build()
        return self._current

    def _build(self, validate: bool = False) -> KnowledgeBase:
        """The folder given, or the default notice of knowledge/notices/ (NOTICE_BOT_NOTICE, else the newest)."""
        if self._folder:
            return build(self._folder, validate=validate)
        library = Library()
        return build(library.notices[library.default_key()].folder, validate=validate)

    def reload(self) -> KnowledgeBase:
        """Rebuild from disk, checked against the schema; on failure the old one stays and KnowledgeError says why."""
        fresh = self._build(validate=True)
        with self._lock:
            self._current = fresh
        return fresh


KNOWLEDGE = Knowledge()  # the bot's one knowledge holder: front ends read it, /reload replaces what it holds


def current() -> KnowledgeBase:
    return KNOWLEDGE.current()


def reload() -> KnowledgeBase:
    return KNOWLEDGE.reload()
