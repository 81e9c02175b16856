"""Reads of the communication loop, scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import ContactPerson, Customer

from .models import CadenceRule, Channel, FollowUp, Interaction

# A customer whose contact falls due within this many days is "about to be" overdue.
DUE_SOON_DAYS = 3


def interaction_list(*, user: Any) -> QuerySet[Interaction]:
    return (
        Interaction.objects.visible_to(user)
        .select_related("customer", "logged_by")
        .prefetch_related(Prefetch("contacts", queryset=ContactPerson.objects.only("id", "name", "customer_id")))
        .order_by("-occurred_at", "-id")
    )


def interaction_get(*, user: Any, pk: int) -> Interaction:
    return interaction_list(user=user).get(pk=pk)


def timeline(*, user: Any, customer: Customer, channel: str = "", purpose: str = "") -> QuerySet[Interaction]:
    """The customer's interactions, newest first (purchases and plan events join in later issues)."""
    entries = interaction_list(user=user).filter(customer=customer)
    if channel:
        entries = entries.filter(channel=channel)
    if purpose:
        entries = entries.filter(purpose=purpose)
    return entries


@dataclass(frozen=True)
class LastContact:
    occurred_at: datetime
    channel: str
    by: Any

    @property
    def channel_label(self) -> str:
        return str(Channel(self.channel).label)


def last_contact(*, customer: Customer) -> LastContact | None:
    latest = (
        Interaction.objects.filter(customer=customer)
        .select_related("logged_by")
        .only("occurred_at", "channel", "logged_by")
        .order_by("-occurred_at", "-id")
        .first()
    )
    return LastContact(latest.occurred_at, latest.channel, latest.logged_by) if latest else None


def follow_up_list(*, user: Any, assignee: Any = None, open_only: bool = True) -> QuerySet[FollowUp]:
    follow_ups = FollowUp.objects.visible_to(user).select_related("customer", "assignee", "source_interaction")
    if assignee is not None:
        follow_ups = follow_ups.filter(assignee=assignee)
    if open_only:
        follow_ups = follow_ups.open()
    return follow_ups.order_by("due_on", "id")


@dataclass(frozen=True)
class CadenceStatus:
    """One customer whose contact is due: by which rule, since when, how late."""

    customer: Customer
    channel: str
    max_gap_days: int
    last_contact_at: datetime | None
    due_on: date
    days_overdue: int

    @property
    def channel_label(self) -> str:
        return str(Channel(self.channel).label) if self.channel else ""

    @property
    def is_overdue(self) -> bool:
        return self.days_overdue > 0


def _rule_groups() -> list[tuple[Q, str, int]]:
    """(which customers, channel, longest gap) for every distinct rule; a customer's own rule
    for a channel replaces the tier default for that channel."""
    groups: list[tuple[Q, str, int]] = []
    defaults = CadenceRule.objects.filter(customer__isnull=True).values_list("tier", "channel", "max_gap_days")
    for tier, channel, days in defaults:
        own_rule = CadenceRule.objects.filter(customer=OuterRef("pk"), channel=channel)
        groups.append((Q(tier=tier) & ~Q(Exists(own_rule)), channel, days))
    overrides = CadenceRule.objects.filter(customer__isnull=False).values_list("channel", "max_gap_days").distinct()
    for channel, days in overrides:
        own_rule = CadenceRule.objects.filter(customer=OuterRef("pk"), channel=channel, max_gap_days=days)
        groups.append((Q(Exists(own_rule)), channel, days))
    return groups


def cadence_due(
    *, customers: QuerySet[Customer], as_of: date | None = None, horizon_days: int = 0
) -> list[CadenceStatus]:
    """Customers whose contact is overdue (or due within `horizon_days`), most overdue first.

    Set-based: one query per distinct cadence rule (a handful), whatever the number of
    customers; each finds the customers whose last contact by the rule's channel is
    older than the rule allows. A customer late on several rules is listed once, by
    the rule it is latest on.
    """
    today = as_of or timezone.localdate()
    tz = timezone.get_current_timezone()
    worst: dict[int, CadenceStatus] = {}
    for scope, channel, days in _rule_groups():
        cutoff_day = today + timedelta(days=horizon_days) - timedelta(days=days)
        # Contacts on or after the day after the cutoff day keep the customer in time.
        cutoff = timezone.make_aware(datetime.combine(cutoff_day + timedelta(days=1), datetime.min.time()), tz)
        channel_filter = Q(interactions__channel=channel) if channel else None
        late = (
            customers.filter(scope, archived_at__isnull=True)
            .annotate(last_contact_at=Max("interactions__occurred_at", filter=channel_filter))
            .filter(Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True, created_at__lt=cutoff))
            .select_related("owner")
        )
        for customer in late:
            since = customer.last_contact_at or customer.created_at
            due_on = timezone.localtime(since, tz).date() + timedelta(days=days)
            status = CadenceStatus(customer, channel, days, customer.last_contact_at, due_on, (today - due_on).days)
            current = worst.get(customer.pk)
            if current is None or status.days_overdue > current.days_overdue:
                worst[customer.pk] = status
    return sorted(worst.values(), key=lambda s: (-s.days_overdue, s.customer.name, s.customer.pk))


def cadence_due_for(*, user: Any, as_of: date | None = None, horizon_days: int = DUE_SOON_DAYS) -> list[CadenceStatus]:
    """The user's customers overdue or due within the horizon (for "my day" and the API)."""
    return cadence_due(customers=Customer.objects.visible_to(user), as_of=as_of, horizon_days=horizon_days)
