"""Profitability of relationship management: key accounts against regular customers per RFM
segment (revenue, margin, growth, relationship cost and its return), the before/after segment
movement against similar customers, and the key accounts one by one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet, Sum

from insights.segments import SEGMENT_ORDER

from ..models import KeyAccountPeriod, SegmentMovement, SegmentPeriod
from ..periods import Period
from ..services.figures import movement
from .dashboards import (
    NO_SEGMENT,
    TREND_PERIODS,
    ZERO,
    DashboardFilters,
    _decimal,
    _key_account_rows,
    _with_return,
    key_account_gain,
    return_on_cost,
)

__all__ = [
    "PROFITABILITY_ORDERS",
    "BeforeAfter",
    "Figures",
    "MoveCounts",
    "Profitability",
    "SegmentFigures",
    "profitability",
    "profitability_key_accounts",
    "share_of_wallet_trends",
]


@dataclass
class Figures:
    """Customers' revenue, margin and relationship cost in a period, and what the cost returned."""

    customers: int = 0
    revenue: Decimal = ZERO
    revenue_prev: Decimal = ZERO
    margin: Decimal | None = None
    margin_prev: Decimal | None = None
    plan_spent: Decimal = ZERO
    contact_cost: Decimal = ZERO
    contacts: int = 0

    @property
    def growth(self) -> Decimal | None:
        if not self.revenue_prev:
            return None
        return (self.revenue - self.revenue_prev) / self.revenue_prev

    @property
    def relationship_cost(self) -> Decimal:
        return self.plan_spent + self.contact_cost

    @property
    def gain(self) -> Decimal:
        return key_account_gain(self)[0]

    @property
    def gain_basis(self) -> str:
        return key_account_gain(self)[1]

    @property
    def return_on_cost(self) -> Decimal | None:
        return return_on_cost(self.gain, self.relationship_cost)

    @property
    def pays_off(self) -> bool:
        value = self.return_on_cost
        return value is not None and value > 1

    def add(self, other: Figures) -> None:
        self.customers += other.customers
        self.revenue += other.revenue
        self.revenue_prev += other.revenue_prev
        self.plan_spent += other.plan_spent
        self.contact_cost += other.contact_cost
        self.contacts += other.contacts
        for name in ("margin", "margin_prev"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if theirs is not None:
                setattr(self, name, theirs if mine is None else mine + theirs)


@dataclass
class SegmentFigures:
    segment: str  # "" = no purchases yet
    key: Figures
    regular: Figures

    @property
    def rows(self) -> list[tuple[str, Figures]]:
        """The groups with customers in this segment (key accounts first)."""
        groups = (("key", self.key), ("regular", self.regular))
        return [(name, figures) for name, figures in groups if figures.customers]


@dataclass
class MoveCounts:
    customers: int = 0
    improved: int = 0
    same: int = 0
    worsened: int = 0

    def share(self, count: int) -> Decimal | None:
        return Decimal(count) / Decimal(self.customers) if self.customers else None

    @property
    def improved_share(self) -> Decimal | None:
        return self.share(self.improved)

    @property
    def same_share(self) -> Decimal | None:
        return self.share(self.same)

    @property
    def worsened_share(self) -> Decimal | None:
        return self.share(self.worsened)

    def add(self, before: str, after: str, customers: int) -> None:
        self.customers += customers
        direction = movement(before, after)
        if direction > 0:
            self.improved += customers
        elif direction < 0:
            self.worsened += customers
        else:
            self.same += customers


@dataclass
class BeforeAfter:
    segment_before: str
    key: MoveCounts
    similar: MoveCounts

    @property
    def rows(self) -> list[tuple[str, MoveCounts]]:
        return [("key", self.key), ("similar", self.similar)]


@dataclass
class Profitability:
    key: Figures
    regular: Figures
    segments: list[SegmentFigures]
    before_after: list[BeforeAfter]

    @property
    def has_figures(self) -> bool:
        return bool(self.key.customers or self.regular.customers)

    @property
    def totals(self) -> list[tuple[str, Figures]]:
        return [("key", self.key), ("regular", self.regular)]

    @property
    def paying(self) -> list[SegmentFigures]:
        """Segments whose key accounts return more than their relationship cost, best first."""
        found = [s for s in self.segments if s.key.customers and s.key.pays_off]
        return sorted(found, key=lambda s: s.key.return_on_cost, reverse=True)

    @property
    def not_paying(self) -> list[SegmentFigures]:
        """Segments whose key accounts had a cost that the gain did not cover, worst first."""
        found = [s for s in self.segments if s.key.return_on_cost is not None and not s.key.pays_off]
        return sorted(found, key=lambda s: s.key.return_on_cost)


def profitability(*, filters: DashboardFilters) -> Profitability:
    """Key accounts against regular customers, per segment at the period's end, and the
    before/after segment movement (two aggregates). The RM filter narrows the key accounts only:
    regular customers stay what they are compared with."""
    rows = SegmentPeriod.objects.filter(**filters.keys)
    if filters.relationship_manager:
        rows = rows.filter(Q(is_key=False) | Q(relationship_manager_id=filters.relationship_manager))
    if filters.segment:
        rows = rows.filter(segment="" if filters.segment == NO_SEGMENT else filters.segment)
    if filters.industry:
        rows = rows.filter(industry=filters.industry)
    if filters.city:
        rows = rows.filter(city=filters.city)
    sums = (
        rows.order_by()
        .values("segment", "is_key")
        .annotate(
            n=Sum("customers"),
            rev=Sum("revenue"),
            rev_prev=Sum("revenue_prev"),
            mar=Sum("margin"),
            mar_prev=Sum("margin_prev"),
            spent=Sum("plan_spent"),
            effort=Sum("contact_cost"),
            touches=Sum("contacts"),
        )
    )
    by_segment: dict[str, SegmentFigures] = {}
    key, regular = Figures(), Figures()
    for row in sums:
        figures = Figures(
            customers=row["n"] or 0,
            revenue=_decimal(row["rev"]) or ZERO,
            revenue_prev=_decimal(row["rev_prev"]) or ZERO,
            margin=_decimal(row["mar"]),
            margin_prev=_decimal(row["mar_prev"]),
            plan_spent=_decimal(row["spent"]) or ZERO,
            contact_cost=_decimal(row["effort"]) or ZERO,
            contacts=row["touches"] or 0,
        )
        segment = by_segment.setdefault(row["segment"], SegmentFigures(row["segment"], Figures(), Figures()))
        if row["is_key"]:
            segment.key.add(figures)
            key.add(figures)
        else:
            segment.regular.add(figures)
            regular.add(figures)
    order = [*SEGMENT_ORDER, ""]
    segments = [by_segment[k] for k in order if k in by_segment]
    segments += [by_segment[k] for k in sorted(by_segment) if k not in order]
    return Profitability(key=key, regular=regular, segments=segments, before_after=_before_after(filters))


def _before_after(filters: DashboardFilters) -> list[BeforeAfter]:
    """Per segment before nomination: how the key accounts moved, and how similar customers (the
    same segment at the same month end, never key accounts) moved over the same months. Similar
    customers count only in the (month, segment) cohorts of the key accounts shown, so that with
    an RM they are that RM's cohorts.

    One aggregate per (group, cohort month, segment before, segment after) with plain conditions;
    the cohorts are matched here, over a few hundred groups. Matching them in SQL (key rows `OR`
    an `EXISTS` over the cohorts) was estimated by PostgreSQL at millions for 13,000 rows, so
    that it spent 0.3 s compiling the statement (JIT), and SQLite ran it in quadratic time."""
    rows = SegmentMovement.objects.filter(**filters.keys)
    if filters.segment == NO_SEGMENT:
        rows = rows.none()
    elif filters.segment:
        rows = rows.filter(segment_before=filters.segment)
    if filters.industry:
        rows = rows.filter(industry=filters.industry)
    if filters.city:
        rows = rows.filter(city=filters.city)
    if filters.relationship_manager:
        rows = rows.filter(Q(is_key=False) | Q(is_key=True, relationship_manager_id=filters.relationship_manager))
    sums = list(
        rows.order_by()
        .values_list("is_key", "cohort_month", "segment_before", "segment_after")
        .annotate(n=Sum("customers"))
    )
    cohorts = {(month, before) for is_key, month, before, _after, _n in sums if is_key}
    groups: dict[str, BeforeAfter] = {}
    for is_key, month, before, after, customers in sums:
        if not is_key and (month, before) not in cohorts:
            continue
        group = groups.setdefault(before, BeforeAfter(before, MoveCounts(), MoveCounts()))
        (group.key if is_key else group.similar).add(before, after, customers)
    return [groups[k] for k in SEGMENT_ORDER if k in groups and groups[k].key.customers]


# Sorts of the per-key-account table: "-" is descending; key accounts without a cost (no return) last.
PROFITABILITY_ORDERS = {
    "-return": (F("return_sort").desc(nulls_last=True), "customer__name", "pk"),
    "return": (F("return_sort").asc(nulls_last=True), "customer__name", "pk"),
    "-revenue": (F("revenue").desc(), "customer__name", "pk"),
    "-cost": (F("cost_sort").desc(), "customer__name", "pk"),
    "name": ("customer__name", "pk"),
}


def profitability_key_accounts(
    *, user: Any, filters: DashboardFilters, order: str = "-return"
) -> QuerySet[KeyAccountPeriod]:
    """The period's key accounts with revenue, margin, relationship cost and return, sorted by
    one of PROFITABILITY_ORDERS (default: best return first)."""
    rows = _with_return(_key_account_rows(filters, user=user)).select_related("customer", "relationship_manager")
    return rows.order_by(*PROFITABILITY_ORDERS.get(order, PROFITABILITY_ORDERS["-return"]))


def share_of_wallet_trends(*, key_account_ids: Iterable[int], period: Period) -> dict[int, list[Decimal | None]]:
    """Each key account's share of wallet at the end of the last TREND_PERIODS periods, oldest first
    (one query)."""
    periods = period.recent(TREND_PERIODS)
    index = {p.start: i for i, p in enumerate(periods)}
    ids = list(key_account_ids)
    trends: dict[int, list[Decimal | None]] = {pk: [None] * len(periods) for pk in ids}
    for pk, start, share in KeyAccountPeriod.objects.filter(
        period_kind=period.kind, period_start__in=list(index), key_account_id__in=ids
    ).values_list("key_account_id", "period_start", "share_of_wallet_end"):
        trends[pk][index[start]] = share
    return trends
