import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import AccountTeamMemberFactory, CustomerFactory
from insights import selectors
from insights.segments import SEGMENT_ORDER, SEGMENTS, grid_rows
from insights.tests.factories import CustomerRFMFactory, PurchaseFactory, RFMSnapshotFactory

pytestmark = pytest.mark.django_db

JAN, FEB = dt.date(2026, 1, 1), dt.date(2026, 2, 1)


def _rfm(owner, r, f, segment, revenue="1000", monetary="5000", **kwargs):
    return CustomerRFMFactory(
        customer__owner=owner,
        r_score=r,
        f_score=f,
        segment=segment,
        revenue_12m=Decimal(revenue),
        monetary=Decimal(monetary),
        **kwargs,
    )


def test_every_segment_has_plain_words_and_an_action():
    assert len(SEGMENTS) == 10
    for info in SEGMENTS.values():
        assert info.meaning and info.action and info.label
    assert str(SEGMENTS["champion"].meaning) == "Bought recently, buys often and spends the most."


def test_grid_layout_follows_design_table():
    rows = grid_rows()
    assert [r for r, _cells in rows] == [5, 4, 3, 2, 1]
    top = {f: info.key for f, info in rows[0][1]}
    assert top == {1: "new_customer", 2: "potential_loyalist", 3: "potential_loyalist", 4: "champion", 5: "champion"}
    bottom = {f: info.key for f, info in rows[-1][1]}
    assert bottom == {1: "hibernating", 2: "hibernating", 3: "at_risk", 4: "at_risk", 5: "cant_lose_them"}


def test_grid_counts_only_the_users_customers(rep, rep2, gm):
    _rfm(rep, 5, 5, "champion", revenue="100", monetary="1000")
    _rfm(rep, 5, 5, "champion", revenue="50", monetary="500")
    _rfm(rep, 1, 1, "hibernating", revenue="7", monetary="70")
    _rfm(rep2, 5, 5, "champion", revenue="999", monetary="9999")

    cells = {(c.r, c.f): c for _r, row in selectors.segment_grid(user=rep) for c in row}
    assert len(cells) == 25
    assert (cells[5, 5].customers, cells[5, 5].revenue_12m, cells[5, 5].monetary) == (
        2,
        Decimal("150"),
        Decimal("1500"),
    )
    assert cells[1, 1].customers == 1
    assert cells[3, 3].customers == 0 and cells[3, 3].segment.key == "need_attention"

    manager_cells = {(c.r, c.f): c for _r, row in selectors.segment_grid(user=gm) for c in row}
    assert manager_cells[5, 5].customers == 3


def test_team_members_count_the_customers_they_work_on(rep, rep2):
    theirs = _rfm(rep2, 4, 4, "loyal")
    AccountTeamMemberFactory(customer=theirs.customer, user=rep)
    summary = selectors.segment_summary(user=rep)
    assert {row.key: row.customers for row in summary.rows}["loyal"] == 1


def test_segment_summary_lists_all_ten_with_averages_and_shares(rep):
    _rfm(rep, 5, 5, "champion", revenue="100", monetary="1000", recency_days=2, frequency=10)
    _rfm(rep, 5, 4, "champion", revenue="300", monetary="3000", recency_days=4, frequency=20)
    _rfm(rep, 2, 3, "at_risk", revenue="0", monetary="600", recency_days=200, frequency=5)

    summary = selectors.segment_summary(user=rep)
    rows = {row.key: row for row in summary.rows}
    assert [row.key for row in summary.rows] == SEGMENT_ORDER
    assert summary.customers == 3
    assert summary.revenue_12m == Decimal("400")
    champion = rows["champion"]
    assert (champion.customers, champion.revenue_12m, champion.monetary) == (2, Decimal("400"), Decimal("4000"))
    assert champion.avg_recency == pytest.approx(3)
    assert champion.avg_frequency == pytest.approx(15)
    assert champion.share == pytest.approx(2 / 3)
    assert rows["loyal"].customers == 0 and rows["loyal"].avg_recency is None


def test_segment_summary_of_a_snapshot_month(rep):
    customer = CustomerFactory(owner=rep)
    RFMSnapshotFactory(customer=customer, month=JAN, as_of=dt.date(2026, 1, 31), segment="loyal")
    RFMSnapshotFactory(customer=customer, month=FEB, as_of=dt.date(2026, 2, 28), segment="at_risk")
    rows = {row.key: row.customers for row in selectors.segment_summary(user=rep, month=JAN).rows}
    assert rows["loyal"] == 1 and rows["at_risk"] == 0


