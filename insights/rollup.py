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

When every row changes (the table is empty, or it holds another `as_of`: the nightly
run), PostgreSQL skips steps 1-2: the scored rows go straight into a new table, whose
keys and indexes are built afterwards, and it replaces the old one in the same
transaction (`_swap_write`).

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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
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
PENDING_TABLE = "insights_purchasepending"

AGGREGATE_COLUMNS = (
    "customer_id",
    "last_purchase_on",
    "frequency",
    "monetary",
    "revenue_12m",
    "revenue_prev_12m",
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
        # Sums run over whole cents as integers. SQLite keeps decimals as floating point, so
        # this keeps every sum exact and independent of row order; on PostgreSQL an integer
        # sum's state is far smaller and faster than numeric's (measured at 10 million rows).
        if self.postgres:
            return f"(({expr}) * 100)::bigint"
        return f"CAST(round(({expr}) * 100) AS INTEGER)"

    def sum_cents(self, expr: str) -> str:
        """sum() of whole cents, as a bigint: on PostgreSQL through the by-value aggregate of
        migration 0005 (sum(bigint) keeps a 128-bit state per group and returns numeric)."""
        return f"insights_sum_cents({expr})" if self.postgres else f"sum({expr})"

    def money(self, sum_expr: str) -> str:
        if self.postgres:
            return f"(({sum_expr})::numeric / 100)::numeric(18, 2)"
        return f"(({sum_expr}) / 100.0)"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.postgres else f"max({a}, {b})"

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


def _aggregate_sql(d: _Dialect, where: str = "", *, bounded: bool = True, cents: bool = False) -> str:
    """Purchases aggregated per customer; `bounded=False` when no purchase is dated after as_of.

    With `cents`, the three sums stay whole cents (integers; `_scores_sql` turns them into money
    after sorting by them: narrower rows and integer comparisons in its sorts).

    Each purchase falls in exactly one of three date bands (the last 12 months, the 12 before,
    older), so its amount is turned into cents once, for its band's sum; `monetary` is the sum
    of the three. (Summing all amounts as well converted most amounts twice: measured at 10
    million purchases, the aggregate took 5.2-6.5 s that way against 4.3-4.9 s.)
    """
    money = (lambda total: total) if cents else d.money
    amount = d.sum_cents(d.cents("p.amount"))
    bands = {
        "r12": "p.purchased_on > %(d365)s",
        "rprev": "p.purchased_on > %(d730)s AND p.purchased_on <= %(d365)s",
        "older": "p.purchased_on <= %(d730)s",
    }
    sums = ",\n".join(f"{amount} FILTER (WHERE {band}) AS {name}" for name, band in bands.items())
    return f"""
        SELECT a.customer_id, a.last_purchase_on, a.frequency,
               {money("COALESCE(a.r12, 0) + COALESCE(a.rprev, 0) + COALESCE(a.older, 0)")} AS monetary,
               {money("COALESCE(a.r12, 0)")} AS revenue_12m,
               {money("COALESCE(a.rprev, 0)")} AS revenue_prev_12m
        FROM (
            SELECT p.customer_id AS customer_id,
                   max(p.purchased_on) AS last_purchase_on,
                   count(*) AS frequency,
                   {sums}
            FROM insights_purchase p
            WHERE {"p.purchased_on <= %(as_of)s" if bounded else "true"} {where}
            GROUP BY p.customer_id
        ) a"""


BASE_COLUMNS = (
    "last_purchase_on",
    "frequency",
    "monetary",
    "revenue_12m",
    "revenue_prev_12m",
    "competitor_spend",
)


def _base_sql(d: _Dialect, source: str, *, scored: bool) -> str:
    """Per customer: its aggregates, competitor spend and (when `source` has them) its scores."""
    spend = d.money(f"sum({d.cents('ci.estimated_annual_spend')})")
    scores = ", a.r_score, a.f_score, a.m_score" if scored else ""
    return f"""
        SELECT a.customer_id, a.last_purchase_on, a.frequency, a.monetary, a.revenue_12m, a.revenue_prev_12m,
               COALESCE(c.spend, 0) AS competitor_spend{scores}
        FROM {source} a
        LEFT JOIN (
            SELECT ci.customer_id, {spend} AS spend
            FROM accounts_competitorintel ci
            WHERE ci.estimated_annual_spend IS NOT NULL
            GROUP BY ci.customer_id
        ) c ON c.customer_id = a.customer_id"""


def _scores_sql(d: _Dialect, source: str, *, cents: bool = False, order_by: str = "") -> str:
    """The aggregates of `source` with their R, F and M scores (window functions over all of them).

    The scores ride along in the same statement as the aggregate, as in the bare
    scored statement the benchmark compares with. With `cents`, the source's sums are
    whole cents, turned into money here (after the sorts; the order is the same).
    `order_by` sorts the rows by one of the source's columns (as it is there: cents).
    """
    windows = ", ".join(
        f"(5 * count(*) OVER (ORDER BY b.{order}) + b.n - 1) / b.n AS {score}" for score, order in SCORE_ORDER.items()
    )
    sums = ("monetary", "revenue_12m", "revenue_prev_12m")
    columns = ", ".join(f"{d.money(f'b.{c}')} AS {c}" if cents and c in sums else f"b.{c}" for c in AGGREGATE_COLUMNS)
    order = f" ORDER BY b.{order_by}" if order_by else ""
    return f"SELECT {columns}, {windows} FROM (SELECT a.*, count(*) OVER () AS n FROM ({source}) a) b{order}"


def _derived_sql(d: _Dialect, s: str | Callable[[str], str]) -> dict[str, str]:
    """The derived figures, from the base columns of alias `s` (or the expression `s(column)` gives)."""
    col = s if callable(s) else (lambda column: f"{s}.{column}")
    return {
        "as_of": "%(as_of)s",
        "recency_days": d.days_between("%(as_of)s", col("last_purchase_on")),
        "average_order_value": d.average(col("monetary"), col("frequency")),
        "growth": f"CASE WHEN {col('revenue_prev_12m')} = 0 THEN NULL "
        f"ELSE round(({col('revenue_12m')} - {col('revenue_prev_12m')}) / {col('revenue_prev_12m')}, 6) END",
        "share_of_wallet": f"CASE WHEN {col('revenue_12m')} + {col('competitor_spend')} = 0 THEN NULL "
        f"ELSE round({col('revenue_12m')} / ({col('revenue_12m')} + {col('competitor_spend')}), 6) END",
        "segment": segment_case(col("r_score"), col("f_score")),
    }


def segment_case(r_expr: str, f_expr: str) -> str:
    """DESIGN.md's segment table as one CASE over (R, F), generated from SEGMENT_GRID."""
    whens = " ".join(f"WHEN {r * 10 + f} THEN '{SEGMENT_GRID[r][f - 1]}'" for r in range(1, 6) for f in range(1, 6))
    return f"CASE ({r_expr}) * 10 + ({f_expr}) {whens} END"


def _upsert_sql(
    d: _Dialect,
    *,
    target: str,
    source: str,
    key: Sequence[str],
    extra: dict[str, str],
    scored: bool = True,
    empty: bool = False,
) -> str:
    """INSERT ... SELECT ... ON CONFLICT DO UPDATE of the rows whose values changed, and only those.

    Unchanged rows are filtered out first, by comparing `as_of`, the base columns and
    the scores (everything else is computed from them): ON CONFLICT would lock, and
    write WAL for, every conflicting row even when its update is skipped, and the
    derived figures are computed only for the rows that get written. Unscored
    (incremental) upserts keep a row's scores and give a new row 0 until rescoring.
    """
    compared = (*BASE_COLUMNS, *(SCORE_COLUMNS[:3] if scored else ()))
    written = (*FIGURE_COLUMNS, *SCORE_COLUMNS) if scored else FIGURE_COLUMNS
    values = _row_values(d, extra, scored=scored)
    columns, selected = tuple(values), tuple(values.values())
    updates = ", ".join(f"{c} = excluded.{c}" for c in (*written, "computed_at"))
    match = " AND ".join(["t.customer_id = s.customer_id", *(f"t.{c} = {v}" for c, v in extra.items())])
    changed = d.distinct(["t.as_of", *(f"t.{c}" for c in compared)], ["%(as_of)s", *(f"s.{c}" for c in compared)])
    if empty:  # nothing to compare with or to conflict with: a plain insert
        return f"""
        INSERT INTO {target} ({", ".join(columns)})
        SELECT {", ".join(selected)} FROM ({_base_sql(d, source, scored=scored)}) s"""
    return f"""
        INSERT INTO {target} ({", ".join(columns)})
        SELECT {", ".join(selected)} FROM ({_base_sql(d, source, scored=scored)}) s
        LEFT JOIN {target} t ON {match}
        WHERE t.customer_id IS NULL OR {changed}
        ON CONFLICT ({", ".join(key)}) DO UPDATE SET {updates}"""


def _row_values(d: _Dialect, extra: dict[str, str], *, scored: bool = True) -> dict[str, str]:
    """Every column of a written row and its expression over the base row `s` (see `_base_sql`).

    Unscored (incremental) rows get 0 scores and no segment until they are rescored.
    """
    derived = _derived_sql(d, "s")
    if scored:
        values = {c: derived.get(c, f"s.{c}") for c in (*FIGURE_COLUMNS, *SCORE_COLUMNS)}
    else:
        values = {c: derived.get(c, f"s.{c}") for c in FIGURE_COLUMNS} | dict.fromkeys(SCORE_COLUMNS[:3], "0")
        values["segment"] = "''"
    return {"customer_id": "s.customer_id", **extra, **values, "computed_at": "%(now)s"}


def _work_mem() -> str:
    work_mem = settings.ROLLUP_WORK_MEM
    if not re.fullmatch(r"\d+\s*(kB|MB|GB)?", work_mem):
        raise ValueError(f"ROLLUP_WORK_MEM is not a memory size: {work_mem!r}")
    return work_mem


@contextmanager
def _rollup_transaction() -> Iterator[Any]:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A hash aggregate in memory instead of walking the foreign-key index
            # (about 2.7x faster at 10 million purchases); only for this transaction.
            cursor.execute(f"SET LOCAL work_mem = '{_work_mem()}'")
            # Measured at 10 million purchases: parallel workers mis-size the hash aggregate
            # (they trust a far too low estimate of distinct customers) and spill to disk, and
            # JIT compilation costs more than it saves on these one-pass statements.
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute("SET LOCAL jit = off")
        yield cursor


def _parallel_workers(d: _Dialect) -> int:
    """Workers PostgreSQL may add to the full aggregate (ROLLUP_PARALLEL_WORKERS; 0 on SQLite)."""
    return max(0, int(settings.ROLLUP_PARALLEL_WORKERS)) if d.postgres else 0


@contextmanager
def _parallel(cursor: Any, workers: int) -> Iterator[None]:
    """Let PostgreSQL add `workers` to the statements inside (a `CREATE TABLE AS` may run in
    parallel; an `INSERT ... SELECT` never does): each worker aggregates its share of the
    purchases, the leader combines them and scores. Measured at 10 million purchases on 2
    cores: the aggregate in about 5.5 s instead of 7.5 s."""
    if workers:
        cursor.execute(f"SET LOCAL max_parallel_workers_per_gather = {int(workers)}")
    yield
    if workers:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")


def _work_table_fill(
    cursor: Any, d: _Dialect, params: dict[str, Any], source: str, *, cents: bool = False, workers: int = 0
) -> int:
    """The scored aggregates of `source` into the work table; returns how many customers it holds."""
    cursor.execute(f"DROP TABLE IF EXISTS {WORK_TABLE}")
    with _parallel(cursor, workers):
        cursor.execute(f"CREATE TEMP TABLE {WORK_TABLE} AS {_scores_sql(d, source, cents=cents)}", params)
        customers = cursor.rowcount
    if customers < 0:  # a driver that does not report it
        customers = _count(cursor, f"SELECT count(*) FROM {WORK_TABLE}")
    if d.postgres:
        # Temporary tables get no statistics by themselves; the joins below need them.
        cursor.execute(f"ANALYZE {WORK_TABLE}")
    else:
        cursor.execute(f"CREATE UNIQUE INDEX {WORK_TABLE}_customer ON {WORK_TABLE} (customer_id)")
    return customers


def _count(cursor: Any, sql: str, params: Any = None) -> int:
    cursor.execute(sql, params)
    return int(cursor.fetchone()[0])


def _cuts_write(cursor: Any, customers: int) -> None:
    from .incremental import cuts_write

    cuts_write(cursor, source=WORK_TABLE, customers=customers)


def _has_later_purchases(as_of: dt.date) -> bool:
    # One probe of the date index; the nightly run (as_of = today) can then skip a comparison per purchase.
    return Purchase.objects.filter(purchased_on__gt=as_of).exists()


def full(*, as_of: dt.date) -> tuple[int, int]:
    """Recompute the current RFM table for `as_of`; returns (rows, rows written or deleted)."""
    d = _Dialect()
    params = _window_params(as_of)
    with _rollup_transaction() as cursor:
        workers = _parallel_workers(d)
        aggregate = _aggregate_sql(d, bounded=_has_later_purchases(as_of), cents=True)
        plan = _swap_plan(cursor, as_of) if d.postgres else None
        if plan is not None:
            return _swap_write(cursor, d, params, aggregate, plan, workers)
        params["n"] = _work_table_fill(cursor, d, params, aggregate, cents=True, workers=workers)
        # Everything pending is in the aggregate (same snapshot): nothing is left to merge.
        cursor.execute(f"DELETE FROM {PENDING_TABLE}")
        changed = _write_scored(cursor, d, params, target=RFM_TABLE)
        _cuts_write(cursor, params["n"])
        cursor.execute(f"DROP TABLE {WORK_TABLE}")
        return params["n"], changed


def _write_scored(cursor: Any, d: _Dialect, params: dict[str, Any], *, target: str) -> int:
    """Upsert the work table's `params["n"]` scored customers into `target`; drop the target's others."""
    source = WORK_TABLE
    if target == SNAPSHOT_TABLE:
        key, extra, scope = ("customer_id", "month"), {"month": "%(month)s"}, f"{target}.month = %(month)s"
    else:
        key, extra, scope = ("customer_id",), {}, "true"
    empty = not _count(cursor, f"SELECT count(*) FROM (SELECT 1 FROM {target} WHERE {scope} LIMIT 1) x", params)
    cursor.execute(_upsert_sql(d, target=target, source=source, key=key, extra=extra, empty=empty), params)
    written = max(cursor.rowcount, 0)
    if empty:
        return written
    # Every customer of the source now has a row; more rows means some lost their purchases
    # (deleted, or an earlier as_of). Counting is cheaper than the anti-join that finds them.
    if _count(cursor, f"SELECT count(*) FROM {target} WHERE {scope}", params) > params["n"]:
        cursor.execute(
            f"DELETE FROM {target} WHERE {scope} AND NOT EXISTS "
            f"(SELECT 1 FROM {source} w WHERE w.customer_id = {target}.customer_id)",
            params,
        )
        written += max(cursor.rowcount, 0)
    return written


# --- a rebuilt current table, when every row changes (PostgreSQL) -------------------------------

SWAP_TABLE = "insights_customerrfm_swap"


@dataclass
class _SwapPlan:
    """How to rebuild the current table under another name and put it in the old one's place."""

    options: str  # the old table's storage parameters, as a WITH clause
    columns: dict[str, str] = field(default_factory=dict)  # name: type, in the old table's order
    build: list[str] = field(default_factory=list)  # after the fill: NOT NULL and checks, indexes, keys, grants
    rename: list[str] = field(default_factory=list)  # after the swap: the old names back
    checks: list[str] = field(default_factory=list)  # before the old table is dropped
    old_rows: bool = False


# The table can be rebuilt and swapped in only when nothing else hangs on it; otherwise a full run
# upserts in place. Everything the rebuild recreates is read from the catalog, so the names
# Django's migrations gave (and later migrations refer to) are kept.
_SWAP_CHECK = """
    SELECT c.reloptions
    FROM pg_class c
    WHERE c.oid = to_regclass(%s) AND c.relkind = 'r' AND c.relpersistence = 'p' AND c.reltablespace = 0
      AND pg_get_userbyid(c.relowner) = current_user AND NOT c.relrowsecurity AND NOT c.relhassubclass
      AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal)
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.confrelid = c.oid)
      AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid OR i.inhparent = c.oid)
      AND NOT EXISTS (SELECT 1 FROM pg_publication_rel pr WHERE pr.prrelid = c.oid)
      AND NOT EXISTS (SELECT 1 FROM pg_statistic_ext se WHERE se.stxrelid = c.oid)
      AND NOT EXISTS (SELECT 1 FROM pg_policy po WHERE po.polrelid = c.oid)
      AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attacl IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM pg_description ds WHERE ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass)
      AND NOT EXISTS (
          SELECT 1 FROM pg_depend dp WHERE dp.refobjid = c.oid AND dp.refclassid = 'pg_class'::regclass
          AND (dp.classid = 'pg_rewrite'::regclass OR (
              dp.classid = 'pg_class'::regclass AND dp.objid IN (SELECT oid FROM pg_class WHERE relkind = 'S'))))"""
# The columns, in order; a column with anything `CREATE TABLE AS` would not carry over (a default,
# identity, generated value, collation, statistics target, storage or compression of its own)
# makes the rebuild give way to the upsert.
_SWAP_COLUMNS = """
    SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
           a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '' OR a.attcollation <> t.typcollation
           OR COALESCE(a.attstattarget, -1) >= 0 OR a.attstorage <> t.typstorage OR a.attcompression <> ''
    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
    WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attnum"""
_INDEX_DEF = re.compile(r"CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ (USING .+)", re.DOTALL)


def _swap_plan(cursor: Any, as_of: dt.date) -> _SwapPlan | None:
    """A plan to rebuild the current table when every row changes (it is empty or holds another
    `as_of`), or None (a re-run for the same day writes only the rows that changed)."""
    cursor.execute(f"SELECT as_of FROM {RFM_TABLE} LIMIT 1")
    row = cursor.fetchone()
    if row is not None and row[0] == as_of:
        return None
    cursor.execute(_SWAP_CHECK, [RFM_TABLE])
    found = cursor.fetchone()
    if found is None:
        return None
    quote = connection.ops.quote_name
    plan = _SwapPlan(options=f" WITH ({', '.join(found[0])})" if found[0] else "", old_rows=row is not None)
    cursor.execute(_SWAP_COLUMNS, [RFM_TABLE])
    constraints = []  # NOT NULL and checks: added in one ALTER TABLE, verified in one pass over the rows
    for name, kind, not_null, special in cursor.fetchall():
        if special:
            return None
        plan.columns[name] = kind
        if not_null:
            constraints.append(f"ALTER COLUMN {quote(name)} SET NOT NULL")
    if set(plan.columns) != set(_row_values(_Dialect(), {})):  # a column the rollup does not write
        return None
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(%s) "
        "AND contype = 'c' ORDER BY conname",
        [RFM_TABLE],
    )
    constraints += [f"ADD CONSTRAINT {quote(name)} {definition}" for name, definition in cursor.fetchall()]
    if constraints:
        plan.build.append(f"ALTER TABLE {SWAP_TABLE} {', '.join(constraints)}")
    # Indexes and index-backed constraints are built under temporary names (index names are unique
    # per schema), then renamed; a foreign key is added under its own name and checked in one join.
    cursor.execute(
        """SELECT ic.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE i.indrelid = to_regclass(%s) AND NOT EXISTS (
            SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)
        ORDER BY ic.relname""",
        [RFM_TABLE],
    )
    for n, (name, definition) in enumerate(cursor.fetchall()):
        match = _INDEX_DEF.fullmatch(definition)
        if match is None:
            return None
        temporary = f"{SWAP_TABLE}_i{n}"
        plan.build.append(f"CREATE {match[1] or ''}INDEX {temporary} ON {SWAP_TABLE} {match[2]}")
        plan.rename.append(f"ALTER INDEX {temporary} RENAME TO {quote(name)}")
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(%s) AND contype IN ('p', 'u', 'x', 'f') ORDER BY contype = 'f', conname",
        [RFM_TABLE],
    )
    for n, (name, kind, definition) in enumerate(cursor.fetchall()):
        if kind == "f":
            plan.build.append(f"ALTER TABLE {SWAP_TABLE} ADD CONSTRAINT {quote(name)} {definition}")
            if "DEFERRABLE" in definition and "NOT DEFERRABLE" not in definition:
                # Rows this transaction wrote earlier (a caller's outer transaction) wait for their
                # deferred check, and a table with pending checks cannot be dropped: run them first.
                plan.checks.append(f"SET CONSTRAINTS {quote(name)} IMMEDIATE")
                mode = "DEFERRED" if "INITIALLY DEFERRED" in definition else "IMMEDIATE"
                plan.rename.append(f"SET CONSTRAINTS {quote(name)} {mode}")
            continue
        temporary = f"{SWAP_TABLE}_c{n}"
        plan.build.append(f"ALTER TABLE {SWAP_TABLE} ADD CONSTRAINT {temporary} {definition}")
        plan.rename.append(f"ALTER TABLE {RFM_TABLE} RENAME CONSTRAINT {temporary} TO {quote(name)}")
    cursor.execute(
        "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, "
        "a.privilege_type, a.is_grantable FROM pg_class c, aclexplode(c.relacl) a "
        "WHERE c.oid = to_regclass(%s) AND a.grantee <> c.relowner",
        [RFM_TABLE],
    )
    for grantee, privilege, grantable in cursor.fetchall():
        option = " WITH GRANT OPTION" if grantable else ""
        plan.build.append(f"GRANT {privilege} ON {SWAP_TABLE} TO {grantee}{option}")
    return plan


