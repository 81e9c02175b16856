"""Period figures (services/figures.py) against numbers worked out by hand in each test.

The scenario: Q2 2026 (1 April - 30 June, 91 days), computed on 25 November 2026, with
purchases, contacts and feedback just inside and just outside the period in local time
(Asia/Jakarta), an account nominated in the middle of the period, actions and resources of
approved and draft plans, and month-end snapshots before and at the end of the period.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Customer
from accounts.tests.factories import CustomerFactory, FeedbackFactory
from communications.models import CadenceRule, Channel
from communications.tests.factories import InteractionFactory
from crm_project.roles import Role
from crm_project.tests.factories import UserFactory
from insights.tests.factories import PurchaseFactory, RFMSnapshotFactory
from relationships import tasks
from relationships.models import (
    Action,
    ContactCostRate,
    KeyAccountPeriod,
    Metric,
    PeriodComputation,
    RelationshipPlan,
    RMPeriodMetric,
    SegmentMovement,
    SegmentPeriod,
)
from relationships.periods import Period
from relationships.services import contact_cost_rates_save, metric_score, movement, period_compute, periods_due

from .factories import ActionFactory, KeyAccountFactory, PlanFactory, ResourceFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)
Q2 = Period.parse("2026-Q2")


def at(day: str, time: str = "12:00") -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(f"{day}T{time}"))


def buy(customer, day: str, amount: str, cost: str | None = None, time: str = "12:00"):
    return PurchaseFactory(
        customer=customer, purchased_at=at(day, time), amount=Decimal(amount), cost=Decimal(cost) if cost else None
    )


def snapshot(customer, month_end: str, segment: str, share: str = "0.5"):
    as_of = dt.date.fromisoformat(month_end)
    return RFMSnapshotFactory(customer=customer, as_of=as_of, segment=segment, share_of_wallet=Decimal(share))


@pytest.fixture
def scenario():
    rm = UserFactory(role=Role.RELATIONSHIP_MANAGER)
    CadenceRule.objects.update_or_create(
        customer=None, tier=Customer.Tier.KEY, channel="", defaults={"max_gap_days": 30}
    )
    a = KeyAccountFactory(relationship_manager=rm, nominated_at=at("2025-01-10"))
    a.assignments.update(started_at=at("2025-01-10"))
    b = KeyAccountFactory(relationship_manager=rm, nominated_at=at("2026-05-31"))
    b.assignments.update(started_at=at("2026-05-31"))
    CadenceRule.objects.create(customer=b.customer, tier="", channel="", max_gap_days=14)
    regular = CustomerFactory()

    # A: two purchases in Q2 (one just before midnight local), one just after it, a year-before one.
    buy(a.customer, "2026-04-05", "1000000", "600000")
    buy(a.customer, "2026-06-30", "500000", time="23:30")
    buy(a.customer, "2026-07-01", "700000", "1", time="00:10")
    buy(a.customer, "2025-05-01", "800000", "500000")
    buy(a.customer, "2025-03-31", "100", "1")
    buy(b.customer, "2026-06-15", "200000")
    buy(b.customer, "2025-06-15", "200000")
    buy(regular, "2026-05-01", "300000", "100000")

    for occurred, channel in [
        ("2026-04-02T10:00", Channel.VISIT),
        ("2026-05-15T10:00", Channel.PHONE),
        ("2026-06-30T23:00", Channel.EMAIL),
        ("2026-07-01T01:00", Channel.VISIT),
        ("2026-03-31T23:59", Channel.VISIT),
    ]:
        InteractionFactory(customer=a.customer, channel=channel, occurred_at=at(*occurred.split("T")))
    InteractionFactory(customer=b.customer, channel=Channel.PHONE, occurred_at=at("2026-05-20"))  # before nomination
    InteractionFactory(customer=b.customer, channel=Channel.PHONE, occurred_at=at("2026-06-10"))
    InteractionFactory(customer=regular, channel=Channel.VISIT, occurred_at=at("2026-05-02"))

    plan = PlanFactory(key_account=a, start_year=2026, status=RelationshipPlan.Status.APPROVED)
    ActionFactory(plan=plan, due_on=dt.date(2026, 4, 10), status=Action.Status.DONE, done_on=dt.date(2026, 4, 9))
    ActionFactory(plan=plan, due_on=dt.date(2026, 5, 10), status=Action.Status.PLANNED)
    ActionFactory(plan=plan, due_on=dt.date(2026, 6, 1), status=Action.Status.CANCELLED)
    ActionFactory(plan=plan, due_on=dt.date(2026, 7, 5), status=Action.Status.PLANNED)
    ResourceFactory(plan=plan, amount=Decimal("3650000"), spent=Decimal("730000"))
    draft = PlanFactory(key_account=b, start_year=2026)
    ActionFactory(plan=draft, due_on=dt.date(2026, 5, 1))
    ResourceFactory(plan=draft, amount=Decimal("9999999"), spent=Decimal("9999999"))

    snapshot(a.customer, "2026-03-31", "champion", "0.50")
    snapshot(a.customer, "2026-06-30", "loyal", "0.55")
    snapshot(b.customer, "2026-03-31", "loyal", "0.40")
    snapshot(b.customer, "2026-06-30", "champion", "0.50")

    FeedbackFactory(customer=a.customer, asked_on=dt.date(2026, 5, 5))
    FeedbackFactory(customer=a.customer, asked_on=dt.date(2026, 6, 30))
    FeedbackFactory(customer=b.customer, asked_on=dt.date(2026, 7, 2))
    return {"rm": rm, "a": a, "b": b, "regular": regular}


def test_key_account_figures_count_inside_the_period_in_local_time(scenario):
    computation = period_compute(period=Q2, today=TODAY)

    assert computation.status == PeriodComputation.Status.DONE
    assert computation.data_until == dt.date(2026, 6, 30)
    assert computation.key_accounts == 2
    a = KeyAccountPeriod.objects.get(key_account=scenario["a"], period_kind="quarter", period_start=Q2.start)
    assert (a.window_start, a.window_end) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert a.relationship_manager == scenario["rm"]
    assert (a.revenue, a.revenue_prev) == (Decimal("1500000.00"), Decimal("800000.00"))
    assert (a.margin, a.margin_prev) == (Decimal("400000.00"), Decimal("300000.00"))
    assert a.purchases == 2
    assert (a.contacts, a.visits) == (3, 1)
    assert a.contact_cost == Decimal("825000.00")  # visit 750,000 + phone 50,000 + email 25,000
    assert (a.cadence_days, a.expected_contacts) == (30, 3)  # 91 days // 30
    # Intervals from 1 April, 30 days each: a contact on 2 April and 15 May; 30 June is day 90,
    # in the fourth, incomplete interval, which does not count.
    assert a.cadence_met == 2
    assert (a.actions_due, a.actions_done, a.actions_overdue) == (2, 1, 1)  # cancelled and July ones left out
    assert (a.plan_budget, a.plan_spent) == (Decimal("910000.00"), Decimal("182000.00"))  # 91/365 of the year
    assert (a.segment_start, a.segment_end) == ("champion", "loyal")
    assert (a.share_of_wallet_start, a.share_of_wallet_end) == (Decimal("0.5000"), Decimal("0.5500"))
    assert a.voc_entries == 2
    assert a.relationship_cost == Decimal("1007000.00")


def test_an_account_nominated_mid_period_counts_contacts_from_its_nomination(scenario):
    period_compute(period=Q2, today=TODAY)

    b = KeyAccountPeriod.objects.get(key_account=scenario["b"])
    assert (b.window_start, b.window_end) == (dt.date(2026, 5, 31), dt.date(2026, 6, 30))
    assert (b.cadence_days, b.expected_contacts) == (14, 2)  # its own rule; 31 days // 14
    assert b.contacts == 1  # the call of 20 May came before the nomination
    assert b.cadence_met == 1  # 10 June: the first 14 days; none in the second
    assert (b.revenue, b.revenue_prev, b.margin) == (Decimal("200000.00"), Decimal("200000.00"), None)
    assert (b.actions_due, b.plan_budget, b.plan_spent) == (0, Decimal("0.00"), Decimal("0.00"))  # a draft plan
    assert b.voc_entries == 0


def test_rm_metrics_sum_their_accounts_and_score_by_the_bands(scenario):
    period_compute(period=Q2, today=TODAY)

    metrics = {
        m.metric: (m.value, m.numerator, m.denominator, m.score, m.accounts)
        for m in RMPeriodMetric.objects.filter(relationship_manager=scenario["rm"])
    }
    assert metrics == {
        Metric.CADENCE_ADHERENCE: (Decimal("0.6000"), Decimal("3.00"), Decimal("5.00"), 2, 2),
        Metric.ACTION_COMPLETION: (Decimal("0.5000"), Decimal("1.00"), Decimal("2.00"), 2, 2),
        Metric.REVENUE_GROWTH: (Decimal("0.7000"), Decimal("700000.00"), Decimal("1000000.00"), 5, 2),
        Metric.SEGMENT_MOVEMENT: (Decimal("0.0000"), Decimal("0.00"), Decimal("2.00"), 3, 2),
        Metric.SHARE_OF_WALLET_CHANGE: (Decimal("0.0750"), Decimal("0.15"), Decimal("2.00"), 5, 2),
        Metric.VOICE_OF_CUSTOMER: (Decimal("1.0000"), Decimal("2.00"), Decimal("2.00"), 3, 2),
    }


def test_segment_figures_split_key_and_regular_customers(scenario):
    ContactCostRate.objects.create(channel=Channel.VISIT, cost=Decimal("600000"))
    period_compute(period=Q2, today=TODAY)

    rows = {
        (r.segment, r.is_key): (
            r.customers,
            r.revenue,
            r.revenue_prev,
            r.margin,
            r.plan_spent,
            r.contact_cost,
            r.contacts,
        )
        for r in SegmentPeriod.objects.filter(period_kind="quarter", period_start=Q2.start)
    }
    assert rows == {
        ("loyal", True): (
            1,
            Decimal("1500000.00"),
            Decimal("800000.00"),
            Decimal("400000.00"),
            Decimal("182000.00"),
            Decimal("675000.00"),  # the visit at the changed rate, a call, an email
            3,
        ),
        ("champion", True): (
            1,
            Decimal("200000.00"),
            Decimal("200000.00"),
            None,
            Decimal("0.00"),
            Decimal("50000.00"),
            1,
        ),
        ("", False): (
            1,
            Decimal("300000.00"),
            Decimal("0.00"),
            Decimal("200000.00"),
            Decimal("0.00"),
            Decimal("600000.00"),
            1,
        ),
    }


@pytest.mark.parametrize(
    ("metric", "value", "score"),
    [
        (Metric.CADENCE_ADHERENCE, Decimal("0.95"), 5),
        (Metric.CADENCE_ADHERENCE, Decimal("0.9499"), 4),
        (Metric.REVENUE_GROWTH, Decimal("-0.10"), 2),
        (Metric.REVENUE_GROWTH, Decimal("-0.1001"), 1),
        (Metric.SEGMENT_MOVEMENT, Decimal("0"), 3),
        (Metric.VOICE_OF_CUSTOMER, Decimal("0.4"), 1),
        (Metric.ACTION_COMPLETION, None, None),
    ],
)
def test_metric_bands(metric, value, score):
    assert metric_score(metric, value) == score


def test_segment_movement_direction():
    assert movement("loyal", "champion") == 1
    assert movement("champion", "at_risk") == -1
    assert movement("at_risk", "at_risk") == 0
    assert movement("", "champion") == 0


def test_before_after_compares_key_accounts_with_customers_of_the_same_segment(scenario, settings):
    settings.RELASI_EFFECT_MONTHS = 6
    a = scenario["a"].customer  # nominated January 2025: from December 2024 to June 2025
    snapshot(a, "2024-12-31", "champion")
    snapshot(a, "2025-06-30", "champion")
    similar, other_segment, later_key = CustomerFactory(), CustomerFactory(), CustomerFactory()
    snapshot(similar, "2024-12-31", "champion")
    snapshot(similar, "2025-06-30", "at_risk")
    snapshot(other_segment, "2024-12-31", "loyal")
    snapshot(other_segment, "2025-06-30", "loyal")
    snapshot(later_key, "2024-12-31", "champion")
    snapshot(later_key, "2025-06-30", "champion")
    KeyAccountFactory(customer=later_key, nominated_at=at("2025-03-01"))  # a key account by June: not a control

    period_compute(period=Period.parse("2025"), today=TODAY)

    rows = sorted(
        (m.is_key, str(m.cohort_month), m.segment_before, m.segment_after, m.customers)
        for m in SegmentMovement.objects.filter(period_start=dt.date(2025, 1, 1), period_kind="year")
    )
    assert rows == [
        (False, "2024-12-01", "champion", "at_risk", 1),
        (True, "2024-12-01", "champion", "champion", 1),
    ]
    assert SegmentMovement.objects.get(is_key=True).relationship_manager == scenario["rm"]


def test_recomputing_replaces_the_figures_and_the_past_stays_until_then(scenario):
    period_compute(period=Q2, today=TODAY)
    first = list(KeyAccountPeriod.objects.order_by("key_account").values_list("key_account", "revenue", "contacts"))
    buy(scenario["a"].customer, "2026-05-05", "100000")  # a purchase recorded late

    assert (
        list(KeyAccountPeriod.objects.order_by("key_account").values_list("key_account", "revenue", "contacts"))
        == first
    )
    period_compute(period=Q2, today=TODAY)

    assert KeyAccountPeriod.objects.count() == 2
    assert KeyAccountPeriod.objects.get(key_account=scenario["a"]).revenue == Decimal("1600000.00")
    assert PeriodComputation.objects.filter(period_start=Q2.start, period_kind="quarter").count() == 1


def test_computing_twice_gives_identical_tables(scenario):
    def tables():
        return [
            sorted(model.objects.values_list(*fields))
            for model, fields in [
                (KeyAccountPeriod, ("key_account", "revenue", "margin", "contacts", "expected_contacts", "plan_spent")),
                (RMPeriodMetric, ("relationship_manager", "metric", "value", "score")),
                (SegmentPeriod, ("segment", "is_key", "customers", "revenue", "contact_cost")),
            ]
        ]

    period_compute(period=Q2, today=TODAY)
    once = tables()
    period_compute(period=Q2, today=TODAY)
    assert tables() == once


def test_a_running_period_counts_until_today_and_a_future_one_is_refused(scenario):
    q4 = Period.parse("2026-Q4")
    computation = period_compute(period=q4, today=TODAY)
    assert computation.data_until == TODAY

    with pytest.raises(ValidationError) as error:
        period_compute(period=Period.parse("2027-Q1"), today=TODAY)
    assert "period" in error.value.message_dict


def test_nightly_computes_the_running_periods_and_an_ended_one_once(db):
    assert [p.key for p in periods_due(today=TODAY)] == ["2026-Q4", "2026", "2026-Q3", "2025"]
    period_compute(period=Period.parse("2026-Q3"), today=TODAY)
    period_compute(period=Period.parse("2025"), today=TODAY)
    assert [p.key for p in periods_due(today=TODAY)] == ["2026-Q4", "2026"]
    # Computed while it still ran: computed once more after it ended.
    period_compute(period=Period.parse("2026-Q4"), today=dt.date(2026, 12, 30))
    assert "2026-Q4" in [p.key for p in periods_due(today=dt.date(2027, 1, 2))]


def test_the_task_computes_a_period_by_its_key(scenario, gm):
    computation_id = tasks.period_compute.delay("2026-Q2", gm.pk).get()

    computation = PeriodComputation.objects.get(pk=computation_id)
    assert (computation.period_kind, computation.period_start, computation.requested_by) == ("quarter", Q2.start, gm)
    assert KeyAccountPeriod.objects.filter(period_start=Q2.start).count() == 2


def test_contact_cost_rates_refuse_negative_amounts(db):
    with pytest.raises(ValidationError) as error:
        contact_cost_rates_save(rates={Channel.VISIT: Decimal("-1")})
    assert Channel.VISIT in error.value.message_dict
    rates = contact_cost_rates_save(rates={Channel.VISIT: Decimal("900000")})
    assert rates[Channel.VISIT] == Decimal("900000") and rates[Channel.PHONE] == Decimal("50000")


def test_the_command_computes_periods_by_key_and_refuses_a_bad_key(scenario):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("compute_periods", "2026-Q2", "2025", stdout=out)
    assert out.getvalue().startswith("2026-Q2: 2 key accounts, data until 2026-06-30")
    assert "2025: 1 key accounts, data until 2025-12-31" in out.getvalue()
    with pytest.raises(CommandError, match="2026-Q3"):
        call_command("compute_periods", "Q3-2026")
