"""What the bot keeps per chat and per user, as typed data (python-telegram-bot's ContextTypes).

Plain dataclasses, so SQLitePersistence pickles them as they are and a restart continues where it was.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from telegram.ext import CallbackContext, ContextTypes, ExtBot

import handlers

from .markup import base36

MAX_REMEMBERED_ANSWERS = 100  # per chat, for the buttons under recent answers
_SERIAL_SPACE = 36**4


@dataclass
class Remembered:
    """What the buttons under one answer need once the answer is sent."""

    question: str
    section: str | None  # the section the full-section button opens
    clause: str | None  # the best citation's clause, when there is no section
    related: list[str] = field(default_factory=list)  # the related questions offered as buttons
    vote: int = 0  # +1 or -1 once 👍/👎 was pressed


@dataclass
class ChatData:
    """One chat: its follow-up context and the answers whose buttons still work."""

    follow_up: handlers.Context = field(default_factory=handlers.Context)
    answers: dict[str, Remembered] = field(default_factory=dict)  # by the key in the buttons' callback data
    # Each chat starts at a random serial, so after a restart without persistence old buttons find no
    # entry (and get the polite "expired" answer) instead of someone else's.
    answer_serial: int = field(default_factory=lambda: secrets.randbelow(_SERIAL_SPACE))

    def remember(self, entry: Remembered) -> str:
        """Keep what an answer's buttons need; returns the short key their callback data carries."""
        self.answer_serial += 1
        key = base36(self.answer_serial)
        self.answers[key] = entry
        while len(self.answers) > MAX_REMEMBERED_ANSWERS:
            self.answers.pop(next(iter(self.answers)))
        return key


@dataclass
class EligibilityCheck:
    """A guided /eligibility check under way: who asks, the step shown, and the options chosen so far."""

    session: str  # tells this check's buttons from an older one's
    step: int = 0  # 0: who is asking; n: the n-th condition
    asker: str | None = None
    answers: dict[str, str] = field(default_factory=dict)  # condition id -> option value


@dataclass
class UserData:
    """One user, across chats: the guided check under way."""

    check: EligibilityCheck | None = None
    check_serial: int = 0


BotContext = CallbackContext[ExtBot[None], UserData, ChatData, dict]
CONTEXT_TYPES = ContextTypes(chat_data=ChatData, user_data=UserData)
