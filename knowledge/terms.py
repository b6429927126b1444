"""The short terms a notice defines for itself ("(以下简称服务券)"), each with what it stands for and where.

A notice names a body or a scheme once in full and then by its short name; users meet the short name and ask
what it is. The term is cut as one word (Lexicon.teach), and its definition answers what it stands for.
"""

from __future__ import annotations

from dataclasses import dataclass

from .lazy import lazy_re
from .model import Notice

# "(以下简称服务券)", "(以下统称“两部门”)", in folded text (half-width brackets) or as written.
_DEFINED = lazy_re(r"[(（](?:以下)?(?:简称|统称)\s*[“\"']?([\u4e00-\u9fff]{2,8})[”\"']?[)）]")
_BOUNDARY = lazy_re(r"[，。；：！？,;:!?]")
_QUOTED = lazy_re(r"“([^”]{2,30})”\s*$")
MAX_REFERENT = 40


@dataclass(frozen=True)
class Definition:
    """One defined term: the short name, the words it stands for, and the clause that says so."""

    term: str
    referent: str
    clause_id: str


def defined_terms(text: str) -> tuple[str, ...]:
    """The short terms a text defines, in order of first definition."""
    return tuple(dict.fromkeys(_DEFINED.findall(text)))


def definitions(notice: Notice, citable: set[str]) -> tuple[Definition, ...]:
    """Each term's first definition in a citable clause, with the words just before it that it stands for."""
    found: dict[str, Definition] = {}
    for clause in notice.clauses:
        if clause.id not in citable:
            continue
        for m in _DEFINED.finditer(clause.text):
            before = clause.text[: m.start()]
            cut = max((b.end() for b in _BOUNDARY.finditer(before)), default=0)
            referent = before[cut:].strip()
            quoted = _QUOTED.search(referent)  # 建立“云泽市数字化转型服务商库”: the name is what is quoted
            referent = quoted.group(1) if quoted else referent
            if 2 <= len(referent) <= MAX_REFERENT and m.group(1) not in found:
                found[m.group(1)] = Definition(term=m.group(1), referent=referent, clause_id=clause.id)
    return tuple(found.values())
