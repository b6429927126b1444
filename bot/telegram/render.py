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

LEAD_LINES = 3  # an answer text of more lines (or more characters) leads with its first line and folds the rest
LEAD_CHARS = 160
OPEN_CITATIONS = 2  # with more citations than this, every quote starts collapsed
SOURCE_COMMAND = "source_"  # /source_4_2_p1_s2 opens clause 4.2.p1.s2: tap-able, unlike "/source 4.2.p1.s2"
_LINKABLE_ID = re.compile(r"[0-9a-z]+(?:\.[0-9a-z]+)*")
MAX_COMMAND = 32  # Telegram's longest command name

VERDICT_TITLE = "资格自查结果"
NOT_COVERED_TITLE = "通知中没有找到相关内容"
CONTINUED = "(续)"
ELLIPSIS = "…"

_SOFT_BREAK = re.compile(r"(?<=[。!?;!?;\n])")


def tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def esc(text: str) -> str:
    """Escape text for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


def source_command(clause_id: str) -> str | None:
    """The tap-able command that quotes a clause ("/source_4_2_p1_s2"), or None for an id no command can hold."""
    name = SOURCE_COMMAND + clause_id.replace(".", "_")
    return f"/{name}" if _LINKABLE_ID.fullmatch(clause_id) and len(name) <= MAX_COMMAND else None


def clause_of_command(command: str) -> str | None:
    """The clause id a /source_… command names ("/source_4_2_p1_s2@bot" -> "4.2.p1.s2"), or None."""
    name = command.lstrip("/").split("@", 1)[0]
    if not name.startswith(SOURCE_COMMAND):
        return None
    clause_id = name.removeprefix(SOURCE_COMMAND).replace("_", ".")
    return clause_id if _LINKABLE_ID.fullmatch(clause_id) else None


@dataclass(frozen=True)
class _Block:
    """One paragraph to lay out: plain text plus the tags that wrap it once escaped."""

    text: str
    prefix: str = ""  # literal HTML before the escaped text, e.g. "<b>path</b>\n<blockquote>"
    suffix: str = ""  # literal HTML closing what prefix opened
    cont_prefix: str | None = None  # prefix for the second and later pieces of a hard split

    def html(self) -> str:
        return f"{self.prefix}{esc(self.text)}{self.suffix}"


def render_answer(
    answer: Answer, *, title: str | None = None, limit: int = MAX_MESSAGE, links: bool = True
) -> list[str]:
    """The direct answer, then each citation's path in bold (with its /source_… link) and its quote.

    A long answer leads with its first line and folds the rest into a collapsed blockquote, and with
    many citations every quote starts collapsed, so the answer fits one phone screen.
    """
    blocks: list[_Block] = []
    if title:
        blocks.append(_Block(title, "<b>", "</b>"))
    lines = [line for line in answer.text.strip().splitlines() if line.strip()]
    folded = len(lines) > LEAD_LINES or (len(lines) > 1 and tg_len(answer.text) > LEAD_CHARS)
    if folded:
        blocks.append(_Block(lines[0]))
        blocks.append(_Block("\n".join(lines[1:]), "<blockquote expandable>", "</blockquote>"))
    else:
        blocks.extend(_text_blocks(answer.text))
    collapse = folded or len(answer.citations) > OPEN_CITATIONS
    blocks.extend(_citation_block(c, collapse=collapse, link=links) for c in answer.citations)
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
        quote = fit(top.quote, room)
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


def _quote_tag(quote: str, collapse: bool = False) -> str:
    long = collapse or tg_len(quote) > EXPANDABLE_FROM or quote.count("\n") >= EXPANDABLE_LINES
    return "blockquote expandable" if long else "blockquote"


def _citation_block(citation: Citation, *, collapse: bool = False, link: bool = True) -> _Block:
    tag = _quote_tag(citation.quote, collapse)
    command = source_command(citation.id) if link else None
    heading = " ".join(x for x in (f"<b>{esc(citation.path)}</b>" if citation.path else "", command or "") if x)
    return _Block(
        citation.quote.strip(),
        prefix=f"{heading}\n<{tag}>" if heading else f"<{tag}>",
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
        chunk = fit(rest, room, ellipsis=False)
        if not chunk:  # the tags alone leave no room; never expected with real paths
            chunk = rest[: max(1, room)]
        pieces.append(f"{prefix}{esc(chunk)}{block.suffix}")
        rest = rest[len(chunk) :].lstrip("\n")
        prefix = block.cont_prefix if block.cont_prefix is not None else block.prefix
    return pieces


def fit(text: str, room: int, ellipsis: bool = True) -> str:
    """The longest start of text whose escaped form fits in room, cut after a sentence if possible."""
    if room <= 0:
        return ""
    if tg_len(esc(text)) <= room:
        return text
    mark = ELLIPSIS if ellipsis else ""
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
    """The text on one line, cut to size characters with an ellipsis when longer: the one ellipsis cut."""
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + ELLIPSIS
