"""Helpers shared by the test modules: a Telegram HTML checker and a recording fake Bot API.

Both stand in for Telegram itself, so they are written from Telegram's rules, not from bot/ code:
a renderer bug must not be able to hide behind a checker that shares its assumptions.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Collection
from html.parser import HTMLParser
from typing import Any

from telegram.request import BaseRequest, RequestData

MAX_MESSAGE = 4096  # Telegram's limit for one message, in UTF-16 code units

# Tags of Telegram's HTML parse mode, with the attributes each may carry
TELEGRAM_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(), "strong": frozenset(), "i": frozenset(), "em": frozenset(), "u": frozenset(),
    "ins": frozenset(), "s": frozenset(), "strike": frozenset(), "del": frozenset(),
    "tg-spoiler": frozenset(), "span": frozenset({"class"}), "a": frozenset({"href"}),
    "code": frozenset({"class"}), "pre": frozenset(), "blockquote": frozenset({"expandable"}),
    "tg-emoji": frozenset({"emoji-id"}),
}  # fmt: skip
# Every entity Telegram decodes, and the narrower set a plain html.escape writes
ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
NAMED_ENTITY = re.compile(r"&(lt|gt|amp|quot);")
TAG = re.compile(r"</?[a-z][a-z-]*(\s[^<>]*)?>")


def tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class TelegramHTML(HTMLParser):
    """Collects the visible text and fails on markup Telegram would reject (or `tags` leaves out)."""

    def __init__(self, tags: Collection[str] = TELEGRAM_TAGS) -> None:
        super().__init__(convert_charrefs=True)
        unknown = set(tags) - set(TELEGRAM_TAGS)
        if unknown:
            raise ValueError(f"not Telegram tags: {sorted(unknown)}")
        self.tags = frozenset(tags)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in self.tags, f"tag <{tag}> not allowed"
        assert {name for name, _ in attrs} <= TELEGRAM_TAGS[tag], f"attributes {attrs} not allowed on <{tag}>"
        assert tag != "span" or attrs == [("class", "tg-spoiler")], f"<span> must be a spoiler: {attrs}"
        assert not (tag == "blockquote" and "blockquote" in self.stack), "nested blockquote"
        # nothing goes inside code or pre, except the <code> that names a <pre> block's language
        assert not ({"pre", "code"} & set(self.stack) and not (tag == "code" and self.stack[-1:] == ["pre"])), (
            f"<{tag}> inside {self.stack}"
        )
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise AssertionError(f"self-closing <{tag}/> not allowed")

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        raise AssertionError("comments are not allowed")

    def handle_decl(self, decl: str) -> None:
        raise AssertionError("declarations are not allowed")


def check_html(
    message: str,
    *,
    tags: Collection[str] = TELEGRAM_TAGS,
    entities: re.Pattern[str] = ENTITY,
    allow_empty: bool = False,
) -> str:
    """Assert message is a sendable HTML message; return its visible (unescaped) text.

    `tags` and `entities` narrow what is accepted for callers that promise less than Telegram
    allows; `allow_empty` is for callers that test emptiness themselves, or not at all.
    """
    assert tg_len(message) <= MAX_MESSAGE, f"{tg_len(message)} UTF-16 units"
    # every & must start an entity, every < a tag and every > end one
    assert "&" not in entities.sub("", message), f"bare & in HTML: {message!r}"
    bare = TAG.sub("", message)
    assert "<" not in bare and ">" not in bare, f"bare < or > in HTML: {message!r}"
    parser = TelegramHTML(tags)
    parser.feed(message)
    parser.close()
    assert not parser.stack, f"unclosed {parser.stack}"
    visible = "".join(parser.text)
    assert allow_empty or visible.strip(), "an empty message is rejected by Telegram"
    return visible


class FakeBotAPI(BaseRequest):
    """Answers Bot API calls from memory and records them, like a tiny Bot API server.

    `refuse` maps a method name to the (error code, description) the server answers it with.
    """

    MESSAGE_METHODS = ("sendMessage", "sendDocument", "sendPhoto", "editMessageText", "editMessageReplyMarkup")
    JSON_PARAMS = ("reply_markup", "results", "reply_parameters", "link_preview_options", "commands")

    def __init__(
        self,
        *,
        bot_id: int = 1,
        username: str = "notice_test_bot",
        first_name: str = "Bot",
        refuse: dict[str, tuple[int, str]] | None = None,
    ) -> None:
        self.me = {"id": bot_id, "is_bot": True, "first_name": first_name, "username": username}
        self.refuse = refuse or {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.uploads: list[tuple[str, bytes]] = []  # (method, file content) of every file sent
        self._ids = itertools.count(1001)

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **timeouts: object
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        # PTB hands over objects; decode anyway, so that tests never see a JSON string here
        for key in self.JSON_PARAMS:
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        self.calls.append((name, params))
        if request_data is not None and request_data.contains_files:
            for _, content, _ in request_data.multipart_data.values():
                self.uploads.append((name, content if isinstance(content, bytes) else content.read()))
        if name in self.refuse:
            code, description = self.refuse[name]
            return code, json.dumps({"ok": False, "error_code": code, "description": description}).encode()
        return 200, json.dumps({"ok": True, "result": self.result(name, params)}).encode()

    def result(self, name: str, params: dict[str, Any]) -> Any:
        """What the Bot API returns for one call: the bot itself, the message as sent or edited, or True."""
        if name == "getMe":
            return {**self.me, "can_join_groups": True, "supports_inline_queries": True}
        if name not in self.MESSAGE_METHODS:
            return True
        chat_id = int(params["chat_id"])
        message = {
            # an edit keeps the message's id; a send gets a new one
            "message_id": int(params.get("message_id") or next(self._ids)),
            # not 0: PTB reads a callback's message dated 0 as an inaccessible one
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": {key: self.me[key] for key in ("id", "is_bot", "first_name", "username")},
            "text": params.get("text", "…"),
        }
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        if name == "sendPhoto":  # a photo sent by file id keeps it; an upload gets a new one
            message.pop("text")
            message["caption"] = params.get("caption", "")
            sent = params.get("photo")  # a file id; an upload travels as a multipart file instead
            file_id = sent if isinstance(sent, str) and "://" not in sent else f"photo-{message['message_id']}"
            message["photo"] = [{"file_id": file_id, "file_unique_id": file_id, "width": 1080, "height": 1080}]
        return message

    # -- what the bot did

    def named(self, name: str) -> list[dict[str, Any]]:
        """The parameters of every call to one method, in order."""
        return [params for called, params in self.calls if called == name]

    def take(self) -> list[tuple[str, dict[str, Any]]]:
        """The calls made since the last take, forgetting them."""
        calls, self.calls = self.calls, []
        return calls

    def clear(self) -> None:
        self.calls.clear()
