"""The notice's section tree as the browsing screens need it: each section's parent, for back buttons."""

from __future__ import annotations

from handlers import browse
from knowledge.base import KnowledgeBase

from .. import library


def parents(kb: KnowledgeBase | None = None) -> dict[str, str | None]:
    """Section id -> the id of its parent section (None at the top), in the given notice (default: the default).

    Rebuilt on each call (a few dozen lookups, only while browsing) so a knowledge reload is seen at once.
    """
    kb = kb or library.current()
    out: dict[str, str | None] = {}
    pending: list[tuple[str, str | None]] = [(s.id, None) for s in browse.toc(kb)]
    while pending:
        section_id, parent = pending.pop()
        node = browse.section(section_id, kb)
        if node is None or section_id in out:
            continue
        out[section_id] = parent
        pending.extend((child, section_id) for child in node.children)
    return out
