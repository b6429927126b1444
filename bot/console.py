"""The local console chat: the embedded default front end when no Telegram token is set."""

from __future__ import annotations

import sys

from handlers import Answer, Context

from . import library
from .chat import ask

PROMPT = "问> "
WELCOME = """\
《{title}》问答。直接输入问题并回车,例如:申报截止时间是什么时候?
/help 帮助 · /quit 退出(或 Ctrl-D)"""
HELP = """\
可以问:申报截止时间、申报材料和报送方式、奖补资金金额和用途、企业或区的资格、改造目标、评审流程、联系方式。
回答先给结论,再列出通知原文的出处(章节路径和原文)。通知没有写的内容,会直接说明“通知中未涉及”。
追问可以省略主语,例如先问“实施期第一年到什么时候”,再问“第二年呢?”。
命令:/source <条款编号> 查看原文 · /reset 清除上下文 · /help 帮助 · /quit 退出
上下方向键翻看输入历史,左右方向键移动光标。要在 Telegram 上提供服务:设置 TELEGRAM_BOT_TOKEN 后运行 python -m bot。"""
QUIT = ("/quit", "/exit", "quit", "exit")


def format_answer(answer: Answer) -> str:
    """The answer for a person: the direct answer, then each citation as section path and quote."""
    lines = [answer.text]
    if answer.citations:
        lines.append("")
        lines.append("依据:")
        for n, c in enumerate(answer.citations, 1):
            lines.append(f"[{n}] {c.path}(条款 {c.id})")
            lines.append(f"    “{c.quote}”")
    return "\n".join(lines)


def reply(line: str, context: Context) -> str | None:
    """The console's reply to one input line; None means quit."""
    text = line.strip()
    if text in QUIT:
        return None
    if text in ("/help", "/start", "help"):
        return HELP
    if text == "/reset":
        context.remember(None, None, None, None)
        return "上下文已清除。"
    if text.startswith("/source"):
        from handlers.browse import clause_card

        card = clause_card(text.removeprefix("/source").strip(), library.current())
        return format_answer(card) if card else "没有这个条款编号。条款编号见回答里“条款”后的编号,例如 /source 6.1.p2"
    return format_answer(ask(text, context).answer)


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
            out = reply(line, context)
            if out is None:
                return 0
            print(out + ("\n" if interactive else ""), file=stdout, flush=True)
    except KeyboardInterrupt:  # Ctrl-C ends the chat like Ctrl-D, without a traceback
        pass
    if interactive:
        print(file=stdout)
    return 0