def _swap_write(
    cursor: Any, d: _Dialect, params: dict[str, Any], aggregate: str, plan: _SwapPlan, workers: int
) -> tuple[int, int]:
    """Every row changes: build the new table beside the old one, then swap it in (same transaction).

    One `CREATE TABLE AS` (parallel, with `workers`) writes the scored rows straight into a new
    table with the old one's column types: no work table, no comparison with the old rows, no
    index maintenance per row, no deferred foreign-key check per row. Its NOT NULLs, checks,
    indexes and keys are added once afterwards. The old table stays
    readable until the swap at the end (drop, rename: a moment under an exclusive lock); a
    reader sees the old table or the new one, and a failure rolls everything back.
    """
    cursor.execute(f"SET LOCAL maintenance_work_mem = '{_work_mem()}'")
    cursor.execute(f"DROP TABLE IF EXISTS {SWAP_TABLE}")
    values = _row_values(d, {})
    quote = connection.ops.quote_name
    selected = ", ".join(f"({values[name]})::{kind} AS {quote(name)}" for name, kind in plan.columns.items())
    # Rows written in the order of the index that is slowest to build from rows in no order (numeric
    # revenue: 1.5-1.9 s, against 0.4 s presorted; the sort by whole cents costs a fraction of that).
    source = f"({_scores_sql(d, aggregate, cents=True, order_by='revenue_12m DESC')})"
    with _parallel(cursor, workers):
        cursor.execute(
            f"CREATE TABLE {SWAP_TABLE}{plan.options} AS SELECT {selected} "
            f"FROM ({_base_sql(d, source, scored=True)}) s",
            params,
        )
        rows = max(cursor.rowcount, 0)
    # Everything pending is in the aggregate: nothing is left to merge.
    cursor.execute(f"DELETE FROM {PENDING_TABLE}")
    for sql in plan.build:
        cursor.execute(sql)
    from .incremental import cuts_write

    cuts_write(cursor, source=SWAP_TABLE, customers=rows)
    # Rows written, as an upsert would count them: every new row (its as_of changed) and every old
    # row without a new one.
    vanished = 0
    if plan.old_rows:
        vanished = _count(
            cursor,
            f"SELECT count(*) FROM {RFM_TABLE} o WHERE NOT EXISTS "
            f"(SELECT 1 FROM {SWAP_TABLE} n WHERE n.customer_id = o.customer_id)",
        )
    cursor.execute(f"ANALYZE {SWAP_TABLE}")
    for sql in plan.checks:
        cursor.execute(sql)
    cursor.execute(f"DROP TABLE {RFM_TABLE}")
    cursor.execute(f"ALTER TABLE {SWAP_TABLE} RENAME TO {RFM_TABLE}")
    for sql in plan.rename:
        cursor.execute(sql)
    return rows, rows + vanished


