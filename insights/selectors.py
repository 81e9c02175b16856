"""Reads of the insights app, one per screen or endpoint, scoped to the user.

Every count, sum and list covers only the customers the user may see
(`visible_to`), so a rep's segment figures are those of their own customers.
Aggregations run in the database (GROUP BY), never over rows loaded into Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Customer

from .models import CustomerRFM, KeyAccountCandidate, Purchase, RFMSnapshot, RollupRun
from .segments import MOVED_FROM, MOVED_TO, SEGMENT_ORDER, SEGMENTS, SegmentInfo, grid_rows

ZERO = Decimal("0")
TREND_MONTHS = 24
LATEST_PURCHASES = 10
MOVED_DOWN_LIMIT = 50

SEGMENT_CUSTOMER_ORDERINGS: dict[str, tuple[Any, ...]] = {
    "-revenue_12m": (F("revenue_12m").desc(), "customer_id"),
    "-monetary": (F("monetary").desc(), "customer_id"),
    "recency": (F("recency_days").asc(), "customer_id"),
    "-frequency": (F("frequency").desc(), "customer_id"),
    "-growth": (F("growth").desc(nulls_last=True), "customer_id"),
    "share_of_wallet": (F("share_of_wallet").asc(nulls_last=True), "customer_id"),
    "name": (F("customer__name").asc(), "customer_id"),
}

PURCHASE_ORDERINGS: dict[str, tuple[str, ...]] = {
    "-purchased_at": ("-purchased_at", "-id"),
    "purchased_at": ("purchased_at", "id"),
    "-amount": ("-amount", "-id"),
    "amount": ("amount", "id"),
    "customer": ("customer__name", "-purchased_at", "-id"),
}


# --- the customer page ---------------------------------------------------------------------------


def customer_rfm_get(*, customer: Customer) -> CustomerRFM | None:
    """The customer's current figures; the caller has checked that the user sees the customer."""
    return CustomerRFM.objects.filter(customer=customer).first()


@dataclass(frozen=True)
class TrendMonth:
    month: dt.date
    snapshot: RFMSnapshot | None
    purchases: int
    purchase_total: Decimal

    @property
    def segment(self) -> SegmentInfo | None:
        return SEGMENTS.get(self.snapshot.segment) if self.snapshot else None


