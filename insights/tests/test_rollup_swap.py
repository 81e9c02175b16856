"""A full run that rewrites every row (empty table, or a new `as_of`) rebuilds the table and swaps it in.

On PostgreSQL the new table must carry every name Django's migrations gave the old
one (primary key, foreign key, checks, indexes, fill factor), so that later
migrations still apply, and hold exactly the rows the in-place upsert writes. On
SQLite the upsert always runs; the same tests check the figures there.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from insights import rollup
from insights.models import CustomerRFM, Purchase, ScoreCut

from .test_rollup import (
    AS_OF,
    edge_cases,  # noqa: F401  (fixture)
    reference,
    table,
)
from .test_rollup import assert_matches as matches

CUT_FIELDS = ("metric", "score", "last_purchase_on", "frequency", "monetary", "at_or_below", "customers")
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the swap is PostgreSQL's")


def catalog() -> dict:
    """The current table's constraints, indexes, storage parameters and columns (name, type, NOT NULL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid), condeferrable, condeferred FROM pg_constraint "
            "WHERE conrelid = 'insights_customerrfm'::regclass ORDER BY conname"
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = 'insights_customerrfm'::regclass ORDER BY 1"
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT reloptions, (SELECT array_agg(ARRAY[attname::text, format_type(atttypid, atttypmod), "
            "attnotnull::text] ORDER BY attnum) FROM pg_attribute "
            "WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped) FROM pg_class c "
            "WHERE oid = 'insights_customerrfm'::regclass"
        )
        options, columns = cursor.fetchone()
    return {"constraints": constraints, "indexes": indexes, "options": options, "columns": columns}


def upsert_only(monkeypatch) -> None:
    monkeypatch.setattr(rollup, "_swap_plan", lambda cursor, as_of: None)


@postgres_only
def test_swap_keeps_every_name_and_parameter_the_migrations_gave(edge_cases):  # noqa: F811
    before = catalog()
    assert before["options"] == ["fillfactor=85"]

    rows, changed = rollup.full(as_of=AS_OF)  # empty table: rebuilt and swapped in

    assert (rows, changed) == (5, 5)
    assert catalog() == before
    assert ["monetary", "numeric(18,2)", "true"] in before["columns"]
    assert ["growth", "numeric(20,6)", "false"] in before["columns"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'insights_customerrfm_swap%%'")
        assert cursor.fetchone()[0] == 0


@postgres_only
def test_swap_runs_only_when_every_row_changes(edge_cases):  # noqa: F811
    with connection.cursor() as cursor:
        assert rollup._swap_plan(cursor, AS_OF) is not None  # empty
        rollup.full(as_of=AS_OF)
        assert rollup._swap_plan(cursor, AS_OF) is None  # same as_of: only changed rows are written
        assert rollup._swap_plan(cursor, AS_OF + dt.timedelta(days=1)) is not None  # a new day


def test_new_day_gives_the_rows_the_upsert_gives(edge_cases, monkeypatch):  # noqa: F811
    rollup.full(as_of=AS_OF)
    later = AS_OF + dt.timedelta(days=3)  # the purchases dated after AS_OF now count

    swapped = rollup.full(as_of=later)
    rows = table()
    cuts = list(ScoreCut.objects.order_by("metric", "score").values(*CUT_FIELDS))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM insights_customerrfm")
    rollup.full(as_of=AS_OF)
    upsert_only(monkeypatch)
    upserted = rollup.full(as_of=later)

    assert swapped == upserted == (6, 6)
    assert rows == table()
    assert cuts == list(ScoreCut.objects.order_by("metric", "score").values(*CUT_FIELDS))
    matches(rows, reference(list(Purchase.objects.all()), later, {edge_cases["b"].pk: Decimal("481.50")}))
    assert set(CustomerRFM.objects.values_list("as_of", flat=True)) == {later}


def test_earlier_day_counts_the_customers_that_drop_out(edge_cases, monkeypatch):  # noqa: F811
    earlier = AS_OF - dt.timedelta(days=100)
    rollup.full(as_of=AS_OF)

    swapped = rollup.full(as_of=earlier)  # 3 rows rewritten, 2 customers without purchases by then
    rows = table()
    rollup.full(as_of=AS_OF)
    upsert_only(monkeypatch)

    assert swapped == rollup.full(as_of=earlier) == (3, 5)
    assert rows == table()


def test_incremental_after_a_swapped_run_equals_full(edge_cases):  # noqa: F811
    from accounts.tests.factories import CustomerFactory

    from .test_rollup import at, buy

    rollup.full(as_of=AS_OF - dt.timedelta(days=1))
    rollup.full(as_of=AS_OF)  # a new day: swapped in on PostgreSQL
    buy(CustomerFactory(), at(AS_OF), "1000.00")
    buy(edge_cases["c"], at(AS_OF), "3.00")

    rollup.incremental(as_of=AS_OF)
    incremental = table()
    rollup.full(as_of=AS_OF)

    assert incremental == table()


@postgres_only
def test_a_column_the_rebuild_would_not_carry_leaves_it_to_the_upsert(edge_cases):  # noqa: F811
    expected = reference(list(Purchase.objects.all()), AS_OF, {edge_cases["b"].pk: Decimal("481.50")})
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE insights_customerrfm ALTER COLUMN segment SET DEFAULT ''")
        assert rollup._swap_plan(cursor, AS_OF) is None

    assert rollup.full(as_of=AS_OF) == (5, 5)

    matches(table(), expected)
    with connection.cursor() as cursor:  # the upsert kept the table, default and all
        cursor.execute(
            "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'insights_customerrfm'::regclass"
        )
        assert cursor.fetchall() == [("''::character varying",)]


@postgres_only
def test_parallel_workers_give_the_serial_tables(edge_cases, settings):  # noqa: F811
    """With parallel plans forced on this small data, the workers' partial sums combine exactly."""
    with connection.cursor() as cursor:
        # Free workers and dear sums: the workers aggregate their share of the purchases first
        # (6 customers among 14 purchases, once the statistics know it).
        cursor.execute("ANALYZE insights_purchase")
        free = ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size")
        for name, value in (*((n, 0) for n in free), ("cpu_operator_cost", 10)):
            cursor.execute(f"SET {name} = {value}")
        cursor.execute("SET max_parallel_workers_per_gather = 2")
        cursor.execute(
            "EXPLAIN SELECT customer_id, insights_sum_cents((amount * 100)::bigint) FROM insights_purchase "
            "GROUP BY customer_id"
        )
        assert "Partial" in "\n".join(row[0] for row in cursor.fetchall())
    settings.ROLLUP_PARALLEL_WORKERS = 2
    for as_of in (AS_OF, AS_OF + dt.timedelta(days=1)):  # the swap, then the swap again
        rollup.full(as_of=as_of)
        parallel = table()
        settings.ROLLUP_PARALLEL_WORKERS = 0
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM insights_customerrfm")
        rollup.full(as_of=as_of)
        settings.ROLLUP_PARALLEL_WORKERS = 2

        assert parallel == table()
    matches(table(), reference(list(Purchase.objects.all()), as_of, {edge_cases["b"].pk: Decimal("481.50")}))


@postgres_only
def test_cent_sums_stop_at_the_bigint_limit_instead_of_wrapping(db):
    from django.db import DataError

    with pytest.raises(DataError, match="bigint out of range"), connection.cursor() as cursor:
        cursor.execute("SELECT insights_sum_cents(x) FROM (VALUES (9223372036854775807), (1)) v(x)")
