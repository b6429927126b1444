"""The notice's data files agree with the notice: eval set, FAQ and metadata quote it verbatim."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from knowledge.loader import NOTICES_DIR, load_notice

FOLDER = NOTICES_DIR / "bj-szhzx-2023"
NOTICE_TEXT = (FOLDER / "notice.txt").read_text(encoding="utf-8")
SHARED_DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.yaml"

KINDS = {"deadline", "funding", "eligibility", "requirement", "process", "materials", "contact", "general"}
OUT_OF_SCOPE = "out_of_scope"
ASKERS = {"district", "enterprise", "bureau"}
CITE_MIN, CITE_MAX = 4, 30

# The project's own set is always checked; the shared dev set too when the checkout has it beside it.
EVAL_FILES = [FOLDER / "eval.yaml"] + ([SHARED_DEV] if SHARED_DEV.is_file() else [])


def _load(path: Path):
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _quotes(node, where: str = "meta") -> Iterator[tuple[str, str]]:
    """Every (location, quote) under a key ending in clause_quote, at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            if str(key).endswith("clause_quote"):
                yield f"{where}.{key}", value
            else:
                yield from _quotes(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _quotes(value, f"{where}[{i}]")


@pytest.fixture(scope="module")
def meta() -> dict:
    return _load(FOLDER / "meta.yaml")


@pytest.fixture(scope="module", params=EVAL_FILES, ids=lambda p: p.name)
def eval_items(request) -> list[dict]:
    items = _load(request.param)
    assert isinstance(items, list) and items, f"{request.param}: expected a non-empty list"
    return items


# ---- evaluation sets ----


def test_ids_unique_and_well_formed(eval_items):
    ids = [item["id"] for item in eval_items]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    assert all(re.fullmatch(r"[a-z]\d{3}", i) for i in ids), ids


def test_kinds_and_askers_valid(eval_items):
    for item in eval_items:
        assert item["kind"] in KINDS | {OUT_OF_SCOPE}, item["id"]
        assert item["who"] in ASKERS, item["id"]
        assert isinstance(item["q"], str) and item["q"].strip(), item["id"]


def test_cites_are_verbatim_substrings_of_the_notice(eval_items):
    for item in eval_items:
        for cite in item.get("cite") or []:
            assert CITE_MIN <= len(cite) <= CITE_MAX, f"{item['id']}: cite length {len(cite)}: {cite}"
            assert cite in NOTICE_TEXT, f"{item['id']}: cite not in the notice: {cite}"


def test_in_scope_items_have_cites_and_answer_groups(eval_items):
    for item in eval_items:
        if item["kind"] == OUT_OF_SCOPE:
            continue
        cites = item.get("cite")
        assert isinstance(cites, list) and 1 <= len(cites) <= 3, f"{item['id']}: needs 1-3 cites"
        groups = item.get("answer")
        assert isinstance(groups, list) and groups, f"{item['id']}: no answer groups"
        for group in groups:
            assert isinstance(group, list) and group, f"{item['id']}: empty answer group"
            assert all(isinstance(alt, str) and alt for alt in group), f"{item['id']}: bad alternative"


def test_out_of_scope_items_have_no_cite_or_answer(eval_items):
    for item in eval_items:
        if item["kind"] == OUT_OF_SCOPE:
            assert not item.get("cite"), f"{item['id']}: out_of_scope with cite"
            assert not item.get("answer"), f"{item['id']}: out_of_scope with answer"


def test_questions_unique(eval_items):
    questions = [item["q"].strip() for item in eval_items]
    assert len(questions) == len(set(questions))


def test_project_eval_set_covers_every_kind():
    items = _load(FOLDER / "eval.yaml")
    kinds = {item["kind"] for item in items}
    assert kinds == KINDS | {OUT_OF_SCOPE}
    in_scope = [i for i in items if i["kind"] != OUT_OF_SCOPE]
    assert len(in_scope) >= 60 and len(items) - len(in_scope) >= 15


def test_project_eval_set_is_not_the_dev_set():
    """The built-in set is written independently: no question copied from the shared dev set."""
    if not SHARED_DEV.is_file():  # a fresh clone has no ../shared: nothing to compare against
        return
    dev_questions = {item["q"].strip() for item in _load(SHARED_DEV)}
    own = {item["q"].strip() for item in _load(FOLDER / "eval.yaml")}
    assert not own & dev_questions


# ---- metadata ----


def test_every_meta_quote_is_in_the_notice(meta):
    quotes = list(_quotes(meta))
    assert len(quotes) >= 15  # the walk must actually reach the nested entries
    for where, quote in quotes:
        assert isinstance(quote, str) and quote, where
        assert quote in NOTICE_TEXT, f"{where}: not in the notice: {quote}"


def test_meta_entries_hold_what_their_quotes_say(meta):
    """Each structured value is itself stated in the quote it cites (no fact without its source)."""
    assert meta["title"] == NOTICE_TEXT.splitlines()[0].strip()
    assert [i["name"] for i in meta["issuers"]] == ["北京市财政局", "北京市经济和信息化局"]
    for issuer in meta["issuers"]:
        assert issuer["name"] in issuer["clause_quote"]
    assert meta["addressee"]["name"] in meta["addressee"]["clause_quote"]
    assert meta["date"]["value"] == "2023-06-20"
    assert meta["date"]["text"] == meta["date"]["clause_quote"] == NOTICE_TEXT.splitlines()[-1].strip()
    for doc in meta["cited_documents"]:
        assert doc["title"] in doc["clause_quote"], doc["key"]
        if doc["number"]:
            assert doc["number"] in doc["clause_quote"], doc["key"]
    contact = meta["contact"]
    assert contact["email"]["address"] in contact["email"]["clause_quote"]
    assert contact["email_subject"]["format"] in contact["email_subject"]["clause_quote"]
    assert contact["delivery"]["office"] in contact["delivery"]["clause_quote"]
    assert contact["delivery"]["address"] in contact["delivery"]["clause_quote"]


def test_meta_cited_documents(meta):
    numbers = {doc["number"] for doc in meta["cited_documents"]}
    assert {"财建〔2023〕117号", "工信厅联企业〔2022〕22号"} <= numbers
    titles = {doc["title"] for doc in meta["cited_documents"]}
    assert "中小企业数字化水平评测指标" in titles
    keys = [doc["key"] for doc in meta["cited_documents"]]
    assert len(keys) == len(set(keys))


def test_meta_attachments_are_one_to_four_and_not_in_the_notice(meta):
    attachments = meta["attachments"]
    assert [a["number"] for a in attachments] == [1, 2, 3, 4]
    assert meta["attachments_content_in_notice"] is False
    keys = {doc["key"] for doc in meta["cited_documents"]}
    for att in attachments:
        assert att["label"] == f"附件{att['number']}"
        assert att["label"] in att["clause_quote"]
        assert att["content_in_notice"] is False
        if "cited_document" in att:
            assert att["cited_document"] in keys


def test_loader_reads_meta_and_data_files():
    bundle = load_notice(FOLDER)
    assert bundle.notice.meta["title"] == "北京市关于开展中小企业数字化转型首批试点区遴选工作的通知"
    assert bundle.notice.meta["issuers"][0]["name"] == "北京市财政局"
    assert "faq" in bundle.data


# ---- FAQ ----


def test_faq_entries_well_formed():
    faq = _load(FOLDER / "faq.yaml")
    assert isinstance(faq, list) and 10 <= len(faq) <= 30
    questions = [entry["q"] for entry in faq]
    assert len(questions) == len(set(questions))
    for entry in faq:
        assert set(entry) == {"q", "topic"}, entry
        assert entry["topic"] in KINDS, entry
        assert entry["q"].strip() and len(entry["q"]) <= 60, entry
