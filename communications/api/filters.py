"""Query parameters of the communication loop's lists: filters, search and ordering."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from accounts.api.filters import CustomerRecordFilter, StableOrderingFilter

from ..models import Channel, FollowUp, Interaction, Purpose

User = get_user_model()

MOMENT_MAX_LENGTH = 40


class MomentField(forms.Field):
    """An ISO 8601 date-time, or a date standing for its first (or last) moment in the local time zone."""

    default_error_messages = {
        "invalid": _("Enter an ISO 8601 date-time (2026-03-01T09:30:00+07:00) or date (2026-03-01)."),
        "overflow": _("The date is out of range."),
    }

    def __init__(self, *, end_of_day: bool = False, **kwargs: Any) -> None:
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> datetime | None:
        text = str(value).strip() if value is not None else ""
        if not text:
            return None
        if len(text) > MOMENT_MAX_LENGTH:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            day = parse_date(text)
            moment = parse_datetime(text) if day is None else None
        except ValueError as invalid:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from invalid
        if day is None and moment is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if isinstance(day, date):
            moment = timezone.make_aware(datetime.combine(day, time.max if self.end_of_day else time.min))
        elif timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        try:
            # The database compares in UTC: a moment that has no UTC equivalent is refused here, not there.
            moment.astimezone(UTC)
        except OverflowError as overflow:
            raise forms.ValidationError(self.error_messages["overflow"], code="overflow") from overflow
        return moment


class MomentFilter(filters.CharFilter):
    field_class = MomentField


class InteractionFilter(CustomerRecordFilter):
    search_fields = ("subject", "notes")

    search = filters.CharFilter(method="filter_search", max_length=200, help_text=_("Part of the summary or notes."))
    user = filters.ModelChoiceFilter(
        field_name="logged_by", queryset=User.objects.all(), help_text=_("User id of who logged it.")
    )
    channel = filters.ChoiceFilter(choices=Channel.choices)
    purpose = filters.ChoiceFilter(choices=Purpose.choices)
    direction = filters.ChoiceFilter(choices=Interaction.Direction.choices)
    occurred_after = MomentFilter(
        field_name="occurred_at",
        lookup_expr="gte",
        help_text=_("At or after this ISO 8601 date-time; a date (2026-03-01) counts from the start of that day."),
    )
    occurred_before = MomentFilter(
        field_name="occurred_at",
        lookup_expr="lte",
        end_of_day=True,
        help_text=_("At or before this ISO 8601 date-time; a date (2026-03-31) counts to the end of that day."),
    )
    ordering = StableOrderingFilter(
        fields=("occurred_at",), help_text=_("occurred_at or -occurred_at; left out: newest first.")
    )

    class Meta:
        model = Interaction
        fields: list[str] = []


class FollowUpFilter(CustomerRecordFilter):
    assignee = filters.ModelChoiceFilter(queryset=User.objects.all(), help_text=_("User id of the assignee."))
    source = filters.ChoiceFilter(choices=FollowUp.Source.choices)
    open = filters.BooleanFilter(
        method="filter_open", help_text=_("true: only open follow-ups; false: only done ones; left out: both.")
    )
    due_after = filters.DateFilter(field_name="due_on", lookup_expr="gte", help_text=_("Due on or after this date."))
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lte", help_text=_("Due on or before this date."))
    ordering = StableOrderingFilter(fields=("due_on",), help_text=_("due_on or -due_on; left out: earliest first."))

    class Meta:
        model = FollowUp
        fields: list[str] = []

    def filter_open(self, queryset: QuerySet[FollowUp], name: str, value: bool) -> QuerySet[FollowUp]:
        return queryset.filter(done_at__isnull=value)
