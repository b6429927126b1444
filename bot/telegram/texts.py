"""Everything the Telegram bot says: reply texts, button labels and the command menu, in Chinese.

Texts sent with parse_mode HTML are marked (HTML); their placeholders must be filled with escaped values.
"""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    """One bot command: its menu entries (Chinese, English), its argument, and what the README says of it."""

    name: str
    menu: str  # the Chinese menu entry, also the /help line
    menu_en: str  # the menu entry for users whose Telegram speaks English (language_code "en")
    about: str  # the README's description
    argument: str = ""  # shown after the command in /help and the README: <required> or [optional]
    admin: bool = False  # only for ADMIN_IDS: in their chats' menu, never the public one


# The one list of commands: /help, the command menus (set_my_commands) and the README's table come from it.
COMMANDS: tuple[Command, ...] = (
    Command(
        "start",
        "开始:我能回答什么",
        "Start: what I can answer",
        "what the bot answers, with buttons for the common topics",
    ),
    Command("help", "使用说明", "How to ask", "the commands and how to ask"),
    Command("deadline", "申报截止时间", "Application deadline", "every deadline the notice sets, with its clause"),
    Command("funding", "资金总额", "Funding amount", "the money the notice sets (its cap), with its clause"),
    Command(
        "eligibility",
        "申报资格自查(逐项回答)",
        "Eligibility check, step by step",
        "a guided check with buttons: district or enterprise, one question per condition, then the verdict "
        "(符合 / 不符合 / 需进一步确认) with the reason and clause for each condition; "
        "back, cancel and restart buttons",
    ),
    Command(
        "sections", "浏览通知目录", "Browse the notice", "the notice's table of contents, down to each clause's text"
    ),
    Command(
        "faq",
        "常见问题",
        "Common questions",
        "curated questions (`knowledge/notices/*/faq.yaml`), each opening a forwardable answer card",
    ),
    Command(
        "source",
        "查看条款原文",
        "Quote a clause",
        "the verbatim clause, e.g. `/source 6.1.p2.s1`; each citation under an answer links to its own",
        argument="<条款编号>",
    ),
    Command(
        "picture",
        "一图读懂(可转发的图片)",
        "The notice in one picture",
        "the notice's 一图读懂 picture as a photo to forward (dates, money, conditions, materials, contacts); "
        "inline mode (`@bot` with nothing typed) offers it too once it has been sent once",
    ),
    Command(
        "notices",
        "收录的通知:查看和选择",
        "The notices I know",
        "the notices the bot knows, with buttons that set the chat's notice (kept with the chat's data)",
    ),
    Command(
        "subscribe",
        "订阅新通知提醒",
        "Subscribe to new notices",
        "when a `/reload` brings in a new notice, subscribers get one message with its title, its deadline and "
        "its money",
    ),
    Command("unsubscribe", "取消订阅", "Unsubscribe", "stop the messages about new notices"),
    Command(
        "stats",
        "使用统计",
        "Usage statistics",
        "a chart of questions per day over 30 days, the share answered, the top intents and 👍/👎, then the "
        "figures as text: questions today, this week and in all; share answered; top intents and sections",
        admin=True,
    ),
    Command(
        "unanswered",
        "未能回答或被点👎的问题",
        "Unanswered or downvoted questions",
        "recent unanswered or 👎 questions, grouped, as a message and a CSV file",
        argument="[天数]",
        admin=True,
    ),
    Command(
        "reload",
        "重新读取知识库",
        "Reload the knowledge",
        "re-reads `knowledge/`, new and removed notice folders included; broken knowledge is refused with the "
        "reason and the old stays in use",
        admin=True,
    ),
)

# The bot's profile (set_my_description, set_my_short_description): shown before a user's first message.
DESCRIPTION = "我回答关于《{title}》的问题:截止时间、申报条件、材料、资金和流程,每个回答都附上通知原文作为依据。"
SHORT_DESCRIPTION = "《{title}》问答,附通知原文依据。"
DESCRIPTION_EN = (
    "I answer questions about the notice 《{title}》: deadlines, eligibility, materials, funding and process, "
    "each answer with the verbatim clauses it rests on."
)
SHORT_DESCRIPTION_EN = "Questions about 《{title}》, answered with the clauses."
MAX_DESCRIPTION, MAX_SHORT_DESCRIPTION = 512, 120  # Telegram's limits


def help_text(username: str, *, admin: bool = False) -> str:
    """The /help message (HTML) from COMMANDS; admins also see their own commands. username: escaped."""
    lines = [
        html.escape(f"/{c.name}{' ' + c.argument if c.argument else ''} {c.menu}", quote=False)
        for c in COMMANDS
        if c.name not in ("start", "help") and (admin or not c.admin)
    ]
    return HELP_TEXT.format(commands="\n".join(lines), username=username)


def readme_table() -> str:
    """The README's table of Telegram commands (a test checks the README holds exactly this)."""
    rows = ["| command | what it does |", "| --- | --- |"]
    for c in COMMANDS:
        usage = f"/{c.name} {c.argument}" if c.argument else f"/{c.name}"
        rows.append(f"| `{usage}` | {'admins only: ' if c.admin else ''}{c.about} |")
    return "\n".join(rows)


# /start and /help (HTML)
START_TEXT = (
    "你好!我可以回答关于<b>{title}</b>的问题,并给出通知原文作为依据。\n\n"
    "直接发送问题即可,例如申报截止时间、资金支持、申报条件、需要提交的材料。"
    "也可以用下面的按钮,或发送 /help 查看全部命令。"
)
HELP_TEXT = (
    "<b>使用说明</b>\n"
    "直接发送问题,我会先给出答案,再附上通知原文;每段原文的章节名后有 /source_… 链接,点一下即可查看该条款。\n\n"
    "{commands}\n\n"
    "在群里:@我 或回复我的消息来提问。\n"
    "在任意聊天中输入 @{username} 加关键词,可以把答案卡片发到那里。"
)
GENERIC_TITLE = "这份通知"  # when the notice has no title

