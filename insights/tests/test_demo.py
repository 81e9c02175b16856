"""The insights part of `manage.py demo`: three years of purchases rolled into every segment."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from accounts.models import Customer
from insights import rollup
from insights.models import CustomerRFM, KeyAccountCandidate, Purchase, RFMSnapshot, RollupRun, Segment

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=StringIO())
        yield {user.username: user for user in User.objects.filter(username__in=["gm", "rep", "rep2"])}
        transaction.set_rollback(True)


def test_demo_holds_three_years_of_purchases_rolled_up(demo):
    today = timezone.localdate()
    span = Purchase.objects.aggregate(first=Min("purchased_on"), last=Max("purchased_on"))

    assert Purchase.objects.count() > 4000
    assert span["last"] == today or (today - span["last"]).days <= 3
    assert (today - span["first"]).days >= 3 * 365 - 30
    assert set(CustomerRFM.objects.values_list("as_of", flat=True)) == {today}
    # Prospects never bought: no figures for them.
    assert 150 < CustomerRFM.objects.count() < Customer.objects.count()
    assert not RollupRun.objects.exclude(status="done").exists()


def test_demo_fills_every_segment_and_shows_movement_last_month(demo):
    segments = dict(CustomerRFM.objects.values_list("segment").annotate(n=Count("pk")))
    assert set(segments) == set(Segment.values)

    months = sorted(set(RFMSnapshot.objects.values_list("month", flat=True)))
    assert len(months) >= 35
    last, before = months[-1], months[-2]
    was = dict(RFMSnapshot.objects.filter(month=before).values_list("customer_id", "segment"))
    moved = [
        c for c, s in RFMSnapshot.objects.filter(month=last).values_list("customer_id", "segment") if was.get(c) != s
    ]
    assert len(moved) >= 5


def test_demo_key_accounts_are_the_big_buyers_and_candidates_exist(demo):
    key = CustomerRFM.objects.filter(customer__tier=Customer.Tier.KEY)
    regular = CustomerRFM.objects.filter(customer__tier=Customer.Tier.REGULAR)
    assert min(key.values_list("revenue_12m", flat=True), default=0) > 0
    assert sum(key.values_list("revenue_12m", flat=True)) > sum(regular.values_list("revenue_12m", flat=True))
    assert KeyAccountCandidate.objects.filter(reason="top_revenue").count() == 10
    growers = KeyAccountCandidate.objects.filter(reason="fast_growth").select_related("customer")
    assert growers.count() >= 3
    assert all(g.customer.tier == Customer.Tier.REGULAR for g in growers)


def test_demo_figures_equal_a_fresh_rollup(demo):
    before = list(CustomerRFM.objects.order_by("customer_id").values())
    rows, changed = rollup.full(as_of=timezone.localdate())
    assert (rows, changed) == (len(before), 0)


def test_demo_loads_once(demo):
    counts = (Purchase.objects.count(), RFMSnapshot.objects.count(), RollupRun.objects.count())
    call_command("demo", stdout=StringIO())
    assert (Purchase.objects.count(), RFMSnapshot.objects.count(), RollupRun.objects.count()) == counts
