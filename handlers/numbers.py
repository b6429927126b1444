"""Numbers, amounts and dates as users write them ("1个亿", "五千万", "420家", "7月11号"), and back."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation, localcontext
from functools import lru_cache

from knowledge.extract import cn_date  # noqa: F401 - handlers format dates as the notices' facts do
from knowledge.lazy import lazy_re

_CN = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUM = r"(\d+(?:\.\d+)?|[零一二两三四五六七八九十百千]+)"
_AMOUNT = lazy_re(_NUM + r"\s*个?\s*(亿|千万|百万|万)")
# A lone 一/两 before 家 is a phrase ("直接指定一家"), not a count: counts need digits or a 十/百/千, or
# the word for what is counted right after (两家企业).
_COUNT = lazy_re(
    r"(\d+|[零一二两三四五六七八九]*[十百千][零一二两三四五六七八九十百千]*)\s*(家|个企业|户)"
    r"|(\d+|[一二两三四五六七八九十]+)\s*(份|个项目|项)"
    r"|([一二两三四五六七八九])\s*(家)(?=(?:中小|小微)?(?:企业|公司|厂))"
)
_MONTH_DAY = lazy_re(r"(?:(\d{4})\s*年)?\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_EN_AMOUNT = lazy_re(r"(\d+(?:\.\d+)?)\s*(million|billion|m)\b")
_EN_UNIT_VALUE = {"million": 1_000_000, "m": 1_000_000, "billion": 1_000_000_000}
_UNIT_VALUE = {"亿": 100_000_000, "千万": 10_000_000, "百万": 1_000_000, "万": 10_000}


@lru_cache(maxsize=1)
def _cn2an():
    import cn2an  # about 0.1 s to import: paid by the first Chinese numeral, not by every start

    return cn2an.cn2an


def to_number(token: str) -> Decimal:
    """'420' -> 420, '五百' -> 500, '四百八' -> 480, '两千五' -> 2500, '1.5' -> 1.5, exactly at any size.

    Chinese numerals are read by cn2an, which knows the spoken short forms (四百八 is 480, not 408); a
    token it cannot read is read digit by digit.
    """
    if re.fullmatch(r"\d+(?:\.\d+)?", token):
        return Decimal(token)
    try:
        return Decimal(str(_cn2an()(token, "smart")))
    except (ValueError, InvalidOperation, KeyError, IndexError):  # cn2an raises KeyError on 九十九九十九
        total, digit = 0, 0
        for ch in token:
            if ch in _CN:
                digit = _CN[ch]
            elif ch in _CN_UNITS:
                total += (digit or 1) * _CN_UNITS[ch]
                digit = 0
        return Decimal(total + digit)


def amounts(folded: str) -> list[int]:
    """Money amounts in yuan written in the text ("1个亿" -> 100000000, "rmb 50 million" -> 50000000)."""
    with localcontext() as ctx:
        ctx.prec = max(28, len(folded) + 20)  # every digit the message writes, however many
        found = [int(to_number(n) * _UNIT_VALUE[u]) for n, u in _AMOUNT.findall(folded)]
        found += [int(Decimal(n) * _EN_UNIT_VALUE[u]) for n, u in _EN_AMOUNT.findall(folded)]
    return found


def counted_units(folded: str) -> list[str]:
    """The unit of each count written in the text, in order ("两份" -> "份"; "450 smes" counts 家)."""
    found = [u1 or u2 or u3 for _, u1, _, u2, _, u3 in _COUNT.findall(folded)]
    return found or ["家" for _ in _EN_COUNT.findall(folded)]


_EN_COUNT = lazy_re(r"(\d+)\s+(?:smes|enterprises|companies|firms|businesses)\b")


def counts(folded: str) -> list[int]:
    """Counts of enterprises written in the text ("420家" -> 420, "450 smes" -> 450)."""
    found = [int(to_number(a or b or c)) for a, _, b, _, c, _ in _COUNT.findall(folded)]
    return found or [int(n) for n in _EN_COUNT.findall(folded)]


def dates(folded: str, default_year: int) -> list[dt.date]:
    """Calendar dates written in the text ("7月11号" -> that day of default_year)."""
    out = []
    for year, month, day in _MONTH_DAY.findall(folded):
        try:
            out.append(dt.date(int(year) if year else default_year, int(month), int(day)))
        except ValueError:
            continue  # "2月30日" is no date; ignore it rather than fail
    return out


def _plain(value: Decimal) -> str:
    """A number written out in full, never in scientific notation: 5.5E+25 -> '55000000000000000000000000'."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def yuan(amount) -> str:
    """A plain Chinese money figure, exact at any size: 80000000 -> '8000万元', 100000000 -> '1亿元'."""
    if isinstance(amount, int) or float(amount).is_integer() and abs(amount) < 2**53:
        whole = int(amount)  # integer arithmetic: exact however many digits
        yi, rest = divmod(whole, 100_000_000)
        if yi and not rest:
            return f"{yi}亿元"
        if whole >= 10_000:
            wan, rest = divmod(whole, 10_000)
            return f"{wan}{('.' + f'{rest:04d}'.rstrip('0')) if rest else ''}万元"
        return f"{whole}元"
    value = Decimal(str(amount))
    return f"{_plain(value / 10_000)}万元" if value >= 10_000 else f"{_plain(value)}元"


def figure(value, digits: int = 6) -> str:
    """A number to `digits` significant digits, written out in full: 8.255e+29 -> '825500000000000000000000000000'."""
    short = f"{value:.{digits}g}"
    return _plain(Decimal(short)) if "e" in short.lower() else short


def percent(ratio: float) -> str:
    """A share as a percentage, never in scientific notation (1e+25%)."""
    return f"{figure(ratio * 100)}%"
