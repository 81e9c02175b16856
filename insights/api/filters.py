"""Query parameters of the knowledge endpoints: filters and ordering."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.constants import EMPTY_VALUES

from accounts.api.filters import CustomerRecordFilter
from accounts.models import Customer

from ..models import CustomerRFM, KeyAccountCandidate, RFMSnapshot, Segment

User = get_user_model()

MONTH_MAX_LENGTH = 10


class MonthField(forms.Field):
    """A month as YYYY-MM, or any date in it (YYYY-MM-DD); the month's first day."""

    default_error_messages = {"invalid": _("Enter a month as YYYY-MM (2026-03) or a date (2026-03-31).")}

    def to_python(self, value: Any) -> dt.date | None:
        text = str(value).strip() if value is not None else ""
        if not text:
            return None
        if len(text) > MONTH_MAX_LENGTH:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        for pattern in ("%Y-%m", "%Y-%m-%d"):
            try:
                return dt.datetime.strptime(text, pattern).date().replace(day=1)
            except ValueError:
                continue
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class MonthFilter(filters.Filter):
    field_class = MonthField


class StableOrderingFilter(filters.OrderingFilter):
    """Ends every ordering on the primary key (CustomerRFM's is customer_id, so not `id`)."""

    def filter(self, qs: Any, value: Any) -> Any:
        ordering = [self.get_ordering_value(param) for param in value or () if param not in EMPTY_VALUES]
        if not ordering:
            return qs
        return qs.order_by(*ordering, "pk")


def _score(name: str, lookup: str, help_text: Any) -> filters.NumberFilter:
    return filters.NumberFilter(field_name=name, lookup_expr=lookup, min_value=1, max_value=5, help_text=help_text)


class CustomerRFMFilter(filters.FilterSet):
    customer = filters.ModelChoiceFilter(
        queryset=lambda request: Customer.objects.visible_to(getattr(request, "user", None)),
        help_text=_("Id of the customer."),
    )
    segment = filters.ChoiceFilter(choices=Segment.choices)
    tier = filters.ChoiceFilter(field_name="customer__tier", choices=Customer.Tier.choices)
    owner = filters.ModelChoiceFilter(
        field_name="customer__owner", queryset=User.objects.all(), help_text=_("User id of the customer's owner.")
    )
    r_score = _score("r_score", "exact", _("R score exactly (1-5)."))
    r_score_min = _score("r_score", "gte", _("R score at least."))
    r_score_max = _score("r_score", "lte", _("R score at most."))
    f_score = _score("f_score", "exact", _("F score exactly (1-5)."))
    f_score_min = _score("f_score", "gte", _("F score at least."))
    f_score_max = _score("f_score", "lte", _("F score at most."))
    m_score = _score("m_score", "exact", _("M score exactly (1-5)."))
    m_score_min = _score("m_score", "gte", _("M score at least."))
    m_score_max = _score("m_score", "lte", _("M score at most."))
    recency_min = filters.NumberFilter(field_name="recency_days", lookup_expr="gte", min_value=0, max_value=10**6)
    recency_max = filters.NumberFilter(field_name="recency_days", lookup_expr="lte", min_value=0, max_value=10**6)
    monetary_min = filters.NumberFilter(field_name="monetary", lookup_expr="gte", min_value=0, max_value=10**15)
    monetary_max = filters.NumberFilter(field_name="monetary", lookup_expr="lte", min_value=0, max_value=10**15)
    ordering = StableOrderingFilter(
        fields=("monetary", "frequency", "recency_days", "revenue_12m", "growth", "share_of_wallet"),
        help_text=_("monetary, frequency, recency_days, revenue_12m, growth or share_of_wallet; - for descending."),
    )

    class Meta:
        model = CustomerRFM
        fields: list[str] = []


class RFMSnapshotFilter(CustomerRecordFilter):
    month = MonthFilter(field_name="month", help_text=_("The month, as YYYY-MM or any date in it."))
    month_from = MonthFilter(field_name="month", lookup_expr="gte", help_text=_("From this month (YYYY-MM)."))
    month_to = MonthFilter(field_name="month", lookup_expr="lte", help_text=_("Up to this month (YYYY-MM)."))
    segment = filters.ChoiceFilter(choices=Segment.choices)
    ordering = StableOrderingFilter(fields=("month", "monetary", "revenue_12m"), help_text=_("month or -month, etc."))

    class Meta:
        model = RFMSnapshot
        fields: list[str] = []


class KeyAccountCandidateFilter(filters.FilterSet):
    reason = filters.ChoiceFilter(choices=KeyAccountCandidate.Reason.choices)

    class Meta:
        model = KeyAccountCandidate
        fields: list[str] = []
