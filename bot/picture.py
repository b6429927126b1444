"""Pictures: the 一图读懂 card of a notice and the /stats chart, drawn with Pillow as PNG.

Pillow and the font are imported only here, and this module only when a picture is asked for, so the
cold start of `python -m bot ask` and of the bot does not pay for them. The font is Noto Sans CJK SC from
the noto-cjk-sans-otc package (a pip dependency: nothing is downloaded at run time). The card is laid out
first (lines and their heights) and painted second, so the image is exactly as tall as its content.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from handlers.card import CardItem, NoticeCard, build_card
from knowledge.base import KnowledgeBase

WIDTH = 1080
MARGIN = 56
MAX_BYTES = 1_000_000  # Telegram takes photos up to 10 MB; a forwarded card should stay light
CACHE_SIZE = 32
PALETTE = 128  # colours of the stored PNG
LAYOUT_VERSION = "1"  # part of the cache key: a change of layout must not serve old pictures

INK = (31, 41, 55)
MUTED = (107, 114, 128)
PAPER = (255, 255, 255)
BAND = (24, 64, 120)  # the header band and the section bars
BAND_TEXT = (255, 255, 255)
TINT = (238, 243, 250)
ACCENT = (24, 64, 120)
AHEAD = (21, 128, 61)  # a date still ahead
PASSED = (185, 28, 28)  # a date behind today

SIZE_TITLE, SIZE_HEAD, SIZE_LEAD, SIZE_TEXT, SIZE_SMALL = 46, 36, 32, 31, 22
LINE = 1.42  # line height as a multiple of the font size

# Characters that never begin a line, and those that never end one (Chinese line breaking).
_NO_START = set(",。、;:?!)]}”’》」』】〉…%,.;:?!)") | {"\uff0c", "\uff1b", "\uff1a", "\uff09"}
_NO_END = set("([{“‘《「『【〈") | {"\uff08"}

_lock = threading.Lock()
_cache: OrderedDict[str, bytes] = OrderedDict()


@lru_cache(maxsize=1)
def _font_file() -> tuple[str, int]:
    """The Noto Sans CJK collection of the font package, and the index of its Simplified Chinese face."""
    import noto_cjk_sans_otc

    path = str(noto_cjk_sans_otc.FONT_PATH)
    for index in range(16):
        try:
            face = ImageFont.truetype(path, 12, index=index)
        except OSError:
            break
        if face.getname()[0].endswith(" SC"):
            return path, index
    return path, 0


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont:
    path, index = _font_file()
    return ImageFont.truetype(path, size, index=index)


def _tokens(text: str) -> list[str]:
    """Units that are never split: one Chinese character, or a run of Latin letters, digits and signs."""
    out: list[str] = []
    for ch in text:
        if out and ch.isascii() and not ch.isspace() and out[-1][-1:].isascii() and not out[-1][-1:].isspace():
            out[-1] += ch
        else:
            out.append(ch)
    return out


def wrap(text: str, face: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Lines of at most `width` pixels; closing punctuation stays with the line before it."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        if face.getlength(line + token) <= width or not line:
            line += token
            continue
        if token[0] in _NO_START and len(line) > 1:
            line, token = line[:-1], line[-1] + token  # carry the last character down with the punctuation
        elif line[-1] in _NO_END:
            line, token = line[:-1], line[-1] + token
        lines.append(line)
        line = token
        while face.getlength(line) > width and len(line) > 1:  # a Latin run longer than a line: cut it
            cut = len(line) - 1
            while cut > 1 and face.getlength(line[:cut]) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    return lines


# -- layout: a list of things to paint, each at its height ---------------------------------------------


@dataclass(frozen=True)
class _Text:
    y: float
    x: float
    text: str
    size: int
    fill: tuple[int, int, int]
    bold: bool = False
    anchor: str = "la"


@dataclass(frozen=True)
class _Box:
    y: float
    x: float
    width: float
    height: float
    fill: tuple[int, int, int]
    radius: int = 0


class _Layout:
    def __init__(self) -> None:
        self.y = 0.0
        self.ops: list[_Text | _Box] = []

    def text(
        self, x: float, text: str, size: int, fill, bold: bool = False, anchor: str = "la", y: float | None = None
    ) -> None:
        self.ops.append(_Text(self.y if y is None else y, x, text, size, fill, bold, anchor))

    def box(self, x: float, width: float, height: float, fill, radius: int = 0, y: float | None = None) -> None:
        self.ops.append(_Box(self.y if y is None else y, x, width, height, fill, radius))

    def paragraph(self, x: float, width: float, text: str, size: int, fill, bold: bool = False) -> int:
        lines = wrap(text, font(size), width)
        for line in lines:
            self.text(x, line, size, fill, bold)
            self.y += size * LINE
        return len(lines)


def _cited(item: CardItem) -> str:
    return "条款 " + " · ".join((item.clause_id, *item.also))


LEAD_COLUMN = 250  # the left column of an item with a lead (an amount, a share, a name)


def _body(out: _Layout, x: float, width: float, item: CardItem) -> None:
    """The item's text, with its clause id in small print at the end of the last line, or under it."""
    face, small = font(SIZE_TEXT), font(SIZE_SMALL)
    lines = wrap(item.text, face, width)
    cited = _cited(item)
    for line in lines:
        out.text(x, line, SIZE_TEXT, INK)
        out.y += SIZE_TEXT * LINE
    if face.getlength(lines[-1]) + 24 + small.getlength(cited) > width:
        out.y += 2
        out.text(x + width, cited, SIZE_SMALL, MUTED, anchor="ra")
        out.y += SIZE_SMALL * LINE
    else:
        out.text(x + width, cited, SIZE_SMALL, MUTED, anchor="ra", y=out.y - SIZE_TEXT * LINE + 8)


