"""Shared test wiring.

Test modules import their helpers with `from support import ...`: pytest's default (prepend) import
mode puts this folder on sys.path. Registering support.py for assertion rewriting gives its checks
the same detailed failure messages as asserts written in the test modules themselves.
"""

import pytest

pytest.register_assert_rewrite("support")


from pathlib import Path  # noqa: E402 - the fixtures below, shared by several modules

FIXTURE_NOTICES = Path(__file__).resolve().parent / "fixtures" / "notices"


@pytest.fixture(scope="session")
def guide():
    """A fictional enterprise application guide, notice.txt alone: conditions, a rate with a cap, materials, phones."""
    from knowledge.base import build

    return build(FIXTURE_NOTICES / "fic-qyzn-2025")


@pytest.fixture(scope="session")
def batch2():
    """A fictional second-batch district-selection notice, notice.txt alone."""
    from knowledge.base import build

    return build(FIXTURE_NOTICES / "fic-dierpi-2024")
