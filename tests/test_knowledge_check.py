"""Knowledge that does not agree with the notice is refused with the file, line and reason."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.library import Knowledge
from knowledge.base import shipped
from knowledge.loader import DEFAULT_NOTICE, NOTICES_DIR, KnowledgeError

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def folder(tmp_path) -> Path:
    """A copy of the bundled notice folder to break."""
    return Path(shutil.copytree(NOTICES_DIR / DEFAULT_NOTICE, tmp_path / DEFAULT_NOTICE))


def check(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "check-knowledge", str(folder)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO,
    )


def test_the_bundled_knowledge_passes():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check-knowledge"], capture_output=True, text=True, encoding="utf-8", cwd=REPO
    )
    assert result.returncode == 0 and result.stdout.startswith("OK")


def test_every_fact_quote_is_in_the_notice_and_tied_to_its_clause():
    kb = shipped()
    facts = kb.facts
    quoted = [d.source for d in facts.dates] + [s.source for s in facts.shares] + [t.source for t in facts.targets]
    quoted += [e.source for e in facts.expenses] + [q for g in facts.gaps for q in g.near]
    quoted += [c.source for conds in facts.conditions.values() for c in conds]
    for q in quoted:
        assert q.quote in kb.clause(q.clause_id).text
    for note in facts.notes:
        assert note.quote in kb.clause(note.clause_id).text


def test_a_quote_that_is_not_in_the_notice_is_refused_with_its_line(folder):
    path = folder / "clauses.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('quote: "奖补资金分期拨付"', 'quote: "奖补资金按月拨付"'),
        encoding="utf-8",
    )
    result = check(folder)
    assert result.returncode == 1
    assert "clauses.yaml:" in result.stderr and "奖补资金按月拨付" in result.stderr


def test_bad_yaml_is_refused_with_its_line(folder):
    (folder / "facts.yaml").write_text("dates: [\n", encoding="utf-8")
    result = check(folder)
    assert result.returncode == 1 and "facts.yaml:2" in result.stderr and "invalid YAML" in result.stderr


def test_a_missing_field_names_the_entry(folder):
    (folder / "facts.yaml").write_text("dates:\n  - id: x\n    label: y\n", encoding="utf-8")
    result = check(folder)
    assert result.returncode == 1 and "facts.yaml:2" in result.stderr


def test_an_unknown_section_id_is_refused(folder):
    path = folder / "intents.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('"1.2": [基本原则, 原则]', '"9.9": [基本原则]'), encoding="utf-8"
    )
    result = check(folder)
    assert result.returncode == 1 and "9.9" in result.stderr


def test_reload_keeps_the_old_knowledge_when_the_new_is_broken(folder):
    knowledge = Knowledge(folder)
    before = knowledge.current()
    (folder / "facts.yaml").write_text("dates: [\n", encoding="utf-8")
    with pytest.raises(KnowledgeError):
        knowledge.reload()
    assert knowledge.current() is before


@pytest.mark.parametrize(
    ("name", "content", "named"),
    [
        ("facts.yaml", "", "facts.yaml:1: the file is empty"),
        ("facts.yaml", "{}\n", "facts.yaml:1: the file is empty"),
        ("faq.yaml", "q: 申报截止时间是什么时候?\ntopic: deadline\n", "faq.yaml:1: must be a list of entries"),
        ("clauses.yaml", "42\n", "clauses.yaml:1: must be a list of entries, not a int"),
        ("eligibility.yaml", "- a\n- b\n", "eligibility.yaml:1: must be a mapping"),
    ],
)
def test_an_empty_or_wrong_shaped_file_is_refused_naming_that_file(folder, name, content, named):
    (folder / name).write_text(content, encoding="utf-8")
    result = check(folder)
    assert result.returncode == 1 and named in result.stderr, result.stderr
    with pytest.raises(KnowledgeError, match=named.replace("(", r"\(")):
        Knowledge(folder).current()  # the cheap check runs on every load, not only in check-knowledge


def test_a_field_of_the_wrong_type_deep_in_a_file_is_refused_with_its_line(folder):
    path = folder / "facts.yaml"
    text = path.read_text(encoding="utf-8")
    line = text[: text.index("  - id: transform")].count("\n") + 1  # the line the share's entry starts on
    path.write_text(text.replace("    ratio: 0.8", "    ratio: 80"), encoding="utf-8")
    result = check(folder)
    assert result.returncode == 1
    assert f"facts.yaml:{line}: .shares[0].ratio: 80 is greater than the maximum of 1" in result.stderr


def test_reload_refuses_an_empty_facts_file_and_keeps_the_old_knowledge(folder):
    knowledge = Knowledge(folder)
    before = knowledge.current()
    (folder / "facts.yaml").write_text("", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="facts.yaml:1"):
        knowledge.reload()
    assert knowledge.current() is before and len(before.facts.dates) >= 6


def test_ask_does_not_pay_for_the_schema_library():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from bot.__main__ import main; main(['ask', '截止?']); print('jsonschema' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO,
    )
    assert result.stdout.strip().endswith("False")
