"""Patterns compiled on first use read like compiled ones, and pickle as their source."""

from __future__ import annotations

import pickle
import re

from knowledge.lazy import LazyPattern, lazy_re


def test_a_lazy_pattern_matches_as_the_compiled_one():
    lazy, eager = lazy_re(r"(\d{4})\s*年", re.I), re.compile(r"(\d{4})\s*年", re.I)
    assert "search" not in vars(lazy)  # nothing compiled yet
    text = "2024年 与 2025 年"
    assert lazy.search(text).group(1) == eager.search(text).group(1)
    assert lazy.findall(text) == eager.findall(text) and lazy.sub("#", text) == eager.sub("#", text)
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in eager.finditer(text)]
    assert lazy.pattern == eager.pattern and lazy.flags == eager.flags and lazy.groups == 1


def test_a_lazy_pattern_pickles_as_its_source_and_refuses_unknown_attributes():
    lazy = lazy_re(r"[一二三]批")
    lazy.match("一批")
    copy = pickle.loads(pickle.dumps(lazy))
    assert isinstance(copy, LazyPattern) and copy.pattern == lazy.pattern and "match" not in vars(copy)
    assert copy.fullmatch("二批")
    try:
        copy.no_such_attribute  # noqa: B018
    except AttributeError:
        pass
    else:
        raise AssertionError("an unknown attribute must raise AttributeError")