def _lay_item(out: _Layout, item: CardItem, dated: bool) -> None:
    inner = WIDTH - 2 * MARGIN
    top = out.y
    if dated:  # the date on its own line, with where today stands at the right
        if item.status:
            tag = font(SIZE_SMALL + 2)
            w = tag.getlength(item.status) + 28
            out.box(WIDTH - MARGIN - w, w, SIZE_SMALL * 1.9, PASSED if item.passed else AHEAD, radius=12, y=top + 2)
            out.text(WIDTH - MARGIN - w / 2, item.status, SIZE_SMALL + 2, BAND_TEXT, anchor="mt", y=top + 10)
        out.paragraph(MARGIN, inner - 260, item.lead, SIZE_LEAD, ACCENT, bold=True)
        _body(out, MARGIN, inner, item)
    elif item.lead:
        out.paragraph(MARGIN, LEAD_COLUMN - 16, item.lead, SIZE_LEAD, ACCENT, bold=True)
        below = out.y
        out.y = top + (SIZE_LEAD - SIZE_TEXT) / 2
        _body(out, MARGIN + LEAD_COLUMN, inner - LEAD_COLUMN, item)
        out.y = max(out.y, below)
    else:
        out.text(MARGIN, "•", SIZE_TEXT, ACCENT, bold=True)
        _body(out, MARGIN + 30, inner - 30, item)
    out.y += 12


