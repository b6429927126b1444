"""The cue index and the one-pass segmentation give exactly what the plain ways give, only faster."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.base import shipped
from knowledge.cues import CueGroups, CueIndex, occurs

# Characters of the notice's words, so that cues and texts meet often.
_CHARS = "申报材料截止时间区经信局财政资金服务商改造企业不没有的吗."
_cue = st.text(alphabet=_CHARS, min_size=1, max_size=4) | st.builds(
    lambda a, b: f"{a}...{b}", st.text(alphabet=_CHARS, max_size=3), st.text(alphabet=_CHARS, min_size=1, max_size=3)
)


@settings(max_examples=300, deadline=None)
@given(cues=st.lists(_cue, max_size=20), text=st.text(alphabet=_CHARS, max_size=40))
def test_the_index_finds_exactly_the_cues_that_occur_in_their_order(cues, text):
    index = CueIndex(cues)
    expected = [n for n, cue in enumerate(cues) if occurs(cue, text)]
    assert index.positions(text) == expected
    assert index.any(text) == bool(expected)


@settings(max_examples=200, deadline=None)
@given(groups=st.lists(st.lists(_cue, max_size=5).map(tuple), max_size=8), text=st.text(alphabet=_CHARS, max_size=40))
def test_groups_report_each_list_with_a_cue_in_the_text(groups, text):
    expected = [g for g, cues in enumerate(groups) if any(occurs(c, text) for c in cues)]
    assert CueGroups(tuple(groups)).matched(text) == expected


def test_a_gapped_cue_is_indexed_by_the_first_character_of_its_first_part():
    index = CueIndex(["...申报", "自己...申报", "截止"])
    assert index.positions("我们自己直接找市里申报") == [0, 1]
    assert not index.any("什么时候交")


def test_one_pass_of_jieba_gives_the_search_words_and_the_default_tokens():
    lexicon = shipped().lexicon
    for text in ("区经信局申保材料啥时候截止", "数字化服务商需要满三年吗", "部级评审怎么弄", "ddl是几号"):
        words, tokens = lexicon.cut_with_tokens(text)
        assert words == lexicon.cut(text, search=True)
        assert tokens == list(lexicon.tokenizer.tokenize(text))