# Polite replies to errors and input the bot does not answer
SORRY_TEXT = "抱歉,处理你的消息时出了点问题,请稍后再试。"
SEND_FAILED_TEXT = "抱歉,答案没能发送成功(问题已记录)。请稍后再问一次。"
STALE_TEXT = "这个按钮已经过期了,请重新提问或重新打开菜单。"
NON_TEXT_TEXT = "我只能读懂文字问题。请用文字描述你想了解的内容,或发送 /help 查看用法。"
EDITED_TEXT = "修改过的消息我不会重新回答。如需答案,请把修改后的问题重新发送一次。"
UNKNOWN_COMMAND_TEXT = "没有这个命令。发送 /help 查看可用的命令。"
TOO_LONG_TEXT = "问题太长了(超过 {limit} 字)。请只写下你想问的那一句话。"
EMPTY_MENTION_TEXT = "请在 @{username} 后面写上你的问题,例如:@{username} 申报截止时间是什么时候?"
NOT_FOUND_TEXT = "没有找到这部分内容,请用 /sections 重新浏览。"

# /source (SOURCE_MISSING_TEXT is HTML)
SOURCE_USAGE_TEXT = "用法:/source 条款编号,例如 /source {example}。可以先用 /sections 浏览目录。"
SOURCE_MISSING_TEXT = "找不到条款 <code>{clause}</code>。可以用 /sections 浏览目录。"

# Feedback under an answer
FEEDBACK_THANKS = "谢谢你的反馈!"
FEEDBACK_DUPLICATE = "已经收到过你的反馈了。"

# The guided eligibility check (ELIG_INTRO and ELIG_STEP are HTML)
ELIG_INTRO = "<b>申报资格自查</b>\n请问你是以什么身份咨询?"
ELIG_STEP = "<b>申报资格自查</b>({index}/{total})\n{question}"
ELIG_CANCELLED = "已取消资格自查。发送 /eligibility 可以重新开始。"
ELIG_STALE = "这次自查已经结束或过期了,发送 /eligibility 重新开始。"

# Browsing (HTML)
TOC_TITLE = "<b>通知目录</b>\n选择要查看的部分:"
FAQ_TITLE = "<b>常见问题</b>\n点选一个问题查看答案:"
FAQ_EMPTY = "暂时没有整理好的常见问题,直接发送你的问题即可。"

# Button labels
DEADLINE_BUTTON = "⏰ 截止时间"
FUNDING_BUTTON = "💰 资金支持"
ELIGIBILITY_BUTTON = "✅ 资格自查"
FAQ_BUTTON = "❓ 常见问题"
SECTIONS_BUTTON = "📑 浏览通知"
SECTION_TEXT_BUTTON = "📄 阅读本节原文"
BACK_BUTTON = "⬅️ 返回上级"
FULL_SECTION_BUTTON = "📖 完整章节"
RELATED_BUTTON = "💬 {question}"
UPVOTE_BUTTON = "👍"
DOWNVOTE_BUTTON = "👎"
RESTART_ELIG_BUTTON = "🔁 重新自查"
ELIG_BACK_BUTTON = "⬅️ 上一步"
ELIG_RESTART_BUTTON = "🔄 重新开始"
ELIG_CANCEL_BUTTON = "✖️ 取消"

# Pictures: /picture, its button, inline mode and the /stats chart (PICTURE_CAPTION is HTML)
PICTURE_BUTTON = "🖼 一图读懂"
PICTURE_CAPTION = "<b>{title}</b>\n一图读懂 · 日期按北京时间 {day} 计算。每项右侧的条款号可用 /source 查看原文。"
PICTURE_FAILED = "抱歉,暂时无法生成图片。可以直接发送问题,或用 /sections 浏览通知。"
PICTURE_INLINE_TITLE = "一图读懂"
STATS_CHART_CAPTION = "近30天提问、回答率、问题类型与反馈(数字见下一条消息)"

# A library of notices: /notices, the switch buttons under an answer, /subscribe (bot/telegram/notices.py)
START_NOTICES_TEXT = "我目前收录了 {count} 份通知,发送 /notices 查看和选择。"
NOTICES_TITLE = (  # HTML
    "<b>收录的通知({count} 份)</b>\n当前:《{current}》\n"
    "点选一份,之后的问题都按它回答;问题里点名了别的通知时,按点名的回答。"
)
NOTICE_BUTTON = "{mark}{title}"
NOTICE_CURRENT_MARK = "✅ "
NOTICE_CHOSEN_TEXT = "已选定《{title}》,之后的问题都按这份通知回答。"  # HTML
NOTICE_GONE_TEXT = "这份通知已不在收录中,请发送 /notices 重新选择。"
SWITCH_BUTTON = "🔀 改按《{title}》回答"
SUBSCRIBED_TEXT = "已订阅:有新通知收录时,我会发给你它的标题、截止时间和资金支持。发送 /unsubscribe 取消。"
ALREADY_SUBSCRIBED_TEXT = "你已经订阅过了。发送 /unsubscribe 取消订阅。"
UNSUBSCRIBED_TEXT = "已取消订阅。"
NOT_SUBSCRIBED_TEXT = "你还没有订阅。发送 /subscribe 订阅新通知提醒。"
NEW_NOTICE_TEXT = (  # HTML
    "<b>新收录通知</b>\n《{title}》\n\n<b>截止时间</b>\n{deadline}\n\n<b>资金支持</b>\n{money}\n\n"
    "发送 /notices 可以选定这份通知提问。"
)
