"""Shared test wiring.

Test modules import their helpers with `from support import ...`: pytest's default (prepend) import
mode puts this folder on sys.path. Registering support.py for assertion rewriting gives its checks
the same detailed failure messages as asserts written in the test modules themselves.
"""

import os
import shutil
import tempfile

import pytest

pytest.register_assert_rewrite("support")

# The knowledge cache is on by default in the user's cache folder; tests (and the bots they start as
# subprocesses, which inherit the environment) use a folder of their own, removed when the session ends.
# It is set at import, before any test module is collected, so nothing reaches ~/.cache first.
_TEST_CACHE = tempfile.mkdtemp(prefix="notice-bot-test-cache-")
os.environ["NOTICE_BOT_CACHE"] = _TEST_CACHE


def pytest_unconfigure(config):
    """Remove the session's knowledge cache folder."""
    shutil.rmtree(_TEST_CACHE, ignore_errors=True)


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
