"""Period figures: what the GM's dashboards and the measured criteria read.

A period (a calendar quarter or year, `periods.Period`) is computed into stored tables
in one transaction: per key account (`KeyAccountPeriod`), per RM and metric
(`RMPeriodMetric`), per segment for the profitability analysis (`SegmentPeriod`) and
the before/after segment movements (`SegmentMovement`). Readers see the old figures
until the new ones commit. A period's figures change only when it is computed again.

The per-customer work is SQL in the database (aggregates over purchases, interactions,
actions and snapshots); Python only sees one row per key account and per cohort.
"""

# The segment SQL is built from table names and expressions in this file; values are parameters.
# ruff: noqa: S608

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer, Feedback
from communications.models import CadenceRule, Channel, Interaction
from insights.models import CustomerRFM, Purchase, RFMSnapshot
from insights.segments import SEGMENT_ORDER

from ..models import (
    Action,
    ContactCostRate,
    KeyAccount,
    KeyAccountPeriod,
    Metric,
    PeriodComputation,
    RelationshipPlan,
    Resource,
    RMAssignment,
    RMPeriodMetric,
    SegmentMovement,
    SegmentPeriod,
)
from ..periods import Period, PeriodKind

__all__ = [
    "DEFAULT_CONTACT_COSTS",
    "METRIC_BANDS",
    "SEGMENT_RANK",
    "contact_cost_rates",
    "contact_cost_rates_save",
    "metric_score",
    "movement",
    "period_compute",
    "period_request",
    "periods_due",
]

# What one contact costs by default (IDR: time, travel, the dinner); GMs change them.
DEFAULT_CONTACT_COSTS: dict[str, Decimal] = {
    Channel.PHONE: Decimal("50000"),
    Channel.VISIT: Decimal("750000"),
    Channel.MAIL: Decimal("75000"),
    Channel.EMAIL: Decimal("25000"),
    Channel.WEB: Decimal("25000"),
    Channel.EVENT: Decimal("1500000"),
}

# A measured value at or above the first threshold scores 5, the second 4, ...; below the last, 1.
METRIC_BANDS: dict[str, tuple[Decimal, Decimal, Decimal, Decimal]] = {
    # cadence intervals with a contact / whole cadence intervals in the window
    Metric.CADENCE_ADHERENCE: (Decimal("0.95"), Decimal("0.85"), Decimal("0.70"), Decimal("0.50")),
    # actions done / actions due in the period
    Metric.ACTION_COMPLETION: (Decimal("0.90"), Decimal("0.75"), Decimal("0.60"), Decimal("0.40")),
    # revenue against the same period a year before
    Metric.REVENUE_GROWTH: (Decimal("0.20"), Decimal("0.10"), Decimal("0"), Decimal("-0.10")),
    # (accounts whose segment improved - accounts whose segment worsened) / accounts
    Metric.SEGMENT_MOVEMENT: (Decimal("0.50"), Decimal("0.20"), Decimal("-0.20"), Decimal("-0.50")),
    # average change of the share of wallet, in fractions (0.02 = 2 points)
    Metric.SHARE_OF_WALLET_CHANGE: (Decimal("0.05"), Decimal("0.02"), Decimal("-0.02"), Decimal("-0.05")),
    # voice-of-customer entries per key account
    Metric.VOICE_OF_CUSTOMER: (Decimal("3"), Decimal("2"), Decimal("1"), Decimal("0.5")),
}

# Segments from best to worst (insights' order): a move up this list is an improvement.
SEGMENT_RANK: dict[str, int] = {key: len(SEGMENT_ORDER) - index for index, key in enumerate(SEGMENT_ORDER)}

FOUR_PLACES = Decimal("0.0001")
CENTS = Decimal("0.01")


def metric_score(metric: str, value: Decimal | None) -> int | None:
    if value is None:
        return None
    for score, threshold in zip((5, 4, 3, 2), METRIC_BANDS[metric], strict=True):
        if value >= threshold:
            return score
    return 1


def movement(before: str, after: str) -> int:
    """+1 when the segment improved, -1 when it worsened, 0 when unchanged or unknown."""
    if not before or not after or before not in SEGMENT_RANK or after not in SEGMENT_RANK:
        return 0
    difference = SEGMENT_RANK[after] - SEGMENT_RANK[before]
    return (difference > 0) - (difference < 0)


