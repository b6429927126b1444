"""The command line: ask, --json, --jsonl (the stable contract), the console chat on a pipe, eval."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIELDS = ["question", "notice", "answered", "intent", "answer", "citations", "confidence"]
NOTICE = (REPO / "knowledge" / "notices" / "bj-szhzx-2023" / "notice.txt").read_text(encoding="utf-8")


def run(*args: str, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, **(env or {})}
    environment.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO,
        env=environment,
        timeout=60,
    )


def test_ask_prints_the_answer_then_each_citation_with_path_and_quote():
    out = run("ask", "申报截止时间是什么时候?").stdout
    answer, _, evidence = out.partition("依据:")
    assert "2023年7月10日" in answer
    assert "六、组织实施 › (一)组织申报" in evidence and "“申报试点的区应于2023年7月10日前" in evidence


def test_ask_json_prints_one_object_with_the_contract_fields():
    data = json.loads(run("ask", "--json", "奖补资金最多多少?").stdout)
    assert list(data) == FIELDS
    assert data["answered"] is True and "1亿" in data["answer"]
    for citation in data["citations"]:
        assert set(citation) == {"id", "path", "quote", "notice"} and citation["quote"] in NOTICE
        assert citation["notice"] == data["notice"] == "bj-szhzx-2023"
    assert "依据" not in data["answer"] and "›" not in data["answer"]  # no citation block inside the answer


def test_jsonl_answers_each_line_in_order_and_says_when_the_notice_is_silent():
    questions = ["申报截止时间是什么时候?", "经信局中小企业处的电话是多少?", "", "What is the application deadline?"]
    lines = run("--jsonl", stdin="\n".join(questions) + "\n").stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["question"] for r in rows] == questions
    assert all(list(r) == FIELDS for r in rows)
    assert rows[0]["answered"] and not rows[1]["answered"] and rows[1]["intent"] == "out_of_scope"
    assert not rows[2]["answered"]
    assert "2023年7月10日" in rows[3]["answer"]


def test_jsonl_flushes_each_answer_before_reading_the_next_question():
    env = {**os.environ}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--jsonl"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        cwd=REPO,
        env=env,
    )
    try:
        got: list[str] = []
        for question in ("申报截止时间是什么时候?", "纸质材料送到哪?"):
            proc.stdin.write(question + "\n")
            proc.stdin.flush()
            reader = threading.Thread(target=lambda: got.append(proc.stdout.readline()))
            reader.start()
            reader.join(30)  # stdin is still open: only a flushed answer can arrive
            assert not reader.is_alive(), "no answer before the next question"
        assert json.loads(got[1])["question"] == "纸质材料送到哪?"
    finally:
        proc.stdin.close()
        proc.wait(30)


def test_the_console_on_a_pipe_answers_each_line_and_exits():
    result = run(stdin="申报截止时间是什么时候?\n那纸质材料送哪\n")
    assert result.returncode == 0
    assert "2023年7月10日" in result.stdout and "运河东大街57号院5号楼537" in result.stdout


def test_answering_from_the_command_line_does_not_import_telegram():
    code = "import sys; from bot.__main__ import main; main(['ask', '申报截止']); print('telegram' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", cwd=REPO)
    assert result.stdout.strip().endswith("False")


def test_answering_from_the_command_line_does_not_import_pillow():
    code = "import sys; from bot.__main__ import main; main(['ask', '申报截止']); print('PIL' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", cwd=REPO)
    assert result.stdout.strip().endswith("False")


def test_eval_scores_a_file_and_refuses_a_malformed_one(tmp_path):
    good = tmp_path / "set.yaml"
    good.write_text(
        '- {id: t1, q: "申报截止时间?", kind: deadline, cite: ["2023年7月10日前"], answer: [["7月10日"]]}\n'
        '- {id: t2, q: "北京今天天气怎么样", kind: out_of_scope}\n',
        encoding="utf-8",
    )
    result = run("eval", str(good))
    assert result.returncode == 0 and "cite@1" in result.stdout and "1.000" in result.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {q: 1}\n", encoding="utf-8")
    assert run("eval", str(bad)).returncode == 2
    assert run("eval", str(tmp_path / "missing.yaml")).returncode == 2


def test_notices_lists_keys_dates_and_titles():
    result = run("notices")
    assert result.returncode == 0
    assert "bj-szhzx-2023\t2023-06-20\t北京市关于开展中小企业数字化转型首批试点区遴选工作的通知" in result.stdout


def test_an_unknown_notice_is_an_error_that_lists_the_known_ones():
    result = run("ask", "--notice", "no-such-notice", "申报截止时间")
    assert result.returncode == 2 and "no-such-notice" in result.stderr and "bj-szhzx-2023" in result.stderr


def test_eval_without_a_file_scores_the_notices_own_set():
    result = run("eval")
    assert result.returncode == 0, result.stderr
    assert "bj-szhzx-2023/eval.yaml" in result.stdout and "cite@1" in result.stdout


@pytest.mark.parametrize("command", ["ask", "eval", "check-knowledge", "notices"])
def test_each_subcommand_help_shows_its_own_usage_only(command):
    out = run(command, "--help").stdout
    assert out.startswith(f"usage: python -m bot {command} [-h]")
    assert out.count("usage:") == 1
    others = {"ask", "eval", "check-knowledge", "notices"} - {command}
    assert not any(f"python -m bot {other}" in out for other in others)


def test_a_wrong_command_prints_the_usage_once_and_the_error():
    result = run("bogus")
    assert result.returncode == 2
    assert result.stderr.count("usage:") == 1 and "invalid choice: 'bogus'" in result.stderr
