"""Money: the cap, the shares and their arithmetic, and whether an expense may be paid from the fund."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

from knowledge.facts import Expense, Facts, Share

from knowledge.cues import weight
from knowledge.fold import fold

from .common import found, has_any
from .numbers import amounts, figure, percent, yuan
from knowledge.lazy import lazy_re

_ASKS_CAN = (
    "能",
    "可以",
    "可否",
    "行不行",
    "行吗",
    "允许",
    "补吗",
    "出吗",
    "报销",
    "用于",
    "用来",
    "支持",
    "算不算",
    "can",
    "allowed",
    "cover",
    "pay for",
    "有依据",
    "依据",
)
_ASKS_HOW_MUCH = ("多少", "几成", "百分之", "比例", "how much", "多大", "amount", "what share")
_ASKS_SHARE = ("比例", "几成", "百分之", "多大比例", "占多少", "占比", "what share", "what percentage", "how much of")


def classify_expense(facts: Facts, folded: str, top_clauses: list[str] = ()) -> tuple[str, Expense | None, str] | None:
    """The expense the question asks about: (verdict, the rule, the user's word); None if none is named.

    A forbidden use wins over an allowed one, and any named use over one the notice does not name. A
    question about paying for something that no list names, when the best clauses are the rules on what
    the money may pay for, is an expense the notice does not name.
    """
    if not has_any(folded, _ASKS_CAN) or not has_any(folded, (*facts.money_words, *facts.spending_words)):
        return None  # "我们是软件公司能申请吗" asks about eligibility, not about paying for software
    named = []
    unnamed = found(folded, facts.unnamed_expenses)
    for rank, verdict in enumerate(("forbidden", "allowed", "partial")):
        for expense in facts.expenses:
            if expense.verdict == verdict:
                words = found(folded, expense.terms)
                # A word people often ask about that this notice's own rule writes out ("购置通用办公电脑")
                # is named by the notice, however its terms were segmented.
                whole = [u for u in unnamed if u in fold(expense.label)]
                if whole:
                    words = [whole[0], *words]
                if words:
                    named.append((rank, -weight(words[0]), verdict, expense, words[0]))
    if unnamed and not any(len(w) >= len(unnamed[0]) for *_, w in named):
        return "unnamed", None, unnamed[0]
    if named:
        # The longest word the question names decides ("咨询机构" is about 咨询, not 机构运转经费); a
        # forbidden use wins only a tie.
        _, _, verdict, expense, word = min(named, key=lambda t: (t[1], t[0]))
        return verdict, expense, word
    rule_clauses = {e.source.clause_id for e in facts.expenses}
    if has_any(folded, facts.spending_words) and rule_clauses & set(top_clauses):
        return "unnamed", None, ""
    return None


def main_uses(facts: Facts) -> list[Expense]:
    """The uses the notice lists for its main share of the money (the one with a floor), or all it lists."""
    main = next((s.id for s in facts.shares if s.bound == "min"), None)
    allowed = [e for e in facts.expenses if e.verdict == "allowed"]
    return [e for e in allowed if e.share == main] or allowed


def expense_text(facts: Facts, verdict: str, expense: Expense | None, word: str) -> str:
    """Yes, no, or "the notice names neither", with the rule that decides."""
    if verdict == "forbidden":
        return f"不可以。通知规定{facts.money_noun}不得用于{expense.label}。"
    if verdict == "allowed":
        share = next((s for s in facts.shares if s.id == expense.share), None)
        bound = "不低于" if share and share.bound == "min" else "不高于"
        part = f"(属于{bound}{percent(share.ratio)}、{share.label}的那部分资金)" if share else ""
        return f"可以。{expense.label}属于通知列明的{facts.money_noun}支持范围{part}。"
    if verdict == "partial":
        return expense.note
    allowed = "、".join(e.label for e in main_uses(facts))
    what = f"“{word}”" if word else "这项支出"
    return (
        f"通知未明确{what}能否使用{facts.money_noun}:通知既没有把它列为可用范围,也没有列为禁止用途。"
        f"通知列明用于企业改造的支出是{allowed}。具体请以试点区实施方案和主管部门口径为准。"
    )


def pick_share(facts: Facts, folded: str) -> Share | None:
    """The share the question is about, by its cue words; "最少/至少" leans to the minimum share."""
    best, best_score = None, 0
    for share in facts.shares:
        # "企业改造" inside "不用于企业改造" speaks for the share whose cue is the longer one.
        score = sum(weight(w) for w in found(folded, share.cues) if _owns(w, share, facts.shares, folded))
        if share.bound == "min" and has_any(folded, ("至少", "最少", "不低于", "起码", "最低")):
            score += 2
        if share.bound == "max" and has_any(folded, ("最多", "不超过", "不高于", "顶多", "最高", "上限")):
            score += 2
        if has_any(folded, facts.remainder_cues):
            # "除了改造以外的那部分": the words name the main share only to leave it out.
            score = score + 3 if share.bound == "max" else -score
        if score > best_score:
            best, best_score = share, score
    return best


def _owns(cue: str, share: Share, shares: list[Share], folded: str) -> bool:
    """Whether no longer cue of another share, found in the question, contains this one."""
    return not any(cue != c and cue in c and c in folded for s in shares if s is not share for c in s.cues)


_RATIO = lazy_re(r"(\d+(?:\.\d+)?)\s*%")


def _stated_ratio(folded: str) -> float | None:
    m = _RATIO.search(folded)
    return float(m.group(1)) / 100 if m else None


_CHECKS = (
    "可以吗",
    "行不行",
    "行吗",
    "能不能",
    "可不可以",
    "超没超",
    "超了吗",
    "超不超",
    "超了没",
    "超没",
    "超标",
    "超出",
    "超过",
    "exceed",
    "within",
    "够不够",
    "合规",
    "符合",
    "允许",
)


def share_check(facts: Facts, folded: str, stated_share: float | None, amounts_: list[int]) -> tuple[str, Share] | None:
    """A planned share held against the notice's bound: "拿30%做平台可以吗" against 不高于20%.

    The plan is a stated share, or a part of a stated whole ("5000万里拿900万做培训").
    """
    if not facts.shares or not has_any(folded, _CHECKS):
        return None
    planned, shown = stated_share, None
    if planned is None and len(amounts_) >= 2 and amounts_[0]:
        whole, part = max(amounts_[:2]), min(amounts_[:2])
        planned = part / whole
        shown = f"{yuan(part)}÷{yuan(whole)}"  # the arithmetic, so the asker can check it
    if planned is None:
        return None
    share = pick_share(facts, folded)
    if share is None or share.bound not in ("min", "max"):
        return None
    bound = "不低于" if share.bound == "min" else "不高于"
    within = planned >= share.ratio - 1e-9 if share.bound == "min" else planned <= share.ratio + 1e-9
    verdict = "可以,在比例之内" if within else "不可以,超出了比例" if share.bound == "max" else "不可以,低于比例"
    plan = f"{shown}={_share_text(planned)}" if shown else _share_text(planned)
    text = f"{verdict}:通知规定{bound}{percent(share.ratio)}的{facts.money_noun}{share.label},计划占{plan}。"
    return text, share


def _share_text(ratio: float) -> str:
    """A share as a person writes it, to two decimals at most and never with an exponent: 0.12 -> '12%'."""
    return f"{figure(ratio * 100, 4)}%"


def arithmetic(facts: Facts, folded: str, amount_text: str = "") -> tuple[str, Share] | None:
    """Amounts from shares: "1个亿里最少多少用于改造" -> 8000万元.

    amount_text: where else to look for the amount, when this is one part of a longer question
    ("拿满1个亿,至少多少用于改造?剩下的最多多少?").
    """
    if not has_any(folded, _ASKS_HOW_MUCH) or not facts.shares:
        return None
    given = amounts(folded) or amounts(amount_text)
    whole_cap = facts.cap_amount and (has_any(folded, facts.cap_cues) or has_any(amount_text, facts.cap_cues))
    if not given and not whole_cap:
        # A share of the money: "比例" alone may be the share of enterprises that must reach a level.
        asks = has_any(folded, _ASKS_SHARE) and has_any(folded, (*facts.money_words, *facts.spending_words))
        share = pick_share(facts, folded) if asks else None
        if share is None:
            return None
        if share.bound in ("rate", "stage"):  # a rate of something else, or a stage's part: the notice's words
            cap = f",{share.cap_text}" if share.cap_text else ""  # a rate with its own ceiling says both
            return f"{share.source.quote}{cap}。", share
        bound = "不低于" if share.bound == "min" else "不高于"
        return f"{bound}{percent(share.ratio)}的{facts.money_noun}{share.label}。", share
    base = given[0] if given else facts.cap_amount
    stated = _stated_ratio(folded)
    # A share the question names ("1亿的20%") is the notice's share of that ratio, if it has one.
    share = next((s for s in facts.shares if stated is not None and abs(s.ratio - stated) < 1e-9), None)
    share = share or pick_share(facts, folded)
    if share is None:
        return None
    with localcontext() as ctx:
        ctx.prec = max(28, len(str(base)) + 10)  # exact for amounts of any size
        value = math.floor(Decimal(base) * Decimal(str(share.ratio)))
    if share.bound == "rate":  # a subsidy at a rate of what was spent, up to its own cap or the notice's
        cap, cap_text = (share.cap, share.cap_text) if share.cap else (facts.cap_amount, facts.cap_text)
        text = f"按{share.label}的{percent(share.ratio)}计算:{yuan(base)}×{percent(share.ratio)}={yuan(value)}"
        if cap and value > cap:
            text += f",超过上限,按上限{yuan(cap)}计({cap_text})"
        return text + "。", share
    if share.bound == "stage":  # the part of the money paid at one stage ("首期拨付40%")
        return f"{share.label}{percent(share.ratio)}:{yuan(base)}×{percent(share.ratio)}={yuan(value)}。", share
    word = "至少" if share.bound == "min" else "最多"
    note = ""
    if facts.cap_amount and base > facts.cap_amount:
        note = f"注意:通知规定{facts.money_noun}总额不超过{yuan(facts.cap_amount)}。"
    text = (
        f"按{'不低于' if share.bound == 'min' else '不高于'}{percent(share.ratio)}计算,{yuan(base)}中{word}"
        f"{yuan(value)}{share.label}。{note}"
    )
    return text, share
