"""Parse a Chinese government notice into numbered sections and citable clauses.

The outline markers of such notices (一、 / (一) / 1. / (1) / 第一条) nest in the order they first
appear, so the parser learns the nesting from the document instead of assuming one fixed scheme;
half-width and full-width punctuation are read alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Clause, Notice, Section
from .lazy import LazyPattern, lazy_re

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "零一二三四五六七八九十百"

# Each marker kind: (name, pattern). The pattern's group 1 is the number, group 2 the rest of the line.
_MARKERS: tuple[tuple[str, LazyPattern], ...] = (
    ("article", lazy_re(rf"^第([{_CN}]+|\d+)条\s*(.*)$")),
    ("part", lazy_re(rf"^第([{_CN}]+|\d+)(?:部分|编|篇)\s*(.*)$")),
    ("chapter", lazy_re(rf"^第([{_CN}]+|\d+)章\s*(.*)$")),
    ("section", lazy_re(rf"^第([{_CN}]+|\d+)节\s*(.*)$")),
    ("cn", lazy_re(rf"^([{_CN}]+)[\u3001,\uff0c]\s*(.*)$")),
    ("cn_paren", lazy_re(rf"^[(\uff08]([{_CN}]+)[)\uff09]\s*(.*)$")),
    ("num_paren", lazy_re(r"^[(\uff08](\d+)[)\uff09]\s*(.*)$")),
    # Not a decimal ("3.5亿元"), but an item may open with a year ("3.2024年度财务审计报告").
    ("num", lazy_re(r"^(\d{1,2})[.\uff0e\u3001](?:(?!\d)|(?=\d{4}\s*年))\s*(.*)$")),
    # An explainer's marks ("一图读懂"): ■ heads a part, ①② number its items, ● and ◆ are its bullet lines.
    ("mark", lazy_re(r"^()[■□◼▌]\s*(.+)$")),
    ("circled", lazy_re(r"^([\u2460-\u2473])\s*(.+)$")),
    ("bullet", lazy_re(r"^()[●○•▪◆◇▶►★☆]\s*(.+)$")),
)
_BULLETS = frozenset({"bullet", "circled"})  # an explainer's lines: each is content, never a bare heading
_HEAD_MAX = 12  # characters of a short explainer line with no sentence in it that heads the lines below it
_SENTENCE_MARK = lazy_re(r"[,，。;；:：、]")
_ASKED = lazy_re(r"^\s*(?:[Qq]|问)\s*\d*\s*[:\uff1a]")  # a question of a Q/A block, heading its answer
_CELL_SEP = lazy_re(r"[|\uff5c\t]")  # the cells of a table written as lines ("序号｜服务类别｜券面额上限")
_DATE_LINE = lazy_re(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
# An issuer's name on a line of its own above the date: short, no sentence, ends like an office.
_ISSUER_LINE = lazy_re(r"^[^\u3002,\uff0c;\uff1b:\uff1a]{2,30}(局|厅|委|部|办|政府|办公室|委员会|中心|院|署|会)$")
_APPENDED_ATTACHMENT = lazy_re(r"^附\s*件\s*\d+\s*$")  # "附件1" alone on a line: the attachment's text follows
_ATTACHMENT_LINE = lazy_re(r"^附\s*件\s*[:\uff1a]?\s*(.*)$")
_SENTENCE_END = lazy_re(r"(?<=[\u3002!?;\uff01\uff1f\uff1b])")
# A label is the short phrase before the first full stop of an item ("(一)指导思想。坚持……").
_LABEL_MAX = 24
_ITEM_ENDS = ("。", ";", "\uff1b", ":", "\uff1a", "!", "\uff01", "?", "\uff1f")
# "问:什么是……?" or a numbered line that only asks: in a question-and-answer text it heads its answer,
# which is the evidence; the question itself states nothing to cite.
_QUESTION = lazy_re(r"^\s*(?:问\s*[:\uff1a]|[Qq]\s*[:\uff1a]|[^。;\uff1b]*[?\uff1f]\s*$)")
# A paragraph that opens with the name of a part ("报名条件:", "服务内容:"): in a notice without numbered
# chapters, such names are its parts. The name ends like the name of a part, not like a field ("电话:").
_LABELLED = lazy_re(
    r"^([\u4e00-\u9fff]{0,6}(?:条件|安排|内容|时间|方式|材料|要求|承诺|变更|说明|事项|流程|程序|对象|范围|标准|地点|办法|须知|规则|责任|保障))"
    r"\s*[:\uff1a]"
)
# Numbered parts (and an explainer's ■ heads): a notice that has them is outlined by them.
_CHAPTER_KINDS = frozenset({"part", "cn", "chapter", "article", "mark"})
# Paragraphs longer than this are also indexed sentence by sentence.
SENTENCE_SPLIT_MIN = 60


def cn_number(token: str) -> int:
    """Read a Chinese or Arabic numeral of the sizes notices use (一 .. 九十九)."""
    if len(token) == 1 and "\u2460" <= token <= "\u2473":  # ① .. ⑳
        return ord(token) - 0x2460 + 1
    if token.isdigit():
        return int(token)
    if "十" in token:
        tens, _, ones = token.partition("十")
        return _CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(ones, 0)
    return _CN_DIGITS.get(token, 0)


def split_sentences(text: str) -> list[str]:
    """Split a paragraph after 。!?; keeping the punctuation with its sentence."""
    return [s for s in (p.strip() for p in _SENTENCE_END.split(text)) if s]


@dataclass
class _Node:
    id: str
    label: str
    level: int
    kind: str
    path: str
    children: list[str] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)
    paragraphs: int = 0


def _match_marker(line: str) -> tuple[str, int, str] | None:
    for kind, pattern in _MARKERS:
        m = pattern.match(line)
        if m:
            return kind, cn_number(m.group(1)), m.group(2).strip()
    return None


def _split_label(marker_text: str, rest: str) -> tuple[str, str]:
    """Return (label, body) of a numbered line: '指导思想' and the text after it, or the whole heading."""
    head, dot, body = rest.partition("。")
    if dot and len(head) <= _LABEL_MAX and body.strip():
        return marker_text + head, body.strip()
    if not dot and len(rest) <= _LABEL_MAX:
        return marker_text + rest, ""
    return marker_text + (head if len(head) <= _LABEL_MAX else head[:_LABEL_MAX] + "…"), rest


_LIST_ITEM_MAX = 60  # an item longer than this is a part with its own paragraphs, not a line of a list


def _closes_list(stack: list[_Node], nodes: dict[str, _Node]) -> bool:
    """Whether the innermost node is a short list item, one of several, whose paragraph has ended."""
    if len(stack) < 3:
        return False
    node, parent = stack[-1], stack[-2]
    if node.kind not in ("num", "num_paren") or node.children or node.paragraphs != 1 or len(node.clauses) != 1:
        return False
    siblings = [nodes[c] for c in parent.children if nodes[c].kind == node.kind]
    return len(siblings) >= 2 and all(len(c.label) <= _LIST_ITEM_MAX and len(c.clauses) <= 1 for c in siblings)


def parse_notice(text: str, key: str = "notice", meta: dict | None = None) -> Notice:
    """Parse the notice text (title on the first line) into a Notice with sections and clauses."""
    lines = [ln.strip() for ln in text.replace("\r\n", "\n").split("\n")]
    lines = [ln for ln in lines if ln]
    notice = Notice(key=key, text=text, meta=dict(meta or {}))
    root = _Node(id="", label="", level=0, kind="root", path="")
    nodes: dict[str, _Node] = {"": root}
    stack: list[_Node] = [root]
    level_of: dict[str, int] = {}  # marker kind -> nesting level, learnt in order of appearance
    heads: set[str] = set()  # an explainer's lines that head the lines below them
    sep = " › "

    def add(clause: Clause, node: _Node) -> None:
        notice.clauses.append(clause)
        node.clauses.append(clause.id)

    table: dict[str, tuple[str, int]] = {}  # node id -> the header of the table it holds, and its columns

    def add_paragraph(node: _Node, body: str, kind: str, inline_id: str | None = None) -> None:
        """Add a paragraph and, when it is long, each of its sentences (a bare item label is no sentence)."""
        node.paragraphs += 1
        cid = inline_id or (f"{node.id}.p{node.paragraphs}" if node.id else f"pre.p{node.paragraphs}")
        path = node.path or "导语"
        columns = len(_CELL_SEP.findall(body))
        header = table.get(node.id)
        if columns >= 2 and header and header[1] == columns:
            # A row of a table flattened into a line ("2｜工业软件…｜5万元｜40%"): its header names its cells.
            path = f"{path} › {header[0]}"
        elif columns >= 2 and not header:
            table[node.id] = (body, columns)
        else:
            table.pop(node.id, None)
        add(Clause(cid, path, body, kind, node.id or "pre"), node)
        sentences = split_sentences(body)
        if len(body) >= SENTENCE_SPLIT_MIN and len(sentences) > 1:
            for i, sentence in enumerate(sentences, 1):
                # An item's bare label ("(二)市级推荐。") is kept for outlines, but answers nothing alone.
                is_label = i == 1 and inline_id is not None and node.label.startswith(sentence.rstrip("。"))
                kind = "label" if is_label else "sentence"
                add(Clause(f"{cid}.s{i}", path, sentence, kind, node.id or "pre", parent=cid), node)

    body_lines = list(lines)
    if body_lines:
        title = body_lines.pop(0)
        notice.meta.setdefault("title", title)
        add(Clause("title", "标题", title, "title", "title"), root)
    # The closing lines: a date, and the issuers' names just above it.
    tail: list[Clause] = []
    # An attachment's own text may follow the closing lines ("2026年3月16日" then "附件1" and a form):
    # it is kept apart and read after them, so that the date and the issuers are still found.
    appended: list[str] = []
    for i in range(len(body_lines) - 2, 0, -1):
        if _DATE_LINE.match(body_lines[i]) and _APPENDED_ATTACHMENT.match(body_lines[i + 1]):
            appended, body_lines = body_lines[i + 1 :], body_lines[: i + 1]
            break
    if body_lines and _DATE_LINE.match(body_lines[-1]):
        tail.append(Clause("date", "落款", body_lines.pop(), "date", "sig"))
        if (
            body_lines
            and len(body_lines[-1]) <= 60
            and "。" not in body_lines[-1]
            and not _match_marker(body_lines[-1])
        ):
            signatures = [body_lines.pop()]
            # Joint issuers often stand one per line: each line above that names an office is an issuer too.
            while body_lines and _ISSUER_LINE.match(body_lines[-1]) and not _match_marker(body_lines[-1]):
                signatures.insert(0, body_lines.pop())
            tail[:0] = [
                Clause("sig" if i == 0 else f"sig{i + 1}", "落款", name, "signature", "sig")
                for i, name in enumerate(signatures)
            ]
    if body_lines and body_lines[0].endswith((":", "\uff1a")) and len(body_lines[0]) <= 60:
        add(Clause("to", "主送", body_lines.pop(0), "addressee", "to"), root)

    attachments: _Node | None = None
    lines_in = body_lines + appended
    for at, line in enumerate(lines_in):
        att = _ATTACHMENT_LINE.match(line)
        if att and attachments is None and len(line) < 120:
            attachments = _Node(id="att", label="附件", level=1, kind="attachments", path="附件")
            nodes["att"] = attachments
            root.children.append("att")
            stack = [root, attachments]
            if att.group(1):
                add_paragraph(attachments, att.group(1), "paragraph")
            continue
        marker = None if attachments is not None else _match_marker(line)
        labelled = _LABELLED.match(line) if marker is None and attachments is None else None
        if labelled and not any(n.kind in _CHAPTER_KINDS for n in nodes.values()):
            # "报名条件:……" in a notice with no numbered parts opens a part of its own: what follows is its.
            count = sum(1 for n in nodes.values() if n.kind == "labelled") + 1
            label = labelled.group(1)
            node = _Node(id=f"L{count}", label=label, level=1, kind="labelled", path=label)
            nodes[node.id] = node
            root.children.append(node.id)
            stack[:] = [root, node]
            level_of.clear()  # the lists under it nest below it, whatever level they had before
            add_paragraph(node, line, "paragraph")
            continue
        if marker is None and attachments is None and _ASKED.match(line):
            # "Q:设备去年12月买的,能报吗?" heads the answer that follows ("A:能。……"): the answer is the
            # evidence, cited under its question; the question itself states nothing.
            while len(stack) > 1 and stack[-1].kind not in _CHAPTER_KINDS:
                stack.pop()
            parent = stack[-1]
            count = sum(1 for c in parent.children if nodes[c].kind == "qa") + 1
            node_id = f"{parent.id}.q{count}" if parent.id else f"q{count}"
            label = line if len(line) <= _LABEL_MAX * 2 else line[: _LABEL_MAX * 2] + "…"
            path = f"{parent.path}{sep}{label}" if parent.path else label
            node = _Node(id=node_id, label=label, level=parent.level + 1, kind="qa", path=path)
            nodes[node_id] = node
            parent.children.append(node_id)
            stack.append(node)
            add(Clause(f"{node_id}.h", path, line, "heading", node_id), node)
            continue
        if marker is None:
            # A paragraph after the last item of a list ("6.信用承诺书。" then "纸质材料一式三份……") belongs
            # to the part that holds the list, not to that one item.
            if _closes_list(stack, nodes):
                stack.pop()
            add_paragraph(stack[-1], line, "paragraph")
            continue
        kind, number, rest = marker
        if kind in _BULLETS:
            # An explainer's lines nest under the nearest head, not by the order their marks first appeared:
            # "① 设备数字化改造" with ● lines below it, or "◆ 以下情形不予支持:" with ① items, is a head itself;
            # the next such head of the same mark ("② 工业软件订阅") is its sibling.
            following = _match_marker(lines_in[at + 1]) if at + 1 < len(lines_in) else None
            opens = rest.endswith((":", "\uff1a")) or (
                len(rest) <= _HEAD_MAX
                and not _SENTENCE_MARK.search(rest)
                and following is not None
                and following[0] in _BULLETS
                and following[0] != kind
            )
            head = next(
                (n for n in reversed(stack) if n.kind == "mark" or n.id in heads and not (opens and n.kind == kind)),
                root,
            )
            level = head.level + 1
        else:
            opens = False
            if kind not in level_of:
                level_of[kind] = stack[-1].level + 1 if stack[-1].kind != kind else stack[-1].level
            level = level_of[kind]
        while len(stack) > 1 and stack[-1].level >= level:
            stack.pop()
        parent = stack[-1]
        if not number:  # a mark with no numeral (■, ●): numbered in order among its siblings of the kind
            number = sum(1 for c in parent.children if nodes[c].kind == kind) + 1
        node_id = f"{parent.id}.{number}" if parent.id else str(number)
        while node_id in nodes:  # a renumbering slip in the source must not merge two sections
            node_id += "b"
        marker_text = line[: len(line) - len(rest)] if rest else line
        # "第一部分 总体安排": the space after the marker stays in the label.
        label, body = _split_label(marker_text.strip() + (" " if marker_text[-1:].isspace() else ""), rest)
        path = f"{parent.path}{sep}{label}" if parent.path else label
        node = _Node(id=node_id, label=label, level=level, kind=kind, path=path)
        nodes[node_id] = node
        parent.children.append(node_id)
        stack.append(node)
        if opens:
            heads.add(node_id)
        if (body or rest.endswith(_ITEM_ENDS) or kind in _BULLETS) and not _QUESTION.match(rest):
            # The numbered line itself, label included, is the item's first paragraph; a short item that
            # ends like a sentence ("(2)营业执照复印件;") is content too, not a heading.
            add_paragraph(node, line, "item", inline_id=node_id)
        else:
            add(Clause(f"{node_id}.h", path, line, "heading", node_id), node)

    for clause in tail:
        add(Clause(clause.id, clause.path, clause.text, clause.kind, clause.section), root)
    notice.sections = [
        Section(n.id, n.label, n.path, n.level, tuple(n.children), tuple(n.clauses)) for n in nodes.values() if n.id
    ]
    notice.meta["toc"] = list(root.children)
    return notice
