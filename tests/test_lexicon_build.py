"""`python -m knowledge.lexicon` is quiet and deterministic, and --check says whether the file is current."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from knowledge.lexicon import SMALL_DICTIONARY, build_small_dictionary, small_dictionary

REPO = Path(__file__).resolve().parents[1]


def test_the_small_dictionary_is_the_same_under_any_hash_seed():
    code = "import hashlib, knowledge.lexicon as l; print(hashlib.sha256(l.small_dictionary().encode()).hexdigest())"
    digests = set()
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env)
        assert out.returncode == 0 and not out.stderr, out.stderr  # no jieba log on stderr either
        digests.add(out.stdout)
    assert len(digests) == 1


def test_it_keeps_the_notices_words_and_leaves_the_rest_of_jieba_out():
    words = {line.split(" ", 1)[0] for line in small_dictionary().splitlines()}
    assert {"申报", "数字化", "联系", "关系"} <= words
    assert "葡萄" not in words and len(words) < 20_000  # of jieba's 349,046


def test_check_writes_nothing_and_reports_a_stale_file(tmp_path):
    stale = tmp_path / SMALL_DICTIONARY
    stale.write_text("过期 1 n\n", encoding="utf-8")
    words, changed = build_small_dictionary(stale, check=True)
    assert changed and words > 1000
    assert stale.read_text(encoding="utf-8") == "过期 1 n\n"
    assert build_small_dictionary(stale) == (words, True)
    assert build_small_dictionary(stale, check=True) == (words, False)
