"""Reads of the GM's dashboards (scorecards, programme health, profitability): stored period tables only.

Every reader here reads the tables `services.period_compute` writes (`KeyAccountPeriod`,
`RMPeriodMetric`, `SegmentPeriod`, `SegmentMovement`, `PeriodComputation`) plus small current
lookups (RM profiles and their job descriptions, evaluations, the latest plan versions), never
purchases or interactions, and in a fixed number of queries whatever the number of rows.

Definitions (README "Dashboards"):

- relationship cost = plan resources used in the period + contact effort (contacts x cost per channel);
- gain = margin - margin a year before when both are known, else revenue - revenue a year before;
- return on relationship cost = gain / relationship cost (none when the cost is 0);
  above 1 the relationship pays for itself;
- measured-only weighted score = sum(weight x measured score) / sum(weight of measured criteria with a score).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from accounts.models import SEES_ALL, Customer
from crm_project.roles import Role, role_of
from insights.segments import SEGMENT_ORDER

from ..models import (
    Evaluation,
    EvaluationCriterion,
    KeyAccount,
    KeyAccountPeriod,
    PeriodComputation,
    RelationshipManagerProfile,
    RelationshipPlan,
    RMPeriodMetric,
    SegmentMovement,
    SegmentPeriod,
)
from ..periods import Period, PeriodKind, latest_closed
from ..services.figures import movement

__all__ = [
    "DASHBOARD_PAGE_SIZE",
    "NO_SEGMENT",
    "PROFITABILITY_ORDERS",
    "SCORE_BASES",
    "TREND_PERIODS",
    "BeforeAfter",
    "CriterionScore",
    "DashboardFilters",
    "Figures",
    "FilterChoices",
    "MoveCounts",
    "PeriodScore",
    "Profitability",
    "ProgrammeHealth",
    "RMProgramme",
    "Scorecard",
    "SegmentFigures",
    "Transition",
    "dashboard_default_period",
    "dashboard_filter_choices",
    "dashboard_period_options",
    "key_account_gain",
    "measured_weighted_score",
    "period_computation_get",
    "period_computation_list",
    "periods_not_computed",
    "profitability",
    "profitability_key_accounts",
    "programme_health",
    "return_on_cost",
    "scorecard_accounts",
    "scorecard_get",
    "scorecard_list",
    "share_of_wallet_trends",
]

DASHBOARD_PAGE_SIZE = 50  # per-key-account tables: 1,000 key accounts are 20 pages
TREND_PERIODS = 6
NO_SEGMENT = "none"  # the segment filter's value for "no segment" (no purchases, or not known)
QUARTERS_OFFERED = 8
YEARS_OFFERED = 3
TWO_PLACES = Decimal("0.01")
ZERO = Decimal("0")

# How a weighted score was obtained: an evaluation's total (final or draft) or measured criteria only.
SCORE_BASES = ("final", "draft", "measured")


# -- periods and filters ----------------------------------------------------------------------------


def dashboard_default_period(today: dt.date | None = None) -> Period:
    """The latest closed quarter: what a GM looks at on Monday."""
    return latest_closed(PeriodKind.QUARTER, today or timezone.localdate())


def dashboard_period_options(today: dt.date | None = None) -> list[Period]:
    """The last 8 quarters and the last 3 years, newest first (the running ones included)."""
    today = today or timezone.localdate()
    quarters = Period.of(PeriodKind.QUARTER, today).recent(QUARTERS_OFFERED)
    years = Period.of(PeriodKind.YEAR, today).recent(YEARS_OFFERED)
    return quarters[::-1] + years[::-1]


@dataclass(frozen=True)
class DashboardFilters:
    period: Period
    relationship_manager: int | None = None  # a user id
    segment: str = ""  # a segment key, NO_SEGMENT, or "" for every segment
    industry: str = ""
    city: str = ""

    @property
    def keys(self) -> dict[str, Any]:
        return {"period_kind": self.period.kind, "period_start": self.period.start}

    @property
    def narrows_accounts(self) -> bool:
        """Whether segment, industry or city narrow the key accounts (scorecards list the RMs
        who managed such accounts; their scores stay those of all their accounts)."""
        return bool(self.segment or self.industry or self.city)

    def query(self) -> dict[str, str]:
        """The filters as query parameters (links, CSV exports)."""
        query = {"period": self.period.key}
        if self.relationship_manager:
            query["relationship_manager"] = str(self.relationship_manager)
        for name in ("segment", "industry", "city"):
            if getattr(self, name):
                query[name] = getattr(self, name)
        return query


@dataclass
class FilterChoices:
    relationship_managers: list[tuple[int, str]]
    industries: list[str]
    cities: list[str]


def _sees_all(user: Any) -> bool:
    return role_of(user) in SEES_ALL


def _person(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def dashboard_filter_choices(*, user: Any, period: Period) -> FilterChoices:
    """The RMs the user may filter by (GMs and admins: every RM with a profile; an RM: themselves),
    and the industries and cities found in the period's stored rows (an RM: of their key accounts).
    Two queries."""
    if _sees_all(user):
        profiles = RelationshipManagerProfile.objects.select_related("user").order_by(
            "user__first_name", "user__last_name", "user__username"
        )
        managers = [(profile.user_id, _person(profile.user)) for profile in profiles]
        pairs = (
            SegmentPeriod.objects.filter(period_kind=period.kind, period_start=period.start)
            .order_by()
            .values_list("industry", "city")
            .distinct()
        )
    else:
        managers = [(user.pk, _person(user))] if role_of(user) is Role.RELATIONSHIP_MANAGER else []
        pairs = (
            KeyAccountPeriod.objects.filter(
                period_kind=period.kind, period_start=period.start, relationship_manager=user
            )
            .order_by()
            .values_list("customer__industry", "customer__city")
            .distinct()
        )
    pairs = list(pairs)
    industries = sorted({industry for industry, _city in pairs if industry}, key=str.casefold)
    cities = sorted({city for _industry, city in pairs if city}, key=str.casefold)
    return FilterChoices(relationship_managers=managers, industries=industries, cities=cities)


def period_computation_get(period: Period) -> PeriodComputation | None:
    return (
        PeriodComputation.objects.select_related("requested_by")
        .filter(period_kind=period.kind, period_start=period.start)
        .first()
    )


def period_computation_list() -> QuerySet[PeriodComputation]:
    return PeriodComputation.objects.select_related("requested_by").order_by("-period_start", "period_kind", "pk")


def periods_not_computed(*, today: dt.date | None = None) -> list[Period]:
    """The periods offered on the dashboards that have started but were never computed (one query)."""
    today = today or timezone.localdate()
    offered = [period for period in dashboard_period_options(today) if period.start <= today]
    done = set(
        PeriodComputation.objects.filter(period_start__gte=min(p.start for p in offered)).values_list(
            "period_kind", "period_start"
        )
    )
    return [period for period in offered if (period.kind, period.start) not in done]


def _key_account_rows(filters: DashboardFilters, *, user: Any = None) -> QuerySet[KeyAccountPeriod]:
    """The period's key-account rows narrowed by the filters (and, for anyone but GMs and admins,
    to the customers they see)."""
    rows = KeyAccountPeriod.objects.filter(**filters.keys)
    if user is not None and not _sees_all(user):
        rows = rows.filter(customer__in=Customer.objects.visible_to(user))
    if filters.relationship_manager:
        rows = rows.filter(relationship_manager_id=filters.relationship_manager)
    if filters.segment == NO_SEGMENT:
        rows = rows.filter(segment_end="")
    elif filters.segment:
        rows = rows.filter(segment_end=filters.segment)
    if filters.industry:
        rows = rows.filter(customer__industry=filters.industry)
    if filters.city:
        rows = rows.filter(customer__city=filters.city)
    return rows


# -- RM scorecards ------------------------------------------------------------------------------------


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
        return self.kind == EvaluationCriterion.Kind.MEASURED


@dataclass
class PeriodScore:
    period: Period
    score: Decimal | None
    basis: str  # one of SCORE_BASES, or "" when there is no score


@dataclass
class Scorecard:
    user: Any
    profile: RelationshipManagerProfile
    load: int
    criteria: list[CriterionScore]
    score: Decimal | None
    basis: str
    evaluation: Evaluation | None
    trend: list[PeriodScore]
    metrics: dict[str, RMPeriodMetric] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return _person(self.user)

    @property
    def capacity(self) -> int:
        return self.profile.capacity

    @property
    def is_full(self) -> bool:
        return self.load >= self.capacity

    @property
    def accounts(self) -> int:
        """Key accounts counted in the period's measured metrics."""
        return max((metric.accounts for metric in self.metrics.values()), default=0)

    @property
    def measured_criteria(self) -> int:
        return sum(1 for criterion in self.criteria if criterion.is_measured and criterion.score is not None)


