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

USAGE = """\
python -m bot                      Telegram bot if TELEGRAM_BOT_TOKEN is set, else the console chat
python -m bot ask "问题" [--json] [--notice KEY]   answer one question
python -m bot --jsonl [--notice KEY]              one question a line on stdin -> one JSON object a line on stdout
python -m bot notices              list the notices: key, date, title
python -m bot eval FILE            score the bot on an evaluation file (same format as eval.yaml)
python -m bot check-knowledge      validate knowledge/ (exit 1 with reasons if it is broken)
python -m bot serve                serve Telegram (needs TELEGRAM_BOT_TOKEN)
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="notice-bot", usage=USAGE)
    parser.add_argument("--jsonl", action="store_true", help="answer stdin lines as JSON lines")
    parser.add_argument("--notice", help="the notice to answer from (a folder name under knowledge/notices/)")
    sub = parser.add_subparsers(dest="command")
    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question", nargs="*", help="the question (or read from stdin when absent)")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--jsonl", action="store_true", help="answer stdin lines as JSON lines")
    ask.add_argument(
        "--notice", dest="ask_notice", help="the notice to answer from (default: NOTICE_BOT_NOTICE or the newest)"
    )
    sub.add_parser("notices", help="list the notices")
    ev = sub.add_parser("eval", help="score an evaluation file")
    ev.add_argument("file", type=Path)
    check = sub.add_parser("check-knowledge", help="validate knowledge/")
    check.add_argument("folder", nargs="?", type=Path, help="a notice folder (default: the bundled notice)")
    sub.add_parser("serve", help="serve Telegram")
    sub.add_parser("console", help="the console chat")
    return parser


def _utf8_stdio() -> None:
    """Chinese in and out whatever the locale of the host says."""
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="replace")
        except (AttributeError, ValueError):
            pass


def _knowledge(key: str | None):
    """The knowledge base of the named notice, or of the default one; KnowledgeError for an unknown key."""
    from knowledge.library import Library

    return Library().get(key)


# What a line gets when answering it failed: the same JSON contract, answered false, never a traceback.
FAILED_INTENT = "error"
_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_ENDS = {ord(ch): f"\\u{ord(ch):04x}" for ch in "\x85\u2028\u2029"}
FAILED_TEXT = "抱歉，这个问题暂时无法回答，请换个说法再问，或直接查看通知原文。"


class _Guard:
    """Answers one line at a time; a failure becomes a polite answer and one log line, never a crash."""

    def __init__(self, kb, stderr=None) -> None:
        self.kb = kb
        self.stderr = stderr or sys.stderr
        self.failures = 0

    def answer(self, question: str, number: int = 1):
        """The Answer to one question, or a polite not-answered one when answering raised."""
        from handlers import answer_question
        from handlers.model import Answer

        try:
            return answer_question(question, kb=self.kb)
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
                notice=getattr(getattr(self.kb, "notice", None), "key", ""),
            )


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
    guard = _Guard(_knowledge(notice), stderr)
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
    """Answer one question; a failure inside answering still prints a polite answer."""
    from .console import format_answer

    answer = _Guard(_knowledge(notice)).answer(question)
    print(_json_line(answer) if as_json else format_answer(answer), flush=True)
    return 0


def evaluate(path: Path) -> int:
    from handlers.evaluate import EvalFormatError, format_report, load_items, score

    if not path.is_file():
        print(f"没有找到评测文件:{path}", file=sys.stderr)
        return 2
    try:
        items = load_items(path)
    except EvalFormatError as exc:
        print(f"评测文件格式错误:{exc}", file=sys.stderr)
        return 2
    print(format_report(score(items, source=str(path))))
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
    """Serve Telegram with the store, persistence, admin tools and the flood guard wired in."""
    from telegram import Update
    from telegram.ext import TypeHandler

    from .telegram.admin import AdminTools
    from .config import Config, ConfigError
    from .telegram.flood import FloodLimiter, flood_guard
    from .telegram.persistence import SQLitePersistence
    from .store import Store
    from .telegram.app import TokenRejected, help_command, run
    from .telegram.updates import current_update_id

    try:
        config = Config.from_env()
    except ConfigError as exc:
        print(f"配置错误 / configuration error: {exc}", file=sys.stderr)
        return 2
    store = Store(config.db_path)
    store.forget_old_updates()  # Telegram redelivers for 24 hours; older handled ids are of no use
    admin = AdminTools(store, config.admin_ids, fallback=help_command)
    try:
        run(
            config,
            persistence=SQLitePersistence(store, idle_days=config.state_days),
            # with the update's id, so that an update delivered again after a crash keeps one row
            on_answer=lambda chat, answer, ms: store.log_answer(chat, answer, ms, update_id=current_update_id.get()),
            on_delivered=store.mark_delivered,
            update_log=store,
            on_feedback=store.log_feedback_for,
            extra_handlers=[
                (TypeHandler(Update, flood_guard(FloodLimiter())), -1),  # before every other handler
                *((handler, 0) for handler in admin.handlers()),  # before the unknown-command reply
            ],
        )
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
    except KnowledgeError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
    if args.command == "eval":
        return evaluate(args.file)
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