def contact_cost_rates() -> dict[str, Decimal]:
    rates = dict(DEFAULT_CONTACT_COSTS)
    rates.update(ContactCostRate.objects.values_list("channel", "cost"))
    return rates


@transaction.atomic
def contact_cost_rates_save(*, rates: dict[str, Decimal]) -> dict[str, Decimal]:
    errors = {}
    for channel, cost in rates.items():
        if channel not in Channel.values:
            errors[channel] = [_("Unknown channel.")]
        elif cost is None or cost < 0:
            errors[channel] = [_("Enter an amount of zero or more.")]
    if errors:
        raise ValidationError(errors)
    for channel, cost in rates.items():
        ContactCostRate.objects.update_or_create(channel=channel, defaults={"cost": cost})
    return contact_cost_rates()


# -- computing a period -------------------------------------------------------------------------


def periods_due(*, today: dt.date) -> list[Period]:
    """What the nightly job computes: the running quarter and year, and a period that has ended
    but was last computed while it still ran (so its final figures are stored once)."""
    due = [Period.of(kind, today) for kind in (PeriodKind.QUARTER, PeriodKind.YEAR)]
    for period in [p.previous() for p in due]:
        done = PeriodComputation.objects.filter(
            period_kind=period.kind, period_start=period.start, status=PeriodComputation.Status.DONE
        ).first()
        if done is None or done.data_until is None or done.data_until < period.end:
            due.append(period)
    return due


def period_compute(*, period: Period, requested_by: Any = None, today: dt.date | None = None) -> PeriodComputation:
    """Compute (or recompute) a period's stored figures from today's data, in one transaction."""
    today = today or timezone.localdate()
    if period.start > today:
        raise ValidationError({"period": _("This period has not started yet.")})
    until = min(period.end, today)
    computation, _created = PeriodComputation.objects.get_or_create(
        period_kind=period.kind, period_start=period.start, defaults={"period_end": period.end}
    )
    try:
        with transaction.atomic():
            # Two computations of one period wait for each other instead of interleaving.
            computation = PeriodComputation.objects.select_for_update().get(pk=computation.pk)
            computation.status = PeriodComputation.Status.RUNNING
            computation.started_at = timezone.now()
            computation.requested_by = requested_by
            key_accounts = _write(period, until, today)
            computation.status = PeriodComputation.Status.DONE
            computation.data_until = until
            computation.finished_at = timezone.now()
            computation.key_accounts = key_accounts
            computation.error = ""
            computation.save()
    except Exception as exc:
        PeriodComputation.objects.filter(pk=computation.pk).update(
            status=PeriodComputation.Status.FAILED, finished_at=timezone.now(), error=str(exc)[:2000]
        )
        raise
    return computation


@transaction.atomic
def period_request(*, period: Period, by: Any) -> PeriodComputation:
    """Queue a (re)computation of a period's figures; the worker runs `period_compute`.

    The row is written (queued) at once so that a page or API client can show it; a computation
    already running keeps its status and the new one runs after it.
    """
    # The tasks module imports the services: imported here, not at the top, to break the cycle.
    from .. import tasks

    if period.start > timezone.localdate():
        raise ValidationError({"period": _("This period has not started yet.")})
    computation, created = PeriodComputation.objects.select_for_update().get_or_create(
        period_kind=period.kind,
        period_start=period.start,
        defaults={"period_end": period.end, "status": PeriodComputation.Status.QUEUED, "requested_by": by},
    )
    if not created:
        if computation.status != PeriodComputation.Status.RUNNING:
            computation.status = PeriodComputation.Status.QUEUED
        computation.requested_by = by
        computation.save(update_fields=["status", "requested_by"])
    # robust: a failing computation records itself as failed; it must not fail the request.
    transaction.on_commit(lambda: tasks.enqueue(period, by=by), robust=True)
    return computation


