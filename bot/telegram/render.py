"""Answers as Telegram HTML: escaped, quoted, and cut into messages Telegram accepts.

Kept free of `telegram` imports so the console and tests can use it cheaply.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from handlers.model import Answer, Citation

MAX_MESSAGE = 4096  # Telegram's limit for one text message
MAX_INLINE_TITLE = 64  # longer titles are cut off by clients anyway
MAX_INLINE_DESCRIPTION = 120
EXPANDABLE_FROM = 300  # quotes longer than this (or with many lines) start collapsed
EXPANDABLE_LINES = 4
PARAGRAPH_GAP = "\n\n"

VERDICT_TITLE = "资格自查结果"
NOT_COVERED_TITLE = "通知中没有找到相关内容"
CONTINUED = "(续)"

_SOFT_BREAK = re.compile(r"(?<=[。!?;!?;\n])")


def tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def esc(text: str) -> str:
    """Escape text for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


@dataclass(frozen=True)
class _Block:
    """One paragraph to lay out: plain text plus the tags that wrap it once escaped."""

    text: str
    prefix: str = ""  # literal HTML before the escaped text, e.g. "<b>path</b>\n<blockquote>"
    suffix: str = ""  # literal HTML closing what prefix opened
    cont_prefix: str | None = None  # prefix for the second and later pieces of a hard split

    def html(self) -> str:
        return f"{self.prefix}{esc(self.text)}{self.suffix}"


def render_answer(answer: Answer, *, title: str | None = None, limit: int = MAX_MESSAGE) -> list[str]:
    """The direct answer, then each citation's path in bold and its quote in a blockquote."""
    blocks: list[_Block] = []
    if title:
        blocks.append(_Block(title, "<b>", "</b>"))
    blocks.extend(_text_blocks(answer.text))
    blocks.extend(_citation_block(c) for c in answer.citations)
    if not any(b.text.strip() for b in blocks):  # Telegram refuses an empty message
        blocks.append(_Block(NOT_COVERED_TITLE))
    return _pack(blocks, limit)


def render_verdict(answer: Answer, *, limit: int = MAX_MESSAGE) -> list[str]:
    """The guided eligibility verdict: a heading, the reasons, then the clauses they rest on."""
    return render_answer(answer, title=VERDICT_TITLE, limit=limit)


@dataclass(frozen=True)
class InlineCard:
    """What an inline-mode result needs: a title and description to pick it, and the message sent."""

    title: str
    description: str
    html: str


def render_inline_card(answer: Answer, *, limit: int = MAX_MESSAGE) -> InlineCard:
    """One self-contained message: the direct answer and its best citation, cut to fit."""
    text = answer.text.strip() or NOT_COVERED_TITLE
    title = shorten(_first_line(text) if answer.answered else NOT_COVERED_TITLE, MAX_INLINE_TITLE)
    top = answer.citations[0] if answer.citations else None
    description = shorten(top.path if top else text, MAX_INLINE_DESCRIPTION)
    body = _pack(list(_text_blocks(text)), limit)[0]
    if top is not None:
        head = f"{body}{PARAGRAPH_GAP}<b>{esc(top.path)}</b>\n"
        room = limit - tg_len(head) - tg_len("<blockquote expandable></blockquote>")
        quote = _fit(top.quote, room)
        if quote:
            tag = _quote_tag(quote)
            body = f"{head}<{tag}>{esc(quote)}</blockquote>"
    return InlineCard(title=title, description=description, html=body)


def render_plain_list(title: str, items: Iterable[str], *, limit: int = MAX_MESSAGE) -> list[str]:
    """A bold title and numbered lines, e.g. the FAQ list or a section's contents."""
    blocks = [_Block(title, "<b>", "</b>")]
    blocks.extend(_Block(f"{i}. {item}") for i, item in enumerate(items, 1))
    return _pack(blocks, limit, gap="\n")


def _text_blocks(text: str) -> list[_Block]:
    """Paragraphs are separated by blank lines; single line breaks stay inside a paragraph."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.strip())]
    return [_Block(p) for p in paragraphs if p]


def _quote_tag(quote: str) -> str:
    long = tg_len(quote) > EXPANDABLE_FROM or quote.count("\n") >= EXPANDABLE_LINES
    return "blockquote expandable" if long else "blockquote"


def _citation_block(citation: Citation) -> _Block:
    tag = _quote_tag(citation.quote)
    path = f"<b>{esc(citation.path)}</b>\n" if citation.path else ""
    return _Block(
        citation.quote.strip(),
        prefix=f"{path}<{tag}>",
        suffix="</blockquote>",
        cont_prefix=f"<b>{esc(citation.path + CONTINUED)}</b>\n<{tag}>" if citation.path else f"<{tag}>",
    )


def _pack(blocks: list[_Block], limit: int, gap: str = PARAGRAPH_GAP) -> list[str]:
    """Greedily fill messages with whole paragraphs; hard-split only a paragraph that fits nowhere."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _pieces(block, limit):
            candidate = f"{current}{gap}{piece}" if current else piece
            if tg_len(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages or [""]


def _pieces(block: _Block, limit: int) -> list[str]:
    """The block as HTML, or several well-formed pieces when it alone exceeds the limit."""
    whole = block.html()
    if tg_len(whole) <= limit:
        return [whole]
    pieces: list[str] = []
    rest = block.text
    prefix = block.prefix
    while rest:
        room = limit - tg_len(prefix) - tg_len(block.suffix)
        chunk = _fit(rest, room, ellipsis=False)
        if not chunk:  # the tags alone leave no room; never expected with real paths
            chunk = rest[: max(1, room)]
        pieces.append(f"{prefix}{esc(chunk)}{block.suffix}")
        rest = rest[len(chunk) :].lstrip("\n")
        prefix = block.cont_prefix if block.cont_prefix is not None else block.prefix
    return pieces


def _fit(text: str, room: int, ellipsis: bool = True) -> str:
    """The longest start of text whose escaped form fits in room, cut after a sentence if possible."""
    if room <= 0:
        return ""
    if tg_len(esc(text)) <= room:
        return text
    mark = "…" if ellipsis else ""
    budget = room - tg_len(mark)
    used = 0
    end = 0
    for i, ch in enumerate(text):
        used += tg_len(esc(ch))
        if used > budget:
            break
        end = i + 1
    head = text[:end]
    # Prefer ending at a sentence mark, unless that throws away most of the room.
    cut = max((m.start() for m in _SOFT_BREAK.finditer(head) if m.start() > 0), default=0)
    if cut >= len(head) // 2:
        head = head[:cut]
    return head.rstrip() + mark if head else ""


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0]


def shorten(text: str, size: int) -> str:
    """The text on one line, cut to size characters with an ellipsis when longer."""
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"
