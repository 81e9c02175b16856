"""Programme health: key accounts by segment and their movement in the period, cadence
adherence, plan actions and budget per RM, and the latest plan versions by status."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from insights.segments import SEGMENT_ORDER

from ..models import RelationshipPlan
from ..services.figures import movement
from .dashboards import ZERO, DashboardFilters, _key_account_rows, _money, _person_name, _sees_all

__all__ = [
    "PROGRAMME_RM_ORDERS",
    "ProgrammeHealth",
    "RMProgramme",
    "Transition",
    "programme_health",
]


@dataclass
class Transition:
    start: str
    end: str
    key_accounts: int

    @property
    def move(self) -> int:
        return movement(self.start, self.end)


@dataclass
class RMProgramme:
    """One RM's key accounts in the period (or everyone's, for the total)."""

    user_id: int | None
    name: str
    key_accounts: int = 0
    # Cadence intervals (the window cut into whole cadence gaps) that held a contact, of all of them:
    # the measured criterion's numerator and denominator.
    cadence_met: int = 0
    cadence_due: int = 0
    actions_due: int = 0
    actions_done: int = 0
    actions_overdue: int = 0
    plan_budget: Decimal = ZERO
    plan_spent: Decimal = ZERO

    @property
    def adherence(self) -> Decimal | None:
        if not self.cadence_due:
            return None
        return Decimal(self.cadence_met) / Decimal(self.cadence_due)

    @property
    def budget_used(self) -> Decimal | None:
        if not self.plan_budget:
            return None
        return self.plan_spent / self.plan_budget

    def add(self, other: RMProgramme) -> None:
        for name in (
            "key_accounts",
            "cadence_met",
            "cadence_due",
            "actions_due",
            "actions_done",
            "actions_overdue",
            "plan_budget",
            "plan_spent",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ProgrammeHealth:
    transitions: list[Transition]
    rms: list[RMProgramme]
    total: RMProgramme
    plans: dict[str, dict[str, int]]  # kind -> status -> latest plan versions

    @property
    def key_accounts(self) -> int:
        return self.total.key_accounts

    @property
    def by_segment(self) -> list[tuple[str, int]]:
        """Key accounts per segment at the period's end, best first; "" (no segment) last."""
        counts: dict[str, int] = defaultdict(int)
        for transition in self.transitions:
            counts[transition.end] += transition.key_accounts
        return [(key, counts[key]) for key in [*SEGMENT_ORDER, ""] if counts.get(key)]

    def _moved(self, direction: int) -> int:
        return sum(t.key_accounts for t in self.transitions if t.start and t.end and t.move == direction)

    @property
    def improved(self) -> int:
        return self._moved(1)

    @property
    def same(self) -> int:
        return self._moved(0)

    @property
    def worsened(self) -> int:
        return self._moved(-1)

    @property
    def unknown(self) -> int:
        """Key accounts without a segment at the start or the end (new, or no purchases)."""
        return sum(t.key_accounts for t in self.transitions if not (t.start and t.end))

    @property
    def matrix(self) -> tuple[list[str], list[tuple[str, list[tuple[str, int, int]]]]]:
        """The transition table: the end segments (columns), and per start segment (rows) the
        (end segment, key accounts, movement) cells, in segment order with "" (no segment) last."""
        order = [*SEGMENT_ORDER, ""]
        counts = {(t.start, t.end): t.key_accounts for t in self.transitions}
        starts = [key for key in order if any(t.start == key for t in self.transitions)]
        ends = [key for key in order if any(t.end == key for t in self.transitions)]
        rows = [(start, [(end, counts.get((start, end), 0), movement(start, end)) for end in ends]) for start in starts]
        return ends, rows


# Orders of the per-RM rows: by name; lowest cadence adherence first; most actions overdue first. The
# key accounts without an RM at the period's end come last, and so do RMs without a figure to sort by.
PROGRAMME_RM_ORDERS = ("name", "adherence", "-overdue")


