from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ContactPerson, Customer

from .models import Channel, Interaction, Purpose

CUSTOMER_LABEL_ID = re.compile(r"\(#(\d+)\)\s*$")


def customer_label(customer: Customer) -> str:
    """How a customer is offered in the quick log's autocomplete; the id makes it unambiguous."""
    city = f" · {customer.city}" if customer.city else ""
    return f"{customer.name}{city} (#{customer.pk})"


def next_weekday(weekday: int, today: date | None = None) -> date:
    today = today or timezone.localdate()
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class QuickLogForm(forms.ModelForm):
    """Four required fields (customer, channel, when, summary); the rest one click away."""

    customer_text = forms.CharField(
        label=_("Customer"),
        max_length=300,
        widget=forms.TextInput(
            attrs={
                "list": "quick-log-customers",
                "autocomplete": "off",
                "placeholder": _("Type a name"),
                # htmx fills the datalist with the matching customers while typing.
                "hx-get": reverse_lazy("communications:customer_options"),
                "hx-trigger": "input changed delay:200ms",
                "hx-target": "#quick-log-customers",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        ),
    )

    class Meta:
        model = Interaction
        fields = [
            "channel",
            "occurred_at",
            "subject",
            "purpose",
            "direction",
            "duration_minutes",
            "contacts",
            "notes",
            "outcome",
            "next_step",
            "follow_up_on",
            "location",
        ]
        widgets = {
            "channel": forms.RadioSelect,
            "occurred_at": DateTimeLocalInput(),
            "follow_up_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
            "contacts": forms.CheckboxSelectMultiple,
            "subject": forms.TextInput(attrs={"placeholder": _("What was it about?")}),
        }

    def __init__(self, *args: Any, user: Any, customer: Customer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fixed_customer = customer
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["purpose"].initial = Purpose.RELATIONSHIP
        # Only customer, channel, when and summary are required; the rest defaults.
        for name in ("purpose", "direction"):
            self.fields[name].required = False
        self.fields["channel"].choices = Channel.choices
        if customer is not None:
            del self.fields["customer_text"]
            self.fields["contacts"].queryset = customer.contacts.filter(is_active=True)
        else:
            self.fields["contacts"].queryset = ContactPerson.objects.none()
            del self.fields["contacts"]

    def clean_customer_text(self) -> Customer:
        text = self.cleaned_data["customer_text"].strip()
        visible = Customer.objects.visible_to(self.user).filter(archived_at__isnull=True)
        match = CUSTOMER_LABEL_ID.search(text)
        found = visible.filter(pk=int(match.group(1))).first() if match else None
        if found is None:
            named = list(visible.filter(name__iexact=text)[:2])
            found = named[0] if len(named) == 1 else None
        if found is None:
            raise forms.ValidationError(_("Choose a customer from the list."))
        return found

    @property
    def customer(self) -> Customer | None:
        return self.fixed_customer or self.cleaned_data.get("customer_text")

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("customer_text", None)
        data.setdefault("contacts", [])
        return {name: value for name, value in data.items() if value not in ("", None) or name == "contacts"}


class InteractionEditForm(forms.ModelForm):
    class Meta:
        model = Interaction
        fields = QuickLogForm.Meta.fields
        widgets = QuickLogForm.Meta.widgets

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = self.instance.customer.contacts.all()


class TimelineFilterForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=[("", _("All channels")), *Channel.choices], required=False)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=[("", _("All purposes")), *Purpose.choices], required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"
