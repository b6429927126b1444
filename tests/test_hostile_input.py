"""`--jsonl` and `ask` answer every line: hostile input gets a polite JSON answer, never a crash or an exponent."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers import routing
from bot.__main__ import FAILED_INTENT, FAILED_TEXT, jsonl, main

REPO = Path(__file__).resolve().parents[1]
FIELDS = ["question", "notice", "answered", "intent", "answer", "citations", "confidence"]
EXPONENT = re.compile(r"\d(?:\.\d+)?[eE][+-]?\d")

# Pieces that broke or bent the parser before: floats past their range, cn2an's odd numerals, shares, units.
_numbers = st.one_of(
    st.integers(min_value=0, max_value=10**400).map(str),
    st.integers(min_value=300, max_value=1200).map(lambda n: "1" + "0" * n),
    st.decimals(allow_nan=False, allow_infinity=False, places=6).map(lambda d: format(d, "f")),
    st.text(alphabet="零一二两三四五六七八九十百千万亿", min_size=1, max_size=40),
    st.sampled_from(["1e309", "inf", "nan", "-0", "１２３４", "9" * 400]),
)
_units = st.sampled_from(["亿", "万", "千万", "家", "个企业", "份", "项", "%", "元", "万元", " million", "月", "日"])
_templates = st.sampled_from(
    ["{n}{u}的{p}%是多少", "拿{p}%做平台可以吗", "我们有{n}家企业", "{n}{u}", "成立{n}年能报吗", "{n}月{p}日截止了吗"]
)
# Any text a line can hold: everything but the line breaks the reader splits on.
_free_text = st.text(st.characters(blacklist_characters="\n\r", blacklist_categories=("Cs",)), max_size=300)
_lines = st.one_of(
    st.builds(lambda t, n, u, p: t.format(n=n, u=u, p=p), _templates, _numbers, _units, _numbers),
    _free_text,
)


def _run_jsonl(lines: list[str]) -> tuple[list[dict], str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    assert jsonl(io.StringIO("".join(line + "\n" for line in lines)), stdout, stderr=stderr) == 0
    return [json.loads(row) for row in stdout.getvalue().splitlines()], stderr.getvalue()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_lines, min_size=1, max_size=5))
def test_every_generated_line_gets_one_json_answer_in_order_without_an_exponent(lines):
    rows, log = _run_jsonl(lines)
    assert [row["question"] for row in rows] == lines
    for row in rows:
        assert list(row) == FIELDS and isinstance(row["answered"], bool)
        assert not EXPONENT.search(row["answer"]) or EXPONENT.search(row["question"])
    assert "Traceback" not in log


def test_a_float_overflowing_amount_is_answered_in_full_digits():
    huge = "1" + "0" * 309
    rows, _ = _run_jsonl([f"{huge}亿的80%是多少", "5555555555555555555555555万元的80%是多少"])
    assert rows[0]["answered"] and "8" + "0" * 308 + "亿元" in rows[0]["answer"]
    assert "4444444444444444444444444万元" in rows[1]["answer"]
    assert not any(EXPONENT.search(row["answer"]) for row in rows)


def test_a_huge_planned_share_is_refused_in_plain_digits():
    rows, _ = _run_jsonl(["拿825465565320211872698327393471%做平台可以吗"])
    assert "不可以" in rows[0]["answer"] and "825500000000000000000000000000%" in rows[0]["answer"]


def test_a_line_whose_answering_raises_gets_a_polite_answer_and_one_log_line(monkeypatch):
    real = routing.answer_question

    def flaky(question, *args, **kwargs):
        if "炸" in question:
            raise OverflowError("int too large to convert to float")
        return real(question, *args, **kwargs)

    monkeypatch.setattr(routing, "answer_question", flaky)  # every front end answers through routing
    rows, log = _run_jsonl(["申报截止时间是什么时候?", "炸一下", "奖补资金最多多少?"])
    assert [row["question"] for row in rows] == ["申报截止时间是什么时候?", "炸一下", "奖补资金最多多少?"]
    assert rows[1]["answered"] is False and rows[1]["intent"] == FAILED_INTENT and rows[1]["answer"] == FAILED_TEXT
    assert rows[1]["notice"] == "bj-szhzx-2023" and rows[1]["citations"] == []
    assert rows[0]["answered"] and "2023年7月10日" in rows[0]["answer"] and "1亿" in rows[2]["answer"]
    assert log.splitlines() == [log.strip()] and "line 2" in log and "OverflowError" in log
    assert "Traceback" not in log and "炸" not in log


def test_ask_whose_answering_raises_still_prints_a_polite_answer(monkeypatch, capsys):
    monkeypatch.setattr(routing, "answer_question", lambda *a, **k: 1 / 0)
    assert main(["ask", "--json", "申报截止时间是什么时候?"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["answered"] is False and row["answer"] == FAILED_TEXT


def test_bytes_that_are_not_utf8_and_control_characters_are_answered_by_the_process():
    lines = [b"\xff\xfe\xe4\xb8", "申报\x00截止\u202e时间?".encode(), "\U0001f600".encode(), b"\xed\xa0\x80"]
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--jsonl"], input=b"\n".join(lines) + b"\n", capture_output=True, cwd=REPO
    )
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr
    rows = [json.loads(row) for row in proc.stdout.decode("utf-8").splitlines()]
    assert len(rows) == 4 and all(list(row) == FIELDS for row in rows)
    assert "\ufffd" in rows[0]["question"] and "2023年7月10日" in rows[1]["answer"]