def _layout(card: NoticeCard) -> _Layout:
    out = _Layout()
    inner = WIDTH - 2 * MARGIN
    # The header band: the title, then who issued it and when.
    top = out.y
    out.y += 44
    start = len(out.ops)
    out.paragraph(MARGIN, inner, card.title.text, SIZE_TITLE, BAND_TEXT, bold=True)
    byline = " · ".join(i.text for i in (card.issuer, card.date) if i)
    out.y += 8
    if byline:
        out.paragraph(MARGIN, inner, byline, SIZE_TEXT, BAND_TEXT)
    out.text(MARGIN, f"按北京时间{card.today.year}年{card.today.month}月{card.today.day}日计", SIZE_SMALL, TINT)
    out.y += SIZE_SMALL * LINE + 30
    out.ops.insert(start, _Box(top, 0, WIDTH, out.y - top, BAND))
    out.y += 24
    for section in card.sections:
        out.box(MARGIN, 10, SIZE_HEAD * 1.2, BAND, y=out.y + 4)
        out.text(MARGIN + 26, section.heading, SIZE_HEAD, BAND, bold=True)
        out.y += SIZE_HEAD * LINE + 12
        for item in section.items:
            _lay_item(out, item, dated=section.key == "dates")
        out.y += 18
    out.box(0, WIDTH, 2, TINT)
    out.y += 18
    out.text(MARGIN, "每项右侧的条款号可用 /source 查看原文;通知未写明的内容不列出。", SIZE_SMALL, MUTED)
    out.y += SIZE_SMALL * LINE + 36
    return out


def _paint(out: _Layout) -> bytes:
    image = Image.new("RGB", (WIDTH, int(out.y)), PAPER)
    draw = ImageDraw.Draw(image)
    for op in out.ops:
        if isinstance(op, _Box):
            shape = [op.x, op.y, op.x + op.width, op.y + op.height]
            if op.radius:
                draw.rounded_rectangle(shape, op.radius, fill=op.fill)
            else:
                draw.rectangle(shape, fill=op.fill)
        else:
            stroke = 1 if op.bold else 0  # the font has one weight: a thin stroke of the same colour is bold
            draw.text(
                (op.x, op.y),
                op.text,
                font=font(op.size),
                fill=op.fill,
                anchor=op.anchor,
                stroke_width=stroke,
                stroke_fill=op.fill,
            )
    return _png(image)


def _png(image: Image.Image) -> bytes:
    """PNG bytes with a palette: the picture is flat colours and anti-aliased text, which 128 colours hold, at
    a third of the size of full colour (a card is forwarded many times)."""
    buffer = io.BytesIO()
    image.quantize(colors=PALETTE, method=Image.Quantize.FASTOCTREE).save(buffer, "PNG", compress_level=7)
    return buffer.getvalue()


def render_card(card: NoticeCard) -> bytes:
    """The card as a PNG, WIDTH pixels wide."""
    return _paint(_layout(card))


def digest(card: NoticeCard) -> str:
    """A hash of everything the picture shows (the notice's facts and today's countdown) and of the layout."""
    return hashlib.sha256(f"{LAYOUT_VERSION}\n{card!r}".encode()).hexdigest()[:32]


def card_picture(kb: KnowledgeBase, today: dt.date) -> tuple[str, bytes]:
    """The card of a notice as (digest, PNG), rendered once per content: the same facts on the same day
    give the same picture, so it is kept in a small cache (and Telegram's file id may stand for it)."""
    card = build_card(kb, today)
    key = digest(card)
    with _lock:
        png = _cache.get(key)
        if png is not None:
            _cache.move_to_end(key)
            return key, png
    png = render_card(card)
    with _lock:
        _cache[key] = png
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return key, png


# -- the /stats chart ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartData:
    """What the /stats chart shows; the figures themselves stay in the text message."""

    days: Sequence[tuple[dt.date, int, int]]  # (Beijing day, questions, answered), oldest first
    answered_share: float | None
    top_intents: Sequence[tuple[str, int]]  # (label, count), largest first
    thumbs_up: int
    thumbs_down: int
    title: str = "近30天提问"
    top_notices: Sequence[tuple[str, int]] = ()  # (short title, count), largest first


