"""Shared test wiring.

Test modules import their helpers with `from support import ...`: pytest's default (prepend) import
mode puts this folder on sys.path. Registering support.py for assertion rewriting gives its checks
the same detailed failure messages as asserts written in the test modules themselves.
"""

import pytest

pytest.register_assert_rewrite("support")
