"""The notice's section tree as the Telegram screens need it: parents for back buttons, a citation's section."""

from __future__ import annotations

from typing import Any

from handlers import browse

from .. import library


def outline() -> tuple[dict[str, str | None], dict[str, str]]:
    """The notice's section tree as (section id -> parent id, section path -> section id).

    Rebuilt on each call (a few dozen lookups) so a knowledge reload is seen at once.
    """
    parents: dict[str, str | None] = {}
    paths: dict[str, str] = {}
    pending: list[tuple[Any, str | None]] = [(s, None) for s in browse.toc(library.current())]
    while pending:
        node, parent = pending.pop()
        if node.id in parents:
            continue
        parents[node.id] = parent
        paths.setdefault(node.path, node.id)
        for child_id in node.children:
            child = browse.section(child_id, library.current())
            if child is not None:
                pending.append((child, node.id))
    return parents, paths


def section_for_citation(clause_id: str, path: str) -> str | None:
    """The numbered section a cited clause sits in, or None (e.g. for the preamble)."""
    section_id = browse.section_of(clause_id, library.current())
    if section_id and browse.section(section_id, library.current()) is not None:
        return section_id
    return outline()[1].get(path)
