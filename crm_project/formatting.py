"""Number and money formatting for the active language."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import get_language

# Currencies without minor units in everyday use.
ZERO_DECIMAL_CURRENCIES = {"IDR", "JPY", "KRW", "VND"}


def format_money(amount: Decimal | int | float | str | None, currency: str | None = None) -> str:
    """`IDR 1,250,000` in English, `Rp 1.250.000` in Indonesian; empty for no amount."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return ""
    currency = (currency or settings.DEFAULT_CURRENCY).upper()
    places = 0 if currency in ZERO_DECIMAL_CURRENCIES else 2
    number = number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    symbol = "Rp" if currency == "IDR" and language == "id" else currency
    if number.startswith("-"):
        return f"-{symbol} {number[1:]}"
    return f"{symbol} {number}"
