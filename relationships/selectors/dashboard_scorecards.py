"""RM scorecards: each RM's weighted score for a period against their job description, each
criterion's score, the trend over the last periods and the load against the capacity.

A scorecard page shows a page of RMs, but ranks all of them: `scorecard_list` reads what the
ranking needs for every RM the user sees (the period's score: an evaluation's total, else the
measured criteria), and `scorecard_details` reads, for the RMs shown only, what takes a row per
period or criterion (the trend and an evaluation's criteria). Both read values, not model
instances: 200 RMs over 6 periods were 13,000 instances and a third of a second.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import SEES_ALL
from crm_project.roles import Role, role_of

from ..models import (
    Evaluation,
    EvaluationCriterion,
    EvaluationScore,
    KeyAccount,
    KeyAccountPeriod,
    RelationshipManagerProfile,
    RMPeriodMetric,
)
from ..periods import Period
from .dashboards import (
    TREND_PERIODS,
    TWO_PLACES,
    ZERO,
    DashboardFilters,
    _key_account_rows,
    _person_name,
    _with_return,
)

__all__ = [
    "SCORECARD_ORDERS",
    "SCORE_BASES",
    "CriterionScore",
    "MetricFigures",
    "PeriodScore",
    "Scorecard",
    "measured_weighted_score",
    "scorecard_accounts",
    "scorecard_details",
    "scorecard_get",
    "scorecard_list",
]

# How a weighted score was obtained: an evaluation's total (final or draft) or measured criteria only.
SCORE_BASES = ("final", "draft", "measured")
# "-score": best weighted score first (RMs without a score last, then by name); "name": by name.
SCORECARD_ORDERS = ("-score", "name")
# The plain string: an enum member's attribute lookup, per criterion per RM per period, cost milliseconds.
MEASURED = str(EvaluationCriterion.Kind.MEASURED.value)


class MetricFigures(NamedTuple):
    """One stored measured metric of an RM for a period (an `RMPeriodMetric` row)."""

    metric: str
    value: Decimal | None
    numerator: Decimal
    denominator: Decimal
    score: int | None
    accounts: int


@dataclass
class CriterionScore:
    name: str
    weight: Decimal
    kind: str
    metric: str
    score: int | None
    source: str  # "evaluation", "measured" or "" (a manual criterion without an evaluation)
    value: Decimal | None = None  # the measured value behind a measured criterion

    @property
    def is_measured(self) -> bool:
        return self.kind == MEASURED


@dataclass
class PeriodScore:
    period: Period
    score: Decimal | None
    basis: str  # one of SCORE_BASES, or "" when there is no score


class _Criterion(NamedTuple):
    """A criterion of a job description, as the scores are computed from it."""

    name: str
    weight: Decimal
    kind: str
    metric: str


class _Evaluation(NamedTuple):
    pk: int
    total: Decimal | None
    status: str


@dataclass
class Scorecard:
    """An RM's scorecard for a period. `scorecard_list` ranks them; `criteria` (the evaluation's
    criterion scores when there is an evaluation you may see, else the job description's with the
    measured ones filled from the period's figures) and `trend` are empty until `scorecard_details`."""

    user_id: int
    username: str
    name: str
    job_title: str  # the job description's title; "" without one
    job_version: int | None
    capacity: int
    load: int
    score: Decimal | None
    basis: str
    evaluation_id: int | None = None
    evaluation_status: str = ""
    metrics: dict[str, MetricFigures] = field(default_factory=dict)
    criteria: list[CriterionScore] = field(default_factory=list)
    trend: list[PeriodScore] = field(default_factory=list)
    job_criteria: list[_Criterion] = field(default_factory=list, repr=False)

    @property
    def job_description(self) -> str:
        """The job description as it names itself (`JobDescription.__str__`); "" without one."""
        return f"{self.job_title} (v{self.job_version})" if self.job_title else ""

    @property
    def is_full(self) -> bool:
        return self.load >= self.capacity

    @property
    def accounts(self) -> int:
        """Key accounts counted in the period's measured metrics."""
        return max((metric.accounts for metric in self.metrics.values()), default=0)


def measured_weighted_score(criteria: Iterable[tuple[Decimal, int | None]]) -> Decimal | None:
    """sum(weight x score) / sum(weight) over the (weight, measured score) pairs that have a score."""
    scored = [(Decimal(weight), score) for weight, score in criteria if score is not None]
    total_weight = sum((weight for weight, _score in scored), ZERO)
    if not total_weight:
        return None
    weighted = sum((weight * score for weight, score in scored), ZERO)
    return (weighted / total_weight).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _score_of(
    evaluation: _Evaluation | None, criteria: list[_Criterion], scores: dict[str, int | None]
) -> tuple[Decimal | None, str]:
    """The weighted score: the evaluation's total when it has one, else the measured criteria's."""
    if evaluation is not None and evaluation.total is not None:
        return evaluation.total, "final" if evaluation.status == Evaluation.Status.FINAL else "draft"
    measured = measured_weighted_score((c.weight, scores.get(c.metric)) for c in criteria if c.kind == MEASURED)
    return measured, "measured" if measured is not None else ""


