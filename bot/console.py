"""The local console chat: the embedded default front end when no Telegram token is set."""

from __future__ import annotations

import sys

from handlers import Answer, Context

from . import library
from .chat import ask

PROMPT = "问> "
WELCOME = """\
《{title}》问答。直接输入问题并回车,例如:申报截止时间是什么时候?
/help 帮助 · /notices 通知列表 · /quit 退出(或 Ctrl-D)"""
HELP = """\
可以问:申报截止时间、申报材料和报送方式、奖补资金金额和用途、企业或区的资格、改造目标、评审流程、联系方式。
回答先给结论,再列出通知原文的出处(章节路径和原文)。通知没有写的内容,会直接说明“通知中未涉及”。
追问可以省略主语,例如先问“实施期第一年到什么时候”,再问“第二年呢?”。
命令:/source <条款编号> 查看原文 · /notices 通知列表 · /notice <编号> 选定通知
/reset 清除上下文 · /help 帮助 · /quit 退出
上下方向键翻看输入历史,左右方向键移动光标。要在 Telegram 上提供服务:设置 TELEGRAM_BOT_TOKEN 后运行 python -m bot。"""
QUIT = ("/quit", "/exit", "quit", "exit")


ALSO = "(另有{titles}也涉及这个问题;{how}选定通知后再问:{keys})"
CHOOSE = "用 /notice <编号> "  # how the console chooses a notice; the CLI says --notice


def format_answer(answer: Answer, titles: dict[str, str] | None = None, how: str = CHOOSE) -> str:
    """The answer for a person: its notice's short title, the direct answer, then each citation's path and quote.

    titles: short title by notice key, to name the other notices that fit about as well (answer.alternatives).
    """
    # A comparison names each notice in its text; any other answer opens with its notice's short title.
    head = answer.notice_title and not answer.compared
    lines = [f"《{answer.notice_title}》", answer.text] if head else [answer.text]
    if answer.citations:
        lines.append("")
        lines.append("依据:")
        for n, c in enumerate(answer.citations, 1):
            # A clause of another notice than the answer's own is shown by the id /source needs for it.
            lines.append(f"[{n}] {c.path}(条款 {c.id if c.notice == answer.notice else c.uid})")
            lines.append(f"    “{c.quote}”")
    if answer.alternatives and titles:
        named = "".join(f"《{titles.get(k, k)}》" for k in answer.alternatives)
        lines += ["", ALSO.format(titles=named, how=how, keys=", ".join(answer.alternatives))]
    return "\n".join(lines)


def _notices_text(chosen: str | None) -> str:
    """The notices the console knows, the chosen (or default) one marked."""
    known = library.notices()
    mark = chosen or known.default_key()
    return "\n".join(
        f"{'*' if key == mark else ' '} {key}  {info.date or '-'}  《{info.short_title}》"
        for key, info in known.notices.items()
    )


def reply(line: str, context: Context, session: dict | None = None) -> str | None:
    """The console's reply to one input line; None means quit. session["notice"] is the chosen notice."""
    session = {} if session is None else session
    text = line.strip()
    if text in QUIT:
        return None
    if text in ("/help", "/start", "help"):
        return HELP
    if text == "/reset":
        context.remember(None, None, None, None)
        return "上下文已清除。"
    if text.startswith("/source"):
        from handlers.browse import source_card

        card = source_card(text.removeprefix("/source").strip(), library.notices())
        return format_answer(card) if card else "没有这个条款编号。条款编号见回答里“条款”后的编号,例如 /source 6.1.p2"
    if text == "/notices":
        return _notices_text(session.get("notice"))
    if text.startswith("/notice"):
        key = text.removeprefix("/notice").strip()
        if key not in library.notices().notices:
            return "没有这个通知编号。可选:\n" + _notices_text(session.get("notice"))
        session["notice"] = key
        return f"已选定《{library.notices().notices[key].short_title}》。"
    known = library.notices()
    answer = ask(text, context, session.get("notice")).answer
    return format_answer(answer, {k: i.short_title for k, i in known.notices.items()})


def _typed_lines():
    """Lines typed at a terminal, edited with readline: arrow keys move the cursor and walk the history."""
    import readline  # noqa: F401 - importing it is what gives input() line editing and history

    while True:
        try:
            yield input(PROMPT) + "\n"
        except EOFError:  # Ctrl-D
            return


def run_console(stdin=None, stdout=None) -> int:
    """Chat on the terminal; when stdin is not a terminal, answer each line and exit at its end."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    interactive = stdin.isatty()
    context = Context()
    session: dict = {}
    if interactive:
        print(WELCOME.format(title=library.current().notice.meta.get("title", "")), file=stdout, flush=True)
    # readline edits only the real terminal; another interactive stream (tests) is read as it is.
    lines = _typed_lines() if interactive and stdin is sys.stdin else stdin
    try:
        for line in lines:
            if not line.strip():
                if not interactive:
                    print("(空行:请输入问题)", file=stdout, flush=True)
                continue
            out = reply(line, context, session)
            if out is None:
                return 0
            print(out + ("\n" if interactive else ""), file=stdout, flush=True)
    except KeyboardInterrupt:  # Ctrl-C ends the chat like Ctrl-D, without a traceback
        pass
    if interactive:
        print(file=stdout)
    return 0
