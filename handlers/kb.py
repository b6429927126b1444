"""The knowledge the front ends answer from by default: one KnowledgeBase, built on first use."""
from __future__ import annotations

import threading
from pathlib import Path

from knowledge.base import KnowledgeBase, build
from knowledge.loader import KnowledgeError

_lock = threading.Lock()
_current: KnowledgeBase | None = None


def get() -> KnowledgeBase:
    """The knowledge in use, built on first use."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = build()
    return _current


def reload_knowledge(folder: Path | None = None) -> KnowledgeBase:
    """Rebuild the knowledge from disk; on failure keep answering from the old one and raise the reason."""
    global _current
    fresh = build(folder) if folder else build()  # raises KnowledgeError; _current stays as it was
    with _lock:
        _current = fresh
    return fresh


__all__ = ["KnowledgeBase", "KnowledgeError", "build", "get", "reload_knowledge"]
