"""Input shapes of the insights pages: list filters, "run now" and the candidate rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer

from .models import RollupRun
from .selectors import PURCHASE_ORDERINGS, SEGMENT_CUSTOMER_ORDERINGS

User = get_user_model()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs={"class": "form-control", **(attrs or {})}, format="%Y-%m-%d")


def _select(form: forms.Form, *names: str) -> None:
    for name in names:
        form.fields[name].widget.attrs["class"] = "form-select"


class SegmentCustomerFilterForm(forms.Form):
    """The segment customer list's filters and sorting (also used by its CSV export)."""

    r = forms.IntegerField(required=False, min_value=1, max_value=5, widget=forms.HiddenInput)
    f = forms.IntegerField(required=False, min_value=1, max_value=5, widget=forms.HiddenInput)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    industry = forms.CharField(label=_("Industry"), required=False, max_length=100)
    city = forms.CharField(label=_("City"), required=False, max_length=100)
    tier = forms.ChoiceField(label=_("Tier"), choices=[("", _("All tiers")), *Customer.Tier.choices], required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("-revenue_12m", _("Revenue, last 12 months")),
            ("-monetary", _("Total spend")),
            ("recency", _("Most recent purchase")),
            ("-frequency", _("Most purchases")),
            ("-growth", _("Fastest growth")),
            ("share_of_wallet", _("Lowest share of wallet")),
            ("name", _("Name A-Z")),
        ],
    )

    def __init__(self, *args: Any, owners: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners
        _select(self, "tier", "sort")

    def selector_kwargs(self) -> dict[str, Any]:
        """Arguments for selectors.segment_customer_list; invalid input falls back to no filter."""
        data = self.cleaned_data if self.is_valid() else {}
        sort = data.get("sort") or "-revenue_12m"
        return {
            "r": data.get("r"),
            "f": data.get("f"),
            "owner": data.get("owner"),
            "industry": data.get("industry", ""),
            "city": data.get("city", ""),
            "tier": data.get("tier", ""),
            "ordering": sort if sort in SEGMENT_CUSTOMER_ORDERINGS else "-revenue_12m",
        }


class PurchaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Customer or product"), required=False, max_length=200)
    customer = forms.ModelChoiceField(queryset=Customer.objects.none(), required=False, widget=forms.HiddenInput)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    source = forms.CharField(label=_("Source"), required=False, max_length=50)
    category = forms.CharField(label=_("Category"), required=False, max_length=100)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("-purchased_at", _("Newest first")),
            ("purchased_at", _("Oldest first")),
            ("-amount", _("Largest amount")),
            ("amount", _("Smallest amount")),
            ("customer", _("Customer A-Z")),
        ],
    )

    def __init__(self, *args: Any, customers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if customers is not None:
            self.fields["customer"].queryset = customers
        _select(self, "sort")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def selector_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        sort = data.get("sort") or "-purchased_at"
        return {
            "search": data.get("q", ""),
            "customer": data.get("customer"),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "source": data.get("source", ""),
            "category": data.get("category", ""),
            "ordering": sort if sort in PURCHASE_ORDERINGS else "-purchased_at",
        }


EARLIEST_AS_OF = dt.date(1990, 1, 1)


def as_of_errors(value: dt.date | None) -> list[str]:
    """A rollup's as_of must lie between 1990 and today: figures of the future are not known yet."""
    if value is None:
        return []
    if value > timezone.localdate():
        return [str(_("The date cannot be in the future."))]
    if value < EARLIEST_AS_OF:
        return [str(_("Give a date from 1990 on."))]
    return []


class RollupRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (RollupRun.Kind.FULL, _("Full: every customer's current figures")),
            (RollupRun.Kind.SNAPSHOT, _("Monthly snapshot: figures at a month end")),
        ],
        initial=RollupRun.Kind.FULL,
    )
    as_of = forms.DateField(
        label=_("As of"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for today. A snapshot uses the end of that date's month."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _select(self, "kind")

    def clean_as_of(self) -> dt.date | None:
        value = self.cleaned_data.get("as_of")
        errors = as_of_errors(value)
        if errors:
            raise forms.ValidationError(errors)
        return value


class CandidateRuleForm(forms.Form):
    """The GM edits the growth threshold in percent; the rule stores a ratio."""

    top_n = forms.IntegerField(label=_("Top customers by revenue"), min_value=1, max_value=100)
    growth_percent = forms.DecimalField(
        label=_("Growth threshold (%)"),
        min_value=Decimal("0"),
        max_value=Decimal("999"),
        max_digits=6,
        decimal_places=1,
        help_text=_("Fast growers bought more than this much more from us than in the 12 months before."),
    )
    min_revenue = forms.DecimalField(
        label=_("Minimum 12-month revenue for fast growers"),
        min_value=Decimal("0"),
        max_digits=18,
        decimal_places=0,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self.fields[name].widget.attrs["class"] = "form-control"

    @classmethod
    def initial_from(cls, rule: Any) -> dict[str, Any]:
        return {
            "top_n": rule.top_n,
            "growth_percent": (Decimal(rule.growth_threshold) * 100).quantize(Decimal("0.1")),
            "min_revenue": Decimal(rule.min_revenue).quantize(Decimal("1")),
        }

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "top_n": data["top_n"],
            "growth_threshold": (data["growth_percent"] / 100).quantize(Decimal("0.001")),
            "min_revenue": data["min_revenue"],
        }
