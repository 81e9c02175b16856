"""The per-rep contact summary: contacts per person and week, by channel and by purpose.

Reads only (a selector module, like accounts/history.py); the page is in views_day.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, DateField, Q
from django.db.models.functions import TruncWeek
from django.utils import formats, timezone

from crm_project.roles import Role

from .models import Channel, Interaction, Purpose

User = get_user_model()

SUMMARY_WEEKS = 12


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _channel_key(value: str) -> str:
    return f"channel_{value}"


def _purpose_key(value: str) -> str:
    return f"purpose_{value}"


@dataclass
class Tally:
    """Contacts counted by channel and by purpose (a week, a person, or everything)."""

    total: int = 0
    channels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Channel.values, 0))
    purposes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Purpose.values, 0))

    def add(self, row: dict[str, Any]) -> None:
        self.total += row["total"]
        for value in Channel.values:
            self.channels[value] += row[_channel_key(value)]
        for value in Purpose.values:
            self.purposes[value] += row[_purpose_key(value)]

    @property
    def channel_counts(self) -> list[int]:
        return [self.channels[value] for value in Channel.values]

    @property
    def purpose_counts(self) -> list[int]:
        return [self.purposes[value] for value in Purpose.values]

    @property
    def relationship_share(self) -> float | None:
        """Relationship contacts as a share of relationship and order contacts together."""
        both = self.purposes[Purpose.RELATIONSHIP] + self.purposes[Purpose.ORDER]
        return self.purposes[Purpose.RELATIONSHIP] / both if both else None

    @property
    def relationship_percent(self) -> int | None:
        share = self.relationship_share
        return None if share is None else round(share * 100)


@dataclass
class Summary:
    weeks: list[tuple[date, Tally]]
    people: list[tuple[Any, Tally]]
    total: Tally

    @property
    def per_week(self) -> float:
        return self.total.total / len(self.weeks)

    def chart_data(self) -> dict[str, Any]:
        """The numbers of the tables, for the chart script (through json_script)."""
        tallies = [tally for _week, tally in self.weeks]
        return {
            "weeks": [formats.date_format(week, "j M") for week, _tally in self.weeks],
            "channels": [
                {"key": value, "label": str(label), "data": [t.channels[value] for t in tallies]}
                for value, label in Channel.choices
            ],
            "purposes": [
                {"key": value, "label": str(label), "data": [t.purposes[value] for t in tallies]}
                for value, label in Purpose.choices
            ],
        }


def summary_weeks(today: date, count: int = SUMMARY_WEEKS) -> list[date]:
    """The Mondays of the last `count` weeks, this week last."""
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=back) for back in range(count - 1, -1, -1)]


def rep_summary(*, viewer: Any, people: list[Any], today: date | None = None) -> Summary:
    """Contacts per person and week over the last 12 weeks, by channel and by purpose.

    One grouped query (person x week, with a filtered count per channel and per
    purpose); Python only adds up those few groups into weeks and people.
    """
    weeks = summary_weeks(today or timezone.localdate())
    counts = {_channel_key(value): Count("id", filter=Q(channel=value)) for value in Channel.values}
    counts |= {_purpose_key(value): Count("id", filter=Q(purpose=value)) for value in Purpose.values}
    groups = (
        Interaction.objects.visible_to(viewer)
        .filter(logged_by__in=[person.pk for person in people], occurred_at__gte=_start_of(weeks[0]))
        .annotate(week=TruncWeek("occurred_at", output_field=DateField()))
        .values("logged_by", "week")
        .annotate(total=Count("id"), **counts)
        .order_by()
    )
    by_week = {week: Tally() for week in weeks}
    by_person = {person.pk: Tally() for person in people}
    total = Tally()
    for group in groups:
        if group["week"] in by_week:
            by_week[group["week"]].add(group)
            by_person[group["logged_by"]].add(group)
            total.add(group)
    return Summary(
        weeks=list(by_week.items()),
        people=[(person, by_person[person.pk]) for person in people],
        total=total,
    )


def summary_people() -> list[Any]:
    """Every active sales rep and relationship manager, for a manager's summary."""
    roles = [Role.SALES_REP.value, Role.RELATIONSHIP_MANAGER.value]
    return list(
        User.objects.filter(is_active=True, groups__name__in=roles)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
