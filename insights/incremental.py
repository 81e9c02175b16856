"""The incremental rollup: merge new purchases into the current figures, then move only the scores that change.

An incremental run touches only what changed, so it stays fast at millions of
customers:

1. the new purchases are the rows of `insights_purchasepending` (a trigger records
   every inserted purchase; full runs clear what they aggregated). They are taken
   and merged into their customers' stored aggregates (sums added, the last
   purchase date maxed), in one statement per step. Customers named explicitly
   (e.g. after a purchase was corrected) are re-aggregated from all their purchases.
2. the scores: `ScoreCut` holds, per metric and score s, the largest value scoring
   at most s and how many customers do. The merge moved a known set of customers,
   so the count at each old cut is updated from that set alone, and the new cut is
   found a few index steps away from the old one (see `_new_cut`).
3. only rows whose scores can have changed are rescored: the moved customers and
   the values between each old and new cut.

The result equals a full run exactly (property-based tests compare them).
"""

# The SQL is assembled from this module's own constants; every value travels as a parameter.
# ruff: noqa: S608
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from . import rollup
from .models import ScoreCut

TAKEN = "insights_rfm_taken"
AFFECTED = "insights_rfm_affected"
OLD = "insights_rfm_old"
NEW = "insights_rfm_new"
PENDING = "insights_purchasepending"
RFM = rollup.RFM_TABLE
METRICS = tuple(rollup.SCORE_ORDER.items())  # (score column, value column)


class CutsMissing(Exception):
    """The current table has no score cuts (or they do not match it): a full run is needed."""


def cuts_write(cursor: Any, *, source: str, customers: int) -> None:
    """Store the cuts of a freshly scored table or work table (one scan of it)."""
    picks = []
    for score, column in METRICS:
        for s in range(1, 5):
            picks += [f"max({column}) FILTER (WHERE {score} <= {s})", f"count(*) FILTER (WHERE {score} <= {s})"]
    cursor.execute(f"SELECT {', '.join(picks)} FROM {source}")
    values = list(cursor.fetchone())
    rows = []
    for score, column in METRICS:
        for s in range(1, 5):
            value, at_or_below = values.pop(0), values.pop(0)
            rows.append(
                ScoreCut(metric=score, score=s, customers=customers, at_or_below=at_or_below, **{column: value})
            )
    ScoreCut.objects.all().delete()
    ScoreCut.objects.bulk_create(rows)


def _cuts_read(cursor: Any) -> tuple[dict[tuple[str, int], tuple[Any, int]], int]:
    cuts = list(ScoreCut.objects.all())
    if len(cuts) != 12:
        raise CutsMissing
    customers = cuts[0].customers
    if rollup._count(cursor, f"SELECT count(*) FROM {RFM}") != customers:
        raise CutsMissing  # rows changed outside a rollup (a customer was deleted)
    by_key = {}
    for cut in cuts:
        column = rollup.SCORE_ORDER[cut.metric]
        by_key[(cut.metric, cut.score)] = (_value(getattr(cut, column)), cut.at_or_below)
    return by_key, customers


def _value(value: Any) -> Any:
    return rollup._threshold_param(value)


def merge(*, as_of: dt.date, customer_ids: Sequence[int]) -> tuple[int, int]:
    """Merge the pending purchases (and re-aggregate `customer_ids`); returns (rows, rows written or deleted).

    The current table must hold figures for `as_of`; raises CutsMissing when it has no cuts.
    """
    d = rollup._Dialect()
    params = rollup._window_params(as_of)
    ids = sorted({int(i) for i in customer_ids})
    with rollup._rollup_transaction() as cursor:
        cuts, customers_before = _cuts_read(cursor)
        _take_pending(cursor, ids)
        changed = _merge_taken(cursor, d, params, ids)
        if ids:
            changed += _reaggregate(cursor, d, params, ids)
        customers = customers_before + _count_change(cursor)
        changed += _rescore(cursor, d, params, cuts, customers)
        _cuts_store(cuts, customers)
        for table in (TAKEN, AFFECTED, OLD, NEW):
            cursor.execute(f"DROP TABLE {table}")
        return customers, changed


def d_postgres() -> bool:
    return rollup._Dialect().postgres


