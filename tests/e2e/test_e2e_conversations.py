"""End-to-end: the notice bot as a process, driven through the Bot API emulator as real users would.

Expected facts come from the notice (issue 4's list); screens are found by the labels the handlers
layer publishes (eligibility steps, table of contents), never by the bot's internal callback data.
"""

from __future__ import annotations

import pytest

from e2e_harness import BotMessage, TelegramClient, User, blockquotes, verbatim_quotes
from e2e_questions import INTENT_QUESTIONS


def assert_answered_with_quote(replies: list[BotMessage], fact: str, notice_text: str) -> None:
    """The fact is in the reply and in a verbatim quote of the notice."""
    seen = "\n".join(m.plain for m in replies)
    assert fact in seen, f"{fact!r} missing from the reply:\n{seen}"
    quotes = verbatim_quotes(replies, notice_text)
    assert quotes, (
        f"no verbatim quote of the notice in the reply; blockquotes: {[blockquotes(m.text) for m in replies]}"
    )
    assert any(fact in q for q in quotes), f"no quote carries {fact!r}: {quotes}"


def test_start_greets_with_topic_buttons(tg: TelegramClient) -> None:
    user = tg.new_user()
    chat = tg.private_chat(user)
    [greeting] = tg.ask(user, chat, "/start")
    assert greeting.plain.strip()
    assert greeting.buttons, "the /start message offers the common topics as buttons"
    # Every topic button does something visible: a new message or an edited one.
    for button in greeting.buttons:
        if button.callback_data is None:
            continue
        reaction = tg.press_and_wait(user, greeting, button)
        assert reaction.plain.strip(), f"button {button.text!r} produced an empty message"
        tg.wait_quiet(chat)  # the rest of a multi-message answer
    assert tg.calls("setMyCommands"), "the command menu is registered at start-up"


@pytest.mark.parametrize("intent", list(INTENT_QUESTIONS))
def test_free_text_question_gets_fact_and_quote(tg: TelegramClient, notice_text: str, intent: str) -> None:
    question, fact = INTENT_QUESTIONS[intent]
    user = tg.new_user()
    chat = tg.private_chat(user)
    replies = tg.ask(user, chat, question)
    replies += tg.wait_quiet(chat)  # a long answer may come in several messages
    assert_answered_with_quote(replies, fact, notice_text)


def test_funding_command_states_the_amount_with_its_quote(tg: TelegramClient, notice_text: str) -> None:
    user = tg.new_user()
    chat = tg.private_chat(user)
    replies = tg.ask(user, chat, "/funding")
    replies += tg.wait_quiet(chat)
    assert_answered_with_quote(replies, INTENT_QUESTIONS["funding"][1], notice_text)


def test_a_citation_link_opens_its_clause(tg: TelegramClient, notice_text: str) -> None:
    import re

    user = tg.new_user()
    chat = tg.private_chat(user)
    replies = tg.ask(user, chat, "/deadline") + tg.wait_quiet(chat)
    link = re.search(r"/source_[0-9a-z_]+", "\n".join(m.plain for m in replies))
    assert link, "each citation carries a /source_… link"
    card = tg.ask(user, chat, link.group(0)) + tg.wait_quiet(chat)
    assert_answered_with_quote(card, INTENT_QUESTIONS["deadline"][1], notice_text)


def test_deadline_command_and_feedback_buttons(tg: TelegramClient, notice_text: str) -> None:
    user = tg.new_user()
    chat = tg.private_chat(user)
    replies = tg.ask(user, chat, "/deadline")
    replies += tg.wait_quiet(chat)
    assert_answered_with_quote(replies, INTENT_QUESTIONS["deadline"][1], notice_text)
    answer = replies[-1]
    thumbs_up = next(b for b in answer.buttons if "👍" in b.text)
    alert = tg.press_for_alert(user, answer, thumbs_up)
    assert alert.get("text"), "a vote is acknowledged"
    again = tg.press_for_alert(user, answer, thumbs_up)  # a second press from a stale keyboard
    assert again.get("text")


def _choose(message: BotMessage, labels: list[str]) -> str:
    present = [label for label in labels if any(b.text == label for b in message.buttons)]
    assert present, f"none of {labels} among the buttons {[b.text for b in message.buttons]}"
    return present[0]


def _status(text: str) -> str:
    # 符合 is part of 不符合, so the longer words are looked for first.
    for word in ("需进一步确认", "不符合", "符合"):
        if word in text:
            return word
    raise AssertionError(f"no verdict word in: {text}")


def _askers() -> dict[str, str]:
    """Who may be checked (value -> button label), as the eligibility handler publishes it."""
    from handlers import eligibility

    return eligibility.askers()


