"""Topic commands (/deadline, /funding): the answer of the decider each names, with no question re-asked.

A phrased question sent through retrieval can land on the wrong clause; a topic is answered from the
notice's facts for that slot, or says plainly that the notice sets none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from knowledge.base import KnowledgeBase, shipped

from . import slots
from .model import Answer
from .query import analyse

DEADLINE, FUNDING = "deadline", "funding"

# topic -> (the decider that answers it, what to say when the notice sets no such fact)
TOPICS = {
    DEADLINE: (slots.deadlines, "通知中没有写明截止时间。"),
    FUNDING: (slots.total, "通知中没有写明资金总额。"),
}


def topic_answer(topic: str, kb: KnowledgeBase | None = None, now: dt.datetime | None = None) -> Answer:
    """The answer a topic command stands for; KeyError for a topic not in TOPICS."""
    decide, missing = TOPICS[topic]
    kb = kb or shipped()
    # An empty query carries today and no search hits, so only the topic's facts are cited.
    query = dataclasses.replace(analyse(kb, "", now), asked=f"/{topic}")
    result = decide(query, kb)
    if result is None:
        result = Answer(
            question=query.asked,
            answered=False,
            intent=topic,
            text=missing + kb.facts.contact_channel,
            citations=[],
            topic=None,
            kind="not_covered",
        )
    result.notice = kb.key
    return result