def _write(period: Period, until: dt.date, today: dt.date) -> int:
    keys = {"period_kind": period.kind, "period_start": period.start}
    for model in (KeyAccountPeriod, RMPeriodMetric, SegmentPeriod, SegmentMovement):
        model.objects.filter(**keys).delete()
    now = timezone.now()
    window = _Window(period, until, today)
    rows = _key_account_rows(window, now)
    KeyAccountPeriod.objects.bulk_create(rows, batch_size=500)
    RMPeriodMetric.objects.bulk_create(_rm_metrics(window, rows, now), batch_size=500)
    _segment_rows(window, now)
    SegmentMovement.objects.bulk_create(_movement_rows(window, now), batch_size=500)
    return len(rows)


class _Window:
    """The dates and instants a computation counts between, and the snapshots it reads."""

    def __init__(self, period: Period, until: dt.date, today: dt.date) -> None:
        self.period = period
        self.today = today
        self.start = period.start
        self.until = until
        self.prev_start = period.year_before().start
        self.prev_until = _year_before(until)
        self.start_at = _midnight(period.start)
        self.end_at = _midnight(until + dt.timedelta(days=1))
        self.keys = {"period_kind": period.kind, "period_start": period.start, "period_end": period.end}
        # Segment and share of wallet at the start: the last month end before the period.
        self.start_month = RFMSnapshot.objects.filter(as_of__lt=period.start).aggregate(m=Max("month"))["m"]
        # ... and at the end: the last month end in it, or today's figures while the period runs.
        self.end_month = RFMSnapshot.objects.filter(as_of__lte=until).aggregate(m=Max("month"))["m"]
        current = CustomerRFM.objects.aggregate(a=Max("as_of"))["a"]
        end_month_as_of = _month_end(self.end_month) if self.end_month else None
        self.end_is_current = (
            current is not None and current <= until and (end_month_as_of is None or current > end_month_as_of)
        )

    def end_figures(self) -> QuerySet:
        if self.end_is_current:
            return CustomerRFM.objects.filter(customer=OuterRef("customer"))
        return RFMSnapshot.objects.filter(customer=OuterRef("customer"), month=self.end_month)

    @property
    def end_table(self) -> tuple[str, str]:
        """(table, extra join condition) of the end figures for the segment SQL."""
        if self.end_is_current:
            return CustomerRFM._meta.db_table, ""
        return RFMSnapshot._meta.db_table, " AND s.month = %(end_month)s"

    @property
    def resource_share(self) -> Decimal:
        """The part of a plan year's resources that falls into this period."""
        year_days = 366 if calendar.isleap(self.start.year) else 365
        return Decimal(self.period.days) / Decimal(year_days)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _year_before(day: dt.date) -> dt.date:
    return day.replace(year=day.year - 1, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=day.year - 1)


def _month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _sum(queryset: QuerySet, expression: Any, output: Any = None) -> Subquery:
    field = output or DecimalField(max_digits=18, decimal_places=2)
    return Subquery(
        queryset.order_by().values("customer").annotate(total=Sum(expression, output_field=field)).values("total")[:1],
        output_field=field,
    )


