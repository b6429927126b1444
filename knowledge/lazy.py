"""Regular expressions compiled on first use, not at import.

The knowledge and handler modules hold about a hundred module-level patterns; compiling them all at import
was a large part of the cold start of `python -m bot ask`, though one answer uses few of them (most serve
building a notice, which the cache of built knowledge skips). A LazyPattern reads like the compiled pattern.
"""

from __future__ import annotations

import re
from typing import Any

# What a LazyPattern takes over from its compiled pattern on first use, so later calls skip __getattr__.
_DELEGATED = (
    "search",
    "match",
    "fullmatch",
    "finditer",
    "findall",
    "sub",
    "subn",
    "split",
    "flags",
    "groups",
    "groupindex",
    "scanner",
)


class LazyPattern:
    """A re.Pattern compiled the first time one of its methods or attributes is used."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern  # known without compiling: other patterns are built from it at import
        self._flags = flags

    def compiled(self) -> re.Pattern[str]:
        """The compiled pattern (re's own cache makes a second compile a lookup)."""
        return re.compile(self.pattern, self._flags)

    def __getattr__(self, name: str) -> Any:
        # Called only for what the instance does not hold yet: compile once, then keep the bound methods.
        if name.startswith("__") or name not in _DELEGATED:
            raise AttributeError(name)
        compiled = self.compiled()
        for attr in _DELEGATED:
            setattr(self, attr, getattr(compiled, attr))
        return getattr(compiled, name)

    def __reduce__(self) -> tuple:
        """Pickled as its source, like re.Pattern, never with the bound methods it keeps."""
        return (LazyPattern, (self.pattern, self._flags))

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}, {self._flags})"


def lazy_re(pattern: str, flags: int = 0) -> LazyPattern:
    """re.compile, deferred to the pattern's first use."""
    return LazyPattern(pattern, flags)