def measured_weighted_score(criteria: Iterable[tuple[Decimal, int | None]]) -> Decimal | None:
    """sum(weight x score) / sum(weight) over the (weight, measured score) pairs that have a score."""
    scored = [(Decimal(weight), score) for weight, score in criteria if score is not None]
    total_weight = sum((weight for weight, _score in scored), ZERO)
    if not total_weight:
        return None
    weighted = sum((weight * score for weight, score in scored), ZERO)
    return (weighted / total_weight).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _from_job_description(
    criteria: list[EvaluationCriterion], metrics: dict[str, RMPeriodMetric]
) -> list[CriterionScore]:
    result = []
    for criterion in criteria:
        metric = metrics.get(criterion.metric) if criterion.kind == EvaluationCriterion.Kind.MEASURED else None
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


def _from_evaluation(evaluation: Evaluation) -> list[CriterionScore]:
    result = []
    for row in evaluation.scores.all():
        if row.score is not None:
            score, source = row.score, "evaluation"
        elif row.measured_score is not None:
            score, source = row.measured_score, "measured"
        else:
            score, source = None, ""
        result.append(
            CriterionScore(
                name=row.name,
                weight=row.weight,
                kind=row.kind,
                metric=row.metric,
                score=score,
                source=source,
                value=row.measured_value,
            )
        )
    return result


