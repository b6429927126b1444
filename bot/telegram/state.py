"""What the bot keeps per chat and per user, as typed data (python-telegram-bot's ContextTypes).

Plain dataclasses, written as plain JSON data by TypedPersistence, so a restart continues where it was.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from telegram.ext import CallbackContext, ContextTypes, ExtBot

import handlers

from .markup import base36
from .persistence import SQLitePersistence

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
    notice: str | None = None  # the notice the answer came from
    alternatives: list[list[str]] = field(default_factory=list)  # [key, short title] of notices that fit as well


@dataclass
class ChatData:
    """One chat: its follow-up context and the answers whose buttons still work."""

    follow_up: handlers.Context = field(default_factory=handlers.Context)
    notice: str | None = None  # the notice the chat chose with /notices; None: the notice each question names
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
    notice: str | None = None  # the notice the chat had chosen when the check started


@dataclass
class UserData:
    """One user, across chats: the guided check under way."""

    check: EligibilityCheck | None = None
    check_serial: int = 0


BotContext = CallbackContext[ExtBot[None], UserData, ChatData, dict]
CONTEXT_TYPES = ContextTypes(chat_data=ChatData, user_data=UserData)


def chat_to_plain(chat: ChatData) -> dict:
    """A chat's state as plain JSON data, in the keys SQLitePersistence checks the shape of."""
    return {
        "ctx": chat.follow_up.to_dict(),
        "notice": chat.notice,
        "answer_serial": chat.answer_serial,
        "answers": {
            key: {
                "q": e.question,
                "section": e.section,
                "clause": e.clause,
                "related": list(e.related),
                "feedback": e.vote or None,
                "notice": e.notice,
                "alternatives": [list(pair) for pair in e.alternatives],
            }
            for key, e in chat.answers.items()
        },
    }


def _remembered(entry: dict) -> Remembered:
    pairs = entry.get("alternatives") or []
    alternatives = [
        list(p) for p in pairs if isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)
    ]
    return Remembered(
        question=str(entry.get("q") or ""),
        section=entry.get("section"),
        clause=entry.get("clause"),
        related=[str(q) for q in entry.get("related") or []],
        vote=entry.get("feedback") or 0,
        notice=entry.get("notice") if isinstance(entry.get("notice"), str) else None,
        alternatives=alternatives,
    )


def chat_data_from(stored: object) -> ChatData:
    """A chat's stored state (plain data, as chat_to_plain writes it) as ChatData; anything else starts afresh."""
    if isinstance(stored, ChatData):
        return stored
    chat = ChatData()
    if not isinstance(stored, dict):
        return chat
    if isinstance(stored.get("ctx"), dict):
        chat.follow_up = handlers.Context.from_dict(stored["ctx"])
    if isinstance(stored.get("notice"), str):
        chat.notice = stored["notice"]
    if isinstance(stored.get("answer_serial"), int):
        chat.answer_serial = stored["answer_serial"]
    if isinstance(stored.get("answers"), dict):
        chat.answers = {str(k): _remembered(e) for k, e in stored["answers"].items() if isinstance(e, dict)}
    return chat


def user_to_plain(user: UserData) -> dict:
    """A user's state as plain JSON data, in the keys SQLitePersistence checks the shape of."""
    check = user.check
    plain: dict = {"elig_serial": user.check_serial}
    if check is not None:  # no key at all when no check is under way: a None would not pass the shape check
        plain["elig"] = {
            "session": check.session,
            "step": check.step,
            "asker": check.asker,
            "answers": check.answers,
            "notice": check.notice,
        }
    return plain


def user_data_from(stored: object) -> UserData:
    """A user's stored state (plain data, as user_to_plain writes it) as UserData."""
    if isinstance(stored, UserData):
        return stored
    user = UserData()
    if not isinstance(stored, dict):
        return user
    user.check_serial = int(stored.get("elig_serial") or 0)
    check = stored.get("elig")
    if isinstance(check, dict) and check.get("session"):
        user.check = EligibilityCheck(
            session=str(check["session"]),
            step=int(check.get("step") or 0),
            asker=check.get("asker"),
            answers=dict(check.get("answers") or {}),
            notice=check.get("notice") if isinstance(check.get("notice"), str) else None,
        )
    return user


class TypedPersistence(SQLitePersistence):
    """SQLitePersistence (plain JSON rows) that hands python-telegram-bot ChatData and UserData."""

    async def get_chat_data(self) -> dict[int, ChatData]:
        return {chat_id: chat_data_from(data) for chat_id, data in (await super().get_chat_data()).items()}

    async def get_user_data(self) -> dict[int, UserData]:
        return {user_id: user_data_from(data) for user_id, data in (await super().get_user_data()).items()}

    async def update_chat_data(self, chat_id: int, data: ChatData) -> None:
        await super().update_chat_data(chat_id, chat_to_plain(data) if isinstance(data, ChatData) else data)

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        await super().update_user_data(user_id, user_to_plain(data) if isinstance(data, UserData) else data)