def snapshot_month(*, as_of: dt.date) -> tuple[int, int]:
    """The monthly snapshot for the month of `as_of`, as of that month's last day."""
    d = _Dialect()
    as_of = month_end(as_of)
    params = {**_window_params(as_of), "month": _date(as_of.replace(day=1))}
    with _rollup_transaction() as cursor:
        params["n"] = _work_table_fill(cursor, d, params, _aggregate_sql(d, cents=True), cents=True)
        changed = _write_scored(cursor, d, params, target=SNAPSHOT_TABLE)
        cursor.execute(f"DROP TABLE {WORK_TABLE}")
        return params["n"], changed


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
        # The shard's pending purchases are in its aggregate (same snapshot).
        cursor.execute(f"DELETE FROM {PENDING_TABLE} WHERE customer_id >= %(low)s AND customer_id < %(high)s", params)
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
    source = f"SELECT {', '.join(AGGREGATE_COLUMNS)} FROM {STAGE_TABLE} WHERE run_id = %(run)s"
    with _rollup_transaction() as cursor:
        params["n"] = _work_table_fill(cursor, d, params, source)
        changed = _write_scored(cursor, d, params, target=RFM_TABLE)
        _cuts_write(cursor, params["n"])
        cursor.execute(f"DROP TABLE {WORK_TABLE}")
        cursor.execute(f"DELETE FROM {STAGE_TABLE} WHERE run_id = %(run)s", params)
        return params["n"], changed


def stage_clear(*, run_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {STAGE_TABLE} WHERE run_id = %s", [run_id])


# --- incremental runs -------------------------------------------------------------------------


def current_as_of() -> dt.date | None:
    return CustomerRFM.objects.order_by().values_list("as_of", flat=True).first()


def incremental(*, as_of: dt.date, customer_ids: Sequence[int] = ()) -> tuple[int, int]:
    """Merge the purchases recorded since the last run (and re-aggregate `customer_ids`) into the
    current table for `as_of`, then move the scores that change; see incremental.py."""
    from .incremental import merge

    return merge(as_of=as_of, customer_ids=customer_ids)


def _score_case(column: str, name: str) -> str:
    # A NULL threshold compares unknown, so no value falls in a score nobody has.
    whens = " ".join(f"WHEN {column} <= %({name}{s})s THEN {s}" for s in range(1, 5))
    return f"CASE {whens} ELSE 5 END"


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
