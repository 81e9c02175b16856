"""The percentage filters round half up in the active language (number_format alone cuts digits off)."""

from decimal import Decimal

import pytest
from django.utils import translation

from insights.templatetags.insights_tags import percent, signed_percent


@pytest.mark.parametrize(
    ("value", "places", "english", "indonesian"),
    [
        (Decimal("0.12355"), 1, "12.4%", "12,4%"),
        (Decimal("0.12345"), 1, "12.3%", "12,3%"),
        ("0.999999", 1, "100.0%", "100,0%"),
        (Decimal("0.005"), 0, "1%", "1%"),
        (Decimal("12.3456"), 2, "1,234.56%", "1.234,56%"),
        (0.256, 1, "25.6%", "25,6%"),
    ],
)
def test_percent_rounds_half_up(value, places, english, indonesian):
    with translation.override("en"):
        assert percent(value, places) == english
    with translation.override("id"):
        assert percent(value, places) == indonesian


def test_signed_percent_and_empty_values():
    with translation.override("en"):
        assert signed_percent(Decimal("0.30049")) == "+30.0%"
        assert signed_percent(Decimal("0.30050")) == "+30.1%"
        assert signed_percent(Decimal("-0.1")) == "-10.0%"
        assert percent(None) == percent("") == percent("n/a") == ""