def _run_eligibility(tg: TelegramClient, user: User, asker: str, pick: int) -> tuple[list[BotMessage], dict]:
    """Walk the guided check by pressing the bot's own buttons; return the verdict messages."""
    from handlers import eligibility

    chat = tg.private_chat(user)
    [screen] = tg.ask(user, chat, "/eligibility")
    screen = tg.press_and_wait(user, screen, _choose(screen, [_askers()[asker]]))
    answers: dict[str, str] = {}
    for step in eligibility.steps(asker):
        assert step.question in screen.plain, f"expected step {step.id!r}, the bot shows:\n{screen.plain}"
        value, label = step.options[pick]
        answers[step.id] = value
        screen = tg.press_and_wait(user, screen, _choose(screen, [label]))
    return [screen] + tg.wait_quiet(chat), answers


@pytest.mark.parametrize("asker", ["district", "enterprise"])
@pytest.mark.parametrize("pick", [0, -1], ids=["first-options", "last-options"])
def test_guided_eligibility_check(tg: TelegramClient, notice_text: str, asker: str, pick: int) -> None:
    from handlers import eligibility

    user = tg.new_user()
    verdict_messages, answers = _run_eligibility(tg, user, asker, pick)
    expected = eligibility.verdict(asker, answers)
    shown = "\n".join(m.plain for m in verdict_messages)
    assert _status(shown) == _status(expected.text), shown
    assert verbatim_quotes(verdict_messages, notice_text), f"the verdict quotes no clause:\n{shown}"


def test_eligibility_back_cancel_and_stale_buttons(tg: TelegramClient) -> None:
    from handlers import eligibility

    user = tg.new_user()
    chat = tg.private_chat(user)
    asker, asker_label = next(iter(_askers().items()))
    [old] = tg.ask(user, chat, "/eligibility")
    [screen] = tg.ask(user, chat, "/eligibility")  # restarting makes the first message stale
    first_step = tg.press_and_wait(user, screen, asker_label)
    step = eligibility.steps(asker)[0]
    assert step.question in first_step.plain
    back = next(b for b in first_step.buttons if "上一步" in b.text)
    screen = tg.press_and_wait(user, first_step, back)
    assert asker_label in [b.text for b in screen.buttons], "back returns to the asker choice"

    stale = tg.press_for_alert(user, old, asker_label)
    assert stale.get("text"), "a stale button gets a polite answer"

    cancel = next(b for b in screen.buttons if "取消" in b.text)
    cancelled = tg.press_and_wait(user, screen, cancel)
    assert not cancelled.buttons or all(b.text != asker_label for b in cancelled.buttons)
    assert tg.press_for_alert(user, screen, asker_label).get("text"), "a finished check's button"


def test_sections_navigation_down_to_clause_text_and_back(tg: TelegramClient, notice_text: str) -> None:
    from handlers import browse

    user = tg.new_user()
    chat = tg.private_chat(user)
    [toc_message] = tg.ask(user, chat, "/sections")
    top = browse.toc()
    labels = [b.text.rstrip("…") for b in toc_message.buttons]
    for section in top:
        assert any(section.label.startswith(label) for label in labels if label), f"{section.label} not offered"

    parent = next(s for s in top if s.children)
    leaf = next(browse.section(c) for c in parent.children if browse.section(c) and not browse.section(c).children)

    def button_for(message: BotMessage, label: str):
        return next(b for b in message.buttons if b.text.rstrip("…") and label.startswith(b.text.rstrip("…")))

    children = tg.press_and_wait(user, toc_message, button_for(toc_message, parent.label))
    for child_id in parent.children:
        assert button_for(children, browse.section(child_id).label)
    text = tg.press_and_wait(user, children, button_for(children, leaf.label))
    card = browse.section_card(leaf.id)
    assert card is not None and card.citations
    opening = card.citations[0].quote.strip()[:12]
    shown = [text] + tg.wait_quiet(chat)
    assert opening in "\n".join(m.plain for m in shown), f"the clause text {opening!r}… is not shown"
    assert verbatim_quotes(shown, notice_text)

    back = next(b for b in text.buttons if "返回" in b.text)
    up = tg.press_and_wait(user, text, back)
    assert button_for(up, leaf.label), "back returns to the parent's subsections"


def test_source_command_quotes_a_clause(tg: TelegramClient, notice_text: str) -> None:
    from handlers import browse

    # The first clause the table of contents leads to, depth first.
    pending, clause_id = list(browse.toc()), None
    while pending and clause_id is None:
        section = pending.pop(0)
        if section.clauses:
            clause_id = section.clauses[0]
        pending[:0] = [c for c in map(browse.section, section.children) if c is not None]
    assert clause_id is not None
    user = tg.new_user()
    chat = tg.private_chat(user)
    replies = tg.ask(user, chat, f"/source {clause_id}") + tg.wait_quiet(chat)
    quotes = verbatim_quotes(replies, notice_text)
    card = browse.clause_card(clause_id)
    assert card is not None and card.citations
    assert any(card.citations[0].quote.strip()[:12] in q for q in quotes), quotes
