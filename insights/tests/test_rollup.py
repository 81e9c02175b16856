"""The rollup's figures against an independent computation written plainly here (DESIGN.md definitions).

`reference()` reads purchases as Python objects and follows DESIGN.md word by
word, with exact fractions for the scores; the rollup must agree on every
figure, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tests.factories import CompetitorIntelFactory, CustomerFactory
from insights import rollup
from insights.models import SEGMENT_GRID, CustomerRFM, Purchase, RFMSnapshot

JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")
AS_OF = dt.date(2026, 6, 30)
FIELDS = (
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
    "r_score",
    "f_score",
    "m_score",
    "segment",
)
SIX = Decimal("0.000001")


def reference(purchases: list[Purchase], as_of: dt.date, competitor: dict[int, Decimal] | None = None) -> dict:
    competitor = competitor or {}
    by_customer: dict[int, list[tuple[dt.date, Decimal, Decimal | None]]] = defaultdict(list)
    for p in purchases:
        day = p.purchased_at.astimezone(JAKARTA).date()
        if day <= as_of:
            by_customer[p.customer_id].append((day, Decimal(p.amount), p.cost))
    rows = {}
    for cid, items in by_customer.items():
        last = max(day for day, _, _ in items)
        monetary = sum(amount for _, amount, _ in items)
        rev12 = sum((a for day, a, _ in items if as_of - dt.timedelta(days=365) < day <= as_of), Decimal(0))
        prev = sum(
            (a for day, a, _ in items if as_of - dt.timedelta(days=730) < day <= as_of - dt.timedelta(days=365)),
            Decimal(0),
        )
        spend = competitor.get(cid, Decimal(0))
        rows[cid] = {
            "last_purchase_on": last,
            "recency_days": (as_of - last).days,
            "frequency": len(items),
            "monetary": monetary,
            "average_order_value": (monetary / len(items)).quantize(Decimal("0.01"), ROUND_HALF_UP),
            "revenue_12m": rev12,
            "revenue_prev_12m": prev,
            "growth": None if prev == 0 else ((rev12 - prev) / prev).quantize(SIX, ROUND_HALF_UP),
            "competitor_spend": spend,
            "share_of_wallet": None if rev12 + spend == 0 else (rev12 / (rev12 + spend)).quantize(SIX, ROUND_HALF_UP),
        }
    n = len(rows)
    for score, key, descending in (
        ("r_score", "recency_days", True),
        ("f_score", "frequency", False),
        ("m_score", "monetary", False),
    ):
        for row in rows.values():
            # cume_dist: the share of rows ordered at or before this one (its peers included).
            if descending:
                at_or_before = sum(1 for other in rows.values() if other[key] >= row[key])
            else:
                at_or_before = sum(1 for other in rows.values() if other[key] <= row[key])
            row[score] = math.ceil(Fraction(5 * at_or_before, n))
    for row in rows.values():
        row["segment"] = SEGMENT_GRID[row["r_score"]][row["f_score"] - 1]
    return rows


def table(model=CustomerRFM, **filters) -> dict:
    return {
        row["customer_id"]: {f: row[f] for f in FIELDS}
        for row in model.objects.filter(**filters).values("customer_id", *FIELDS)
    }


def assert_matches(actual: dict, expected: dict) -> None:
    assert actual.keys() == expected.keys()
    for cid, want in expected.items():
        got = actual[cid]
        for field, value in want.items():
            if field in ("growth", "share_of_wallet") and value is not None and got[field] is not None:
                # SQLite divides in floating point: agree to the sixth decimal.
                assert abs(got[field] - value) <= SIX, (cid, field, got[field], value)
            else:
                assert got[field] == value, (cid, field, got[field], value)


def at(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=JAKARTA)


def buy(customer, when: dt.datetime, amount: str, cost: str | None = None) -> Purchase:
    return Purchase.objects.create(
        customer=customer,
        purchased_at=when,
        purchased_on=when.astimezone(JAKARTA).date(),
        amount=Decimal(amount),
        cost=Decimal(cost) if cost is not None else None,
        source="test",
        external_id=f"{customer.pk}-{Purchase.objects.count()}",
    )


@pytest.fixture
def edge_cases(db):
    """Ties, one purchase, same-day purchases, purchases after as_of, midnight in Jakarta, the 365-day edges."""
    a, b, c, d, e, f = CustomerFactory.create_batch(6)
    buy(a, at(AS_OF), "100.00", cost="60.00")
    buy(a, at(AS_OF), "50.50")  # same day
    buy(a, at(AS_OF - dt.timedelta(days=364)), "10.00")  # first day inside the 12 months
    buy(a, at(AS_OF - dt.timedelta(days=365)), "20.00")  # last day of the year before
    buy(a, at(AS_OF + dt.timedelta(days=1)), "9999.00")  # after as_of: ignored
    buy(b, at(AS_OF - dt.timedelta(days=10)), "160.50")  # one purchase; monetary ties with a's 160.50? no: a has 180.50
    buy(c, at(AS_OF - dt.timedelta(days=10)), "80.25")
    buy(c, at(AS_OF - dt.timedelta(days=400)), "80.25")  # ties d on frequency and monetary
    buy(d, at(AS_OF - dt.timedelta(days=10)), "80.25")
    buy(d, at(AS_OF - dt.timedelta(days=700)), "80.25")
    buy(d, at(AS_OF - dt.timedelta(days=731)), "5.00")  # older than two years: monetary only
    # 17:30 UTC on as_of is 00:30 the next day in Jakarta: after as_of.
    buy(e, dt.datetime(2026, 6, 30, 17, 30, tzinfo=dt.UTC), "500.00")
    # 16:59 UTC on as_of is 23:59 in Jakarta: on as_of.
    buy(e, dt.datetime(2026, 6, 30, 16, 59, tzinfo=dt.UTC), "1.00")
    buy(f, at(AS_OF + dt.timedelta(days=3)), "70.00")  # only after as_of: no row at all
    CompetitorIntelFactory(customer=b, estimated_annual_spend=Decimal("481.50"))
    CompetitorIntelFactory(customer=b, estimated_annual_spend=None)
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}


def test_full_rollup_matches_the_definitions_on_edge_cases(edge_cases):
    rollup.full(as_of=AS_OF)

    competitor = {edge_cases["b"].pk: Decimal("481.50")}
    assert_matches(table(), reference(list(Purchase.objects.all()), AS_OF, competitor))


def test_edge_cases_in_concrete_figures(edge_cases):
    rollup.full(as_of=AS_OF)
    rows = table()
    a, b, d, e = (rows[edge_cases[k].pk] for k in "abde")

    assert edge_cases["f"].pk not in rows
    assert (a["frequency"], a["monetary"], a["recency_days"]) == (4, Decimal("180.50"), 0)
    assert (a["revenue_12m"], a["revenue_prev_12m"], a["growth"]) == (
        Decimal("160.50"),
        Decimal("20.00"),
        Decimal("7.025000"),
    )
    assert (e["frequency"], e["monetary"], e["recency_days"]) == (1, Decimal("1.00"), 0)
    assert b["growth"] is None  # nothing the year before
    assert b["share_of_wallet"] == Decimal("0.250000")  # 160.50 / (160.50 + 481.50)
    assert (d["monetary"], d["revenue_12m"], d["revenue_prev_12m"]) == (
        Decimal("165.50"),
        Decimal("80.25"),
        Decimal("80.25"),
    )
    assert d["growth"] == Decimal("0")
    # Five customers; c and d tie on recency (10 days) with b, so the three share R = ceil(5 * 3/5) = 3.
    assert [rows[edge_cases[k].pk]["r_score"] for k in "abcde"] == [5, 3, 3, 3, 5]
    # Frequencies 4, 1, 2, 3, 1: the two single purchases share F = ceil(5 * 2/5) = 2.
    assert [rows[edge_cases[k].pk]["f_score"] for k in "abcde"] == [5, 2, 3, 4, 2]
    assert [rows[edge_cases[k].pk]["segment"] for k in "abcde"] == [
        "champion",
        "about_to_sleep",
        "need_attention",
        "loyal",
        "potential_loyalist",
    ]


def test_rollup_for_an_earlier_as_of_drops_customers_without_purchases_by_then(edge_cases):
    rollup.full(as_of=AS_OF)
    earlier = AS_OF - dt.timedelta(days=100)

    rollup.full(as_of=earlier)

    assert set(table()) == {edge_cases["a"].pk, edge_cases["c"].pk, edge_cases["d"].pk}
    assert_matches(table(), reference(list(Purchase.objects.all()), earlier))
    assert set(CustomerRFM.objects.values_list("as_of", flat=True)) == {earlier}


def test_second_run_writes_nothing_and_leaves_identical_tables(edge_cases):
    rollup.full(as_of=AS_OF)
    before = list(CustomerRFM.objects.order_by("customer_id").values())

    rows, changed = rollup.full(as_of=AS_OF)

    assert (rows, changed) == (5, 0)
    assert list(CustomerRFM.objects.order_by("customer_id").values()) == before


def test_incremental_merges_new_purchases_and_equals_full(edge_cases):
    rollup.full(as_of=AS_OF)
    newcomer = CustomerFactory()
    buy(newcomer, at(AS_OF), "1000.00")
    buy(edge_cases["c"], at(AS_OF - dt.timedelta(days=1)), "3.00")
    buy(edge_cases["d"], at(AS_OF + dt.timedelta(days=2)), "8.00")  # after as_of: not counted

    rows, changed = rollup.incremental(as_of=AS_OF)
    incremental = table()
    rollup.full(as_of=AS_OF)

    assert rows == 6 and changed >= 2
    assert incremental == table()
    assert incremental[edge_cases["c"].pk]["frequency"] == 3
    assert rollup.incremental(as_of=AS_OF) == (6, 0)  # nothing pending any more


def test_incremental_reaggregates_named_customers_after_a_correction(edge_cases):
    rollup.full(as_of=AS_OF)
    Purchase.objects.filter(customer=edge_cases["a"], amount=Decimal("100.00")).update(amount=Decimal("40.00"))
    Purchase.objects.filter(customer=edge_cases["e"]).delete()

    rollup.incremental(as_of=AS_OF, customer_ids=[edge_cases["a"].pk, edge_cases["e"].pk])
    incremental = table()
    rollup.full(as_of=AS_OF)

    assert edge_cases["e"].pk not in incremental
    assert incremental[edge_cases["a"].pk]["monetary"] == Decimal("120.50")
    assert incremental == table()


def test_snapshot_holds_the_month_end_figures(edge_cases):
    rows, _changed = rollup.snapshot_month(as_of=dt.date(2026, 5, 14))

    expected = reference(list(Purchase.objects.all()), dt.date(2026, 5, 31))
    assert rows == len(expected) == 3
    assert_matches(table(RFMSnapshot, month=dt.date(2026, 5, 1)), expected)
    assert set(RFMSnapshot.objects.values_list("as_of", flat=True)) == {dt.date(2026, 5, 31)}


def test_sharded_stage_then_score_equals_the_single_statement(edge_cases, django_db_blocker):
    from insights.models import RollupRun

    run = RollupRun.objects.create(as_of=AS_OF)
    ids = sorted(c.pk for c in edge_cases.values())
    for low, high in ((0, ids[2]), (ids[2], ids[4]), (ids[4], ids[-1] + 1)):
        rollup.stage_shard(run_id=run.pk, as_of=AS_OF, low=low, high=high)
    rollup.stage_shard(run_id=run.pk, as_of=AS_OF, low=0, high=ids[2])  # a redelivered shard

    rollup.score_from_stage(run_id=run.pk, as_of=AS_OF)
    sharded = table()
    rollup.full(as_of=AS_OF)

    assert sharded == table()
    from insights.models import RFMStage

    assert not RFMStage.objects.exists()


# --- properties (hypothesis) -------------------------------------------------------------------

purchase_rows = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=5),  # customer
        st.integers(min_value=-3, max_value=800),  # days before as_of (negative: after)
        st.integers(min_value=0, max_value=23),  # hour in Jakarta
        st.integers(min_value=0, max_value=500_000),  # amount in cents
    ),
    min_size=1,
    max_size=25,
)
PROPERTY_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.fixture
def six_customers(db):
    return CustomerFactory.create_batch(6)


class Rollback(Exception):
    pass


def _insert(customers, rows, offset: int = 0) -> None:
    Purchase.objects.bulk_create(
        Purchase(
            customer=customers[c],
            purchased_at=at(AS_OF - dt.timedelta(days=days), hour),
            purchased_on=AS_OF - dt.timedelta(days=days),
            amount=Decimal(cents) / 100,
            source="prop",
            external_id=str(offset + i),
        )
        for i, (c, days, hour, cents) in enumerate(rows)
    )


def _in_rollback(check) -> None:
    try:
        with transaction.atomic():
            check()
            raise Rollback
    except Rollback:
        pass


@PROPERTY_SETTINGS
@given(rows=purchase_rows, order=st.randoms(use_true_random=False))
def test_property_full_matches_reference_and_ignores_row_order(six_customers, rows, order):
    def check():
        _insert(six_customers, rows)
        rollup.full(as_of=AS_OF)
        first = table()
        assert_matches(first, reference(list(Purchase.objects.all()), AS_OF))
        assert all(1 <= r[s] <= 5 for r in first.values() for s in ("r_score", "f_score", "m_score"))
        Purchase.objects.all().delete()
        shuffled = list(rows)
        order.shuffle(shuffled)
        _insert(six_customers, shuffled)
        rollup.full(as_of=AS_OF)
        assert table() == first

    _in_rollback(check)


@PROPERTY_SETTINGS
@given(rows=purchase_rows, extra=purchase_rows)
def test_property_more_purchases_never_lower_frequency_or_monetary_and_incremental_equals_full(
    six_customers, rows, extra
):
    def check():
        _insert(six_customers, rows)
        rollup.full(as_of=AS_OF)
        before = table()
        _insert(six_customers, extra, offset=len(rows))
        rollup.incremental(as_of=AS_OF)  # merges the purchases recorded since the full run
        after = table()
        for cid, row in before.items():
            assert after[cid]["frequency"] >= row["frequency"]
            assert after[cid]["monetary"] >= row["monetary"]
        rollup.full(as_of=AS_OF)
        assert after == table()

    _in_rollback(check)