def _take_pending(cursor: Any, ids: list[int]) -> None:
    for table in (TAKEN, AFFECTED, OLD, NEW):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    # Taken and deleted in the same transaction (one snapshot on PostgreSQL, a single
    # writer on SQLite): a purchase committed meanwhile stays pending for the next run.
    cursor.execute(f"CREATE TEMP TABLE {TAKEN} AS SELECT purchase_id, customer_id FROM {PENDING}")
    cursor.execute(f"DELETE FROM {PENDING} WHERE purchase_id IN (SELECT purchase_id FROM {TAKEN})")
    if d_postgres():
        cursor.execute(f"ANALYZE {TAKEN}")  # so that the merge walks the primary key, not the whole table
    cursor.execute(f"CREATE TEMP TABLE {AFFECTED} AS SELECT DISTINCT customer_id FROM {TAKEN}")
    if ids:
        cursor.executemany(f"INSERT INTO {AFFECTED} (customer_id) VALUES (%s)", [(i,) for i in ids])
    cursor.execute(
        f"CREATE TEMP TABLE {OLD} AS SELECT r.customer_id, r.last_purchase_on, r.frequency, r.monetary "
        f"FROM {RFM} r WHERE r.customer_id IN (SELECT customer_id FROM {AFFECTED})"
    )


def _merge_taken(cursor: Any, d: rollup._Dialect, params: dict[str, Any], ids: list[int]) -> int:
    """Add the taken purchases to their customers' figures (customers re-aggregated are left out)."""
    skip = ""
    if ids:
        in_ids, id_params = d.ids(ids)
        params.update(id_params)
        skip = f"AND p.customer_id NOT {in_ids}" if not d.postgres else f"AND NOT (p.customer_id {in_ids})"
    source = f"({rollup._aggregate_sql(d, f'AND p.id IN (SELECT t.purchase_id FROM {TAKEN} t) {skip}')})"
    t, e = RFM, "excluded"
    merged = {
        "last_purchase_on": d.greatest(f"{t}.last_purchase_on", f"{e}.last_purchase_on"),
        "frequency": f"{t}.frequency + {e}.frequency",
        "monetary": d.money(f"{d.cents(f'{t}.monetary')} + {d.cents(f'{e}.monetary')}"),
        "revenue_12m": d.money(f"{d.cents(f'{t}.revenue_12m')} + {d.cents(f'{e}.revenue_12m')}"),
        "revenue_prev_12m": d.money(f"{d.cents(f'{t}.revenue_prev_12m')} + {d.cents(f'{e}.revenue_prev_12m')}"),
        "competitor_spend": f"{e}.competitor_spend",
    }
    derived = rollup._derived_sql(d, lambda column: f"({merged[column]})" if column in merged else f"{t}.{column}")
    updates = {**merged, **{c: v for c, v in derived.items() if c in rollup.FIGURE_COLUMNS}}
    sets = ", ".join(f"{c} = {v}" for c, v in updates.items())
    new_row = rollup._derived_sql(d, lambda column: f"s.{column}")
    values = {c: new_row.get(c, f"s.{c}") for c in rollup.FIGURE_COLUMNS}
    columns = ("customer_id", *values, "r_score", "f_score", "m_score", "segment", "computed_at")
    selected = ("s.customer_id", *values.values(), "0", "0", "0", "''", "%(now)s")
    cursor.execute(
        f"""INSERT INTO {RFM} ({", ".join(columns)})
        SELECT {", ".join(selected)} FROM ({rollup._base_sql(d, source, scored=False)}) s WHERE true
        ON CONFLICT (customer_id) DO UPDATE SET {sets}, computed_at = excluded.computed_at""",
        params,
    )
    return max(cursor.rowcount, 0)


def _reaggregate(cursor: Any, d: rollup._Dialect, params: dict[str, Any], ids: list[int]) -> int:
    in_ids, id_params = d.ids(ids)
    params.update(id_params)
    source = f"({rollup._aggregate_sql(d, f'AND p.customer_id {in_ids}')})"
    cursor.execute(
        rollup._upsert_sql(d, target=RFM, source=source, key=("customer_id",), extra={}, scored=False), params
    )
    written = max(cursor.rowcount, 0)
    cursor.execute(
        f"DELETE FROM {RFM} WHERE customer_id {in_ids} AND NOT EXISTS (SELECT 1 FROM insights_purchase p "
        f"WHERE p.customer_id = {RFM}.customer_id AND p.purchased_on <= %(as_of)s)",
        params,
    )
    return written + max(cursor.rowcount, 0)


def _count_change(cursor: Any) -> int:
    """How many customers the table gained (new buyers) or lost, from the affected set alone."""
    cursor.execute(
        f"CREATE TEMP TABLE {NEW} AS SELECT r.customer_id, r.last_purchase_on, r.frequency, r.monetary "
        f"FROM {RFM} r WHERE r.customer_id IN (SELECT customer_id FROM {AFFECTED})"
    )
    return rollup._count(cursor, f"SELECT count(*) FROM {NEW}") - rollup._count(cursor, f"SELECT count(*) FROM {OLD}")


