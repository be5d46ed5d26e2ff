"""Amounts as people read them: 万元 and 亿元 in Chinese, millions and billions in English."""

from decimal import Decimal

import pytest
from django.utils import translation

from crm.formatting import format_amount


@pytest.mark.parametrize(
    ("yuan", "text"),
    [
        ("2000000000", "20.00 亿元"),
        ("35000000", "3,500.00 万元"),
        ("123456789012.34", "1,234.57 亿元"),
        ("99999999.99", "1.00 亿元"),  # 9,999.9999999 万 rounds to 10,000 万: shown as 亿
        ("9999.999", "1.00 万元"),
        ("500", "500.00 元"),
        ("0", "0.00 元"),
        ("0.005", "0.01 元"),
    ],
)
def test_amounts_are_shown_in_wan_and_yi_in_chinese(yuan, text):
    assert format_amount(Decimal(yuan), "zh-hans") == text


@pytest.mark.parametrize(
    ("yuan", "text"),
    [("2000000000", "CNY 2.00 bn"), ("35000000", "CNY 35.00 m"), ("500", "CNY 500.00")],
)
def test_amounts_are_shown_in_millions_and_billions_in_english(yuan, text):
    assert format_amount(Decimal(yuan), "en") == text


def test_no_amount_is_shown_as_nothing():
    assert format_amount(None) == ""


def test_the_active_language_decides_by_default():
    with translation.override("en"):
        assert format_amount(2 * 10**9) == "CNY 2.00 bn"
    with translation.override("zh-hans"):
        assert format_amount(2 * 10**9) == "20.00 亿元"
