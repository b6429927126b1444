"""Telegram HTML rendering: escaping, citations in blockquotes, and splitting within Telegram's limits."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.telegram.render import (
    CONTINUED,
    EXPANDABLE_FROM,
    MAX_MESSAGE,
    clause_of_command,
    render_answer,
    render_inline_card,
    render_verdict,
    source_command,
    tg_len,
)
from handlers.model import Answer, Citation

from support import NAMED_ENTITY, check_html

# The renderer promises less than Telegram allows: these tags, and only the entities html.escape writes.
ALLOWED_TAGS = {"b", "blockquote", "code", "i"}


def _check(html_text: str) -> str:
    """Parse one message; return its visible text, failing on unbalanced or foreign tags."""
    # emptiness is not this module's concern (render_answer of a blank answer is one blank message)
    return check_html(html_text, tags=ALLOWED_TAGS, entities=NAMED_ENTITY, allow_empty=True)


def _answer(text: str, *quotes: str, path: str = "一、总体要求 › (一)指导思想") -> Answer:
    cites = [Citation(id=f"1.{i}", path=path, quote=q) for i, q in enumerate(quotes, 1)]
    return Answer(question="q", answered=True, intent="general", text=text, citations=cites)


def test_answer_first_then_citation_path_bold_and_quote_in_blockquote():
    parts = render_answer(_answer("直接答案。", "原文一句。"))
    assert len(parts) == 1
    html_text = parts[0]
    assert html_text.startswith("直接答案。")
    assert "<b>一、总体要求 › (一)指导思想</b> /source_1_1\n<blockquote>原文一句。</blockquote>" in html_text
    assert html_text.index("直接答案") < html_text.index("<blockquote>")


@pytest.mark.parametrize("clause_id", ["4.2.p1.s2", "pre.p1", "6", "1.2.3.s2"])
def test_each_citation_links_its_clause_by_a_command_that_names_it_back(clause_id):
    command = source_command(clause_id)
    assert re.fullmatch(r"/[a-z0-9_]{1,32}", command)
    assert clause_of_command(command) == clause_of_command(f"{command}@notice_bot") == clause_id


@pytest.mark.parametrize("clause_id", ["", "4.2.p1.s2" * 5, "x-1", "4..2"])
def test_an_id_no_command_can_hold_gets_no_link(clause_id):
    assert source_command(clause_id) is None


def test_a_long_answer_leads_with_its_verdict_and_folds_the_rest():
    text = "结论(企业):不符合。\n" + "\n".join(f"✘ 第{i}个条件不满足。" for i in range(6))
    html_text = render_answer(_answer(text, "一。", "二。", "三。"))[0]
    lead, _, rest = html_text.partition("\n\n")
    assert lead == "结论(企业):不符合。"
    assert rest.startswith("<blockquote expandable>✘ 第0个条件不满足。")
    assert html_text.count("<blockquote expandable>") == 4  # the reasons and each of the three quotes


def test_one_or_two_short_quotes_stay_open():
    html_text = render_answer(_answer("答。", "一。", "二。"))[0]
    assert "expandable" not in html_text


@pytest.mark.parametrize("dangerous", ["<b>粗体</b>", "A & B", "<script>alert(1)</script>", "&amp;"])
def test_everything_is_escaped(dangerous):
    answer = _answer(dangerous, dangerous, path=dangerous)
    answer.question = dangerous
    for html_text in render_answer(answer):
        assert "<script>" not in html_text
        visible = _check(html_text)
        assert visible.count(dangerous) == 3  # text, path and quote all come back verbatim
    card = render_inline_card(answer)
    assert dangerous in _check(card.html)
    assert "<script>" not in card.html


def test_ampersand_escaped_exactly_once():
    html_text = render_answer(_answer("A & B", "C & D"))[0]
    assert "A &amp; B" in html_text and "C &amp; D" in html_text
    assert "&amp;amp;" not in html_text


def test_long_quote_is_expandable_short_is_not():
    short = render_answer(_answer("答", "短。"))[0]
    long = render_answer(_answer("答", "长" * (EXPANDABLE_FROM + 1)))[0]
    assert "<blockquote>" in short and "expandable" not in short
    assert "<blockquote expandable>" in long


def test_split_at_paragraph_boundaries_each_message_within_limit():
    quotes = [f"第{i}条。" + "内容" * 400 for i in range(8)]  # ~800 chars each, 6,400+ in all
    parts = render_answer(_answer("答案在下面。", *quotes))
    assert len(parts) > 1
    for part in parts:
        assert tg_len(part) <= MAX_MESSAGE
        _check(part)
    # No quote was cut: each one appears whole in exactly one message.
    for q in quotes:
        assert sum(q in part for part in parts) == 1
    assert parts[0].startswith("答案在下面。")


def test_single_overlong_paragraph_is_hard_split_without_breaking_tags():
    quote = "很长的条款,包含<标签>与&符号。" * 600  # ~10,000 chars, escaping makes it longer still
    parts = render_answer(_answer("答", quote))
    assert len(parts) >= 3
    visible = ""
    for part in parts:
        assert tg_len(part) <= MAX_MESSAGE
        visible += _check(part)
    # All of the quote survives, in order, across the pieces.
    path = "一、总体要求 › (一)指导思想"
    noise = "|".join(re.escape(x) for x in (path + CONTINUED, path, "/source_1_1", "答"))
    assert re.sub(rf"\s|{noise}", "", visible) == re.sub(r"\s", "", quote)


def test_utf16_length_counts_emoji_twice():
    assert tg_len("😀") == 2
    parts = render_answer(_answer("😀" * 3000))
    assert all(tg_len(p) <= MAX_MESSAGE for p in parts)
    assert len(parts) == 2


def test_limit_parameter_is_honoured_for_small_limits():
    parts = render_answer(_answer("一。二。三。" * 50, "四。" * 80), limit=200)
    assert all(tg_len(p) <= 200 for p in parts)
    for p in parts:
        _check(p)


def test_inline_card_has_answer_and_top_citation_only():
    answer = _answer("直接答案。", "第一条引文。", "第二条引文。")
    card = render_inline_card(answer)
    assert card.title == "直接答案。"
    assert "第一条引文。" in card.html and "第二条引文。" not in card.html
    assert card.description == answer.citations[0].path


def test_inline_card_fits_even_with_huge_quote():
    card = render_inline_card(_answer("答案。", "引" * 10_000))
    assert tg_len(card.html) <= MAX_MESSAGE
    _check(card.html)
    assert card.html.endswith("…</blockquote>")


def test_unanswered_inline_card_says_so():
    answer = Answer(question="天气", answered=False, intent="out_of_scope", text="通知没有涉及天气。")
    card = render_inline_card(answer)
    assert card.title != "通知没有涉及天气。"
    assert "通知没有涉及天气。" in card.html


def test_verdict_has_heading_then_reasons():
    answer = _answer("条件一:符合。\n条件二:不符合。", "条款原文。")
    html_text = render_verdict(answer)[0]
    visible = _check(html_text)
    assert html_text.startswith("<b>")
    assert visible.index("符合") < visible.index("条款原文")
    assert "条件二:不符合。" in visible


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(min_size=0, max_size=3000),
    quotes=st.lists(st.text(min_size=1, max_size=5000), max_size=4),
)
def test_any_input_renders_to_valid_messages_within_limit(text, quotes):
    parts = render_answer(_answer(text, *quotes, path="路径<&>"))
    assert parts
    for part in parts:
        assert tg_len(part) <= MAX_MESSAGE
        _check(part)
