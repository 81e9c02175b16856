"""Factories of the RM evaluations and of the stored period figures they read.

`rm_with_job(criteria)` makes an RM (with a profile) holding a job description with the
given criteria; the period-figure factories write stored rows directly, for page and API
tests that do not test `period_compute` (its own tests do).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from crm_project.roles import Role
from crm_project.tests.factories import UserFactory
from relationships.models import (
    Evaluation,
    EvaluationCriterion,
    EvaluationScore,
    JobDescription,
    KeyAccountPeriod,
    PeriodComputation,
    RMPeriodMetric,
)
from relationships.periods import Period

from .factories import CriterionFactory, JobDescriptionFactory, KeyAccountFactory, RMProfileFactory

Q2 = Period.parse("2026-Q2")

# (name, weight, kind, metric): a JD with weights 40/30/30, two measured criteria and one manual.
STANDARD_CRITERIA = [
    ("Contact cadence kept", "40", "measured", "cadence_adherence"),
    ("Revenue growth of key accounts", "30", "measured", "revenue_growth"),
    ("Quality of account knowledge", "30", "manual", ""),
]


def job_with(criteria: list[tuple[str, str, str, str]], **kwargs: Any) -> JobDescription:
    job = JobDescriptionFactory(**kwargs)
    for position, (name, weight, kind, metric) in enumerate(criteria):
        CriterionFactory(
            job_description=job, name=name, weight=Decimal(weight), kind=kind, metric=metric, position=position
        )
    return job


def rm_with_job(criteria: list[tuple[str, str, str, str]] = STANDARD_CRITERIA, *, gm: Any = None, **user: Any) -> Any:
    """A relationship manager with a profile holding a job description with these criteria."""
    rm = UserFactory(role=Role.RELATIONSHIP_MANAGER, **user)
    gm = gm or UserFactory(role=Role.GENERAL_MANAGER)
    RMProfileFactory(user=rm, reports_to=gm, job_description=job_with(criteria, written_by=gm))
    return rm


class PeriodFactory(factory.django.DjangoModelFactory):
    """Base: `period` (a Period) fills the three period fields."""

    class Meta:
        abstract = True

    class Params:
        period = Q2

    period_kind = factory.LazyAttribute(lambda o: o.period.kind)
    period_start = factory.LazyAttribute(lambda o: o.period.start)
    period_end = factory.LazyAttribute(lambda o: o.period.end)


class PeriodComputationFactory(PeriodFactory):
    class Meta:
        model = PeriodComputation
        django_get_or_create = ("period_kind", "period_start")

    status = PeriodComputation.Status.DONE
    data_until = factory.LazyAttribute(lambda o: min(o.period.end, timezone.localdate()))
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)


class RMPeriodMetricFactory(PeriodFactory):
    class Meta:
        model = RMPeriodMetric

    relationship_manager = factory.SubFactory(UserFactory, role=Role.RELATIONSHIP_MANAGER)
    metric = "cadence_adherence"
    numerator = Decimal("9")
    denominator = Decimal("10")
    value = Decimal("0.9000")
    score = 4
    accounts = 1
    computed_at = factory.LazyFunction(timezone.now)


class KeyAccountPeriodFactory(PeriodFactory):
    class Meta:
        model = KeyAccountPeriod

    key_account = factory.SubFactory(KeyAccountFactory)
    customer = factory.SelfAttribute("key_account.customer")
    relationship_manager = factory.SelfAttribute("key_account.relationship_manager")
    window_start = factory.LazyAttribute(lambda o: o.period.start)
    window_end = factory.LazyAttribute(lambda o: o.period.end)
    revenue = Decimal("1200000000")
    revenue_prev = Decimal("1000000000")
    contacts = 7
    expected_contacts = 6
    cadence_met = 5
    cadence_days = 14
    actions_due = 4
    actions_done = 3
    segment_start = "loyal"
    segment_end = "champion"
    share_of_wallet_start = Decimal("0.4000")
    share_of_wallet_end = Decimal("0.4500")
    voc_entries = 2
    computed_at = factory.LazyFunction(timezone.now)


class EvaluationFactory(PeriodFactory):
    class Meta:
        model = Evaluation

    relationship_manager = factory.SubFactory(UserFactory, role=Role.RELATIONSHIP_MANAGER)
    job_description = factory.SubFactory(JobDescriptionFactory)
    evaluator = factory.SubFactory(UserFactory, role=Role.GENERAL_MANAGER)
    data_computed_at = factory.LazyFunction(timezone.now)


class EvaluationScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluationScore

    evaluation = factory.SubFactory(EvaluationFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    weight = Decimal("25")
    kind = EvaluationCriterion.Kind.MANUAL
    position = factory.Sequence(lambda n: n)


def evaluation_with(
    rows: list[tuple[str, str, str, str, int | None, int | None]],
    *,
    final: bool = False,
    **kwargs: Any,
) -> Evaluation:
    """An evaluation with (name, weight, kind, metric, measured score, score) rows written directly;
    final ones get their total and finalisation stamped as the service would."""
    from relationships.services import evaluation_total

    evaluation = EvaluationFactory(**kwargs)
    scores = []
    for position, (name, weight, kind, metric, measured, score) in enumerate(rows):
        scores.append(
            EvaluationScoreFactory(
                evaluation=evaluation,
                name=name,
                weight=Decimal(weight),
                kind=kind,
                metric=metric,
                position=position,
                measured_score=measured,
                measured_value=Decimal("0.9000") if measured else None,
                measured_numerator=Decimal("9") if measured else None,
                measured_denominator=Decimal("10") if measured else None,
                score=score,
                comment="Explained." if kind == "measured" and score != measured else "",
            )
        )
    evaluation.total = evaluation_total(scores)
    if final:
        evaluation.status = Evaluation.Status.FINAL
        evaluation.finalised_at = timezone.now() - dt.timedelta(days=1)
        evaluation.finalised_by = evaluation.evaluator
    evaluation.save()
    return evaluation
