"""Amounts as people read them: 万元 and 亿元 in Chinese, millions and billions in English.

Amounts are stored in yuan (``Decimal`` with fen). These helpers only display them; nothing
is ever parsed back from their output.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import get_language

CENT = Decimal("0.01")

# (divisor, unit) from the largest unit down; the last one has divisor 1.
ZH_UNITS = ((Decimal(10**8), "亿元"), (Decimal(10**4), "万元"), (Decimal(1), "元"))
EN_UNITS = ((Decimal(10**9), "bn"), (Decimal(10**6), "m"), (Decimal(1), ""))


def _scaled(value: Decimal, units) -> tuple[Decimal, str]:
    """The value in the largest unit it reaches once rounded to two decimals (9,999.999 万 is 1.00 亿)."""
    for divisor, unit in units:
        scaled = (value / divisor).quantize(CENT, rounding=ROUND_HALF_UP)
        if abs(scaled) >= 1 or divisor == 1:
            return scaled, unit
    raise AssertionError("the last unit has divisor 1")  # pragma: no cover


def format_amount(value: Decimal | int | None, language: str | None = None) -> str:
    """``Decimal("2000000000")`` → "20.00 亿元" (zh-hans) or "CNY 2.00 bn" (en); None → ""."""
    if value is None:
        return ""
    value = Decimal(value)
    language = (language or get_language() or "zh-hans").lower()
    if language.startswith("zh"):
        scaled, unit = _scaled(value, ZH_UNITS)
        return f"{scaled:,.2f} {unit}"
    scaled, unit = _scaled(value, EN_UNITS)
    return f"CNY {scaled:,.2f} {unit}".rstrip()
