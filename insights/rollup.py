"""The RFM rollup: purchases into knowledge tables with set-based SQL (DESIGN.md "Exact definitions").

Every figure is computed inside the database; no customer or purchase row is
loaded into Python. The same statements run on SQLite and PostgreSQL; where
the dialects differ the difference is one small expression (`_Dialect`).

Shape of a full run, in one transaction:

1. aggregate purchases per customer into a work table (one GROUP BY; per
   customer, so it stays shard-local under Citus and can be split into
   customer-id ranges across workers: `stage_shard`);
2. score from the work table with window functions and upsert into the target,
   writing only rows whose values changed (so a second run is a no-op and the
   tables stay identical), and delete the rows of customers who no longer have
   a purchase on or before `as_of`.

A killed worker rolls its transaction back, so readers always see the previous
complete results. An incremental run re-aggregates only the customers it is
given, then refreshes scores through per-score thresholds (one small query
per metric) and rewrites only rows whose scores moved.

Scores are computed in exact integer arithmetic: `ceil(5 * cume_dist())` is
`(5 * c + n - 1) / n` where `c = count(*) OVER (ORDER BY value)` counts the rows
up to and including the current row's peers, and `n` is the number of rows.
"""

# The SQL is assembled from this module's own constants; every value travels as a parameter.
# ruff: noqa: S608
from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from accounts.models import Customer

from .models import SEGMENT_GRID, CustomerRFM, KeyAccountCandidate, Purchase, RollupRun

RFM_TABLE = "insights_customerrfm"
SNAPSHOT_TABLE = "insights_rfmsnapshot"
STAGE_TABLE = "insights_rfmstage"
WORK_TABLE = "insights_rfm_work"

AGGREGATE_COLUMNS = (
    "customer_id",
    "last_purchase_on",
    "frequency",
    "monetary",
    "revenue_12m",
    "revenue_prev_12m",
    "cost_12m",
)
FIGURE_COLUMNS = (
    "as_of",
    "last_purchase_on",
    "recency_days",
    "frequency",
    "monetary",
    "average_order_value",
    "revenue_12m",
    "revenue_prev_12m",
    "growth",
    "cost_12m",
    "competitor_spend",
    "share_of_wallet",
)
SCORE_COLUMNS = ("r_score", "f_score", "m_score", "segment")
# The metric each score orders by, ascending: the most recent purchase gets R 5.
SCORE_ORDER = {"r_score": "last_purchase_on", "f_score": "frequency", "m_score": "monetary"}