def _count(queryset: QuerySet, group: str = "customer") -> Coalesce:
    counted = queryset.order_by().values(group).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _key_account_rows(w: _Window, now: dt.datetime) -> list[KeyAccountPeriod]:
    rates = contact_cost_rates()
    in_window = KeyAccount.objects.filter(nominated_at__lt=w.end_at).filter(
        Q(retired_at__isnull=True) | Q(retired_at__gte=w.start_at)
    )
    contacts = Interaction.objects.filter(
        customer=OuterRef("customer"), occurred_at__gte=OuterRef("window_from"), occurred_at__lt=OuterRef("window_to")
    )
    purchases = Purchase.objects.filter(customer=OuterRef("customer"), purchased_on__range=(w.start, w.until))
    purchases_prev = Purchase.objects.filter(
        customer=OuterRef("customer"), purchased_on__range=(w.prev_start, w.prev_until)
    )
    margin = ExpressionWrapper(F("amount") - F("cost"), output_field=DecimalField(max_digits=18, decimal_places=2))
    in_force = {"plan__key_account": OuterRef("pk"), "plan__status": RelationshipPlan.Status.APPROVED}
    actions = Action.objects.filter(**in_force, plan__superseded_by__isnull=True, due_on__range=(w.start, w.until))
    actions = actions.exclude(status=Action.Status.CANCELLED)
    overdue_before = min(w.until + dt.timedelta(days=1), w.today)
    resources = Resource.objects.filter(
        **in_force,
        plan__superseded_by__isnull=True,
        plan__start_year__lte=w.start.year,
        plan__end_year__gte=w.start.year,
    )
    plan_years = F("plan__end_year") - F("plan__start_year") + 1
    cost_case = Case(
        *[When(channel=channel, then=Value(rate)) for channel, rate in rates.items()],
        default=Value(Decimal("0")),
        output_field=DecimalField(max_digits=18, decimal_places=2),
    )
    start_figures = RFMSnapshot.objects.filter(customer=OuterRef("customer"), month=w.start_month)
    end_figures = w.end_figures()
    cadence_own = CadenceRule.objects.filter(customer=OuterRef("customer"), channel="")
    cadence_tier = CadenceRule.objects.filter(customer__isnull=True, tier=Customer.Tier.KEY, channel="")
    managers = RMAssignment.objects.filter(key_account=OuterRef("pk"), started_at__lt=OuterRef("window_to")).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=OuterRef("window_to"))
    )
    rows = (
        in_window.annotate(
            window_from=Greatest("nominated_at", Value(w.start_at, output_field=DateTimeField())),
            window_to=Least(
                Coalesce("retired_at", Value(w.end_at, output_field=DateTimeField())),
                Value(w.end_at, output_field=DateTimeField()),
            ),
        )
        .annotate(
            rm=Subquery(managers.order_by("-started_at", "-pk").values("relationship_manager")[:1]),
            n_contacts=_count(contacts),
            n_visits=_count(contacts.filter(channel=Channel.VISIT)),
            effort=_sum(contacts, cost_case),
            revenue=_sum(purchases, "amount"),
            revenue_prev=_sum(purchases_prev, "amount"),
            margin=_sum(purchases.filter(cost__isnull=False), margin),
            margin_prev=_sum(purchases_prev.filter(cost__isnull=False), margin),
            n_purchases=_count(purchases),
            due=_count(actions, "plan__key_account"),
            done=_count(actions.filter(status=Action.Status.DONE), "plan__key_account"),
            overdue=_count(
                actions.filter(
                    status__in=[Action.Status.PLANNED, Action.Status.IN_PROGRESS], due_on__lt=overdue_before
                ),
                "plan__key_account",
            ),
            year_budget=Subquery(
                resources.order_by()
                .values("plan__key_account")
                .annotate(t=Sum(F("amount") / plan_years, output_field=DecimalField(max_digits=18, decimal_places=4)))
                .values("t")[:1]
            ),
            year_spent=Subquery(
                resources.order_by()
                .values("plan__key_account")
                .annotate(t=Sum(F("spent") / plan_years, output_field=DecimalField(max_digits=18, decimal_places=4)))
                .values("t")[:1]
            ),
            segment_start=Subquery(start_figures.values("segment")[:1]),
            segment_end=Subquery(end_figures.values("segment")[:1]),
            sow_start=Subquery(start_figures.values("share_of_wallet")[:1]),
            sow_end=Subquery(end_figures.values("share_of_wallet")[:1]),
            voc=_count(Feedback.objects.filter(customer=OuterRef("customer"), asked_on__range=(w.start, w.until))),
            cadence=Coalesce(
                Subquery(cadence_own.values("max_gap_days")[:1]), Subquery(cadence_tier.values("max_gap_days")[:1])
            ),
        )
        .order_by("pk")
        .values()
    )
    rows = list(rows)
    contacted = _contact_days(rows, w)
    result = []
    for row in rows:
        window_from = timezone.localtime(row["window_from"]).date()
        window_to = timezone.localtime(row["window_to"]).date()  # exclusive
        days = max((window_to - window_from).days, 0)
        cadence = row["cadence"]
        result.append(
            KeyAccountPeriod(
                **w.keys,
                key_account_id=row["id"],
                customer_id=row["customer_id"],
                relationship_manager_id=row["rm"],
                window_start=window_from,
                window_end=max(window_to - dt.timedelta(days=1), window_from),
                revenue=_money(row["revenue"]),
                revenue_prev=_money(row["revenue_prev"]),
                margin=None if row["margin"] is None else _money(row["margin"]),
                margin_prev=None if row["margin_prev"] is None else _money(row["margin_prev"]),
                purchases=row["n_purchases"],
                contacts=row["n_contacts"],
                visits=row["n_visits"],
                cadence_days=cadence,
                expected_contacts=days // cadence if cadence else 0,
                cadence_met=_intervals_met(contacted.get(row["id"], ()), window_from, days, cadence),
                actions_due=row["due"],
                actions_done=row["done"],
                actions_overdue=row["overdue"],
                plan_budget=_money(_decimal(row["year_budget"]) * w.resource_share),
                plan_spent=_money(_decimal(row["year_spent"]) * w.resource_share),
                contact_cost=_money(row["effort"]),
                segment_start=row["segment_start"] or "",
                segment_end=row["segment_end"] or "",
                share_of_wallet_start=row["sow_start"],
                share_of_wallet_end=row["sow_end"],
                voc_entries=row["voc"],
                computed_at=now,
            )
        )
    return result


