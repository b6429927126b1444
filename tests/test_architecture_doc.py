"""docs/ARCHITECTURE.md lists the deciders of handlers/router.py, in the order they run."""

from __future__ import annotations

import re
from pathlib import Path

from handlers.router import DECIDERS

DOC = Path(__file__).resolve().parents[1] / "docs" / "ARCHITECTURE.md"


def test_the_architecture_lists_every_decider_in_order():
    listed = re.findall(r"^\s+\d+\. `(?:slots\.|terms\.)?(\w+)`", DOC.read_text(encoding="utf-8"), re.M)
    assert listed == [d.__name__ for d in DECIDERS]