def test_movement_between_the_last_two_months(rep, rep2):
    slipped = CustomerFactory(owner=rep, name="Slipped")
    steady = CustomerFactory(owner=rep)
    new = CustomerFactory(owner=rep)
    other = CustomerFactory(owner=rep2)
    for customer, before, after in (
        (slipped, "loyal", "at_risk"),
        (steady, "champion", "champion"),
        (other, "loyal", "hibernating"),
    ):
        RFMSnapshotFactory(customer=customer, month=JAN, as_of=dt.date(2026, 1, 31), segment=before)
        RFMSnapshotFactory(customer=customer, month=FEB, as_of=dt.date(2026, 2, 28), segment=after)
    RFMSnapshotFactory(customer=new, month=FEB, as_of=dt.date(2026, 2, 28), segment="new_customer")

    movement = selectors.segment_movement(user=rep)
    assert (movement.previous_month, movement.month) == (JAN, FEB)
    assert movement.matrix == {"loyal": {"at_risk": 1}, "champion": {"champion": 1}, None: {"new_customer": 1}}
    assert movement.moved_down_count == 1
    assert [s.customer.name for s in movement.moved_down] == ["Slipped"]
    assert movement.changed == 2  # slipped and the new customer
    loyal_row = next(cells for source, cells, _total in movement.rows if source and source.key == "loyal")
    flagged = [(target.key, count) for target, count, down in loyal_row if down and count]
    assert flagged == [("at_risk", 1)]


def test_movement_needs_two_months(rep):
    RFMSnapshotFactory(customer__owner=rep, month=FEB, as_of=dt.date(2026, 2, 28))
    movement = selectors.segment_movement(user=rep)
    assert movement.month == FEB and movement.previous_month is None and movement.matrix == {}


def test_segment_customer_list_filters_by_cell_and_customer_fields(rep):
    match = _rfm(rep, 5, 4, "champion", customer__city="Bandung", customer__industry="Retail")
    _rfm(rep, 5, 5, "champion", customer__city="Bandung", customer__industry="Retail")
    _rfm(rep, 5, 4, "champion", customer__city="Medan", customer__industry="Retail")
    rows = selectors.segment_customer_list(user=rep, segment="champion", r=5, f=4, city="bandung", industry="retail")
    assert list(rows) == [match]


def test_segment_customer_list_orders_growth_with_unknown_last(rep):
    low = _rfm(rep, 5, 5, "champion", growth=Decimal("0.1"))
    unknown = _rfm(rep, 5, 5, "champion", growth=None)
    high = _rfm(rep, 5, 5, "champion", growth=Decimal("0.9"))
    assert list(selectors.segment_customer_list(user=rep, ordering="-growth")) == [high, low, unknown]


def test_customer_trend_joins_snapshots_and_monthly_purchases(rep):
    customer = CustomerFactory(owner=rep)
    today = dt.date(2026, 3, 15)
    tz = timezone.get_current_timezone()
    PurchaseFactory(customer=customer, purchased_at=dt.datetime(2026, 3, 1, 9, tzinfo=tz), amount=Decimal("100"))
    PurchaseFactory(customer=customer, purchased_at=dt.datetime(2026, 3, 2, 9, tzinfo=tz), amount=Decimal("50"))
    PurchaseFactory(customer=customer, purchased_at=dt.datetime(2026, 1, 20, 9, tzinfo=tz), amount=Decimal("10"))
    RFMSnapshotFactory(customer=customer, month=FEB, as_of=dt.date(2026, 2, 28), revenue_12m=Decimal("10"))

    trend = selectors.customer_trend(customer=customer, months=3, today=today)
    assert [m.month for m in trend] == [JAN, FEB, dt.date(2026, 3, 1)]
    assert [(m.purchases, m.purchase_total) for m in trend] == [
        (1, Decimal("10")),
        (0, Decimal("0")),
        (2, Decimal("150")),
    ]
    assert [m.snapshot is not None for m in trend] == [False, True, False]


def test_purchase_list_and_totals_cover_visible_customers_only(rep, rep2):
    mine = CustomerFactory(owner=rep, name="PT Mine")
    PurchaseFactory(customer=mine, amount=Decimal("100"), category="Cement")
    PurchaseFactory(customer=mine, amount=Decimal("250"), category="Steel")
    PurchaseFactory(customer=CustomerFactory(owner=rep2), amount=Decimal("999"))

    purchases = selectors.purchase_list(user=rep)
    assert selectors.purchase_totals(purchases) == {"count": 2, "amount": Decimal("350")}
    steel = selectors.purchase_list(user=rep, category="ste")
    assert selectors.purchase_totals(steel) == {"count": 1, "amount": Decimal("250")}
    assert selectors.purchase_totals(selectors.purchase_list(user=rep, search="nobody")) == {
        "count": 0,
        "amount": Decimal("0"),
    }
