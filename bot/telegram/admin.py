"""Admin commands for bureau staff: /stats, /unanswered (message + CSV) and /reload.

Only user ids in ADMIN_IDS may use them; anyone else gets the normal help instead, so the commands
are invisible to the public. The formatting functions are pure, the handlers thin.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime, timezone
from typing import Any

from telegram import Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import CommandHandler, ContextTypes

from .picture import CHART_DAYS, send_stats_chart
from .render import MAX_MESSAGE, esc, fit, shorten, tg_len
from .. import library
from ..store import BEIJING, REASON_DOWNVOTED, REASON_UNANSWERED, QuestionGroup, Stats, Store, groups_to_csv

_LOGGER = logging.getLogger(__name__)

DEFAULT_DAYS = 30
MAX_DAYS = 366
MAX_LINE = 80  # characters of one question or section path shown in a list
MAX_VARIANTS = 3

CMD_STATS, CMD_UNANSWERED, CMD_RELOAD = "stats", "unanswered", "reload"

INTENT_LABELS = {
    "deadline": "截止时间",
    "funding": "资金支持",
    "eligibility": "申报资格",
    "requirement": "申报要求",
    "process": "申报流程",
    "materials": "申报材料",
    "contact": "联系方式",
    "general": "一般问题",
    "out_of_scope": "超出通知范围",
}

STATS_EMPTY = "还没有人提问。"
UNANSWERED_EMPTY = "近 {days} 天没有未能回答或被点 👎 的问题。"
UNANSWERED_MORE = "……另有 {more} 组,见 CSV 文件。"
UNANSWERED_USAGE = "用法:/unanswered [天数],天数为 1 到 {max} 之间的整数,默认 {default}。"
RELOAD_OK = "知识库已重新加载(用时 {seconds:.1f} 秒)。"
RELOAD_REFUSED = "知识库未更新,仍在使用原有内容。原因:\n<pre>{reason}</pre>"
RELOAD_FAILED = "重新加载时出错,仍在使用原有内容:{reason}"
RELOAD_UNAVAILABLE = "这个版本不支持重新加载知识库。"
ADMIN_PRIVATE_ONLY = "管理命令只在与我的私聊中使用,以免在群里显示其他用户的提问。请私聊我发送这个命令。"

Fallback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[Any]]


def _short(text: str, size: int = MAX_LINE) -> str:
    """One line, at most size characters."""
    return shorten(text, size)


def intent_label(intent: str) -> str:
    return INTENT_LABELS.get(intent, intent)


# -- pure formatting ------------------------------------------------------------------------------


def format_stats(stats: Stats) -> str:
    """The /stats message as Telegram HTML."""
    lines = ["<b>使用统计</b>(北京时间)"]
    lines.append(f"今天:{stats.today} 个问题")
    lines.append(f"本周:{stats.week} 个问题")
    lines.append(f"累计:{stats.total} 个问题")
    if stats.answered_share is None:
        lines.append(STATS_EMPTY)
    else:
        lines.append(f"已回答:{stats.answered_share:.0%}({stats.answered}/{stats.total})")
    if stats.top_intents:
        lines.append("")
        lines.append("<b>问题类型</b>")
        lines.extend(
            f"{i}. {esc(_short(intent_label(intent)))}:{n}" for i, (intent, n) in enumerate(stats.top_intents, 1)
        )
    if stats.top_notices:
        lines.append("")
        lines.append("<b>按通知</b>")
        lines.extend(
            f"{i}. {esc(_short(library.short_title(key)))}:{n}" for i, (key, n) in enumerate(stats.top_notices, 1)
        )
    if stats.top_sections:
        lines.append("")
        lines.append("<b>最常引用的章节</b>")
        lines.extend(f"{i}. {esc(_short(path))}:{n}" for i, (path, n) in enumerate(stats.top_sections, 1))
    lines.append("")
    lines.append(f"<b>反馈</b> 👍 {stats.thumbs_up} · 👎 {stats.thumbs_down}")
    return _pack(lines)


def _group_lines(number: int, group: QuestionGroup) -> list[str]:
    reasons = []
    if group.reasons.get(REASON_UNANSWERED):
        reasons.append(f"未回答 {group.reasons[REASON_UNANSWERED]}")
    if group.reasons.get(REASON_DOWNVOTED):
        reasons.append(f"👎 {group.reasons[REASON_DOWNVOTED]}")
    when = datetime.fromtimestamp(group.last_ts, BEIJING).strftime("%m-%d %H:%M")
    lines = [f"{number}. {esc(_short(group.text))} ×{group.count}({' · '.join(reasons)},最近 {when})"]
    others = [v for v in group.variants if v != group.text][:MAX_VARIANTS]
    if others:
        lines.append("   其他问法:" + ";".join(esc(_short(v, 40)) for v in others))
    return lines


def format_unanswered(groups: list[QuestionGroup], days: int = DEFAULT_DAYS, limit: int = MAX_MESSAGE) -> str:
    """The /unanswered message: alike questions grouped, biggest first, cut to one message."""
    if not groups:
        return esc(UNANSWERED_EMPTY.format(days=days))
    total = sum(g.count for g in groups)
    head = f"<b>近 {days} 天未能回答或被点 👎 的问题</b>\n共 {total} 条,{len(groups)} 组,相似问法已合并。\n"
    text = head
    for number, group in enumerate(groups, 1):
        block = "\n" + "\n".join(_group_lines(number, group))
        # keep room for the "more" line (sized for the largest count) unless this is the last group
        more = "\n\n" + esc(UNANSWERED_MORE.format(more=len(groups)))
        room = limit - (0 if number == len(groups) else tg_len(more))
        if tg_len(text + block) > room:
            return text + "\n\n" + esc(UNANSWERED_MORE.format(more=len(groups) - number + 1))
        text += block
    return text


def unanswered_csv(groups: list[QuestionGroup]) -> bytes:
    """The grouped questions as a spreadsheet-ready CSV document."""
    return groups_to_csv(groups)


def csv_filename(now: datetime | None = None) -> str:
    now = (now or datetime.now(timezone.utc)).astimezone(BEIJING)
    return f"unanswered-{now:%Y%m%d-%H%M}.csv"


def format_reload_ok(seconds: float) -> str:
    return esc(RELOAD_OK.format(seconds=seconds))


def format_reload_refused(reason: str) -> str:
    """The validation failure, verbatim but escaped and cut to one message."""
    frame = RELOAD_REFUSED.format(reason="")
    return RELOAD_REFUSED.format(reason=esc(fit(reason, MAX_MESSAGE - tg_len(frame))))


def parse_days(args: list[str] | None) -> int | None:
    """The optional day count of /unanswered; None when it is not a sensible number."""
    if not args:
        return DEFAULT_DAYS
    try:
        days = int(args[0])
    except ValueError:
        return None
    return days if 1 <= days <= MAX_DAYS else None


def _pack(lines: list[str], limit: int = MAX_MESSAGE) -> str:
    """Join lines, dropping whole lines from the end if the message would be too long."""
    text = "\n".join(lines)
    while tg_len(text) > limit and len(lines) > 1:
        lines = lines[:-1]
        text = "\n".join(lines + ["…"])
    return text


# -- handlers -------------------------------------------------------------------------------------


def _default_reload() -> None:
    """Rebuild the bot's knowledge from disk (bot/library.py); the old stays in use if the new is broken."""
    library.reload()


