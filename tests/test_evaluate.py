"""The evaluation scorer on synthetic items and scripted answers, independent of the real bot."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.evaluate import EvalFormatError, EvalItem, format_report, load_items, parse_items, score
from handlers.model import Answer, Citation

DEADLINE = EvalItem(
    "t1", "申报截止时间是什么时候?", "deadline", cite=("2023年7月10日前",), answer=(("7月10日", "7月10号"),)
)
FUNDING = EvalItem(
    "t2", "最多给多少钱?", "funding", cite=("不超过1亿元",), answer=(("1亿", "一亿"), ("不超过", "最多"))
)
WEATHER = EvalItem("t3", "明天下雨吗?", "out_of_scope")
CONTACT = EvalItem(
    "t4", "材料发到哪个邮箱?", "contact", cite=("shuzifuneng@jxj.beijing.gov.cn",), answer=(("shuzifuneng",),)
)


def _reply(question: str, answered: bool, text: str, *quotes: str, intent: str = "general") -> Answer:
    cites = [Citation(f"c{i}", "某节", q) for i, q in enumerate(quotes)]
    return Answer(question, answered, intent, text, cites, 0.9 if answered else 0.1)


def scripted(replies: dict[str, Answer]):
    """An answerer that returns the prepared reply for each question."""
    return lambda question: replies[question]


def test_hit_counts_everywhere():
    reply = _reply(DEADLINE.question, True, "申报截止到2023年7月10日,已经过了。", "应于2023年7月10日前以区人民政府名义")
    report = score([DEADLINE], scripted({DEADLINE.question: reply}))
    (r,) = report.results
    assert (r.cite_at_1, r.cite_at_3, r.facts, r.correct) == (True, True, True, True)
    assert report.cite_at_1 == report.cite_at_3 == report.facts == report.accuracy == 1.0
    assert report.refusal is None  # no out-of-scope items: nothing to rate
    assert report.failures == []


def test_citation_at_rank_two_is_cite3_not_cite1():
    reply = _reply(DEADLINE.question, True, "7月10日", "无关条款", "应于2023年7月10日前以区人民政府名义")
    (r,) = score([DEADLINE], scripted({DEADLINE.question: reply})).results
    assert not r.cite_at_1 and r.cite_at_3 and r.correct
    assert r.problems == ["cite@1 miss (hit at 2-3)"]


def test_citation_at_rank_four_is_a_miss():
    reply = _reply(DEADLINE.question, True, "7月10日", "甲", "乙", "丙", "2023年7月10日前")
    (r,) = score([DEADLINE], scripted({DEADLINE.question: reply})).results
    assert not r.cite_at_3 and not r.correct


def test_cite_is_matched_in_quotes_not_in_the_answer_text():
    reply = _reply(DEADLINE.question, True, "2023年7月10日前", "无关条款")
    (r,) = score([DEADLINE], scripted({DEADLINE.question: reply})).results
    assert r.facts and not r.cite_at_1 and not r.cite_at_3


def test_every_answer_group_is_needed():
    reply = _reply(FUNDING.question, True, "奖补资金总额1亿元。", "奖补资金总额不超过1亿元")
    (r,) = score([FUNDING], scripted({FUNDING.question: reply})).results
    assert r.cite_at_1 and not r.facts and not r.correct
    assert r.missing_groups == (("不超过", "最多"),)
    assert "不超过 / 最多" in r.problems[0]


def test_any_alternative_of_a_group_is_enough():
    reply = _reply(FUNDING.question, True, "最多一亿元。", "奖补资金总额不超过1亿元")
    assert score([FUNDING], scripted({FUNDING.question: reply})).results[0].facts


def test_full_width_forms_are_folded_for_facts():
    reply = _reply(FUNDING.question, True, "最多１亿元。", "奖补资金总额不超过1亿元")
    assert score([FUNDING], scripted({FUNDING.question: reply})).results[0].facts


def test_facts_are_otherwise_strict():
    item = EvalItem("t5", "可以用SaaS吗?", "funding", cite=("SaaS",), answer=(("SaaS",), ("可以",)))
    lower = _reply(item.question, True, "可以,saas 订阅在20%部分内。", "专业服务云平台的SaaS(软件即服务)化服务")
    exact = _reply(item.question, True, "可以用SaaS。", "SaaS")
    assert not score([item], scripted({item.question: lower})).results[0].facts
    assert score([item], scripted({item.question: exact})).results[0].facts
    trad_item = EvalItem("t6", "q", "general", cite=("x",), answer=(("不愿转",),))
    assert not score([trad_item], lambda q: _reply(q, True, "不願轉", "x")).results[0].facts


def test_refusal_on_out_of_scope_is_correct():
    reply = _reply(WEATHER.question, False, "通知中未涉及天气。", "六、组织实施")
    report = score([WEATHER], scripted({WEATHER.question: reply}))
    assert report.refusal == 1.0 and report.accuracy == 1.0
    assert report.cite_at_1 is None and report.false_refusals == 0


def test_answering_out_of_scope_is_a_failure():
    reply = _reply(WEATHER.question, True, "明天晴。")
    report = score([WEATHER], scripted({WEATHER.question: reply}))
    assert report.refusal == 0.0
    (failed,) = report.failures
    assert failed.problems == ["answered an out-of-scope question"]


def test_false_refusal_earns_nothing_even_with_the_right_quote_and_facts():
    reply = _reply(DEADLINE.question, False, "通知中未涉及。最接近:7月10日", "应于2023年7月10日前以区人民政府名义")
    report = score([DEADLINE], scripted({DEADLINE.question: reply}))
    (r,) = report.results
    assert not (r.cite_at_1 or r.cite_at_3 or r.facts or r.correct)
    assert report.false_refusals == 1
    assert r.problems == ["false refusal"]


def test_an_exception_is_recorded_and_the_run_goes_on():
    def answer(question: str) -> Answer:
        if question == FUNDING.question:
            raise RuntimeError("boom")
        return _reply(question, False, "通知中未涉及。")

    report = score([FUNDING, WEATHER], answer)
    assert report.errors == 1
    assert report.results[0].problems == ["error: RuntimeError: boom"]
    assert report.refusal == 1.0 and report.facts == 0.0


def test_mixed_run_metrics_and_per_kind():
    replies = {
        DEADLINE.question: _reply(DEADLINE.question, True, "7月10日", "2023年7月10日前"),  # hit
        FUNDING.question: _reply(FUNDING.question, True, "不清楚", "无关"),  # miss
        WEATHER.question: _reply(WEATHER.question, False, "通知中未涉及。"),  # refusal
        CONTACT.question: _reply(CONTACT.question, False, "通知中未涉及。"),  # false refusal
    }
    report = score([DEADLINE, FUNDING, WEATHER, CONTACT], scripted(replies))
    assert report.cite_at_1 == pytest.approx(1 / 3)
    assert report.facts == pytest.approx(1 / 3)
    assert report.refusal == 1.0
    assert report.false_refusals == 1
    assert report.accuracy == 0.5
    kinds = {k: (s.correct, s.total) for k, s in report.per_kind.items()}
    assert kinds == {"deadline": (1, 1), "funding": (0, 1), "out_of_scope": (1, 1), "contact": (0, 1)}
    assert [r.item.id for r in report.failures] == ["t2", "t4"]
    metrics = report.metrics()
    assert metrics["in_scope"] == 3 and metrics["out_of_scope"] == 1


def test_format_report_shows_metrics_kinds_and_failures():
    replies = {
        DEADLINE.question: _reply(DEADLINE.question, True, "7月10日", "2023年7月10日前"),
        FUNDING.question: _reply(FUNDING.question, True, "不清楚", "无关条款"),
        WEATHER.question: _reply(WEATHER.question, True, "明天晴"),
    }
    text = format_report(score([DEADLINE, FUNDING, WEATHER], scripted(replies), source="synthetic"))
    assert "synthetic: 3 items (2 in scope, 1 out of scope)" in text
    for needle in ("cite@1", "cite@3", "facts", "refusal", "false refusals", "funding", "out_of_scope"):
        assert needle in text
    assert "- t2 [funding]" in text and "不超过1亿元" in text and "got: answered=True" in text and "无关条款" in text
    assert "- t3 [out_of_scope]" in text and "expected: a refusal" in text
    assert "- t1 " not in text


def test_load_items_reads_the_format(tmp_path: Path):
    path = tmp_path / "eval.yaml"
    path.write_text(
        """