class _Dialect:
    """The few expressions SQLite and PostgreSQL spell differently."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def cents(self, expr: str) -> str:
        # SQLite keeps decimals as floating point; summing whole cents keeps every
        # sum exact and independent of row order (PostgreSQL's numeric already is).
        return expr if self.postgres else f"CAST(round(({expr}) * 100) AS INTEGER)"

    def money(self, sum_expr: str) -> str:
        return sum_expr if self.postgres else f"(({sum_expr}) / 100.0)"

    def average(self, total: str, count: str) -> str:
        """total / count rounded half up to cents (exactly, in integers on SQLite)."""
        if self.postgres:
            return f"round({total} / {count}, 2)"
        cents = self.cents(total)
        return f"((({cents}) * 2 + {count}) / (2 * {count})) / 100.0"

    def days_between(self, later: str, earlier: str) -> str:
        if self.postgres:
            return f"({later}::date - {earlier})"
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def distinct(self, left: Sequence[str], right: Sequence[str]) -> str:
        op = "IS DISTINCT FROM" if self.postgres else "IS NOT"
        return f"({', '.join(left)}) {op} ({', '.join(right)})"

    def ids(self, customer_ids: Sequence[int]) -> tuple[str, dict[str, Any]]:
        if self.postgres:
            return "= ANY(%(ids)s)", {"ids": [int(i) for i in customer_ids]}
        return "IN (" + ",".join(str(int(i)) for i in customer_ids) + ")", {}


def _date(value: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def _now() -> Any:
    return connection.ops.adapt_datetimefield_value(timezone.now())


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _window_params(as_of: dt.date) -> dict[str, Any]:
    """The 12-month windows: (as_of - 365, as_of] and (as_of - 730, as_of - 365]."""
    return {
        "as_of": _date(as_of),
        "d365": _date(as_of - dt.timedelta(days=365)),
        "d730": _date(as_of - dt.timedelta(days=730)),
        "now": _now(),
    }


def _aggregate_sql(d: _Dialect, where: str = "") -> str:
    amount, cost = d.cents("p.amount"), d.cents("p.cost")
    return f"""
        SELECT p.customer_id AS customer_id,
               max(p.purchased_on) AS last_purchase_on,
               count(*) AS frequency,
               {d.money(f"sum({amount})")} AS monetary,
               {d.money(f"sum(CASE WHEN p.purchased_on > %(d365)s THEN {amount} ELSE 0 END)")} AS revenue_12m,
               {
        d.money(f"sum(CASE WHEN p.purchased_on > %(d730)s AND p.purchased_on <= %(d365)s THEN {amount} ELSE 0 END)")
    } AS revenue_prev_12m,
               {d.money(f"sum(CASE WHEN p.purchased_on > %(d365)s THEN {cost} END)")} AS cost_12m
        FROM insights_purchase p
        WHERE p.purchased_on <= %(as_of)s {where}
        GROUP BY p.customer_id"""


def _figures_sql(d: _Dialect, source: str) -> str:
    """Per customer, the figures derived from its aggregates (no cross-customer work)."""
    spend = d.money(f"sum({d.cents('ci.estimated_annual_spend')})")
    return f"""
        SELECT a.customer_id, %(as_of)s AS as_of, a.last_purchase_on,
               {d.days_between("%(as_of)s", "a.last_purchase_on")} AS recency_days,
               a.frequency, a.monetary,
               {d.average("a.monetary", "a.frequency")} AS average_order_value,
               a.revenue_12m, a.revenue_prev_12m,
               CASE WHEN a.revenue_prev_12m = 0 THEN NULL
                    ELSE round((a.revenue_12m - a.revenue_prev_12m) / a.revenue_prev_12m, 6) END AS growth,
               a.cost_12m,
               COALESCE(c.spend, 0) AS competitor_spend,
               CASE WHEN a.revenue_12m + COALESCE(c.spend, 0) = 0 THEN NULL
                    ELSE round(a.revenue_12m / (a.revenue_12m + COALESCE(c.spend, 0)), 6) END AS share_of_wallet
        FROM {source} a
        LEFT JOIN (
            SELECT ci.customer_id, {spend} AS spend
            FROM accounts_competitorintel ci
            WHERE ci.estimated_annual_spend IS NOT NULL
            GROUP BY ci.customer_id
        ) c ON c.customer_id = a.customer_id"""


def segment_case(r_expr: str, f_expr: str) -> str:
    """DESIGN.md's segment table as one CASE over (R, F), generated from SEGMENT_GRID."""
    whens = " ".join(f"WHEN {r * 10 + f} THEN '{SEGMENT_GRID[r][f - 1]}'" for r in range(1, 6) for f in range(1, 6))
    return f"CASE ({r_expr}) * 10 + ({f_expr}) {whens} END"


def _scored_sql(d: _Dialect, source: str) -> str:
    scores = ",\n".join(
        f"(5 * count(*) OVER (ORDER BY x.{order}) + count(*) OVER () - 1) / count(*) OVER () AS {score}"
        for score, order in SCORE_ORDER.items()
    )
    return f"""
        SELECT y.*, {segment_case("y.r_score", "y.f_score")} AS segment
        FROM (SELECT x.*, {scores} FROM ({_figures_sql(d, source)}) x) y"""


def _upsert_sql(d: _Dialect, *, target: str, select: str, key: Sequence[str], extra: dict[str, str]) -> str:
    """INSERT ... SELECT ... ON CONFLICT DO UPDATE, writing only rows whose values changed."""
    values = (*FIGURE_COLUMNS, *SCORE_COLUMNS)
    columns = ("customer_id", *extra, *values, "computed_at")
    selected = ("s.customer_id", *extra.values(), *(f"s.{c}" for c in values), "%(now)s")
    updates = ", ".join(f"{c} = excluded.{c}" for c in (*values, "computed_at"))
    changed = d.distinct([f"{target}.{c}" for c in values], [f"excluded.{c}" for c in values])
    # "WHERE true" lets SQLite tell the SELECT's end from the ON CONFLICT clause.
    return f"""
        INSERT INTO {target} ({", ".join(columns)})
        SELECT {", ".join(selected)} FROM ({select}) s WHERE true
        ON CONFLICT ({", ".join(key)}) DO UPDATE SET {updates}
        WHERE {changed}"""


