"""`python -m bot`: Telegram when TELEGRAM_BOT_TOKEN is set, else the console chat; plus ask, --jsonl, eval.

Answering from the command line never imports `telegram`: it costs start-up time and is not needed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

EXAMPLES = """\
examples:
  python -m bot                          Telegram if TELEGRAM_BOT_TOKEN is set, else the console chat
  python -m bot ask "申报截止时间"        one answer, then the clauses it rests on
  echo 申报截止时间 | python -m bot --jsonl  one JSON object a line
"""
NOTICE_HELP = (
    "the notice to answer from: a folder name under knowledge/notices/ (default: NOTICE_BOT_NOTICE or the newest)"
)


def _parser() -> argparse.ArgumentParser:
    """The command line; each subcommand's --help shows its own usage only."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="notice-bot: answers questions about a notice, citing its clauses.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--jsonl", action="store_true", help="one question a line on stdin, one JSON object a line out")
    parser.add_argument("--notice", metavar="KEY", help=NOTICE_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    ask = sub.add_parser("ask", help="answer one question", description="Answer one question, citing the notice.")
    ask.add_argument("question", nargs="*", help="the question (read from stdin when absent)")
    ask.add_argument("--json", action="store_true", help="print one JSON object (the JSON contract)")
    ask.add_argument("--jsonl", action="store_true", help="one question a line on stdin, one JSON object a line out")
    ask.add_argument("--notice", metavar="KEY", dest="ask_notice", help=NOTICE_HELP)
    sub.add_parser("notices", help="list the notices: key, date, title", description="List the notices.")
    ev = sub.add_parser("eval", help="score the bot on an evaluation file", description="Score the bot.")
    ev.add_argument(
        "file", nargs="?", type=Path, metavar="FILE", help="an eval.yaml-format file (default: the notice's eval.yaml)"
    )
    check = sub.add_parser(
        "check-knowledge", help="validate knowledge/ (exit 1 with the reason)", description="Validate notices."
    )
    check.add_argument("folder", nargs="?", type=Path, metavar="FOLDER", help="knowledge/ or one notice folder")
    sub.add_parser("serve", help="serve Telegram (needs TELEGRAM_BOT_TOKEN)", description="Serve Telegram.")
    sub.add_parser("console", help="the console chat", description="Chat in the terminal.")
    pic = sub.add_parser(
        "picture", help="write the notice's 一图读懂 picture (PNG)", description="Draw the notice's picture."
    )
    pic.add_argument("-o", "--output", type=Path, required=True, help="the PNG file to write")
    pic.add_argument("--notice", metavar="KEY", dest="picture_notice", help=NOTICE_HELP)
    return parser


def _utf8_stdio() -> None:
    """Chinese in and out whatever the locale of the host says."""
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="replace")
        except (AttributeError, ValueError):
            pass


def _answerer(notice: str | None):
    """question -> Answer: from the named notice alone, or from the notice each question goes to."""
    from handlers import answer_question
    from handlers.routing import answer_in_library
    from knowledge.library import Library

    library = Library()
    if notice:
        kb, title = library.get(notice), library.notices[notice].short_title

        def from_notice(question: str):
            answer = answer_question(question, kb=kb)
            answer.notice_title = title
            return answer

        return from_notice
    return lambda question: answer_in_library(question, library=library)


# What a line gets when answering it failed: the same JSON contract, answered false, never a traceback.
FAILED_INTENT = "error"
_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_ENDS = {ord(ch): f"\\u{ord(ch):04x}" for ch in "\x85\u2028\u2029"}
FAILED_TEXT = "抱歉，这个问题暂时无法回答，请换个说法再问，或直接查看通知原文。"


class _Guard:
    """Answers one line at a time; a failure becomes a polite answer and one log line, never a crash."""

    def __init__(self, answerer, stderr=None, notice: str | None = None) -> None:
        self.answerer = answerer  # question -> Answer (_answerer)
        self.notice = notice or ""
        self.stderr = stderr or sys.stderr
        self.failures = 0

    def answer(self, question: str, number: int = 1):
        """The Answer to one question, or a polite not-answered one when answering raised."""
        from handlers.model import Answer

        try:
            return self.answerer(question)
        except Exception as exc:  # noqa: BLE001 - any bug in one line must not cost the lines after it
            self.failures += 1
            where = _where(exc)
            # One line per failed input, without the question (it may be long or private) or a traceback.
            print(f"line {number}: could not answer: {type(exc).__name__} at {where}", file=self.stderr, flush=True)
            return Answer(
                question=question,
                answered=False,
                intent=FAILED_INTENT,
                text=FAILED_TEXT,
                kind="message",
                notice=self.notice or _default_notice(),
            )


def _default_notice() -> str:
    """The notice a question goes to when it names none: what a failed line is reported against."""
    from knowledge.library import Library

    return Library().default_key()


def _where(exc: BaseException) -> str:
    """file:line of the innermost frame of our own code that raised, for the one-line failure log."""
    tb, place = exc.__traceback__, "?"
    while tb is not None:
        path = Path(tb.tb_frame.f_code.co_filename)
        if any(part in ("bot", "handlers", "knowledge") for part in path.parts[-2:-1]):
            place = f"{path.parent.name}/{path.name}:{tb.tb_lineno}"
        tb = tb.tb_next
    return place


def _json_line(answer) -> str:
    """One JSON object on one line, whatever splitter reads it; a lone surrogate is written as U+FFFD.

    json.dumps escapes the ASCII controls but keeps U+0085, U+2028 and U+2029, which str.splitlines and
    JavaScript readers take for line ends; they are written as \\u escapes instead.
    """
    text = _SURROGATE.sub("\ufffd", json.dumps(answer.to_json(), ensure_ascii=False))
    return text.translate(_LINE_ENDS)


