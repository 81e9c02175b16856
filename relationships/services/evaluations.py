"""Writes of the RM evaluations: start (measured criteria pre-filled from the period figures),
score, refresh the figures, finalise, delete a draft.

Only general managers and admins write evaluations (others: PermissionDenied). A final
evaluation is read-only for good: every write refuses it with `EvaluationFinal`.

Errors of one criterion row are keyed `score_<id>` and `comment_<id>` (the id of the
`EvaluationScore`), so that the edit form shows them at the row's fields and the API can
answer them per row; messages about the scores as a whole are keyed `scores`.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_project.roles import Role, role_of

from ..models import (
    Evaluation,
    EvaluationCriterion,
    EvaluationScore,
    PeriodComputation,
    RelationshipManagerProfile,
    RMPeriodMetric,
)
from ..periods import Period
from .figures import period_compute

__all__ = [
    "EvaluationFinal",
    "evaluation_delete",
    "evaluation_finalise",
    "evaluation_finalise_problems",
    "evaluation_refresh",
    "evaluation_save",
    "evaluation_start",
    "evaluation_total",
    "evaluation_unscored",
]

SCORES = range(1, 6)
TWO_PLACES = Decimal("0.01")


class EvaluationFinal(ValidationError):
    """A write to a final evaluation: the API answers it 409, the pages with a message."""

    def __init__(self) -> None:
        super().__init__(_("This evaluation is final: it can no longer be changed."), code="final")


def _require_gm(user: AbstractBaseUser) -> None:
    if role_of(user) not in (Role.GENERAL_MANAGER, Role.ADMIN):
        raise PermissionDenied("only general managers and admins write evaluations")


def _locked_draft(evaluation: Evaluation) -> Evaluation:
    """The row again, locked: two GMs saving and finalising at once wait for each other."""
    locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if locked.is_final:
        raise EvaluationFinal()
    return locked


def evaluation_total(scores: list[EvaluationScore]) -> Decimal | None:
    """sum(weight * score) / sum(weight), half-up to two decimals; None while a criterion is unscored."""
    if not scores or any(score.score is None for score in scores):
        return None
    weights = sum((score.weight for score in scores), Decimal("0"))
    if not weights:
        return None
    points = sum((score.weight * score.score for score in scores), Decimal("0"))
    return (points / weights).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def evaluation_unscored(scores: list[EvaluationScore]) -> list[EvaluationScore]:
    return [score for score in scores if score.score is None]


def _needs_comment(score: EvaluationScore) -> bool:
    """A measured criterion scored otherwise than measured (or by hand, without data) says why."""
    return score.is_measured and score.overridden and not score.comment.strip()


def _comment_message() -> str:
    return _("Say why you changed the measured score.")


def _fresh_computation(period: Period, *, by: AbstractBaseUser, today: dt.date) -> PeriodComputation:
    """The period's figures, computed first when they never were, or when the period has ended
    since they were (they would stop short of its end; the nightly job would compute them too)."""
    done = PeriodComputation.objects.filter(
        period_kind=period.kind, period_start=period.start, status=PeriodComputation.Status.DONE
    ).first()
    until = min(period.end, today)
    if done is None or done.data_until is None or (period.is_over(today) and done.data_until < until):
        done = period_compute(period=period, requested_by=by, today=today)
    return done


def _measured(period: Period, relationship_manager: AbstractBaseUser) -> dict[str, RMPeriodMetric]:
    rows = RMPeriodMetric.objects.filter(
        period_kind=period.kind, period_start=period.start, relationship_manager=relationship_manager
    )
    return {row.metric: row for row in rows}


def _fill_measured(score: EvaluationScore, row: RMPeriodMetric | None) -> None:
    """Copy the RM's metric into the row. No row (no key accounts) or no value (nothing to
    divide by) leaves the measured score empty: the GM scores it by hand, with a comment."""
    if row is None:
        score.measured_value = score.measured_numerator = score.measured_denominator = score.measured_score = None
        return
    score.measured_numerator = row.numerator
    score.measured_denominator = row.denominator
    score.measured_value = row.value
    score.measured_score = row.score if row.value is not None else None


@transaction.atomic
def evaluation_start(
    *,
    relationship_manager: AbstractBaseUser,
    period: Period,
    by: AbstractBaseUser,
    today: dt.date | None = None,
) -> Evaluation:
    """A draft evaluation of the RM for the period against their current job description,
    its measured criteria pre-filled; the existing one when the RM already has one for it."""
    _require_gm(by)
    today = today or timezone.localdate()
    existing = Evaluation.objects.filter(
        relationship_manager=relationship_manager, period_kind=period.kind, period_start=period.start
    ).first()
    if existing is not None:
        return existing
    profile = (
        RelationshipManagerProfile.objects.filter(user=relationship_manager).select_related("job_description").first()
    )
    errors: dict[str, str] = {}
    if role_of(relationship_manager) is not Role.RELATIONSHIP_MANAGER or profile is None:
        errors["relationship_manager"] = _("Only a relationship manager with a profile can be evaluated.")
    elif profile.job_description is None:
        errors["relationship_manager"] = _(
            "%(name)s has no job description yet: give them one on their profile first."
        ) % {"name": relationship_manager.get_full_name() or relationship_manager.get_username()}
    if period.start > today:
        errors["period"] = _("%(period)s has not started yet.") % {"period": period.label}
    if errors:
        raise ValidationError(errors)
    computation = _fresh_computation(period, by=by, today=today)
    evaluation = Evaluation(
        relationship_manager=relationship_manager,
        job_description=profile.job_description,
        period_kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        evaluator=by,
        data_computed_at=computation.finished_at,
    )
    # The one-per-RM-and-period constraint is the database's job (see the IntegrityError below).
    evaluation.full_clean(validate_constraints=False)
    try:
        # A second GM starting the same evaluation at the same moment gets the first one.
        with transaction.atomic():
            evaluation.save()
    except IntegrityError:
        return Evaluation.objects.get(
            relationship_manager=relationship_manager, period_kind=period.kind, period_start=period.start
        )
    measured = _measured(period, relationship_manager)
    scores = []
    for criterion in profile.job_description.criteria.all():
        score = EvaluationScore(
            evaluation=evaluation,
            criterion=criterion,
            name=criterion.name,
            weight=criterion.weight,
            kind=criterion.kind,
            metric=criterion.metric,
            position=criterion.position,
        )
        if criterion.kind == EvaluationCriterion.Kind.MEASURED:
            _fill_measured(score, measured.get(criterion.metric))
            score.score = score.measured_score
        score.full_clean(exclude=["evaluation", "criterion"])
        scores.append(score)
    EvaluationScore.objects.bulk_create(scores)
    evaluation.total = evaluation_total(scores)
    evaluation.save(update_fields=["total"])
    return evaluation


@transaction.atomic
def evaluation_save(
    *,
    evaluation: Evaluation,
    by: AbstractBaseUser,
    scores: dict[int, tuple[int | None, str]],
    summary: str | None = None,
) -> Evaluation:
    """Score a draft: `scores` maps an EvaluationScore id to (score 1-5 or None, comment);
    rows left out keep what they had. The total follows once every criterion is scored."""
    _require_gm(by)
    evaluation = _locked_draft(evaluation)
    rows = {row.pk: row for row in evaluation.scores.all()}
    errors: dict[str, list[str]] = {}
    unknown = [str(pk) for pk in scores if pk not in rows]
    if unknown:
        errors["scores"] = [_("These criteria are not part of this evaluation: %(ids)s.") % {"ids": ", ".join(unknown)}]
    changed = []
    for pk, (value, comment) in scores.items():
        row = rows.get(pk)
        if row is None:
            continue
        if value is not None and value not in SCORES:
            errors[f"score_{pk}"] = [_("Give a score from 1 to 5.")]
            continue
        row.score = value
        row.comment = (comment or "").strip()
        if _needs_comment(row):
            errors[f"comment_{pk}"] = [_comment_message()]
        changed.append(row)
    if errors:
        raise ValidationError(errors)
    for row in changed:
        row.full_clean(exclude=["evaluation", "criterion"])
    EvaluationScore.objects.bulk_update(changed, ["score", "comment"])
    if summary is not None:
        evaluation.summary = summary.strip()
    evaluation.total = evaluation_total(list(rows.values()))
    evaluation.full_clean()
    evaluation.save(update_fields=["summary", "total", "updated_at"])
    return evaluation


@transaction.atomic
def evaluation_refresh(*, evaluation: Evaluation, by: AbstractBaseUser, today: dt.date | None = None) -> Evaluation:
    """Recompute the period's figures on purpose and read the measured criteria again. A score
    the GM changed (with a comment) stays; any other measured score follows the new figures."""
    _require_gm(by)
    evaluation = _locked_draft(evaluation)
    computation = period_compute(period=evaluation.period, requested_by=by, today=today or timezone.localdate())
    measured = _measured(evaluation.period, evaluation.relationship_manager)
    rows = [row for row in evaluation.scores.all() if row.is_measured]
    for row in rows:
        kept = row.overridden and row.comment.strip()
        _fill_measured(row, measured.get(row.metric))
        if not kept:
            row.score = row.measured_score
    EvaluationScore.objects.bulk_update(
        rows, ["measured_value", "measured_numerator", "measured_denominator", "measured_score", "score"]
    )
    evaluation.data_computed_at = computation.finished_at
    evaluation.total = evaluation_total(list(evaluation.scores.all()))
    evaluation.save(update_fields=["data_computed_at", "total", "updated_at"])
    return evaluation


def evaluation_finalise_problems(scores: list[EvaluationScore]) -> dict[str, list[str]]:
    """What stops a draft from being finalised, keyed as ValidationError keys (empty: nothing)."""
    errors: dict[str, list[str]] = {}
    if not scores:
        errors["scores"] = [_("This evaluation has no criteria to score.")]
    unscored = evaluation_unscored(scores)
    if unscored:
        errors["scores"] = [
            _("Score every criterion before finalising. Not scored yet: %(names)s.")
            % {"names": ", ".join(row.name for row in unscored)}
        ]
        for row in unscored:
            errors[f"score_{row.pk}"] = [_("Score this criterion.")]
    for row in scores:
        if _needs_comment(row):
            errors[f"comment_{row.pk}"] = [_comment_message()]
    return errors


@transaction.atomic
def evaluation_finalise(*, evaluation: Evaluation, by: AbstractBaseUser) -> Evaluation:
    """Every criterion scored (and every changed measured score explained): the total is computed
    and the evaluation becomes final, read-only from then on, and visible to its RM."""
    _require_gm(by)
    evaluation = _locked_draft(evaluation)
    rows = list(evaluation.scores.all())
    errors = evaluation_finalise_problems(rows)
    if errors:
        raise ValidationError(errors)
    evaluation.total = evaluation_total(rows)
    evaluation.status = Evaluation.Status.FINAL
    evaluation.finalised_at = timezone.now()
    evaluation.finalised_by = by
    evaluation.full_clean()
    evaluation.save()
    return evaluation


@transaction.atomic
def evaluation_delete(*, evaluation: Evaluation, by: AbstractBaseUser) -> None:
    """Drop a draft (a final evaluation is kept for good)."""
    _require_gm(by)
    _locked_draft(evaluation).delete()
