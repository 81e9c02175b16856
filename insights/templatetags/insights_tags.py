"""Template filters of the insights pages: ratios as percentages and segment facts."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.formats import number_format

from accounts.models import SEES_ALL

from ..segments import SegmentInfo, segment_info

register = template.Library()


def _ratio(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def percent(value: Any, places: int = 1) -> str:
    """A ratio as a percentage in the active language: 0.256 -> "25.6%"; empty for no value."""
    ratio = _ratio(value)
    if ratio is None:
        return ""
    # number_format cuts digits off; round half up first (0.12345 -> 12.3%, 0.12355 -> 12.4%).
    shown = (ratio * 100).quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    return f"{number_format(shown, decimal_pos=int(places), use_l10n=True, force_grouping=True)}%"


@register.filter
def signed_percent(value: Any, places: int = 1) -> str:
    """Growth as a signed percentage: 0.25 -> "+25.0%", -0.1 -> "-10.0%"."""
    ratio = _ratio(value)
    if ratio is None:
        return ""
    text = percent(ratio, places)
    return text if ratio < 0 else f"+{text}"


@register.filter
def growth_class(value: Any) -> str:
    ratio = _ratio(value)
    if ratio is None or ratio == 0:
        return "text-body-secondary"
    return "text-success" if ratio > 0 else "text-danger"


@register.filter
def segment(key: Any) -> SegmentInfo | None:
    """The plain-words facts of a segment key ("at_risk")."""
    return segment_info(str(key)) if key else None


@register.filter
def decimal1(value: Any) -> str:
    """An average with one decimal in the active language; empty for no value."""
    number = _ratio(value)
    if number is None:
        return ""
    return number_format(number, decimal_pos=1, use_l10n=True, force_grouping=True)


@register.filter
def sees_all(role: Any) -> bool:
    """Whether the role (the context's `current_role`) is a general manager or admin."""
    return role in SEES_ALL
