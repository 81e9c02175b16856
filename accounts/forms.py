from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .models import CompetitorIntel, ContactPerson, Customer, Feedback, Household, HouseholdMember
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
        for name in ("tier", "kind", "sort"):
            self.fields[name].widget.attrs["class"] = "form-select"

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


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CustomerForm(forms.ModelForm):
    """Create and edit a customer; the owner field is only offered to managers."""

    website = forms.URLField(label=_("website"), required=False, max_length=200, assume_scheme="https")
    confirm_similar = forms.BooleanField(
        label=_("Yes, this is a different customer"), required=False, widget=forms.CheckboxInput
    )

    class Meta:
        model = Customer
        fields = [
            "name",
            "kind",
            "industry",
            "city",
            "country",
            "address",
            "phone",
            "email",
            "website",
            "tax_id",
            "external_ref",
            "occupation",
            "ambitions",
            "notes",
            "owner",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 2}),
            "ambitions": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "kind": forms.RadioSelect,
        }

    def __init__(self, *args: Any, can_assign_owner: bool = False, owners: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if can_assign_owner:
            self.fields["owner"].queryset = owners
            self.fields["owner"].required = False
            self.fields["owner"].help_text = _("Leave empty to keep the current owner (or to own it yourself).")
        else:
            del self.fields["owner"]
        self.fields["industry"].widget.attrs["list"] = "industry-options"
        self.fields["city"].widget.attrs["list"] = "city-options"
        self.fields["name"].widget.attrs["autofocus"] = True

    def _get_validation_exclusions(self) -> set[str]:
        # The service checks duplicates and names the existing customer, so the
        # form leaves the unique constraints on these fields to it.
        return super()._get_validation_exclusions() | {"email", "tax_id", "external_ref"}

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("confirm_similar", None)
        return data


CONTACT_FORM_FIELDS = [
    "name",
    "job_title",
    "department",
    "decision_role",
    "phone",
    "email",
    "birthday",
    "notes",
    "is_active",
]


class ContactPersonForm(forms.ModelForm):
    class Meta:
        model = ContactPerson
        fields = [
            "name",
            "job_title",
            "department",
            "decision_role",
            "phone",
            "email",
            "birthday",
            "notes",
            "is_active",
        ]
        widgets = {"birthday": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}


class HouseholdForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = ["name", "address"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}


class HouseholdMemberForm(forms.ModelForm):
    """A family member; a household is created on the fly when the customer has none yet."""

    new_household = forms.CharField(
        label=_("New household"),
        required=False,
        max_length=200,
        help_text=_("Or start a new household, for example: Keluarga Santoso."),
    )

    class Meta:
        model = HouseholdMember
        fields = ["household", "name", "relation", "relative_of", "birthday", "occupation", "interests", "notes"]
        widgets = {"birthday": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.fields["household"].queryset = customer.households.all()
        self.fields["household"].required = False
        self.fields["relative_of"].queryset = customer.contacts.filter(is_active=True)
        if self.instance.pk:
            del self.fields["new_household"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "new_household" in self.fields and not data.get("household") and not data.get("new_household"):
            self.add_error("new_household", _("Choose a household or name a new one."))
        return data


class InterestForm(forms.Form):
    topic = forms.CharField(
        label=_("Topic"),
        max_length=100,
        help_text=_("For example: golf, halal food only, early calls."),
        widget=forms.TextInput(attrs={"list": "topic-options", "autocomplete": "off"}),
    )
    sentiment = forms.ChoiceField(
        label=_("They"), choices=[("like", _("Like it")), ("dislike", _("Dislike it"))], widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    contact = forms.ModelChoiceField(
        label=_("Whose interest"), queryset=Customer.objects.none(), required=False, empty_label=_("The customer")
    )

    def __init__(self, *args: Any, customer: Customer, instance: Any = None, **kwargs: Any) -> None:
        if instance is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                "topic": instance.topic.name,
                "sentiment": instance.sentiment,
                "note": instance.note,
                "contact": instance.contact_id,
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["contact"].queryset = customer.contacts.filter(is_active=True)


class FeedbackForm(forms.ModelForm):
    class Meta:
        model = Feedback
        fields = ["asked_on", "channel", "contact", "wants", "would_buy", "likes", "dislikes", "sentiment"]
        widgets = {
            "asked_on": DateInput(),
            "wants": forms.Textarea(attrs={"rows": 2}),
            "would_buy": forms.Textarea(attrs={"rows": 2}),
            "likes": forms.Textarea(attrs={"rows": 2}),
            "dislikes": forms.Textarea(attrs={"rows": 2}),
            "sentiment": forms.RadioSelect,
        }

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = customer.contacts.filter(is_active=True)


class CompetitorIntelForm(forms.ModelForm):
    class Meta:
        model = CompetitorIntel
        fields = [
            "competitor_brand",
            "product_category",
            "estimated_annual_spend",
            "reason_not_us",
            "what_would_win",
            "last_confirmed_on",
        ]
        widgets = {
            "last_confirmed_on": DateInput(),
            "reason_not_us": forms.Textarea(attrs={"rows": 2}),
            "what_would_win": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_estimated_annual_spend(self) -> Any:
        spend = self.cleaned_data.get("estimated_annual_spend")
        if spend is not None and spend < 0:
            raise forms.ValidationError(_("The spend cannot be negative."))
        return spend


class TeamMemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.none())
    role = forms.CharField(label=_("Role on the account"), max_length=100, required=False)
    can_edit = forms.BooleanField(label=_("May edit"), required=False, initial=True)

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates
