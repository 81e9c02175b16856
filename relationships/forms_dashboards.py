"""Forms of the GM's dashboards: the filters every dashboard shares, the contact-cost rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communications.models import Channel
from crm_project.formatting import format_money
from insights.segments import SEGMENT_ORDER, segment_info

from .periods import Period
from .selectors import NO_SEGMENT, DashboardFilters, FilterChoices, dashboard_default_period, dashboard_period_options
from .services.figures import DEFAULT_CONTACT_COSTS

PERIOD_HELP = _("Write a period as a year (2026) or a quarter (2026-Q3).")


def parse_period(value: str, *, today: dt.date | None = None) -> Period:
    """A period key that has started; raises ValueError with a message for anything else."""
    period = Period.parse(value)
    if period.start > (today or timezone.localdate()):
        raise ValueError(_("This period has not started yet."))
    return period


def period_option_label(period: Period, today: dt.date) -> str:
    if period.contains(today):
        return _("%(period)s (so far)") % {"period": period.label}
    return period.label


def segment_choices() -> list[tuple[str, Any]]:
    return [
        ("", _("All segments")),
        *((key, segment_info(key).label) for key in SEGMENT_ORDER),
        (NO_SEGMENT, _("No segment (no purchases)")),
    ]


class DashboardFilterForm(forms.Form):
    """period, RM (GMs and admins), segment, industry, city. A value that is not offered falls
    back to its default, and `problems` says which (a dashboard never answers a bad link with an error)."""

    period = forms.ChoiceField(label=_("Period"))
    relationship_manager = forms.ChoiceField(label=_("Relationship manager"), required=False)
    segment = forms.ChoiceField(label=_("Segment"), required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    city = forms.ChoiceField(label=_("City"), required=False)

    def __init__(
        self,
        data: Any,
        *,
        choices: FilterChoices,
        with_rm: bool,
        today: dt.date | None = None,
    ) -> None:
        self.today = today or timezone.localdate()
        self.default = dashboard_default_period(self.today)
        values = {name: value for name, value in (data or {}).items() if name in self.base_fields and value != ""}
        values.setdefault("period", self.default.key)
        super().__init__(values)
        periods = dashboard_period_options(self.today)
        chosen = self._chosen_period(values["period"])
        if chosen is not None and chosen not in periods:
            periods.append(chosen)
        self.fields["period"].choices = [(p.key, period_option_label(p, self.today)) for p in periods]
        if with_rm:
            self.fields["relationship_manager"].choices = [
                ("", _("All RMs")),
                *((str(pk), name) for pk, name in choices.relationship_managers),
            ]
        else:
            del self.fields["relationship_manager"]
        self.fields["segment"].choices = segment_choices()
        self.fields["industry"].choices = [("", _("All industries")), *((v, v) for v in choices.industries)]
        self.fields["city"].choices = [("", _("All cities")), *((v, v) for v in choices.cities)]
        self.with_rm = with_rm
        for form_field in self.fields.values():
            form_field.widget.attrs.update({"class": "form-select form-select-sm", "data-autosubmit": ""})

    def _chosen_period(self, value: str) -> Period | None:
        try:
            return parse_period(value, today=self.today)
        except ValueError:
            return None

    @property
    def problems(self) -> list[str]:
        """A message per filter that was not understood and is shown at its default instead."""
        self.is_valid()
        messages = []
        for name in self.errors:
            label = self.fields[name].label if name in self.fields else name
            if name == "period":
                messages.append(
                    _("“%(value)s” is not a period we can show; showing %(period)s instead.")
                    % {"value": self.data.get("period", ""), "period": self.default.label}
                )
            else:
                messages.append(
                    _("The %(filter)s filter “%(value)s” is not available; it was left out.")
                    % {"filter": str(label).lower(), "value": self.data.get(name, "")}
                )
        return messages

    def filters(self) -> DashboardFilters:
        self.is_valid()
        data = self.cleaned_data
        period = self._chosen_period(data["period"]) if "period" in data else None
        rm = data.get("relationship_manager") if self.with_rm else None
        return DashboardFilters(
            period=period or self.default,
            relationship_manager=int(rm) if rm else None,
            segment=data.get("segment") or "",
            industry=data.get("industry") or "",
            city=data.get("city") or "",
        )

    def __iter__(self):
        # The page's filter bar shows the fields in this order.
        return iter([self[name] for name in self.fields])


class ContactCostForm(forms.Form):
    """The cost of one contact per channel (IDR): time, travel, the dinner."""

    def __init__(self, *args: Any, rates: dict[str, Decimal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for channel, label in Channel.choices:
            default = DEFAULT_CONTACT_COSTS.get(channel, Decimal("0"))
            self.fields[channel] = forms.DecimalField(
                label=label,
                min_value=Decimal("0"),
                max_digits=18,
                decimal_places=2,
                initial=rates.get(channel, default),
                help_text=_("Default: %(amount)s") % {"amount": format_money(default)},
                widget=forms.NumberInput(attrs={"class": "form-control text-end", "step": "1000", "min": "0"}),
                error_messages={"min_value": _("Enter an amount of zero or more.")},
            )

    def rates(self) -> dict[str, Decimal]:
        return {channel: self.cleaned_data[channel] for channel in Channel.values}