def _new_cut(cursor: Any, column: str, old: Any, at_old: int, k: int) -> tuple[Any, int]:
    """The new cut for `k` = floor(s * n / 5): the largest value v with count(values <= v) <= k.

    It is the value just below x, the (k+1)-th smallest value. `at_old` counts the
    values at or below the old cut in the new table, so x is (k + 1 - at_old) values
    above the old cut, or (at_old - k) values at or below it: a short walk along the
    column's index from the old cut. Returns the cut and how many values are at or below it.
    """
    if old is None:
        cursor.execute(f"SELECT {column} FROM {RFM} ORDER BY {column} LIMIT 1 OFFSET %s", [k])
        x = cursor.fetchone()[0]
        below = rollup._count(cursor, f"SELECT count(*) FROM {RFM} WHERE {column} < %s", [x])
    elif at_old <= k:
        cursor.execute(
            f"SELECT {column} FROM {RFM} WHERE {column} > %s ORDER BY {column} LIMIT 1 OFFSET %s", [old, k - at_old]
        )
        x = cursor.fetchone()[0]
        between = rollup._count(cursor, f"SELECT count(*) FROM {RFM} WHERE {column} > %s AND {column} < %s", [old, x])
        below = at_old + between
    else:
        cursor.execute(
            f"SELECT {column} FROM {RFM} WHERE {column} <= %s ORDER BY {column} DESC LIMIT 1 OFFSET %s",
            [old, at_old - k - 1],
        )
        x = cursor.fetchone()[0]
        between = rollup._count(cursor, f"SELECT count(*) FROM {RFM} WHERE {column} >= %s AND {column} <= %s", [x, old])
        below = at_old - between
    x = _value(x)
    cursor.execute(f"SELECT max({column}) FROM {RFM} WHERE {column} < %s", [x])
    return _value(cursor.fetchone()[0]), below


def _at_old_cuts(cursor: Any, cuts: dict, column: str, score: str) -> list[int]:
    """Per s: values at or below the old cut in the new table, from the moved customers alone."""
    picks, params = [], []
    for s in range(1, 5):
        old, _at = cuts[(score, s)]
        if old is None:
            picks += ["0", "0"]
            continue
        picks += [
            f"(SELECT count(*) FROM {OLD} WHERE {column} <= %s)",
            f"(SELECT count(*) FROM {NEW} WHERE {column} <= %s)",
        ]
        params += [old, old]
    cursor.execute(f"SELECT {', '.join(picks)}", params)
    row = list(cursor.fetchone())
    return [cuts[(score, s)][1] - row[2 * (s - 1)] + row[2 * (s - 1) + 1] for s in range(1, 5)]


def _rescore(cursor: Any, d: rollup._Dialect, params: dict[str, Any], cuts: dict, customers: int) -> int:
    moved = f"SELECT customer_id FROM {AFFECTED}"
    # As an array on PostgreSQL, so that every branch of the OR below can use an index.
    bands = [f"customer_id = ANY(ARRAY({moved}))" if d.postgres else f"customer_id IN ({moved})"]
    cases = {}
    for score, column in METRICS:
        name = score[0]
        at_old = _at_old_cuts(cursor, cuts, column, score)
        for s in range(1, 5):
            old = cuts[(score, s)][0]
            k = s * customers // 5
            new, below = _new_cut(cursor, column, old, at_old[s - 1], k) if customers else (None, 0)
            cuts[(score, s)] = (new, below)
            params[f"{name}{s}"] = new
            if new != old:
                # The rows between the two cuts are the only others whose score can move.
                low, high = (None, old if new is None else new) if old is None or new is None else sorted((old, new))
                params[f"{name}{s}lo"], params[f"{name}{s}hi"] = low, high
                low_test = f"%({name}{s}lo)s IS NULL OR {column} > %({name}{s}lo)s"
                bands.append(f"({column} <= %({name}{s}hi)s AND ({low_test}))")
        cases[score] = rollup._score_case(column, name)
    cases["segment"] = rollup.segment_case(cases["r_score"], cases["f_score"])
    sets = ", ".join(f"{c} = {expr}" for c, expr in cases.items())
    changed = d.distinct(list(cases), list(cases.values()))
    cursor.execute(f"UPDATE {RFM} SET {sets}, computed_at = %(now)s WHERE ({' OR '.join(bands)}) AND {changed}", params)
    return max(cursor.rowcount, 0)


def _cuts_store(cuts: dict, customers: int) -> None:
    for (score, s), (value, below) in cuts.items():
        column = rollup.SCORE_ORDER[score]
        ScoreCut.objects.filter(metric=score, score=s).update(customers=customers, at_or_below=below, **{column: value})
