"""The short names of a notice's issuing bodies, derived from their full names as Chinese abbreviates them.

北京市经济和信息化局 is 经济和信息化局 without its place, 经信局 by the first character of each word of its
business, and 市经信局 with the level of its place: users write the short forms, the notice the full one. Derived
per notice, so that another city's 经信委 or 财政厅 reaches its own body, never the Beijing one.
"""

from __future__ import annotations

from .lazy import lazy_re

# The place a body's name opens with: a province or city, then perhaps a district or county.
_PLACE = lazy_re(r"^((?:[\u4e00-\u9fff]{1,6}?[省市])?(?:[\u4e00-\u9fff]{1,6}?[区县])?)")
# The kinds of body, each with the character its short name ends in (委员会 -> 委).
_KINDS = (("委员会", "委"), ("局", "局"), ("厅", "厅"))
_JOINERS = frozenset("和与及")  # 经济和信息化: the joiner is no part of the short name
_MAX_NAME = 20


def short_names(full: str, cut) -> dict[str, str]:
    """Each short form of one body's full name, mapped to the full name; cut segments Chinese into words."""
    if len(full) > _MAX_NAME:
        return {}
    kind = next(((k, short) for k, short in _KINDS if full.endswith(k)), None)
    place = _PLACE.match(full).group(1)
    if kind is None or not place:
        return {}
    business = full[len(place) : len(full) - len(kind[0])]
    if len(business) < 2:
        return {}
    level = place[-1]  # 市 of 北京市, 区 of 朝阳区
    words = [w for w in cut(business) if w not in _JOINERS]
    initials = "".join(w[0] for w in words) if len(words) > 1 else business
    forms = {business + kind[0], level + business + kind[0], initials + kind[1], level + initials + kind[1]}
    return {form: full for form in sorted(forms) if form != full}


def canonical_names(names: list[str], text: str, cut) -> dict[str, str]:
    """Every form of each body's name mapped to the one the notice writes most (区工业和信息化局), itself left out."""
    out: dict[str, str] = {}
    for full in names:
        forms = sorted({full, *short_names(full, cut)})
        # The form the notice's sentences use, so that a question's short form finds them; the longest on a tie.
        canonical = max(forms, key=lambda f: (text.count(f), len(f), f))
        out.update({form: canonical for form in forms if form != canonical and form not in out})
    return out


def issuer_names(signatures: list[str]) -> list[str]:
    """The bodies named on a notice's signature lines ("北京市财政局 北京市经济和信息化局": two)."""
    return [name for line in signatures for name in line.split() if name]