def _rm_order(order: str) -> Any:
    def key(one: RMProgramme) -> tuple[Any, ...]:
        name = (one.user_id is None, one.name.casefold())
        if order == "adherence":
            return (one.user_id is None, one.adherence is None, one.adherence or 0, *name)
        if order == "-overdue":
            return (one.user_id is None, -one.actions_overdue, *name)
        return name

    return key


def programme_health(*, user: Any, filters: DashboardFilters, order: str = "name") -> ProgrammeHealth:
    """Key accounts by segment and their movement, cadence adherence (cadence intervals with a
    contact / intervals, as the measured criterion), actions and budget per RM in one of
    PROGRAMME_RM_ORDERS (two aggregates over the period's key-account rows) and the latest plan
    versions by status: three queries."""
    rows = _key_account_rows(filters, user=user)
    transitions = [
        Transition(start=row["segment_start"], end=row["segment_end"], key_accounts=row["n"])
        for row in rows.order_by()
        .values("segment_start", "segment_end")
        .annotate(n=Count("pk"))
        .order_by("segment_start", "segment_end")
    ]
    per_rm = (
        rows.order_by()
        .values(
            "relationship_manager",
            "relationship_manager__first_name",
            "relationship_manager__last_name",
            "relationship_manager__username",
        )
        .annotate(
            n=Count("pk"),
            made=Coalesce(Sum("cadence_met"), 0),
            expected=Coalesce(Sum("expected_contacts"), 0),
            due=Coalesce(Sum("actions_due"), 0),
            done=Coalesce(Sum("actions_done"), 0),
            overdue=Coalesce(Sum("actions_overdue"), 0),
            budget=Coalesce(Sum("plan_budget"), ZERO, **_money()),
            spent=Coalesce(Sum("plan_spent"), ZERO, **_money()),
        )
    )
    rms = []
    total = RMProgramme(user_id=None, name="")
    for row in per_rm:
        one = RMProgramme(
            user_id=row["relationship_manager"],
            name=_person_name(
                row["relationship_manager__first_name"],
                row["relationship_manager__last_name"],
                row["relationship_manager__username"],
            ),
            key_accounts=row["n"],
            cadence_met=row["made"],
            cadence_due=row["expected"],
            actions_due=row["due"],
            actions_done=row["done"],
            actions_overdue=row["overdue"],
            plan_budget=Decimal(row["budget"]),
            plan_spent=Decimal(row["spent"]),
        )
        rms.append(one)
        total.add(one)
    rms.sort(key=_rm_order(order))
    return ProgrammeHealth(transitions=transitions, rms=rms, total=total, plans=_plans_by_status(user, filters))


def _plans_by_status(user: Any, filters: DashboardFilters) -> dict[str, dict[str, int]]:
    """The latest versions of the plans of active key accounts that cover the period's year."""
    year = filters.period.start.year
    # GMs and admins see every plan: `visible_to` would still add a semi-join over every customer
    # (100,000: 8 of the statement's 10 ms).
    plans = RelationshipPlan.objects.all() if _sees_all(user) else RelationshipPlan.objects.visible_to(user)
    plans = plans.filter(is_latest=True, key_account__retired_at__isnull=True, start_year__lte=year, end_year__gte=year)
    if filters.relationship_manager:
        plans = plans.filter(key_account__relationship_manager_id=filters.relationship_manager)
    if filters.segment:
        in_segment = _key_account_rows(DashboardFilters(period=filters.period, segment=filters.segment))
        plans = plans.filter(key_account__in=in_segment.values("key_account"))
    if filters.industry:
        plans = plans.filter(customer__industry=filters.industry)
    if filters.city:
        plans = plans.filter(customer__city=filters.city)
    counts: dict[str, dict[str, int]] = {kind: {} for kind in RelationshipPlan.Kind.values}
    for row in plans.order_by().values("kind", "status").annotate(n=Count("pk")):
        counts[row["kind"]][row["status"]] = row["n"]
    return counts