@contextmanager
def _rollup_transaction() -> Iterator[Any]:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A hash aggregate in memory instead of walking the foreign-key index
            # (about 2.7x faster at 10 million purchases); only for this transaction.
            work_mem = settings.ROLLUP_WORK_MEM
            if not re.fullmatch(r"\d+\s*(kB|MB|GB)?", work_mem):
                raise ValueError(f"ROLLUP_WORK_MEM is not a memory size: {work_mem!r}")
            cursor.execute(f"SET LOCAL work_mem = '{work_mem}'")
        yield cursor


def _work_table_fill(cursor: Any, d: _Dialect, params: dict[str, Any], where: str = "") -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {WORK_TABLE}")
    # CREATE TABLE AS may run the aggregate in parallel on PostgreSQL; INSERT ... SELECT never does.
    cursor.execute(f"CREATE TEMP TABLE {WORK_TABLE} AS {_aggregate_sql(d, where)}", params)


def _count(cursor: Any, sql: str, params: Any = None) -> int:
    cursor.execute(sql, params)
    return int(cursor.fetchone()[0])


def full(*, as_of: dt.date) -> tuple[int, int]:
    """Recompute the current RFM table for `as_of`; returns (rows, rows written or deleted)."""
    d = _Dialect()
    params = _window_params(as_of)
    with _rollup_transaction() as cursor:
        _work_table_fill(cursor, d, params)
        changed = _write_scored(cursor, d, params, source=WORK_TABLE, target=RFM_TABLE)
        cursor.execute(f"DROP TABLE {WORK_TABLE}")
        return _count(cursor, f"SELECT count(*) FROM {RFM_TABLE}"), changed


def _write_scored(cursor: Any, d: _Dialect, params: dict[str, Any], *, source: str, target: str) -> int:
    if target == SNAPSHOT_TABLE:
        key, extra = ("customer_id", "month"), {"month": "%(month)s"}
        scope = f"{target}.month = %(month)s AND "
    else:
        key, extra, scope = ("customer_id",), {}, ""
    cursor.execute(_upsert_sql(d, target=target, select=_scored_sql(d, source), key=key, extra=extra), params)
    written = max(cursor.rowcount, 0)
    cursor.execute(
        f"DELETE FROM {target} WHERE {scope}NOT EXISTS "
        f"(SELECT 1 FROM {source} w WHERE w.customer_id = {target}.customer_id)",
        params,
    )
    return written + max(cursor.rowcount, 0)


def snapshot_month(*, as_of: dt.date) -> tuple[int, int]:
    """The monthly snapshot for the month of `as_of`, as of that month's last day."""
    d = _Dialect()
    as_of = month_end(as_of)
    params = {**_window_params(as_of), "month": _date(as_of.replace(day=1))}
    with _rollup_transaction() as cursor:
        _work_table_fill(cursor, d, params)
        changed = _write_scored(cursor, d, params, source=WORK_TABLE, target=SNAPSHOT_TABLE)
        cursor.execute(f"DROP TABLE {WORK_TABLE}")
        rows = _count(cursor, f"SELECT count(*) FROM {SNAPSHOT_TABLE} WHERE month = %(month)s", params)
        return rows, changed


def snapshot_exists(*, as_of: dt.date) -> bool:
    return RollupRun.objects.filter(
        kind=RollupRun.Kind.SNAPSHOT, as_of=month_end(as_of), status=RollupRun.Status.DONE
    ).exists()


def snapshot_months(*, first: dt.date | None = None, last: dt.date | None = None) -> list[dt.date]:
    """Month ends from the first purchase's month (or `first`) to the last complete month (or `last`)."""
    if first is None:
        first = Purchase.objects.order_by("purchased_on").values_list("purchased_on", flat=True).first()
        if first is None:
            return []
    if last is None:
        last = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    months, cursor_day = [], month_end(first)
    while cursor_day <= month_end(last):
        months.append(cursor_day)
        cursor_day = month_end(cursor_day + dt.timedelta(days=1))
    return months