def jsonl(stdin=None, stdout=None, notice: str | None = None, stderr=None) -> int:
    """One question a line in, one JSON object a line out, in order, flushed each; stateless."""
    guard = _Guard(_answerer(notice), stderr, notice)
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    for number, line in enumerate(stdin, start=1):
        question = line.rstrip("\r\n")
        stdout.write(_json_line(guard.answer(question, number)) + "\n")
        stdout.flush()
    return 0


def notices() -> int:
    """The notices the bot knows: key, date and title, the default one marked."""
    from knowledge.library import Library

    library = Library()
    default = library.default_key()
    for info in library.notices.values():
        mark = "*" if info.key == default else " "
        print(f"{mark} {info.key}\t{info.date or '-'}\t{info.title}")
    return 0


def ask(question: str, as_json: bool, notice: str | None = None) -> int:
    from knowledge.library import Library

    from .console import format_answer

    answer = _Guard(_answerer(notice), notice=notice).answer(question)
    titles = {key: info.short_title for key, info in Library().notices.items()} if answer.alternatives else None
    print(
        _json_line(answer) if as_json else format_answer(answer, titles, "用 --notice <编号> "),
        flush=True,
    )
    return 0


def picture(path: Path, notice: str | None = None) -> int:
    """Write the notice's card as PNG, its dates counted against today in Beijing."""
    from handlers.clock import today

    from .picture import card_picture

    from knowledge.library import Library

    _, png = card_picture(Library().get(notice), today())
    try:
        path.write_bytes(png)
    except OSError as exc:
        print(f"无法写入图片 / cannot write the picture: {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"{path}: {len(png) // 1024} KB")
    return 0


def evaluate(path: Path | None, notice: str | None = None) -> int:
    """Score the bot on an evaluation file; without one, on the notice's own eval.yaml."""
    from functools import partial

    from handlers import answer_question
    from handlers.evaluate import EvalFormatError, format_report, load_items, score

    from knowledge.library import Library

    notices = Library()
    kb = notices.get(notice)
    path = path or notices.notices[kb.key].folder / "eval.yaml"
    if not path.is_file():
        print(f"没有找到评测文件:{path}", file=sys.stderr)
        return 2
    try:
        items = load_items(path)
    except EvalFormatError as exc:
        print(f"评测文件格式错误:{exc}", file=sys.stderr)
        return 2
    print(format_report(score(items, partial(answer_question, kb=kb), source=str(path))))
    return 0


def check_knowledge(folder: Path | None) -> int:
    """Validate one notice folder, or every notice under a folder (knowledge/, knowledge/notices/, or the default)."""
    from knowledge.base import build
    from knowledge.loader import NOTICES_DIR, KnowledgeError, notice_folders

    if folder is not None and (folder / "notice.txt").is_file():
        folders = [folder]
    else:
        root = folder or NOTICES_DIR
        folders = notice_folders(root) or notice_folders(root / "notices")
        if not folders:
            print(
                f"knowledge 校验失败 / knowledge is invalid:\n{root}: no notice folder (a folder with notice.txt)",
                file=sys.stderr,
            )
            return 1
    failed = 0
    for one in folders:
        try:
            kb = build(one, validate=True)
        except KnowledgeError as exc:
            print(f"knowledge 校验失败 / knowledge is invalid:\n{exc}", file=sys.stderr)
            failed += 1
            continue
        f = kb.facts
        print(
            f"OK: {kb.notice.key}: {len(kb.notice.clauses)} clauses, {len(f.notes)} clause notes, "
            f"{len(f.dates)} dates, "
            f"{len(f.expenses)} expense rules, {sum(len(c) for c in f.conditions.values())} eligibility conditions, "
            f"{len(f.gaps)} not-covered topics"
        )
    return 1 if failed else 0


def serve() -> int:
    """Serve Telegram with the store: persistence, the question log and the admin commands."""
    from .config import Config, ConfigError
    from .store import Store
    from .telegram.app import TokenRejected, run

    try:
        config = Config.from_env()
    except ConfigError as exc:
        print(f"配置错误 / configuration error: {exc}", file=sys.stderr)
        return 2
    store = Store(config.db_path)
    store.forget_old_updates()  # Telegram redelivers for 24 hours; older handled ids are of no use
    try:
        run(config, store=store)
    except TokenRejected as exc:
        print(f"配置错误 / configuration error: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()  # run() returns after shutdown has saved and flushed the persistence
    return 0


def main(argv: list[str] | None = None) -> int:
    from knowledge.loader import KnowledgeError

    _utf8_stdio()
    args = _parser().parse_args(argv)
    notice = getattr(args, "ask_notice", None) or args.notice
    try:
        if args.jsonl or (args.command == "ask" and args.jsonl):
            return jsonl(notice=notice)
        if args.command == "ask":
            question = " ".join(args.question) if args.question else sys.stdin.read()
            return ask(question, args.json, notice)
        if args.command == "notices":
            return notices()
        if args.command == "picture":
            return picture(args.output, args.picture_notice or args.notice)
        if args.command == "eval":
            return evaluate(args.file, notice)
    except KnowledgeError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
    if args.command == "check-knowledge":
        return check_knowledge(args.folder)
    if args.command == "serve" or (args.command is None and os.environ.get("TELEGRAM_BOT_TOKEN")):
        return serve()
    from .console import run_console

    return run_console()


def _main_quiet_on_closed_pipe() -> int:
    """`python -m bot --jsonl | head` ends quietly when the reader stops reading."""
    try:
        return main()
    except BrokenPipeError:
        # Python's recommended way: point stdout at devnull so the interpreter's final flush cannot fail.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(_main_quiet_on_closed_pipe())