class AdminTools:
    """The admin command callbacks, bound to one store and one set of admin ids."""

    def __init__(
        self,
        store: Store,
        admin_ids: Collection[int],
        fallback: Fallback | None = None,
        reload_knowledge: Callable[[], None] = _default_reload,
    ) -> None:
        self.store = store
        self.admin_ids = frozenset(admin_ids)
        self.fallback = fallback  # the normal /help, shown to anyone else
        self.reload_knowledge = reload_knowledge

    def handlers(self) -> list[CommandHandler]:
        """CommandHandlers to register before the app's catch-all command handler."""
        return [
            CommandHandler(CMD_STATS, self.stats),
            CommandHandler(CMD_UNANSWERED, self.unanswered),
            CommandHandler(CMD_RELOAD, self.reload),
        ]

    async def _allowed(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """True for admins in a private chat; an admin elsewhere is told to ask privately, others get the help."""
        user = update.effective_user
        if user is not None and user.id in self.admin_ids:
            chat = update.effective_chat
            if chat is not None and chat.type == ChatType.PRIVATE:
                return True
            # Other users' questions and the CSV must never be posted where others can read them.
            await update.effective_message.reply_text(ADMIN_PRIVATE_ONLY)
            return False
        if self.fallback is not None:
            await self.fallback(update, context)
        return False

    async def stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Usage figures for staff."""
        if not await self._allowed(update, context):
            return
        stats = self.store.stats()
        await send_stats_chart(update.effective_message, self.store.daily(CHART_DAYS), stats, intent_label)
        await update.effective_message.reply_text(format_stats(stats), parse_mode=ParseMode.HTML)

    async def unanswered(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Recent unanswered or 👎 questions, grouped, as a message and a CSV file."""
        if not await self._allowed(update, context):
            return
        message = update.effective_message
        days = parse_days(context.args)
        if days is None:
            await message.reply_text(UNANSWERED_USAGE.format(max=MAX_DAYS, default=DEFAULT_DAYS))
            return
        groups = self.store.problem_groups(days=days)
        await message.reply_text(format_unanswered(groups, days), parse_mode=ParseMode.HTML)
        if groups:
            await message.reply_document(document=unanswered_csv(groups), filename=csv_filename())

    async def reload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Reload knowledge/; on invalid knowledge keep the old one and say why."""
        if not await self._allowed(update, context):
            return
        # Imported here: the knowledge layer is only needed by this one command
        from knowledge.loader import KnowledgeError

        message = update.effective_message
        started = time.perf_counter()
        try:
            # Run on the event loop on purpose: no answer can run against half-swapped knowledge
            self.reload_knowledge()
        except KnowledgeError as exc:
            _LOGGER.warning("knowledge reload refused: %s", exc)
            await message.reply_text(format_reload_refused(str(exc)), parse_mode=ParseMode.HTML)
            return
        except NotImplementedError:
            await message.reply_text(RELOAD_UNAVAILABLE)
            return
        except Exception as exc:  # noqa: BLE001 - any failure must leave the bot running
            _LOGGER.exception("knowledge reload failed")
            await message.reply_text(
                esc(RELOAD_FAILED.format(reason=_short(f"{type(exc).__name__}: {exc}", 500))),
                parse_mode=ParseMode.HTML,
            )
            return
        _LOGGER.info("knowledge reloaded by admin %s", update.effective_user.id)
        await message.reply_text(format_reload_ok(time.perf_counter() - started), parse_mode=ParseMode.HTML)
