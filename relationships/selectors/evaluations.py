"""Reads of the RM evaluations: the list, one evaluation with its criteria, the figures behind
its measured criteria, and the words and numbers the pages show for each metric.

Visibility is `Evaluation.objects.visible_to`: general managers and admins see every
evaluation, anyone else only their own final ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm_project.formatting import format_money
from crm_project.roles import Role, role_of

from ..models import (
    Evaluation,
    EvaluationScore,
    KeyAccount,
    KeyAccountPeriod,
    Metric,
    PeriodComputation,
)
from ..periods import Period, PeriodKind
from ..services.figures import METRIC_BANDS, movement

__all__ = [
    "BandRow",
    "EvaluationFigures",
    "ScoreRow",
    "api_evaluations",
    "evaluation_bands",
    "evaluation_figures",
    "evaluation_for",
    "evaluation_get",
    "evaluation_list",
    "evaluation_list_periods",
    "evaluation_period_choices",
    "evaluation_rm_choices",
    "evaluation_rows",
    "metric_value_text",
]

SCORE_ORDER = ("position", "id")


def _sees_all(user: Any) -> bool:
    return role_of(user) in (Role.GENERAL_MANAGER, Role.ADMIN)


# -- lists -------------------------------------------------------------------------------------


def evaluation_list(
    *,
    user: Any,
    period: Period | None = None,
    period_kind: str = "",
    relationship_manager: Any = None,
    status: str = "",
) -> QuerySet[Evaluation]:
    """The evaluations the user sees, newest period first, with the RM, job description and
    finaliser joined and how many criteria are scored (subqueries): one query per page."""
    scores = EvaluationScore.objects.filter(evaluation=OuterRef("pk")).order_by().values("evaluation")
    evaluations = (
        Evaluation.objects.visible_to(user)
        .select_related("relationship_manager", "job_description", "evaluator", "finalised_by")
        .annotate(
            criteria_count=Coalesce(
                Subquery(scores.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0
            ),
            scored_count=Coalesce(
                Subquery(
                    scores.filter(score__isnull=False).annotate(n=Count("pk")).values("n"), output_field=IntegerField()
                ),
                0,
            ),
        )
    )
    if period is not None:
        evaluations = evaluations.filter(period_kind=period.kind, period_start=period.start)
    if period_kind:
        evaluations = evaluations.filter(period_kind=period_kind)
    if relationship_manager is not None:
        evaluations = evaluations.filter(relationship_manager=relationship_manager)
    if status:
        evaluations = evaluations.filter(status=status)
    return evaluations.order_by("-period_start", "period_kind", "relationship_manager__first_name", "pk")


def evaluation_list_periods(*, user: Any) -> list[Period]:
    """The periods that have evaluations the user sees (the list's period filter)."""
    keys = (
        Evaluation.objects.visible_to(user)
        .order_by("-period_start", "period_kind")
        .values_list("period_kind", "period_start")
        .distinct()
    )
    return [Period(start, kind) for kind, start in keys]


def evaluation_rm_choices() -> QuerySet[Any]:
    """Active relationship managers with their profile and job description (the start form)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.RELATIONSHIP_MANAGER.value)
        .select_related("rm_profile__job_description")
        .order_by("first_name", "last_name", "username")
    )


def evaluation_period_choices(*, today: dt.date) -> list[tuple[str, list[Period]]]:
    """What a GM evaluates: the last eight quarters and three years (the running one last)."""
    quarter = Period.of(PeriodKind.QUARTER, today)
    year = Period.of(PeriodKind.YEAR, today)
    return [
        (PeriodKind.QUARTER.label, quarter.recent(9)[::-1]),
        (PeriodKind.YEAR.label, year.recent(4)[::-1]),
    ]


def evaluation_for(*, relationship_manager: Any, period: Period) -> Evaluation | None:
    return Evaluation.objects.filter(
        relationship_manager=relationship_manager, period_kind=period.kind, period_start=period.start
    ).first()


# -- one evaluation --------------------------------------------------------------------------


def evaluation_get(*, user: Any, pk: int) -> Evaluation:
    """One evaluation the user sees, its criteria prefetched; DoesNotExist otherwise."""
    return (
        Evaluation.objects.visible_to(user)
        .select_related("relationship_manager", "job_description", "evaluator", "finalised_by")
        .prefetch_related(Prefetch("scores", queryset=EvaluationScore.objects.order_by(*SCORE_ORDER)))
        .get(pk=pk)
    )


def api_evaluations(*, user: Any) -> QuerySet[Evaluation]:
    return (
        Evaluation.objects.visible_to(user)
        .select_related("relationship_manager", "job_description", "evaluator", "finalised_by")
        .prefetch_related(Prefetch("scores", queryset=EvaluationScore.objects.order_by(*SCORE_ORDER)))
        .order_by("-period_start", "period_kind", "relationship_manager__first_name", "pk")
    )


@dataclass
class ScoreRow:
    """A criterion as the pages show it: the measured value in words and the numbers behind it."""

    score: EvaluationScore
    value_text: str
    numbers_text: str
    missing_text: str
    contribution: Decimal | None

    @property
    def needs_hand_score(self) -> bool:
        return self.score.is_measured and self.score.measured_score is None


def evaluation_rows(evaluation: Evaluation) -> list[ScoreRow]:
    scores = list(evaluation.scores.all())
    weights = sum((score.weight for score in scores), Decimal("0"))
    rows = []
    for score in scores:
        contribution = None
        if score.score is not None and weights:
            contribution = (score.weight * score.score / weights).quantize(Decimal("0.01"))
        value_text = numbers_text = missing_text = ""
        if score.is_measured:
            value_text = metric_value_text(score.metric, score.measured_value)
            numbers_text = metric_numbers_text(score.metric, score.measured_numerator, score.measured_denominator)
            if score.measured_value is None:
                missing_text = metric_missing_text(score.metric, has_row=score.measured_numerator is not None)
        rows.append(ScoreRow(score, value_text, numbers_text, missing_text, contribution))
    return rows


@dataclass
class EvaluationFigures:
    """The RM's key-account figures for the period, as stored now, and when they were computed."""

    rows: list[KeyAccountPeriod]
    computation: PeriodComputation | None
    read_at: dt.datetime | None

    @property
    def recomputed_since(self) -> bool:
        """The figures were computed again after the evaluation read them: they may differ now."""
        return self.computation is not None and self.computation.finished_at != self.read_at


def evaluation_figures(evaluation: Evaluation, *, user: Any) -> EvaluationFigures:
    """The data behind the measured criteria: every key account the RM managed at the end of the
    period's window, with a link where the user may open the key account (one query more for
    someone who does not see every key account)."""
    rows = list(
        KeyAccountPeriod.objects.filter(
            period_kind=evaluation.period_kind,
            period_start=evaluation.period_start,
            relationship_manager=evaluation.relationship_manager_id,
        )
        .select_related("customer")
        .order_by("customer__name", "pk")
    )
    if _sees_all(user):
        visible = {row.key_account_id for row in rows}
    elif rows:
        visible = set(
            KeyAccount.objects.visible_to(user)
            .filter(pk__in=[row.key_account_id for row in rows])
            .values_list("pk", flat=True)
        )
    else:
        visible = set()
    for row in rows:
        row.linkable = row.key_account_id in visible
        # Rounded here: the template's percent filters cut further decimals off.
        growth = (row.revenue - row.revenue_prev) / row.revenue_prev if row.revenue_prev else None
        row.growth = None if growth is None else _rounded(growth, 3)
        row.sow_start = None if row.share_of_wallet_start is None else _rounded(row.share_of_wallet_start, 3)
        row.sow_end = None if row.share_of_wallet_end is None else _rounded(row.share_of_wallet_end, 3)
        row.movement = movement(row.segment_start, row.segment_end)
    computation = PeriodComputation.objects.filter(
        period_kind=evaluation.period_kind, period_start=evaluation.period_start
    ).first()
    return EvaluationFigures(rows=rows, computation=computation, read_at=evaluation.data_computed_at)


# -- metrics in words --------------------------------------------------------------------------


def _number(value: Decimal | int, places: int = 0) -> str:
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def _count(value: Decimal | None) -> int:
    return int(value or 0)


def _rounded(value: Decimal, places: int) -> Decimal:
    # number_format cuts decimals off; round half up first, as the totals are rounded.
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _percent(value: Decimal, *, signed: bool = False) -> str:
    points = _rounded(value * 100, 1)
    sign = "+" if signed and points > 0 else ""
    return f"{sign}{_number(points, 1)}%"


def metric_value_text(metric: str, value: Decimal | None) -> str:
    """A measured value as people read it: ratios as %, growth as signed %, the share-of-wallet
    change in signed percentage points, voice of the customer per account."""
    if value is None:
        return ""
    if metric in (Metric.CADENCE_ADHERENCE, Metric.ACTION_COMPLETION):
        return _percent(value)
    if metric in (Metric.REVENUE_GROWTH, Metric.SEGMENT_MOVEMENT):
        return _percent(value, signed=True)
    if metric == Metric.SHARE_OF_WALLET_CHANGE:
        points = _rounded(value * 100, 1)
        sign = "+" if points > 0 else ""
        return _("%(points)s pts") % {"points": f"{sign}{_number(points, 1)}"}
    if metric == Metric.VOICE_OF_CUSTOMER:
        return _("%(count)s per account") % {"count": _number(_rounded(value, 1), 1)}
    return _number(_rounded(value, 2), 2)


def metric_numbers_text(metric: str, numerator: Decimal | None, denominator: Decimal | None) -> str:
    """The numbers the value is made of (`_metric_parts` in services/figures.py)."""
    if numerator is None or denominator is None:
        return ""
    if metric == Metric.CADENCE_ADHERENCE:
        intervals = _count(denominator)
        return ngettext(
            "%(met)s of %(intervals)s cadence interval had a contact",
            "%(met)s of %(intervals)s cadence intervals had a contact",
            intervals,
        ) % {"met": _number(_count(numerator)), "intervals": _number(intervals)}
    if metric == Metric.ACTION_COMPLETION:
        due = _count(denominator)
        return ngettext(
            "%(done)s of %(due)s plan action due was done",
            "%(done)s of %(due)s plan actions due were done",
            due,
        ) % {"done": _number(_count(numerator)), "due": _number(due)}
    if metric == Metric.REVENUE_GROWTH:
        return _("%(revenue)s against %(before)s a year before") % {
            "revenue": format_money(numerator + denominator),
            "before": format_money(denominator),
        }
    if metric == Metric.SEGMENT_MOVEMENT:
        accounts = _count(denominator)
        net = _count(numerator)
        return ngettext(
            "net %(net)s of %(accounts)s account (segments improved minus worsened)",
            "net %(net)s of %(accounts)s accounts (segments improved minus worsened)",
            accounts,
        ) % {"net": f"+{net}" if net > 0 else str(net), "accounts": _number(accounts)}
    if metric == Metric.SHARE_OF_WALLET_CHANGE:
        accounts = _count(denominator)
        return ngettext(
            "average over %(accounts)s account with a share of wallet at both ends",
            "average over %(accounts)s accounts with a share of wallet at both ends",
            accounts,
        ) % {"accounts": _number(accounts)}
    if metric == Metric.VOICE_OF_CUSTOMER:
        accounts = _count(denominator)
        return ngettext(
            "%(entries)s entries from %(accounts)s key account",
            "%(entries)s entries from %(accounts)s key accounts",
            accounts,
        ) % {"entries": _number(_count(numerator)), "accounts": _number(accounts)}
    return ""


def metric_missing_text(metric: str, *, has_row: bool) -> str:
    """Why a measured criterion has no value: the GM scores it by hand, with a comment."""
    if not has_row:
        return _("The RM managed no key accounts in this period.")
    return {
        Metric.CADENCE_ADHERENCE: _("No whole cadence interval fell in this period."),
        Metric.ACTION_COMPLETION: _("No plan actions were due in this period."),
        Metric.REVENUE_GROWTH: _("No revenue a year before to compare with."),
        Metric.SEGMENT_MOVEMENT: _("No key account had a segment at both ends of the period."),
        Metric.SHARE_OF_WALLET_CHANGE: _("No key account had a share of wallet at both ends of the period."),
        Metric.VOICE_OF_CUSTOMER: _("The RM managed no key accounts in this period."),
    }.get(metric, _("No data for this period."))


@dataclass
class BandRow:
    """How one metric's value becomes a score: the lowest value of scores 5, 4, 3 and 2."""

    metric: str
    label: str
    thresholds: list[tuple[int, str]]
    below: str


def evaluation_bands(metrics: list[str]) -> list[BandRow]:
    rows = []
    for metric in dict.fromkeys(metrics):
        if metric not in METRIC_BANDS:
            continue
        limits = METRIC_BANDS[metric]
        rows.append(
            BandRow(
                metric=metric,
                label=str(Metric(metric).label),
                thresholds=[
                    (score, metric_value_text(metric, limit)) for score, limit in zip((5, 4, 3, 2), limits, strict=True)
                ],
                below=metric_value_text(metric, limits[-1]),
            )
        )
    return rows