def render_chart(data: ChartData) -> bytes:
    """Questions per day (answered darker), the share answered, the top intents and the feedback, as PNG."""
    height = 1180 + 56 + 48 * 5 + 24  # room for the top notices too
    image = Image.new("RGB", (WIDTH, height), PAPER)
    draw = ImageDraw.Draw(image)
    small, text, head = font(SIZE_SMALL), font(SIZE_TEXT - 3), font(SIZE_HEAD)
    draw.text((MARGIN, 36), data.title, font=head, fill=BAND, stroke_width=1, stroke_fill=BAND)
    # Bars: one a day, the answered part darker.
    left, right, top, bottom = MARGIN + 50, WIDTH - MARGIN, 120, 520
    most = max([n for _, n, _ in data.days] or [0]) or 1
    draw.line([(left, bottom), (right, bottom)], fill=MUTED, width=2)
    for tick in (0, most // 2, most):
        y = bottom - (bottom - top) * tick / most
        draw.text((left - 12, y), str(tick), font=small, fill=MUTED, anchor="rm")
        draw.line([(left, y), (right, y)], fill=TINT, width=1)
    count = max(len(data.days), 1)
    slot = (right - left) / count
    for i, (day, total, answered) in enumerate(data.days):
        x0, x1 = left + i * slot + slot * 0.15, left + (i + 1) * slot - slot * 0.15
        if total:
            draw.rectangle([x0, bottom - (bottom - top) * total / most, x1, bottom], fill=(165, 190, 225))
        if answered:
            draw.rectangle([x0, bottom - (bottom - top) * answered / most, x1, bottom], fill=BAND)
        if (count - 1 - i) % 7 == 0:  # weekly ticks, counted back from today
            draw.text(((x0 + x1) / 2, bottom + 10), f"{day.month}/{day.day}", font=small, fill=MUTED, anchor="mt")
    legend_y = bottom + 50
    draw.rectangle([left, legend_y, left + 24, legend_y + 24], fill=BAND)
    draw.text((left + 34, legend_y - 2), "已回答", font=small, fill=INK)
    draw.rectangle([left + 150, legend_y, left + 174, legend_y + 24], fill=(165, 190, 225))
    draw.text((left + 184, legend_y - 2), "未回答", font=small, fill=INK)
    # The share answered and the feedback, as two bars.
    y = legend_y + 70

    def meter(y: float, label: str, share: float | None, caption: str) -> None:
        draw.text((MARGIN, y), label, font=text, fill=INK)
        bar_left = MARGIN + 200
        draw.rounded_rectangle([bar_left, y + 4, right, y + 36], 10, fill=TINT)
        if share:
            draw.rounded_rectangle([bar_left, y + 4, bar_left + (right - bar_left) * share, y + 36], 10, fill=BAND)
        draw.text((right, y + 44), caption, font=small, fill=MUTED, anchor="ra")

    share = data.answered_share
    meter(y, "回答率", share, "暂无提问" if share is None else f"{share:.0%}")
    votes = data.thumbs_up + data.thumbs_down
    meter(y + 90, "好评率", data.thumbs_up / votes if votes else None, f"赞 {data.thumbs_up} · 踩 {data.thumbs_down}")
    # The top intents and the top notices, as horizontal bars.
    y += 200
    for heading, rows in (("问题类型", data.top_intents), ("通知", data.top_notices)):
        if not rows:
            continue
        draw.text((MARGIN, y), heading, font=text, fill=BAND, stroke_width=1, stroke_fill=BAND)
        y += 56
        largest = max([n for _, n in rows] or [1]) or 1
        for label, n in list(rows)[:5]:
            draw.text((MARGIN, y), (wrap(label, small, 190) or [""])[0], font=small, fill=INK)
            bar_left = MARGIN + 200
            draw.rectangle([bar_left, y + 2, bar_left + (right - bar_left - 80) * n / largest, y + 28], fill=BAND)
            draw.text((right, y + 2), str(n), font=small, fill=INK, anchor="ra")
            y += 48
        y += 24
    return _png(image.crop((0, 0, WIDTH, min(height, int(y) + 40))))


__all__ = ["ChartData", "card_picture", "digest", "font", "render_card", "render_chart", "wrap"]