# --- sharded full runs ------------------------------------------------------------------------


def shard_ranges(shards: int) -> list[tuple[int, int]]:
    """Customer-id ranges [low, high) covering every customer, `shards` of them."""
    bounds = Customer.objects.order_by().aggregate(low=Min("id"), high=Max("id"))
    low, high = bounds["low"] or 0, (bounds["high"] or 0) + 1
    step = max(1, math.ceil((high - low) / shards))
    return [(start, min(start + step, high)) for start in range(low, high, step)]


def shard_count() -> int:
    customers = Customer.objects.order_by().count()
    return max(1, math.ceil(customers / settings.ROLLUP_SHARD_SIZE))


def stage_shard(*, run_id: int, as_of: dt.date, low: int, high: int) -> int:
    """Aggregate one customer-id range into the stage; idempotent (a redelivered shard replaces its rows)."""
    d = _Dialect()
    params = {**_window_params(as_of), "run": run_id, "low": low, "high": high}
    columns = ", ".join(AGGREGATE_COLUMNS)
    with _rollup_transaction() as cursor:
        cursor.execute(
            f"DELETE FROM {STAGE_TABLE} WHERE run_id = %(run)s AND customer_id >= %(low)s AND customer_id < %(high)s",
            params,
        )
        cursor.execute(
            f"INSERT INTO {STAGE_TABLE} (run_id, {columns}) SELECT %(run)s, {columns} FROM ("
            f"{_aggregate_sql(d, 'AND p.customer_id >= %(low)s AND p.customer_id < %(high)s')}) a",
            params,
        )
        return max(cursor.rowcount, 0)


def score_from_stage(*, run_id: int, as_of: dt.date) -> tuple[int, int]:
    """The scoring step after every shard: stage into the current table, then clear the stage."""
    d = _Dialect()
    params = {**_window_params(as_of), "run": run_id}
    source = f"(SELECT {', '.join(AGGREGATE_COLUMNS)} FROM {STAGE_TABLE} WHERE run_id = %(run)s)"
    with _rollup_transaction() as cursor:
        changed = _write_scored(cursor, d, params, source=source, target=RFM_TABLE)
        cursor.execute(f"DELETE FROM {STAGE_TABLE} WHERE run_id = %(run)s", params)
        return _count(cursor, f"SELECT count(*) FROM {RFM_TABLE}"), changed


