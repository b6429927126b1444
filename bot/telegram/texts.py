"""Everything the Telegram bot says: reply texts, button labels and the command menu, in Chinese.

Texts sent with parse_mode HTML are marked (HTML); their placeholders must be filled with escaped values.
"""

from __future__ import annotations

# The command menu (set_my_commands): command -> description.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "开始:我能回答什么"),
    ("help", "使用说明"),
    ("deadline", "申报截止时间"),
    ("funding", "资金支持"),
    ("eligibility", "申报资格自查"),
    ("sections", "浏览通知目录"),
    ("faq", "常见问题"),
    ("source", "查看条款原文:/source 条款编号"),
)

# Canonical questions behind the /deadline and /funding shortcuts (questions, not facts).
DEADLINE_QUESTION = "申报截止时间是什么时候?"
FUNDING_QUESTION = "资金支持有多少?"

# /start and /help (HTML)
START_TEXT = (
    "你好!我可以回答关于<b>{title}</b>的问题,并给出通知原文作为依据。\n\n"
    "直接发送问题即可,例如申报截止时间、资金支持、申报条件、需要提交的材料。"
    "也可以用下面的按钮,或发送 /help 查看全部命令。"
)
HELP_TEXT = (
    "<b>使用说明</b>\n"
    "直接发送问题,我会先给出答案,再附上通知原文。\n\n"
    "/deadline 申报截止时间\n"
    "/funding 资金支持\n"
    "/eligibility 申报资格自查(逐项回答)\n"
    "/sections 浏览通知目录\n"
    "/faq 常见问题\n"
    "/source 条款编号:查看某一条款原文\n\n"
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
ELIG_UNAVAILABLE = "暂时无法进行资格自查,请稍后再试。"

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