def _contact_days(rows: list[dict[str, Any]], w: _Window) -> dict[int, set[dt.date]]:
    """The local days each key account was contacted in its window.

    Key accounts' contacts of one period only (bounded by the programme's size, not by the
    customer base): whether each cadence interval held a contact needs the days themselves.
    """
    windows = {row["customer_id"]: (row["id"], row["window_from"], row["window_to"]) for row in rows}
    days: dict[int, set[dt.date]] = {}
    contacts = Interaction.objects.filter(
        customer_id__in=list(windows), occurred_at__gte=w.start_at, occurred_at__lt=w.end_at
    ).values_list("customer_id", "occurred_at")
    for customer_id, occurred_at in contacts.iterator(chunk_size=5000):
        key_account, window_from, window_to = windows[customer_id]
        if window_from <= occurred_at < window_to:
            days.setdefault(key_account, set()).add(timezone.localtime(occurred_at).date())
    return days


def _intervals_met(days: Any, window_from: dt.date, window_days: int, cadence: int | None) -> int:
    """How many of the window's whole cadence intervals (counted from its first day) held a contact."""
    if not cadence:
        return 0
    intervals = window_days // cadence
    return len({(day - window_from).days // cadence for day in days} & set(range(intervals)))


def _decimal(value: Any) -> Decimal:
    return Decimal("0") if value is None else Decimal(str(value))


def _money(value: Any) -> Decimal:
    return _decimal(value).quantize(CENTS, rounding=ROUND_HALF_UP)


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (numerator / denominator).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def _rm_metrics(w: _Window, rows: list[KeyAccountPeriod], now: dt.datetime) -> list[RMPeriodMetric]:
    """Each measured metric per RM over the key accounts they managed at the window's end
    (programme-sized: one row per key account, already in memory)."""
    by_rm: dict[int, list[KeyAccountPeriod]] = {}
    for row in rows:
        if row.relationship_manager_id:
            by_rm.setdefault(row.relationship_manager_id, []).append(row)
    metrics = []
    for rm_id, accounts in by_rm.items():
        for metric, (numerator, denominator) in _metric_parts(accounts).items():
            value = _ratio(numerator, denominator)
            metrics.append(
                RMPeriodMetric(
                    **w.keys,
                    relationship_manager_id=rm_id,
                    metric=metric,
                    value=value,
                    numerator=_money(numerator),
                    denominator=_money(denominator),
                    score=metric_score(metric, value),
                    accounts=len(accounts),
                    computed_at=now,
                )
            )
    return metrics


def _metric_parts(accounts: list[KeyAccountPeriod]) -> dict[str, tuple[Decimal, Decimal]]:
    """(numerator, denominator) of every metric; the value is their ratio (DESIGN of issue 7)."""
    moved = [movement(a.segment_start, a.segment_end) for a in accounts if a.segment_start and a.segment_end]
    walleted = [
        a.share_of_wallet_end - a.share_of_wallet_start
        for a in accounts
        if a.share_of_wallet_start is not None and a.share_of_wallet_end is not None
    ]
    revenue = sum((a.revenue for a in accounts), Decimal("0"))
    revenue_prev = sum((a.revenue_prev for a in accounts), Decimal("0"))
    return {
        Metric.CADENCE_ADHERENCE: (
            Decimal(sum(a.cadence_met for a in accounts)),
            Decimal(sum(a.expected_contacts for a in accounts)),
        ),
        Metric.ACTION_COMPLETION: (
            Decimal(sum(a.actions_done for a in accounts)),
            Decimal(sum(a.actions_due for a in accounts)),
        ),
        Metric.REVENUE_GROWTH: (revenue - revenue_prev, revenue_prev),
        Metric.SEGMENT_MOVEMENT: (Decimal(sum(moved)), Decimal(len(moved))),
        Metric.SHARE_OF_WALLET_CHANGE: (sum(walleted, Decimal("0")), Decimal(len(walleted))),
        Metric.VOICE_OF_CUSTOMER: (Decimal(sum(a.voc_entries for a in accounts)), Decimal(len(accounts))),
    }


# -- profitability per segment (every customer, one INSERT ... SELECT) -------------------------


def _segment_rows(w: _Window, now: dt.datetime) -> None:
    postgres = connection.vendor == "postgresql"

    def cents(expr: str) -> str:
        return f"(({expr}) * 100)::bigint" if postgres else f"CAST(round(({expr}) * 100) AS INTEGER)"

    def money(expr: str) -> str:
        return f"(({expr})::numeric / 100)" if postgres else f"(({expr}) / 100.0)"

    rates = contact_cost_rates()
    params: dict[str, Any] = {
        "kind": w.period.kind,
        "start": _date(w.start),
        "end": _date(w.period.end),
        "until": _date(w.until),
        "prev_start": _date(w.prev_start),
        "prev_until": _date(w.prev_until),
        "start_at": connection.ops.adapt_datetimefield_value(w.start_at),
        "end_at": connection.ops.adapt_datetimefield_value(w.end_at),
        "end_month": _date(w.end_month) if w.end_month else None,
        "now": connection.ops.adapt_datetimefield_value(now),
    }
    whens = []
    for n, (channel, rate) in enumerate(rates.items()):
        params[f"channel_{n}"] = channel
        params[f"rate_{n}"] = int(rate * 100)
        whens.append(f"WHEN %(channel_{n})s THEN %(rate_{n})s")
    end_table, end_join = w.end_table
    if not w.end_is_current and w.end_month is None:
        end_join = " AND 1 = 0"
    margin = cents("amount - cost")
    sql = f"""
        INSERT INTO {SegmentPeriod._meta.db_table} (
            period_kind, period_start, period_end, segment, is_key, industry, city, relationship_manager_id,
            customers, revenue, revenue_prev, margin, margin_prev, plan_spent, contact_cost, contacts, computed_at)
        SELECT %(kind)s, %(start)s, %(end)s, COALESCE(s.segment, ''), k.id IS NOT NULL, c.industry, c.city,
            k.relationship_manager_id, COUNT(*),
            {money("COALESCE(SUM(p.revenue), 0)")}, {money("COALESCE(SUM(p.revenue_prev), 0)")},
            {money("SUM(p.margin)")}, {money("SUM(p.margin_prev)")},
            {money("COALESCE(SUM(" + cents("k.plan_spent") + "), 0)")},
            {money("COALESCE(SUM(CASE WHEN k.id IS NULL THEN i.cost ELSE " + cents("k.contact_cost") + " END), 0)")},
            COALESCE(SUM(CASE WHEN k.id IS NULL THEN i.contacts ELSE k.contacts END), 0),
            %(now)s
        FROM {Customer._meta.db_table} c
        LEFT JOIN {end_table} s ON s.customer_id = c.id{end_join}
        LEFT JOIN {KeyAccountPeriod._meta.db_table} k
            ON k.customer_id = c.id AND k.period_kind = %(kind)s AND k.period_start = %(start)s
        LEFT JOIN (
            SELECT customer_id,
                SUM(CASE WHEN purchased_on >= %(start)s THEN {cents("amount")} END) AS revenue,
                SUM(CASE WHEN purchased_on >= %(start)s AND cost IS NOT NULL THEN {margin} END) AS margin,
                SUM(CASE WHEN purchased_on <= %(prev_until)s THEN {cents("amount")} END) AS revenue_prev,
                SUM(CASE WHEN purchased_on <= %(prev_until)s AND cost IS NOT NULL THEN {margin} END) AS margin_prev
            FROM {Purchase._meta.db_table}
            WHERE purchased_on BETWEEN %(start)s AND %(until)s OR purchased_on BETWEEN %(prev_start)s AND %(prev_until)s
            GROUP BY customer_id
        ) p ON p.customer_id = c.id
        LEFT JOIN (
            SELECT customer_id, COUNT(*) AS contacts, SUM(CASE channel {" ".join(whens)} ELSE 0 END) AS cost
            FROM {Interaction._meta.db_table}
            WHERE occurred_at >= %(start_at)s AND occurred_at < %(end_at)s
            GROUP BY customer_id
        ) i ON i.customer_id = c.id
        WHERE c.archived_at IS NULL OR c.archived_at >= %(start_at)s
        GROUP BY COALESCE(s.segment, ''), k.id IS NOT NULL, c.industry, c.city, k.relationship_manager_id"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _date(value: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


# -- before/after: segment movement after nomination against similar customers -----------------


def _add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _movement_rows(w: _Window, now: dt.datetime) -> list[SegmentMovement]:
    """Key accounts: segment at the month end before nomination and `RELASI_EFFECT_MONTHS`
    later. Similar customers: the same segment at the same month end, never a key account
    by the later month end; their segment at the same later month end."""
    horizon = settings.RELASI_EFFECT_MONTHS
    cohorts: dict[tuple[dt.date, dt.date], list[tuple[int, int | None]]] = {}
    terms = KeyAccount.objects.filter(nominated_at__lt=w.end_at).values_list(
        "customer_id", "nominated_at", "relationship_manager_id"
    )
    for customer_id, nominated_at, rm_id in terms.order_by("pk"):
        before = _add_months(timezone.localtime(nominated_at).date().replace(day=1), -1)
        after = _add_months(before, horizon)
        if _month_end(after) <= w.until:
            cohorts.setdefault((before, after), []).append((customer_id, rm_id))
    counts: Counter[tuple[Any, ...]] = Counter()
    for (before, after), members in sorted(cohorts.items()):
        rm_of = dict(members)
        key_rows = (
            RFMSnapshot.objects.filter(month=before, customer_id__in=rm_of)
            .annotate(
                after=Subquery(
                    RFMSnapshot.objects.filter(customer=OuterRef("customer"), month=after).values("segment")[:1]
                )
            )
            .values_list("customer_id", "segment", "after", "customer__industry", "customer__city")
        )
        segments = set()
        for customer_id, segment, after_segment, industry, city in key_rows:
            if after_segment:
                segments.add(segment)
                counts[(True, before, segment, after_segment, industry, city, rm_of[customer_id])] += 1
        if not segments:
            continue
        ever_key = KeyAccount.objects.filter(
            customer=OuterRef("customer"), nominated_at__lt=_midnight(_month_end(after) + dt.timedelta(days=1))
        )
        controls = (
            RFMSnapshot.objects.filter(month=before, segment__in=segments)
            .exclude(Exists(ever_key))
            .annotate(
                after=Subquery(
                    RFMSnapshot.objects.filter(customer=OuterRef("customer"), month=after).values("segment")[:1]
                )
            )
            .exclude(after__isnull=True)
            .values("segment", "after", "customer__industry", "customer__city")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in controls:
            key = (False, before, row["segment"], row["after"], row["customer__industry"], row["customer__city"], None)
            counts[key] += row["n"]
    return [
        SegmentMovement(
            **w.keys,
            is_key=is_key,
            cohort_month=before,
            segment_before=segment_before,
            segment_after=segment_after,
            industry=industry,
            city=city,
            relationship_manager_id=rm_id,
            customers=n,
            computed_at=now,
        )
        for (is_key, before, segment_before, segment_after, industry, city, rm_id), n in sorted(
            counts.items(), key=lambda item: tuple(str(part) for part in item[0])
        )
    ]
