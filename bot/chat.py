"""What every channel does with a question, whatever carries it (Telegram, the console, a web widget).

A question is answered from the knowledge in use, in its conversation's follow-up context, with today in
Beijing and timed; the storage hooks that log answers and votes are plugged in the same way everywhere.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import handlers
from handlers import topics
from handlers.clock import BEIJING
from handlers.model import Answer
from handlers.routing import answer_in_library

from . import library

logger = logging.getLogger(__name__)

FeedbackHook = Callable[[int, str, int], Awaitable[None] | None]  # (chat id, question, +1 or -1)
AnswerHook = Callable[[int, Answer, float], Any]  # (chat id, answer, latency ms) -> the stored row's id
DeliveredHook = Callable[[Any, bool], Awaitable[None] | None]  # (that row id, whether the reply was sent)


@dataclass(frozen=True)
class Hooks:
    """Callbacks the storage layer plugs in; either may be sync or async, and neither is required."""

    on_feedback: FeedbackHook | None = None
    on_answer: AnswerHook | None = None
    on_delivered: DeliveredHook | None = None


NO_HOOKS = Hooks()


@dataclass(frozen=True)
class Asked:
    """An answer and how long it took to make, for the question log."""

    answer: Answer
    latency_ms: float


def ask(question: str, follow_up: handlers.Context | None = None, notice: str | None = None) -> Asked:
    """Answer a question from the notice it goes to; follow_up (a conversation's context) is read and
    updated, None answers it alone; notice is the conversation's chosen notice, if it chose one."""
    started = time.perf_counter()
    answer = answer_in_library(question, follow_up, datetime.now(BEIJING), library.notices(), notice)
    return Asked(answer, (time.perf_counter() - started) * 1000)


def ask_topic(topic: str) -> Asked:
    """The answer a topic command (/deadline, /funding) stands for, from the decider it names."""
    started = time.perf_counter()
    answer = topics.topic_answer(topic, library.current(), now=datetime.now(BEIJING))
    return Asked(answer, (time.perf_counter() - started) * 1000)


async def call_hook(hook: Callable[..., Any] | None, *args: Any) -> Any:
    """Run a storage hook and return its result; its failure is logged and never costs the user the reply."""
    if hook is None:
        return None
    try:
        result = hook(*args)
        return await result if inspect.isawaitable(result) else result
    except Exception:  # noqa: BLE001 - a broken hook must not break answering
        logger.exception("a storage hook failed")
        return None