def _load() -> Coalesce:
    active = (
        KeyAccount.objects.active()
        .filter(relationship_manager=OuterRef("user"))
        .order_by()
        .values("relationship_manager")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(active, output_field=IntegerField()), 0)


def _profiles(*, user: Any, filters: DashboardFilters, narrow: bool) -> QuerySet[RelationshipManagerProfile]:
    profiles = RelationshipManagerProfile.objects.annotate(load=_load()).order_by(
        "user__first_name", "user__last_name", "user__username", "pk"
    )
    role = role_of(user)
    if role is Role.RELATIONSHIP_MANAGER:
        profiles = profiles.filter(user=user)
    elif role not in SEES_ALL:
        return profiles.none()
    if filters.relationship_manager:
        profiles = profiles.filter(user_id=filters.relationship_manager)
    if narrow and filters.narrows_accounts:
        matching = _key_account_rows(filters).filter(relationship_manager=OuterRef("user"))
        profiles = profiles.filter(Exists(matching))
    return profiles


def _job_criteria(job_ids: set[int]) -> dict[int, list[_Criterion]]:
    criteria: dict[int, list[_Criterion]] = defaultdict(list)
    if not job_ids:
        return criteria
    for job_id, *values in (
        EvaluationCriterion.objects.filter(job_description_id__in=job_ids)
        .order_by("job_description_id", "position", "id")
        .values_list("job_description_id", "name", "weight", "kind", "metric")
    ):
        criteria[job_id].append(_Criterion(*values))
    return criteria


def _from_job_description(criteria: list[_Criterion], metrics: dict[str, MetricFigures]) -> list[CriterionScore]:
    result = []
    for criterion in criteria:
        metric = metrics.get(criterion.metric) if criterion.kind == MEASURED else None
        score = metric.score if metric else None
        result.append(
            CriterionScore(
                name=criterion.name,
                weight=criterion.weight,
                kind=criterion.kind,
                metric=criterion.metric,
                score=score,
                source="measured" if score is not None else "",
                value=metric.value if metric else None,
            )
        )
    return result


def _ranked(*, user: Any, filters: DashboardFilters, narrow: bool, order: str) -> list[Scorecard]:
    """Every RM's scorecard for the period, without its criteria and trend (four queries: profiles
    with their load, the job descriptions' criteria, the period's metrics, its evaluations)."""
    period = filters.period
    profiles = list(
        _profiles(user=user, filters=filters, narrow=narrow).values_list(
            "user_id",
            "user__first_name",
            "user__last_name",
            "user__username",
            "job_description_id",
            "job_description__title",
            "job_description__version",
            "capacity",
            "load",
        )
    )
    ids = [row[0] for row in profiles]
    criteria = _job_criteria({row[4] for row in profiles if row[4]})
    metrics: dict[int, dict[str, MetricFigures]] = defaultdict(dict)
    evaluations: dict[int, _Evaluation] = {}
    if ids:
        for rm_id, *values in (
            RMPeriodMetric.objects.filter(
                period_kind=period.kind, period_start=period.start, relationship_manager_id__in=ids
            )
            .order_by()
            .values_list("relationship_manager_id", "metric", "value", "numerator", "denominator", "score", "accounts")
        ):
            metrics[rm_id][values[0]] = MetricFigures(*values)
        for pk, rm_id, total, status in (
            Evaluation.objects.visible_to(user)
            .filter(period_kind=period.kind, period_start=period.start, relationship_manager_id__in=ids)
            .order_by()
            .values_list("pk", "relationship_manager_id", "total", "status")
        ):
            evaluations[rm_id] = _Evaluation(pk, total, status)
    cards = []
    for user_id, first_name, last_name, username, job_id, job_title, job_version, capacity, load in profiles:
        job_criteria = criteria.get(job_id, []) if job_id else []
        current = metrics[user_id]
        evaluation = evaluations.get(user_id)
        score, basis = _score_of(evaluation, job_criteria, {m: row.score for m, row in current.items()})
        cards.append(
            Scorecard(
                user_id=user_id,
                username=username,
                name=_person_name(first_name, last_name, username),
                job_title=job_title or "",
                job_version=job_version,
                capacity=capacity,
                load=load,
                score=score,
                basis=basis,
                evaluation_id=evaluation.pk if evaluation else None,
                evaluation_status=evaluation.status if evaluation else "",
                metrics=current,
                job_criteria=job_criteria,
            )
        )
    if order == "-score":
        # A stable sort: equal scores stay in name order.
        cards.sort(key=lambda card: (card.score is None, -(card.score or ZERO)))
    return cards