def stage_clear(*, run_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {STAGE_TABLE} WHERE run_id = %s", [run_id])


# --- incremental runs -------------------------------------------------------------------------


def current_as_of() -> dt.date | None:
    return CustomerRFM.objects.order_by().values_list("as_of", flat=True).first()


def incremental(*, as_of: dt.date, customer_ids: Sequence[int]) -> tuple[int, int]:
    """Re-aggregate only `customer_ids`, then refresh every score that moved.

    The table must already hold figures for `as_of` (services falls back to a
    full run otherwise). Returns (rows, rows written or deleted).
    """
    d = _Dialect()
    params = _window_params(as_of)
    with _rollup_transaction() as cursor:
        changed = 0
        if customer_ids:
            in_ids, id_params = d.ids(customer_ids)
            params.update(id_params)
            source = f"({_aggregate_sql(d, f'AND p.customer_id {in_ids}')})"
            changed += _figures_upsert(cursor, d, params, source=source)
            cursor.execute(
                f"DELETE FROM {RFM_TABLE} WHERE customer_id {in_ids} AND NOT EXISTS (SELECT 1 FROM "
                f"insights_purchase p WHERE p.customer_id = {RFM_TABLE}.customer_id AND p.purchased_on <= %(as_of)s)",
                params,
            )
            changed += max(cursor.rowcount, 0)
        changed += _rescore(cursor, d, params)
        return _count(cursor, f"SELECT count(*) FROM {RFM_TABLE}"), changed


def _figures_upsert(cursor: Any, d: _Dialect, params: dict[str, Any], *, source: str) -> int:
    """Upsert the figures of some customers, leaving their scores to `_rescore` (new rows start at 0)."""
    columns = ("customer_id", *FIGURE_COLUMNS, *SCORE_COLUMNS, "computed_at")
    selected = ("s.customer_id", *(f"s.{c}" for c in FIGURE_COLUMNS), "0", "0", "0", "''", "%(now)s")
    updates = ", ".join(f"{c} = excluded.{c}" for c in (*FIGURE_COLUMNS, "computed_at"))
    changed = d.distinct([f"{RFM_TABLE}.{c}" for c in FIGURE_COLUMNS], [f"excluded.{c}" for c in FIGURE_COLUMNS])
    cursor.execute(
        f"""INSERT INTO {RFM_TABLE} ({", ".join(columns)})
        SELECT {", ".join(selected)} FROM ({_figures_sql(d, source)}) s WHERE true
        ON CONFLICT (customer_id) DO UPDATE SET {updates} WHERE {changed}""",
        params,
    )
    return max(cursor.rowcount, 0)


def score_thresholds(cursor: Any, column: str) -> list[Any]:
    """For s in 1..4, the largest value whose score is at most s (None when no value scores that low).

    score(v) = ceil(5 * c(v) / n) <= s exactly when 5 * c(v) <= s * n, and c(v)
    grows with v, so each score is a range of values ending at its threshold.
    """
    picks = ", ".join(f"max(CASE WHEN 5 * cum <= {s} * n THEN v END)" for s in range(1, 5))
    cursor.execute(
        f"""SELECT {picks} FROM (
                SELECT v, sum(c) OVER (ORDER BY v) AS cum, sum(c) OVER () AS n
                FROM (SELECT {column} AS v, count(*) AS c FROM {RFM_TABLE} GROUP BY {column}) g
            ) w"""
    )
    return list(cursor.fetchone())


def _score_case(column: str, name: str) -> str:
    # A NULL threshold compares unknown, so no value falls in a score nobody has.
    whens = " ".join(f"WHEN {column} <= %({name}{s})s THEN {s}" for s in range(1, 5))
    return f"CASE {whens} ELSE 5 END"


def _rescore(cursor: Any, d: _Dialect, params: dict[str, Any]) -> int:
    cases = {}
    for score, column in SCORE_ORDER.items():
        name = score[0]
        for s, value in enumerate(score_thresholds(cursor, column), start=1):
            params[f"{name}{s}"] = _threshold_param(value)
        cases[score] = _score_case(column, name)
    cases["segment"] = segment_case(cases["r_score"], cases["f_score"])
    sets = ", ".join(f"{c} = {expr}" for c, expr in cases.items())
    changed = d.distinct(list(cases), list(cases.values()))
    cursor.execute(f"UPDATE {RFM_TABLE} SET {sets}, computed_at = %(now)s WHERE {changed}", params)
    return max(cursor.rowcount, 0)


def _threshold_param(value: Any) -> Any:
    if isinstance(value, dt.date):
        return _date(value)
    if isinstance(value, Decimal | float | int | str) or value is None:
        return value
    return str(value)


# --- key-account candidates -------------------------------------------------------------------

FAST_GROWERS_SHOWN = 50


def candidates_write(*, top_n: int, growth_threshold: Decimal, min_revenue: Decimal) -> int:
    """Rewrite the candidate list from the current table: top N by revenue, and fast growers.

    Both lists are bounded (top_n, FAST_GROWERS_SHOWN), read through the
    revenue index, so this stays cheap at any number of customers.
    """
    live = CustomerRFM.objects.filter(customer__archived_at__isnull=True)
    fields = ("customer_id", "revenue_12m", "revenue_prev_12m", "growth", "as_of")
    top = live.filter(revenue_12m__gt=0).order_by("-revenue_12m", "customer_id").values(*fields)[:top_n]
    growers = (
        live.filter(growth__gt=growth_threshold, revenue_12m__gte=min_revenue)
        .order_by("-growth", "-revenue_12m", "customer_id")
        .values(*fields)[:FAST_GROWERS_SHOWN]
    )
    now = timezone.now()
    rows = [
        KeyAccountCandidate(reason=reason, rank=rank, computed_at=now, **row)
        for reason, found in (
            (KeyAccountCandidate.Reason.TOP_REVENUE, top),
            (KeyAccountCandidate.Reason.FAST_GROWTH, growers),
        )
        for rank, row in enumerate(found, start=1)
    ]
    with transaction.atomic():
        KeyAccountCandidate.objects.all().delete()
        KeyAccountCandidate.objects.bulk_create(rows)
    return len(rows)
