"""Fold user text to one form before matching: simplified characters, half-width forms, lower case."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from .lazy import lazy_re

# Zero-width and control characters carry no meaning but break matching.
_INVISIBLE = lazy_re(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff]")
_SPACES = lazy_re(r"\s+")


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # a C extension: about 20 ms, so only paid when text is folded

    return opencc.OpenCC("t2s")


def strip_invisible(text: str) -> str:
    """Drop control and zero-width characters and squeeze white space."""
    return _SPACES.sub(" ", _INVISIBLE.sub("", text)).strip()


def fold(text: str) -> str:
    """Traditional to simplified, full-width to half-width (NFKC), lower case, no invisible characters."""
    text = unicodedata.normalize("NFKC", strip_invisible(text))
    if any(ord(ch) > 0x2E7F for ch in text):
        text = _t2s().convert(text)
    return text.lower()