- id: a1
  q: "申报截止时间?"
  who: district
  kind: deadline
  cite: ["2023年7月10日前"]
  answer: [["7月10日"], [500, "五百"]]
- id: a2
  q: "天气?"
  kind: out_of_scope
- id: a3
  q: "单条写法"
  kind: general
  cite: "拟分三批"
  answer: ["三批"]
- id: a4
  q: "标记写法"
  out_of_scope: true
""",
        encoding="utf-8",
    )
    a1, a2, a3, a4 = load_items(path)
    assert a1.cite == ("2023年7月10日前",) and a1.answer == (("7月10日",), ("500", "五百")) and a1.who == "district"
    assert a2.out_of_scope and a2.cite == () and a2.answer == ()
    assert a3.cite == ("拟分三批",) and a3.answer == (("三批",),)
    assert a4.out_of_scope


@pytest.mark.parametrize(
    "data, message",
    [
        ({"id": "x"}, "list of items"),
        ([{"id": "x", "kind": "deadline"}], "no question"),
        ([{"id": "x", "q": "问", "kind": "deadline", "cite": ["a"]}], "needs both cite and answer"),
        ([{"id": "x", "q": "问", "kind": "deadline", "cite": [], "answer": [["a"]]}], "cite is empty"),
        ([{"id": "x", "q": "问", "kind": "deadline", "cite": ["a"], "answer": "a"}], "list of groups"),
        (
            [{"id": "x", "q": "问", "kind": "out_of_scope"}, {"id": "x", "q": "问2", "kind": "out_of_scope"}],
            "duplicate id x",
        ),
        (["just a string"], "expected a mapping"),
    ],
)
def test_malformed_items_are_rejected_with_their_id(data, message):
    with pytest.raises(EvalFormatError, match=message):
        parse_items(data, "f.yaml")


def test_invalid_yaml_names_the_file(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("- id: [unclosed\n", encoding="utf-8")
    with pytest.raises(EvalFormatError, match="bad.yaml"):
        load_items(path)


def test_the_shared_dev_set_parses_when_present():
    """The shared dev set follows the format, with both in-scope and out-of-scope items."""
    path = Path(__file__).resolve().parents[2] / "shared/eval/dev.yaml"
    if not path.is_file():
        pytest.skip("../shared/eval/dev.yaml is not beside this checkout")
    items = load_items(path)
    assert any(i.out_of_scope for i in items) and any(not i.out_of_scope for i in items)