def _score_of(
    evaluation: Evaluation | None, criteria: list[EvaluationCriterion], metrics: dict[str, RMPeriodMetric]
) -> tuple[Decimal | None, str]:
    if evaluation is not None and evaluation.total is not None:
        return evaluation.total, "final" if evaluation.is_final else "draft"
    measured = measured_weighted_score(
        (c.weight, metrics[c.metric].score if c.metric in metrics else None)
        for c in criteria
        if c.kind == EvaluationCriterion.Kind.MEASURED
    )
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
    criteria = EvaluationCriterion.objects.order_by("position", "id")
    profiles = (
        RelationshipManagerProfile.objects.select_related("user", "job_description")
        .prefetch_related(Prefetch("job_description__criteria", queryset=criteria))
        .annotate(load=_load())
        .order_by("user__first_name", "user__last_name", "user__username", "pk")
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


def _scorecards(*, user: Any, profiles: list[RelationshipManagerProfile], filters: DashboardFilters) -> list[Scorecard]:
    periods = filters.period.recent(TREND_PERIODS)
    starts = [period.start for period in periods]
    ids = [profile.user_id for profile in profiles]
    metrics: dict[tuple[int, dt.date], dict[str, RMPeriodMetric]] = defaultdict(dict)
    for metric in RMPeriodMetric.objects.filter(
        period_kind=filters.period.kind, period_start__in=starts, relationship_manager_id__in=ids
    ):
        metrics[(metric.relationship_manager_id, metric.period_start)][metric.metric] = metric
    evaluations = {
        (evaluation.relationship_manager_id, evaluation.period_start): evaluation
        for evaluation in Evaluation.objects.visible_to(user)
        .filter(period_kind=filters.period.kind, period_start__in=starts, relationship_manager_id__in=ids)
        .prefetch_related("scores")
    }
    cards = []
    for profile in profiles:
        criteria = list(profile.job_description.criteria.all()) if profile.job_description else []
        trend = []
        for period in periods:
            score, basis = _score_of(
                evaluations.get((profile.user_id, period.start)), criteria, metrics[(profile.user_id, period.start)]
            )
            trend.append(PeriodScore(period=period, score=score, basis=basis))
        evaluation = evaluations.get((profile.user_id, filters.period.start))
        current = metrics[(profile.user_id, filters.period.start)]
        shown = _from_evaluation(evaluation) if evaluation is not None else _from_job_description(criteria, current)
        cards.append(
            Scorecard(
                user=profile.user,
                profile=profile,
                load=profile.load,
                criteria=shown,
                score=trend[-1].score,
                basis=trend[-1].basis,
                evaluation=evaluation,
                trend=trend,
                metrics=current,
            )
        )
    return cards


def scorecard_list(*, user: Any, filters: DashboardFilters) -> list[Scorecard]:
    """One scorecard per RM the user sees (GMs and admins: every RM with a profile; an RM:
    themselves; anyone else: none). Segment, industry and city keep the RMs who managed a
    matching key account in the period. Queries: profiles (user, job description, load),
    criteria, the RMs' metrics of the last TREND_PERIODS periods, evaluations, their scores."""
    profiles = list(_profiles(user=user, filters=filters, narrow=True))
    return _scorecards(user=user, profiles=profiles, filters=filters)


def scorecard_get(*, user: Any, rm_id: int, filters: DashboardFilters) -> Scorecard:
    """One RM's scorecard (an RM only their own); raises RelationshipManagerProfile.DoesNotExist."""
    unfiltered = DashboardFilters(period=filters.period, relationship_manager=rm_id)
    profiles = list(_profiles(user=user, filters=unfiltered, narrow=False))
    if not profiles:
        raise RelationshipManagerProfile.DoesNotExist
    return _scorecards(user=user, profiles=profiles, filters=unfiltered)[0]


def key_account_gain(row: Any) -> tuple[Decimal, str]:
    """(gain, basis): the margin's change when both margins are known, else the revenue's."""
    if row.margin is not None and row.margin_prev is not None:
        return row.margin - row.margin_prev, "margin"
    return row.revenue - row.revenue_prev, "revenue"


def return_on_cost(gain: Decimal, cost: Decimal) -> Decimal | None:
    if not cost:
        return None
    return (gain / cost).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _money(**kwargs: Any) -> dict[str, Any]:
    return {"output_field": DecimalField(max_digits=20, decimal_places=2), **kwargs}


def _with_return(rows: QuerySet[KeyAccountPeriod]) -> QuerySet[KeyAccountPeriod]:
    """Relationship cost, gain and return as annotations so that a page can sort by them; the
    return is a float for sorting only (SQLite divides integers as integers), the page shows the
    exact figures of `key_account_gain`/`return_on_cost`."""
    cost = ExpressionWrapper(F("plan_spent") + F("contact_cost"), **_money())
    gain = Case(
        When(Q(margin__isnull=False) & Q(margin_prev__isnull=False), then=F("margin") - F("margin_prev")),
        default=F("revenue") - F("revenue_prev"),
        **_money(),
    )
    return rows.annotate(cost_sort=cost, gain_sort=gain).annotate(
        return_sort=Case(
            When(cost_sort__gt=0, then=Cast("gain_sort", FloatField()) / Cast("cost_sort", FloatField())),
            default=Value(None),
            output_field=FloatField(),
        )
    )


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


# -- programme health ------------------------------------------------------------------------------


@dataclass
class Transition:
    start: str
    end: str
    key_accounts: int

    @property
    def move(self) -> int:
        return movement(self.start, self.end)


@dataclass
class RMProgramme:
    """One RM's key accounts in the period (or everyone's, for the total)."""

    user_id: int | None
    name: str
    key_accounts: int = 0
    # Cadence intervals (the window cut into whole cadence gaps) that held a contact, of all of them:
    # the measured criterion's numerator and denominator.
    cadence_met: int = 0
    cadence_due: int = 0
    actions_due: int = 0
    actions_done: int = 0
    actions_overdue: int = 0
    plan_budget: Decimal = ZERO
    plan_spent: Decimal = ZERO

    @property
    def adherence(self) -> Decimal | None:
        if not self.cadence_due:
            return None
        return Decimal(self.cadence_met) / Decimal(self.cadence_due)

    @property
    def budget_used(self) -> Decimal | None:
        if not self.plan_budget:
            return None
        return self.plan_spent / self.plan_budget

    def add(self, other: RMProgramme) -> None:
        for name in (
            "key_accounts",
            "cadence_met",
            "cadence_due",
            "actions_due",
            "actions_done",
            "actions_overdue",
            "plan_budget",
            "plan_spent",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ProgrammeHealth:
    transitions: list[Transition]
    rms: list[RMProgramme]
    total: RMProgramme
    plans: dict[str, dict[str, int]]  # kind -> status -> latest plan versions

    @property
    def key_accounts(self) -> int:
        return self.total.key_accounts

    @property
    def by_segment(self) -> list[tuple[str, int]]:
        """Key accounts per segment at the period's end, best first; "" (no segment) last."""
        counts: dict[str, int] = defaultdict(int)
        for transition in self.transitions:
            counts[transition.end] += transition.key_accounts
        return [(key, counts[key]) for key in [*SEGMENT_ORDER, ""] if counts.get(key)]

    def _moved(self, direction: int) -> int:
        return sum(t.key_accounts for t in self.transitions if t.start and t.end and t.move == direction)

    @property
    def improved(self) -> int:
        return self._moved(1)

    @property
    def same(self) -> int:
        return self._moved(0)

    @property
    def worsened(self) -> int:
        return self._moved(-1)

    @property
    def unknown(self) -> int:
        """Key accounts without a segment at the start or the end (new, or no purchases)."""
        return sum(t.key_accounts for t in self.transitions if not (t.start and t.end))

    @property
    def matrix(self) -> tuple[list[str], list[tuple[str, list[tuple[str, int, int]]]]]:
        """The transition table: the end segments (columns), and per start segment (rows) the
        (end segment, key accounts, movement) cells, in segment order with "" (no segment) last."""
        order = [*SEGMENT_ORDER, ""]
        counts = {(t.start, t.end): t.key_accounts for t in self.transitions}
        starts = [key for key in order if any(t.start == key for t in self.transitions)]
        ends = [key for key in order if any(t.end == key for t in self.transitions)]
        rows = [(start, [(end, counts.get((start, end), 0), movement(start, end)) for end in ends]) for start in starts]
        return ends, rows


def programme_health(*, user: Any, filters: DashboardFilters) -> ProgrammeHealth:
    """Key accounts by segment and their movement, cadence adherence (cadence intervals with a
    contact / intervals, as the measured criterion), actions and budget per RM (two aggregates
    over the period's key-account rows) and the latest plan versions by status."""
    rows = _key_account_rows(filters, user=user)
    transitions = [
        Transition(start=row["segment_start"], end=row["segment_end"], key_accounts=row["n"])
        for row in rows.order_by()
        .values("segment_start", "segment_end")
        .annotate(n=Count("pk"))
        .order_by("segment_start", "segment_end")
    ]
    per_rm = (
        rows.order_by()
        .values(
            "relationship_manager",
            "relationship_manager__first_name",
            "relationship_manager__last_name",
            "relationship_manager__username",
        )
        .annotate(
            n=Count("pk"),
            made=Coalesce(Sum("cadence_met"), 0),
            expected=Coalesce(Sum("expected_contacts"), 0),
            due=Coalesce(Sum("actions_due"), 0),
            done=Coalesce(Sum("actions_done"), 0),
            overdue=Coalesce(Sum("actions_overdue"), 0),
            budget=Coalesce(Sum("plan_budget"), ZERO, **_money()),
            spent=Coalesce(Sum("plan_spent"), ZERO, **_money()),
        )
    )
    rms = []
    total = RMProgramme(user_id=None, name="")
    for row in per_rm:
        full_name = f"{row['relationship_manager__first_name'] or ''} {row['relationship_manager__last_name'] or ''}"
        one = RMProgramme(
            user_id=row["relationship_manager"],
            name=full_name.strip() or row["relationship_manager__username"] or "",
            key_accounts=row["n"],
            cadence_met=row["made"],
            cadence_due=row["expected"],
            actions_due=row["due"],
            actions_done=row["done"],
            actions_overdue=row["overdue"],
            plan_budget=Decimal(row["budget"]),
            plan_spent=Decimal(row["spent"]),
        )
        rms.append(one)
        total.add(one)
    # RMs by name; the key accounts without an RM at the period's end last.
    rms.sort(key=lambda one: (one.user_id is None, one.name.casefold()))
    return ProgrammeHealth(transitions=transitions, rms=rms, total=total, plans=_plans_by_status(user, filters))


def _plans_by_status(user: Any, filters: DashboardFilters) -> dict[str, dict[str, int]]:
    """The latest versions of the plans of active key accounts that cover the period's year."""
    year = filters.period.start.year
    plans = RelationshipPlan.objects.visible_to(user).filter(
        is_latest=True, key_account__retired_at__isnull=True, start_year__lte=year, end_year__gte=year
    )
    if filters.relationship_manager:
        plans = plans.filter(key_account__relationship_manager_id=filters.relationship_manager)
    if filters.segment:
        in_segment = _key_account_rows(DashboardFilters(period=filters.period, segment=filters.segment))
        plans = plans.filter(key_account__in=in_segment.values("key_account"))
    if filters.industry:
        plans = plans.filter(customer__industry=filters.industry)
    if filters.city:
        plans = plans.filter(customer__city=filters.city)
    counts: dict[str, dict[str, int]] = {kind: {} for kind in RelationshipPlan.Kind.values}
    for row in plans.order_by().values("kind", "status").annotate(n=Count("pk")):
        counts[row["kind"]][row["status"]] = row["n"]
    return counts


# -- profitability -----------------------------------------------------------------------------------


@dataclass
class Figures:
    """Customers' revenue, margin and relationship cost in a period, and what the cost returned."""

    customers: int = 0
    revenue: Decimal = ZERO
    revenue_prev: Decimal = ZERO
    margin: Decimal | None = None
    margin_prev: Decimal | None = None
    plan_spent: Decimal = ZERO
    contact_cost: Decimal = ZERO
    contacts: int = 0

    @property
    def growth(self) -> Decimal | None:
        if not self.revenue_prev:
            return None
        return (self.revenue - self.revenue_prev) / self.revenue_prev

    @property
    def relationship_cost(self) -> Decimal:
        return self.plan_spent + self.contact_cost

    @property
    def gain(self) -> Decimal:
        return key_account_gain(self)[0]

    @property
    def gain_basis(self) -> str:
        return key_account_gain(self)[1]

    @property
    def return_on_cost(self) -> Decimal | None:
        return return_on_cost(self.gain, self.relationship_cost)

    @property
    def pays_off(self) -> bool:
        value = self.return_on_cost
        return value is not None and value > 1

    def add(self, other: Figures) -> None:
        self.customers += other.customers
        self.revenue += other.revenue
        self.revenue_prev += other.revenue_prev
        self.plan_spent += other.plan_spent
        self.contact_cost += other.contact_cost
        self.contacts += other.contacts
        for name in ("margin", "margin_prev"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if theirs is not None:
                setattr(self, name, theirs if mine is None else mine + theirs)


@dataclass
class SegmentFigures:
    segment: str  # "" = no purchases yet
    key: Figures
    regular: Figures

    @property
    def rows(self) -> list[tuple[str, Figures]]:
        """The groups with customers in this segment (key accounts first)."""
        groups = (("key", self.key), ("regular", self.regular))
        return [(name, figures) for name, figures in groups if figures.customers]


@dataclass
class MoveCounts:
    customers: int = 0
    improved: int = 0
    same: int = 0
    worsened: int = 0

    def share(self, count: int) -> Decimal | None:
        return Decimal(count) / Decimal(self.customers) if self.customers else None

    @property
    def improved_share(self) -> Decimal | None:
        return self.share(self.improved)

    @property
    def same_share(self) -> Decimal | None:
        return self.share(self.same)

    @property
    def worsened_share(self) -> Decimal | None:
        return self.share(self.worsened)

    def add(self, before: str, after: str, customers: int) -> None:
        self.customers += customers
        direction = movement(before, after)
        if direction > 0:
            self.improved += customers
        elif direction < 0:
            self.worsened += customers
        else:
            self.same += customers


@dataclass
class BeforeAfter:
    segment_before: str
    key: MoveCounts
    similar: MoveCounts

    @property
    def rows(self) -> list[tuple[str, MoveCounts]]:
        return [("key", self.key), ("similar", self.similar)]


@dataclass
class Profitability:
    key: Figures
    regular: Figures
    segments: list[SegmentFigures]
    before_after: list[BeforeAfter]

    @property
    def has_figures(self) -> bool:
        return bool(self.key.customers or self.regular.customers)

    @property
    def totals(self) -> list[tuple[str, Figures]]:
        return [("key", self.key), ("regular", self.regular)]

    @property
    def paying(self) -> list[SegmentFigures]:
        """Segments whose key accounts return more than their relationship cost, best first."""
        found = [s for s in self.segments if s.key.customers and s.key.pays_off]
        return sorted(found, key=lambda s: s.key.return_on_cost, reverse=True)

    @property
    def not_paying(self) -> list[SegmentFigures]:
        """Segments whose key accounts had a cost that the gain did not cover, worst first."""
        found = [s for s in self.segments if s.key.return_on_cost is not None and not s.key.pays_off]
        return sorted(found, key=lambda s: s.key.return_on_cost)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def profitability(*, filters: DashboardFilters) -> Profitability:
    """Key accounts against regular customers, per segment at the period's end, and the
    before/after segment movement (two aggregates). The RM filter narrows the key accounts only:
    regular customers stay what they are compared with."""
    rows = SegmentPeriod.objects.filter(**filters.keys)
    if filters.relationship_manager:
        rows = rows.filter(Q(is_key=False) | Q(relationship_manager_id=filters.relationship_manager))
    if filters.segment:
        rows = rows.filter(segment="" if filters.segment == NO_SEGMENT else filters.segment)
    if filters.industry:
        rows = rows.filter(industry=filters.industry)
    if filters.city:
        rows = rows.filter(city=filters.city)
    sums = (
        rows.order_by()
        .values("segment", "is_key")
        .annotate(
            n=Sum("customers"),
            rev=Sum("revenue"),
            rev_prev=Sum("revenue_prev"),
            mar=Sum("margin"),
            mar_prev=Sum("margin_prev"),
            spent=Sum("plan_spent"),
            effort=Sum("contact_cost"),
            touches=Sum("contacts"),
        )
    )
    by_segment: dict[str, SegmentFigures] = {}
    key, regular = Figures(), Figures()
    for row in sums:
        figures = Figures(
            customers=row["n"] or 0,
            revenue=_decimal(row["rev"]) or ZERO,
            revenue_prev=_decimal(row["rev_prev"]) or ZERO,
            margin=_decimal(row["mar"]),
            margin_prev=_decimal(row["mar_prev"]),
            plan_spent=_decimal(row["spent"]) or ZERO,
            contact_cost=_decimal(row["effort"]) or ZERO,
            contacts=row["touches"] or 0,
        )
        segment = by_segment.setdefault(row["segment"], SegmentFigures(row["segment"], Figures(), Figures()))
        if row["is_key"]:
            segment.key.add(figures)
            key.add(figures)
        else:
            segment.regular.add(figures)
            regular.add(figures)
    order = [*SEGMENT_ORDER, ""]
    segments = [by_segment[k] for k in order if k in by_segment]
    segments += [by_segment[k] for k in sorted(by_segment) if k not in order]
    return Profitability(key=key, regular=regular, segments=segments, before_after=_before_after(filters))


def _before_after(filters: DashboardFilters) -> list[BeforeAfter]:
    """Per segment before nomination: how the key accounts moved, and how similar customers (the
    same segment at the same month end, never key accounts) moved over the same months. Similar
    customers count only in the (month, segment) cohorts of the key accounts shown, so that with
    an RM they are that RM's cohorts."""
    rows = SegmentMovement.objects.filter(**filters.keys)
    if filters.segment == NO_SEGMENT:
        rows = rows.none()
    elif filters.segment:
        rows = rows.filter(segment_before=filters.segment)
    if filters.industry:
        rows = rows.filter(industry=filters.industry)
    if filters.city:
        rows = rows.filter(city=filters.city)
    key_rows = rows.filter(is_key=True)
    if filters.relationship_manager:
        key_rows = key_rows.filter(relationship_manager_id=filters.relationship_manager)
    cohort = key_rows.filter(cohort_month=OuterRef("cohort_month"), segment_before=OuterRef("segment_before"))
    rows = rows.filter(Q(pk__in=key_rows.values("pk")) | (Q(is_key=False) & Exists(cohort)))
    groups: dict[str, BeforeAfter] = {}
    for row in rows.order_by().values("is_key", "segment_before", "segment_after").annotate(n=Sum("customers")):
        before = row["segment_before"]
        group = groups.setdefault(before, BeforeAfter(before, MoveCounts(), MoveCounts()))
        (group.key if row["is_key"] else group.similar).add(before, row["segment_after"], row["n"])
    return [groups[k] for k in SEGMENT_ORDER if k in groups and groups[k].key.customers]


# Sorts of the per-key-account table: "-" is descending; key accounts without a cost (no return) last.
PROFITABILITY_ORDERS = {
    "-return": (F("return_sort").desc(nulls_last=True), "customer__name", "pk"),
    "return": (F("return_sort").asc(nulls_last=True), "customer__name", "pk"),
    "-revenue": (F("revenue").desc(), "customer__name", "pk"),
    "-cost": (F("cost_sort").desc(), "customer__name", "pk"),
    "name": ("customer__name", "pk"),
}


def profitability_key_accounts(
    *, user: Any, filters: DashboardFilters, order: str = "-return"
) -> QuerySet[KeyAccountPeriod]:
    """The period's key accounts with revenue, margin, relationship cost and return, sorted by
    one of PROFITABILITY_ORDERS (default: best return first)."""
    rows = _with_return(_key_account_rows(filters, user=user)).select_related("customer", "relationship_manager")
    return rows.order_by(*PROFITABILITY_ORDERS.get(order, PROFITABILITY_ORDERS["-return"]))


def share_of_wallet_trends(*, key_account_ids: Iterable[int], period: Period) -> dict[int, list[Decimal | None]]:
    """Each key account's share of wallet at the end of the last TREND_PERIODS periods, oldest first
    (one query)."""
    periods = period.recent(TREND_PERIODS)
    index = {p.start: i for i, p in enumerate(periods)}
    ids = list(key_account_ids)
    trends: dict[int, list[Decimal | None]] = {pk: [None] * len(periods) for pk in ids}
    for pk, start, share in KeyAccountPeriod.objects.filter(
        period_kind=period.kind, period_start__in=list(index), key_account_id__in=ids
    ).values_list("key_account_id", "period_start", "share_of_wallet_end"):
        trends[pk][index[start]] = share
    return trends