def scorecard_list(*, user: Any, filters: DashboardFilters, order: str = "-score") -> list[Scorecard]:
    """One scorecard per RM the user sees (GMs and admins: every RM with a profile; an RM:
    themselves; anyone else: none), in one of SCORECARD_ORDERS, with the period's weighted score,
    metrics and the load; `scorecard_details` adds the criteria and the trend to the ones shown.
    Segment, industry and city keep the RMs who managed a matching key account in the period.
    Four queries: profiles (user, job description, load), criteria, the RMs' metrics of the
    period, their evaluations of the period."""
    return _ranked(user=user, filters=filters, narrow=True, order=order)


def scorecard_details(*, user: Any, cards: list[Scorecard], filters: DashboardFilters) -> list[Scorecard]:
    """Fills in the cards' trend over the last TREND_PERIODS periods and their criteria (an
    evaluation's criterion scores, else the job description's); returns the cards. Three queries
    whatever the number of cards: the earlier periods' metrics and evaluations, the criterion
    scores of the period's evaluations (left out when no card has one)."""
    periods = filters.period.recent(TREND_PERIODS)
    earlier = [period.start for period in periods[:-1]]
    ids = [card.user_id for card in cards]
    scores: dict[tuple[int, dt.date], dict[str, int | None]] = defaultdict(dict)
    evaluations: dict[tuple[int, dt.date], _Evaluation] = {}
    if ids:
        for rm_id, start, metric, score in (
            RMPeriodMetric.objects.filter(
                period_kind=filters.period.kind, period_start__in=earlier, relationship_manager_id__in=ids
            )
            .order_by()
            .values_list("relationship_manager_id", "period_start", "metric", "score")
        ):
            scores[(rm_id, start)][metric] = score
        for pk, rm_id, start, total, status in (
            Evaluation.objects.visible_to(user)
            .filter(period_kind=filters.period.kind, period_start__in=earlier, relationship_manager_id__in=ids)
            .order_by()
            .values_list("pk", "relationship_manager_id", "period_start", "total", "status")
        ):
            evaluations[(rm_id, start)] = _Evaluation(pk, total, status)
    evaluated = {card.evaluation_id: card for card in cards if card.evaluation_id is not None}
    rows: dict[int, list[CriterionScore]] = defaultdict(list)
    if evaluated:
        for evaluation_id, name, weight, kind, metric, score, measured_score, value in (
            EvaluationScore.objects.filter(evaluation_id__in=list(evaluated))
            .order_by("evaluation_id", "position", "id")
            .values_list(
                "evaluation_id", "name", "weight", "kind", "metric", "score", "measured_score", "measured_value"
            )
        ):
            if score is not None:
                shown, source = score, "evaluation"
            elif measured_score is not None:
                shown, source = measured_score, "measured"
            else:
                shown, source = None, ""
            rows[evaluation_id].append(CriterionScore(name, weight, kind, metric, shown, source, value))
    for card in cards:
        card.trend = []
        for period in periods[:-1]:
            key = (card.user_id, period.start)
            card.trend.append(PeriodScore(period, *_score_of(evaluations.get(key), card.job_criteria, scores[key])))
        card.trend.append(PeriodScore(periods[-1], card.score, card.basis))
        if card.evaluation_id is not None:
            card.criteria = rows[card.evaluation_id]
        else:
            card.criteria = _from_job_description(card.job_criteria, card.metrics)
    return cards


def scorecard_get(*, user: Any, rm_id: int, filters: DashboardFilters) -> Scorecard:
    """One RM's scorecard with its details (an RM only their own; seven queries); raises
    RelationshipManagerProfile.DoesNotExist."""
    unfiltered = DashboardFilters(period=filters.period, relationship_manager=rm_id)
    cards = _ranked(user=user, filters=unfiltered, narrow=False, order="name")
    if not cards:
        raise RelationshipManagerProfile.DoesNotExist
    return scorecard_details(user=user, cards=cards, filters=unfiltered)[0]


def scorecard_accounts(*, user: Any, rm_id: int, filters: DashboardFilters) -> QuerySet[KeyAccountPeriod]:
    """The key accounts an RM managed at the end of the period, with their figures (one query a page)."""
    narrowed = DashboardFilters(
        period=filters.period,
        relationship_manager=rm_id,
        segment=filters.segment,
        industry=filters.industry,
        city=filters.city,
    )
    return (
        _with_return(_key_account_rows(narrowed, user=user))
        .select_related("customer", "key_account")
        .order_by("customer__name", "pk")
    )