def _month_start(day: dt.date, months_back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def customer_trend(*, customer: Customer, months: int = TREND_MONTHS, today: dt.date | None = None) -> list[TrendMonth]:
    """The last `months` months, oldest first: the month-end snapshot and that month's purchases.

    Two queries: the snapshots and the purchases grouped by month (both on indexes).
    """
    today = today or timezone.localdate()
    first = _month_start(today, months - 1)
    snapshots = {s.month: s for s in RFMSnapshot.objects.filter(customer=customer, month__gte=first)}
    totals = {
        row["month"]: row
        for row in Purchase.objects.filter(customer=customer, purchased_on__gte=first)
        .annotate(month=TruncMonth("purchased_on"))
        .values("month")
        .annotate(n=Count("pk"), total=Sum("amount"))
        .order_by()
    }
    trend = []
    for back in range(months - 1, -1, -1):
        month = _month_start(today, back)
        row = totals.get(month, {})
        trend.append(TrendMonth(month, snapshots.get(month), row.get("n", 0), row.get("total") or ZERO))
    return trend


def customer_purchases_latest(*, customer: Customer, limit: int = LATEST_PURCHASES) -> list[Purchase]:
    return list(Purchase.objects.filter(customer=customer).order_by("-purchased_at", "-id")[:limit])


# --- the segments page ---------------------------------------------------------------------------


@dataclass
class GridCell:
    r: int
    f: int
    segment: SegmentInfo
    customers: int = 0
    revenue_12m: Decimal = ZERO
    monetary: Decimal = ZERO


@dataclass
class SegmentRow:
    segment: SegmentInfo
    customers: int = 0
    revenue_12m: Decimal = ZERO
    monetary: Decimal = ZERO
    avg_recency: float | None = None
    avg_frequency: float | None = None
    avg_monetary: Decimal | None = None
    share: float = 0.0

    @property
    def key(self) -> str:
        return self.segment.key


@dataclass
class SegmentSummary:
    rows: list[SegmentRow]
    customers: int = 0
    revenue_12m: Decimal = ZERO
    monetary: Decimal = ZERO
    month: dt.date | None = None


def segment_grid(*, user: Any) -> list[tuple[int, list[GridCell]]]:
    """The 5x5 RxF grid (R 5 at the top, F 1 on the left) with customers and revenue per cell; one query."""
    figures = {
        (row["r_score"], row["f_score"]): row
        for row in CustomerRFM.objects.visible_to(user)
        .values("r_score", "f_score")
        .annotate(customers=Count("pk"), revenue=Sum("revenue_12m"), money=Sum("monetary"))
        .order_by()
    }
    grid = []
    for r, cells in grid_rows():
        row = []
        for f, info in cells:
            found = figures.get((r, f), {})
            row.append(
                GridCell(
                    r, f, info, found.get("customers", 0), found.get("revenue") or ZERO, found.get("money") or ZERO
                )
            )
        grid.append((r, row))
    return grid


def segment_summary(*, user: Any, month: dt.date | None = None) -> SegmentSummary:
    """All ten segments (zeros included) over the visible customers, now or at a snapshot month; one query."""
    source = RFMSnapshot.objects.filter(month=month) if month else CustomerRFM.objects.all()
    figures = {
        row["segment"]: row
        for row in source.visible_to(user)
        .values("segment")
        .annotate(
            customers=Count("pk"),
            revenue=Sum("revenue_12m"),
            money=Sum("monetary"),
            recency=Avg("recency_days"),
            frequency=Avg("frequency"),
            avg_money=Avg("monetary"),
        )
        .order_by()
    }
    rows = []
    for key in SEGMENT_ORDER:
        found = figures.get(key, {})
        rows.append(
            SegmentRow(
                SEGMENTS[key],
                customers=found.get("customers", 0),
                revenue_12m=found.get("revenue") or ZERO,
                monetary=found.get("money") or ZERO,
                avg_recency=found.get("recency"),
                avg_frequency=found.get("frequency"),
                avg_monetary=found.get("avg_money"),
            )
        )
    total = sum(row.customers for row in rows)
    for row in rows:
        row.share = row.customers / total if total else 0.0
    return SegmentSummary(
        rows=rows,
        customers=total,
        revenue_12m=sum((row.revenue_12m for row in rows), ZERO),
        monetary=sum((row.monetary for row in rows), ZERO),
        month=month,
    )


def rfm_as_of(*, user: Any) -> dict[str, Any]:
    """When the current figures were computed (the latest of the visible rows); one query."""
    return CustomerRFM.objects.visible_to(user).aggregate(as_of=Max("as_of"), computed_at=Max("computed_at"))


@dataclass
class Movement:
    """Segment changes between the last two snapshot months."""

    previous_month: dt.date | None = None
    month: dt.date | None = None
    # matrix[from][to] = customers; `from` None for customers without a snapshot the month before.
    matrix: dict[str | None, dict[str, int]] = field(default_factory=dict)
    moved_down: list[RFMSnapshot] = field(default_factory=list)
    moved_down_count: int = 0

    @property
    def rows(self) -> list[tuple[SegmentInfo | None, list[tuple[SegmentInfo, int, bool]], int]]:
        """For the template: per `from` segment, the counts per `to` segment (with "moved down"), and the total."""
        result = []
        for source in [*SEGMENT_ORDER, None]:
            counts = self.matrix.get(source, {})
            if source is None and not counts:
                continue
            cells = [
                (SEGMENTS[target], counts.get(target, 0), source in MOVED_FROM and target in MOVED_TO)
                for target in SEGMENT_ORDER
            ]
            result.append((SEGMENTS.get(source) if source else None, cells, sum(counts.values())))
        return result

    @property
    def changed(self) -> int:
        return sum(n for source, counts in self.matrix.items() for target, n in counts.items() if source != target)


def snapshot_months(*, limit: int = 2) -> list[dt.date]:
    """The latest snapshot months, newest first (months are the same for every user; one query)."""
    return list(RFMSnapshot.objects.order_by("-month").values_list("month", flat=True).distinct()[:limit])


def segment_movement(*, user: Any) -> Movement:
    """The from→to matrix between the last two snapshot months and who moved down; three queries."""
    months = snapshot_months(limit=2)
    if len(months) < 2:
        return Movement(month=months[0] if months else None)
    month, previous_month = months
    before = RFMSnapshot.objects.filter(customer=OuterRef("customer"), month=previous_month).values("segment")[:1]
    current = RFMSnapshot.objects.visible_to(user).filter(month=month).annotate(previous=Subquery(before))
    matrix: dict[str | None, dict[str, int]] = {}
    for row in current.values("previous", "segment").annotate(n=Count("pk")).order_by():
        matrix.setdefault(row["previous"], {})[row["segment"]] = row["n"]
    moved = current.filter(previous__in=MOVED_FROM, segment__in=MOVED_TO)
    moved_down = list(
        moved.select_related("customer", "customer__owner").order_by("-revenue_prev_12m", "customer_id")[
            :MOVED_DOWN_LIMIT
        ]
    )
    count = sum(matrix.get(source, {}).get(target, 0) for source in MOVED_FROM for target in MOVED_TO)
    return Movement(previous_month, month, matrix, moved_down, count)


def segment_customer_list(
    *,
    user: Any,
    segment: str = "",
    r: int | None = None,
    f: int | None = None,
    owner: Any = None,
    industry: str = "",
    city: str = "",
    tier: str = "",
    ordering: str = "-revenue_12m",
) -> QuerySet[CustomerRFM]:
    """The customers of a segment (or an RxF cell) with their figures, the customer and its owner joined."""
    rows = CustomerRFM.objects.visible_to(user)
    if segment:
        rows = rows.filter(segment=segment)
    if r:
        rows = rows.filter(r_score=r)
    if f:
        rows = rows.filter(f_score=f)
    if owner:
        rows = rows.filter(customer__owner=owner)
    if industry:
        rows = rows.filter(customer__industry__iexact=industry)
    if city:
        rows = rows.filter(customer__city__iexact=city)
    if tier:
        rows = rows.filter(customer__tier=tier)
    order = SEGMENT_CUSTOMER_ORDERINGS.get(ordering, SEGMENT_CUSTOMER_ORDERINGS["-revenue_12m"])
    return rows.select_related("customer", "customer__owner").order_by(*order)


# --- purchases -----------------------------------------------------------------------------------


def purchase_list(
    *,
    user: Any,
    search: str = "",
    customer: Customer | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    source: str = "",
    category: str = "",
    ordering: str = "-purchased_at",
) -> QuerySet[Purchase]:
    purchases = Purchase.objects.visible_to(user)
    if customer is not None:
        purchases = purchases.filter(customer=customer)
    text = search.strip()
    if text:
        purchases = purchases.filter(
            Q(customer__name__icontains=text)
            | Q(customer__external_ref__iexact=text)
            | Q(product__icontains=text)
            | Q(external_id__iexact=text)
        )
    if date_from:
        purchases = purchases.filter(purchased_on__gte=date_from)
    if date_to:
        purchases = purchases.filter(purchased_on__lte=date_to)
    if source:
        purchases = purchases.filter(source__iexact=source.strip())
    if category:
        purchases = purchases.filter(category__icontains=category.strip())
    order = PURCHASE_ORDERINGS.get(ordering, PURCHASE_ORDERINGS["-purchased_at"])
    return purchases.select_related("customer").order_by(*order)


def purchase_totals(purchases: QuerySet[Purchase]) -> dict[str, Any]:
    """Count and sum of a filtered purchase list; one query."""
    totals = purchases.order_by().aggregate(count=Count("pk"), amount=Sum("amount"))
    return {"count": totals["count"], "amount": totals["amount"] or ZERO}


# --- rollup runs and candidates (general managers and admins) ------------------------------------


def rollup_run_list() -> QuerySet[RollupRun]:
    return RollupRun.objects.select_related("requested_by").order_by("-created_at", "-id")


def rollup_runs_active() -> bool:
    return RollupRun.objects.filter(status__in=(RollupRun.Status.QUEUED, RollupRun.Status.RUNNING)).exists()


def candidate_list(*, user: Any, reason: str = "") -> QuerySet[KeyAccountCandidate]:
    """Candidates with the customer, its owner and its current segment; one query."""
    candidates = KeyAccountCandidate.objects.visible_to(user)
    if reason:
        candidates = candidates.filter(reason=reason)
    return candidates.select_related("customer", "customer__owner", "customer__rfm").order_by("reason", "rank", "id")
