from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .models import Customer
from .selectors import CUSTOMER_ORDERINGS

User = get_user_model()


class CustomerFilterForm(forms.Form):
    """The customer list's search, filters and sorting (also used by the CSV export)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    tier = forms.ChoiceField(label=_("Tier"), choices=[("", _("All tiers")), *Customer.Tier.choices], required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All kinds")), *Customer.Kind.choices], required=False)
    industry = forms.CharField(label=_("Industry"), required=False, max_length=100)
    city = forms.CharField(label=_("City"), required=False, max_length=100)
    archived = forms.BooleanField(label=_("Archived"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name A-Z")),
            ("-name", _("Name Z-A")),
            ("city", _("City")),
            ("industry", _("Industry")),
            ("-created", _("Newest first")),
            ("-updated", _("Recently updated")),
        ],
    )

    def __init__(self, *args: Any, owners: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners

    def selector_kwargs(self) -> dict[str, Any]:
        """Arguments for selectors.customer_list; invalid input falls back to no filter."""
        data = self.cleaned_data if self.is_valid() else {}
        sort = data.get("sort") or "name"
        return {
            "search": data.get("q", ""),
            "owner": data.get("owner"),
            "tier": data.get("tier", ""),
            "kind": data.get("kind", ""),
            "industry": data.get("industry", ""),
            "city": data.get("city", ""),
            "archived": bool(data.get("archived")),
            "ordering": sort if sort in CUSTOMER_ORDERINGS else "name",
        }
