"""Factories of the stored period tables (what `services.period_compute` writes), for dashboard
tests that set the figures by hand instead of computing them from purchases and interactions.

Every row belongs to a period: pass `period=Period.parse("2026-Q3")` (default: the latest
closed quarter), and the factory fills `period_kind`, `period_start` and `period_end`.
"""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from crm_project.roles import Role
from crm_project.tests.factories import UserFactory
from relationships.models import (
    Evaluation,
    EvaluationCriterion,
    EvaluationScore,
    KeyAccountPeriod,
    Metric,
    PeriodComputation,
    RMPeriodMetric,
    SegmentMovement,
    SegmentPeriod,
)
from relationships.periods import Period, PeriodKind, latest_closed
from relationships.tests.factories import CriterionFactory, JobDescriptionFactory, KeyAccountFactory, RMProfileFactory

D = Decimal


def default_period() -> Period:
    return latest_closed(PeriodKind.QUARTER, timezone.localdate())


class PeriodRowFactory(factory.django.DjangoModelFactory):
    """Abstract: `period` (a Period) fills the three period fields."""

    class Meta:
        abstract = True
        exclude = ("period",)

    period = factory.LazyFunction(default_period)
    period_kind = factory.LazyAttribute(lambda row: row.period.kind)
    period_start = factory.LazyAttribute(lambda row: row.period.start)
    period_end = factory.LazyAttribute(lambda row: row.period.end)


class PeriodComputationFactory(PeriodRowFactory):
    class Meta:
        model = PeriodComputation
        django_get_or_create = ("period_kind", "period_start")

    status = PeriodComputation.Status.DONE
    data_until = factory.LazyAttribute(lambda row: min(row.period.end, timezone.localdate()))
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)
    key_accounts = 0


class KeyAccountPeriodFactory(PeriodRowFactory):
    class Meta:
        model = KeyAccountPeriod

    key_account = factory.SubFactory(KeyAccountFactory)
    customer = factory.SelfAttribute("key_account.customer")
    relationship_manager = factory.SelfAttribute("key_account.relationship_manager")
    window_start = factory.SelfAttribute("period_start")
    window_end = factory.SelfAttribute("period_end")
    revenue = Decimal("0")
    revenue_prev = Decimal("0")
    computed_at = factory.LazyFunction(timezone.now)


class RMPeriodMetricFactory(PeriodRowFactory):
    class Meta:
        model = RMPeriodMetric

    relationship_manager = factory.SubFactory(UserFactory, role=Role.RELATIONSHIP_MANAGER)
    metric = "cadence_adherence"
    value = Decimal("0.9")
    numerator = Decimal("9")
    denominator = Decimal("10")
    score = 4
    accounts = 1
    computed_at = factory.LazyFunction(timezone.now)


class SegmentPeriodFactory(PeriodRowFactory):
    class Meta:
        model = SegmentPeriod

    segment = "loyal"
    is_key = False
    industry = "Manufacturing"
    city = "Jakarta"
    relationship_manager = None
    customers = 1
    computed_at = factory.LazyFunction(timezone.now)


class SegmentMovementFactory(PeriodRowFactory):
    class Meta:
        model = SegmentMovement

    is_key = True
    cohort_month = factory.LazyAttribute(lambda row: row.period.start.replace(month=1))
    segment_before = "need_attention"
    segment_after = "loyal"
    industry = "Manufacturing"
    city = "Jakarta"
    relationship_manager = None
    customers = 1
    computed_at = factory.LazyFunction(timezone.now)


class EvaluationFactory(PeriodRowFactory):
    class Meta:
        model = Evaluation

    relationship_manager = factory.SubFactory(UserFactory, role=Role.RELATIONSHIP_MANAGER)
    job_description = factory.SubFactory(JobDescriptionFactory)
    evaluator = factory.SubFactory(UserFactory, role=Role.GENERAL_MANAGER)
    status = Evaluation.Status.DRAFT


class EvaluationScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluationScore

    evaluation = factory.SubFactory(EvaluationFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    weight = Decimal("50")
    kind = "manual"


# -- a small programme for the dashboard tests ----------------------------------------------------------


def scorecard_rm(gm, name, *, period, cadence=5, growth=3, capacity=3, last_name="Test"):
    """An RM with a job description (cadence 40 and growth 30 measured, knowledge 30 manual)
    and their measured scores for `period`."""
    rm = UserFactory(role=Role.RELATIONSHIP_MANAGER, first_name=name, last_name=last_name)
    job = JobDescriptionFactory(written_by=gm)
    for position, (label, weight, metric) in enumerate(
        [("Contact cadence kept", "40", Metric.CADENCE_ADHERENCE), ("Revenue growth", "30", Metric.REVENUE_GROWTH)]
    ):
        CriterionFactory(
            job_description=job,
            name=label,
            weight=D(weight),
            kind=EvaluationCriterion.Kind.MEASURED,
            metric=metric,
            position=position,
        )
    CriterionFactory(job_description=job, name="Account knowledge", weight=D("30"), position=9)
    RMProfileFactory(user=rm, reports_to=gm, capacity=capacity, job_description=job)
    RMPeriodMetricFactory(
        relationship_manager=rm,
        period=period,
        metric=Metric.CADENCE_ADHERENCE,
        value=D("0.9"),
        numerator=D("9"),
        denominator=D("10"),
        score=cadence,
    )
    RMPeriodMetricFactory(
        relationship_manager=rm,
        period=period,
        metric=Metric.REVENUE_GROWTH,
        value=D("0.05"),
        numerator=D("500000"),
        denominator=D("10000000"),
        score=growth,
    )
    return rm


def period_account(rm, name, *, period, city="Jakarta", segment="loyal", **figures):
    key_account = KeyAccountFactory(relationship_manager=rm, customer__name=name, customer__city=city)
    return KeyAccountPeriodFactory(period=period, key_account=key_account, segment_end=segment, **figures)


def dashboard_world(gm, period):
    """Two RMs with a key account each and the profitability rows of `period`:
    loyal key accounts return (500,000 - 350,000) / (60,000 + 40,000) = 1.50."""
    PeriodComputationFactory(period=period, requested_by=gm)
    rina = scorecard_rm(gm, "Rina", period=period, cadence=5, growth=3)
    rudi = scorecard_rm(gm, "Rudi", period=period, cadence=2, growth=2)
    period_account(
        rina,
        "PT Untung",
        period=period,
        revenue=D("2000000"),
        revenue_prev=D("1600000"),
        margin=D("500000"),
        margin_prev=D("350000"),
        plan_spent=D("60000"),
        contact_cost=D("40000"),
        segment_start="need_attention",
        contacts=4,
        expected_contacts=4,
        cadence_met=4,
    )
    period_account(
        rudi,
        "PT Rugi",
        period=period,
        city="Medan",
        segment="at_risk",
        revenue=D("800000"),
        revenue_prev=D("900000"),
        contact_cost=D("100000"),
        segment_start="loyal",
        contacts=1,
        expected_contacts=4,
        cadence_met=1,
    )
    SegmentPeriodFactory(
        period=period,
        segment="loyal",
        is_key=True,
        relationship_manager=rina,
        customers=1,
        city="Jakarta",
        revenue=D("2000000"),
        revenue_prev=D("1600000"),
        margin=D("500000"),
        margin_prev=D("350000"),
        plan_spent=D("60000"),
        contact_cost=D("40000"),
    )
    SegmentPeriodFactory(
        period=period,
        segment="at_risk",
        is_key=True,
        relationship_manager=rudi,
        customers=1,
        city="Medan",
        revenue=D("800000"),
        revenue_prev=D("900000"),
        contact_cost=D("100000"),
    )
    SegmentPeriodFactory(
        period=period,
        segment="loyal",
        customers=20,
        city="Jakarta",
        revenue=D("5000000"),
        revenue_prev=D("5000000"),
        contact_cost=D("50000"),
    )
    SegmentMovementFactory(period=period, relationship_manager=rina, segment_before="need_attention", customers=1)
    SegmentMovementFactory(
        period=period, is_key=False, segment_before="need_attention", segment_after="need_attention", customers=3
    )
    return {"rina": rina, "rudi": rudi}


__all__ = [
    "EvaluationFactory",
    "EvaluationScoreFactory",
    "KeyAccountPeriodFactory",
    "PeriodComputationFactory",
    "RMPeriodMetricFactory",
    "SegmentMovementFactory",
    "SegmentPeriodFactory",
    "dashboard_world",
    "default_period",
    "period_account",
    "scorecard_rm",
]
