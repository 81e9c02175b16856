"""Input of my day (snooze, reassign), the interactions list filters and the summary's person filter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer

from .forms import next_weekday
from .models import Channel, Interaction, Purpose

SNOOZE_QUICK = ("tomorrow", "next_monday", "next_week")


@dataclass(frozen=True)
class SnoozeChoice:
    value: str
    label: str | Promise
    day: date


def snooze_choices(today: date | None = None) -> list[SnoozeChoice]:
    """The one-click snooze targets. Their dates are worked out again when the form is
    posted, so a page left open overnight still snoozes to "tomorrow" as the user means it."""
    today = today or timezone.localdate()
    return [  # in the order of SNOOZE_QUICK
        SnoozeChoice("tomorrow", _("Tomorrow"), today + timedelta(days=1)),
        SnoozeChoice("next_monday", _("Next Monday"), next_weekday(0, today)),
        SnoozeChoice("next_week", _("In a week"), today + timedelta(days=7)),
    ]


class SnoozeForm(forms.Form):
    """Either a quick choice (`when`) or a date of one's own (`due_on`)."""

    when = forms.ChoiceField(
        label=_("Snooze to"),
        required=False,
        choices=[("", "-"), *((value, value) for value in SNOOZE_QUICK)],
    )
    due_on = forms.DateField(
        label=_("Another date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        when = data.get("when")
        if when:
            data["due_on"] = next(choice.day for choice in snooze_choices() if choice.value == when)
        elif not data.get("due_on") and "due_on" not in self.errors:
            self.add_error("due_on", _("Choose a date."))
        return data


class ReassignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Reassign to"),
        queryset=None,
        error_messages={"invalid_choice": _("Assign someone who works with this customer.")},
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = candidates


class InteractionFilterForm(forms.Form):
    """The interactions list's filters, shared with its CSV export."""

    customer = forms.CharField(label=_("Customer"), required=False, max_length=200)
    # Any id is accepted: the list is scoped to the user's customers whoever logged the entries.
    user = forms.IntegerField(label=_("Logged by"), required=False, min_value=1)
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices])
    purpose = forms.ChoiceField(label=_("Purpose"), required=False, choices=[("", _("All purposes")), *Purpose.choices])
    direction = forms.ChoiceField(
        label=_("Direction"),
        required=False,
        choices=[("", _("All directions")), *Interaction.Direction.choices],
    )
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=[("", _("All tiers")), *Customer.Tier.choices])
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css
            field.widget.attrs["id"] = f"filter-{name}"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date cannot be before the start date."))
        return data

    def filters(self) -> dict[str, Any]:
        """The valid filters; an invalid one is dropped rather than emptying the list."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "customer": data.get("customer", "").strip(),
            "logged_by": data.get("user"),
            "channel": data.get("channel", ""),
            "purpose": data.get("purpose", ""),
            "direction": data.get("direction", ""),
            "tier": data.get("tier", ""),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }


class SummaryFilterForm(forms.Form):
    user = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", _("All reps and relationship managers")), *people]
        self.fields["user"].widget.attrs.update({"class": "form-select", "id": "summary-user", "data-autosubmit": ""})

    def chosen(self) -> int | None:
        return self.cleaned_data.get("user") if self.is_valid() else None
