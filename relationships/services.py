"""Writes of the key-account programme."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Customer
from accounts.services import customer_set_tier, team_member_add
from communications.models import Interaction
from communications.services import interaction_log
from crm_project.roles import Role, role_of
from insights.models import KeyAccountCandidate

from .models import (
    Action,
    EvaluationCriterion,
    JobDescription,
    KeyAccount,
    Objective,
    PlanEvent,
    RelationshipManagerProfile,
    RelationshipPlan,
    Resource,
    RMAssignment,
    Strategy,
    Training,
)


@transaction.atomic
def rm_profile_save(
    *,
    user: AbstractBaseUser,
    reports_to: AbstractBaseUser,
    capacity: int = RelationshipManagerProfile.DEFAULT_CAPACITY,
    start_date: date | None = None,
    languages: str = "",
    notes: str = "",
) -> RelationshipManagerProfile:
    """Create or update a relationship manager's profile; the manager must be a general manager."""
    errors = {}
    if role_of(user) is not Role.RELATIONSHIP_MANAGER:
        errors["user"] = _("Only a relationship manager can have a relationship manager profile.")
    if role_of(reports_to) is not Role.GENERAL_MANAGER:
        errors["reports_to"] = _("A relationship manager reports to a general manager.")
    if errors:
        raise ValidationError(errors)
    profile = RelationshipManagerProfile.objects.filter(user=user).first() or RelationshipManagerProfile(user=user)
    profile.reports_to = reports_to
    profile.capacity = capacity
    if start_date is not None:
        profile.start_date = start_date
    profile.languages = languages
    profile.notes = notes
    profile.full_clean()
    profile.save()
    return profile


# -- helpers ---------------------------------------------------------------------------------


def _is_gm(user: AbstractBaseUser) -> bool:
    return role_of(user) in (Role.GENERAL_MANAGER, Role.ADMIN)


def _require_gm(user: AbstractBaseUser, what: str) -> None:
    if not _is_gm(user):
        raise PermissionDenied(what)


def _clean_save(instance: models.Model, update_fields: list[str] | None = None) -> models.Model:
    instance.full_clean()
    instance.save(update_fields=update_fields)
    return instance


def rm_load(user: AbstractBaseUser) -> int:
    """How many active key accounts the user manages now."""
    return KeyAccount.objects.active().filter(relationship_manager=user).count()


def rm_has_valid_training(user: AbstractBaseUser, *, on: date | None = None) -> bool:
    day = on or timezone.localdate()
    return Training.objects.filter(user=user, topic=Training.Topic.RELATIONSHIP_MARKETING).valid_on(day).exists()


# -- key accounts ----------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a programme write did, with the warnings the person should see."""

    key_account: KeyAccount
    warnings: list[str] = field(default_factory=list)


@transaction.atomic
def key_account_nominate(
    *,
    customer: Customer,
    by: AbstractBaseUser,
    reason: str,
    review_on: date,
    relationship_manager: AbstractBaseUser | None = None,
    assign_reason: str = "",
    raise_capacity: bool = False,
) -> Outcome:
    """Make a customer a key account: tier `key` (so the key-account cadence applies), history kept.

    When the customer is on the insights candidates list, the nomination keeps the
    list's reason and numbers.
    """
    _require_gm(by, "only general managers nominate key accounts")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    errors: dict[str, str] = {}
    if customer.archived_at is not None:
        errors["customer"] = _("An archived customer cannot become a key account.")
    elif KeyAccount.objects.active().filter(customer=customer).exists():
        errors["customer"] = _("%(customer)s is already a key account.") % {"customer": customer}
    if not reason.strip():
        errors["reason"] = _("Say why this customer should be a key account.")
    if review_on is None:
        errors["review_on"] = _("Choose when to review this nomination.")
    elif review_on <= timezone.localdate():
        errors["review_on"] = _("The review date must be in the future.")
    if errors:
        raise ValidationError(errors)
    candidacy = KeyAccountCandidate.objects.filter(customer=customer).order_by("reason").first()
    key_account = KeyAccount(
        customer=customer,
        reason=reason.strip(),
        review_on=review_on,
        nominated_by=by,
        source=KeyAccount.Source.CANDIDATE if candidacy else KeyAccount.Source.MANUAL,
    )
    if candidacy:
        key_account.candidate_reason = candidacy.reason
        key_account.candidate_numbers = {
            "rank": candidacy.rank,
            "revenue_12m": str(candidacy.revenue_12m),
            "revenue_prev_12m": str(candidacy.revenue_prev_12m),
            "growth": None if candidacy.growth is None else str(candidacy.growth),
            "as_of": candidacy.as_of.isoformat(),
        }
    _clean_save(key_account)
    customer_set_tier(customer=customer, tier=Customer.Tier.KEY, by=by)
    outcome = Outcome(key_account)
    if relationship_manager is not None:
        outcome = key_account_assign(
            key_account=key_account,
            relationship_manager=relationship_manager,
            by=by,
            reason=assign_reason,
            raise_capacity=raise_capacity,
        )
    return outcome


@transaction.atomic
def key_account_retire(*, key_account: KeyAccount, by: AbstractBaseUser, reason: str) -> KeyAccount:
    """The reverse of a nomination: back to tier `regular`, the RM's assignment closed, history kept."""
    _require_gm(by, "only general managers retire key accounts")
    key_account = KeyAccount.objects.select_for_update().get(pk=key_account.pk)
    if key_account.retired_at is not None:
        raise ValidationError({"key_account": _("This key account is already retired.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why this customer is no longer a key account.")})
    now = timezone.now()
    RMAssignment.objects.filter(key_account=key_account, ended_at__isnull=True).update(ended_at=now)
    key_account.retired_at = now
    key_account.retired_by = by
    key_account.retire_reason = reason.strip()
    key_account.relationship_manager = None
    _clean_save(key_account)
    customer_set_tier(customer=key_account.customer, tier=Customer.Tier.REGULAR, by=by)
    return key_account


@transaction.atomic
def key_account_assign(
    *,
    key_account: KeyAccount,
    relationship_manager: AbstractBaseUser,
    by: AbstractBaseUser,
    reason: str = "",
    raise_capacity: bool = False,
) -> Outcome:
    """Give the key account its one RM (closing the previous assignment); the RM joins the account team.

    Refused when the RM is at capacity, unless the GM raises the capacity explicitly
    (`raise_capacity`), which sets it to the new load. Without a valid
    relationship-marketing training the assignment warns, or is refused when
    `RELASI_REQUIRE_RM_TRAINING` is on.
    """
    _require_gm(by, "only general managers assign relationship managers")
    key_account = KeyAccount.objects.select_for_update().select_related("customer").get(pk=key_account.pk)
    if key_account.retired_at is not None:
        raise ValidationError({"key_account": _("A retired key account has no relationship manager.")})
    if role_of(relationship_manager) is not Role.RELATIONSHIP_MANAGER:
        raise ValidationError({"relationship_manager": _("Choose a user with the relationship manager role.")})
    if key_account.relationship_manager_id == relationship_manager.pk:
        raise ValidationError(
            {
                "relationship_manager": _("%(rm)s already manages this key account.")
                % {"rm": _name(relationship_manager)}
            }
        )
    profile = RelationshipManagerProfile.objects.select_for_update().filter(user=relationship_manager).first()
    if profile is None:
        raise ValidationError(
            {
                "relationship_manager": _(
                    "%(rm)s has no relationship manager profile yet: create it first (capacity, reporting line)."
                )
                % {"rm": _name(relationship_manager)}
            }
        )
    load = rm_load(relationship_manager)
    if load >= profile.capacity:
        if not raise_capacity:
            raise ValidationError(
                {
                    "relationship_manager": _(
                        "%(rm)s already manages %(load)d of %(capacity)d key accounts. Choose another "
                        "relationship manager, or raise the capacity explicitly."
                    )
                    % {"rm": _name(relationship_manager), "load": load, "capacity": profile.capacity}
                }
            )
        profile.capacity = load + 1
        _clean_save(profile, update_fields=["capacity", "updated_at"])
    warnings = []
    if not rm_has_valid_training(relationship_manager):
        message = _("%(rm)s has no valid relationship-marketing training.") % {"rm": _name(relationship_manager)}
        if settings.RELASI_REQUIRE_RM_TRAINING:
            raise ValidationError({"relationship_manager": message})
        warnings.append(message)
    now = timezone.now()
    previous = key_account.relationship_manager
    RMAssignment.objects.filter(key_account=key_account, ended_at__isnull=True).update(ended_at=now)
    _clean_save(
        RMAssignment(
            key_account=key_account,
            relationship_manager=relationship_manager,
            previous_manager=previous,
            reason=reason.strip(),
            assigned_by=by,
            started_at=now,
        )
    )
    key_account.relationship_manager = relationship_manager
    key_account.save(update_fields=["relationship_manager"])
    customer = key_account.customer
    if relationship_manager.pk != customer.owner_id:
        team_member_add(customer=customer, user=relationship_manager, by=by, role=str(_("Relationship manager")))
    if previous is not None and previous.pk != customer.owner_id:
        # The previous RM leaves the team, unless they were on it for another reason.
        customer.team_members.filter(user=previous, role=str(_("Relationship manager"))).delete()
    # Open plan actions owned by the previous RM go to the new one.
    if previous is not None:
        Action.objects.open().filter(plan__key_account=key_account, owner=previous).update(owner=relationship_manager)
    return Outcome(key_account, warnings)


def _name(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()


# -- trainings -------------------------------------------------------------------------------

TRAINING_FIELDS = ("course", "topic", "provider", "completed_on", "valid_until", "certificate", "notes")


@transaction.atomic
def training_save(
    *, by: AbstractBaseUser, user: AbstractBaseUser | None = None, training: Training | None = None, **fields: Any
) -> Training:
    """GMs and admins record anyone's training; reps and RMs their own."""
    training = training or Training(user=user)
    if not _is_gm(by) and training.user_id != by.pk:
        raise PermissionDenied("only your own trainings")
    if role_of(training.user) not in (Role.SALES_REP, Role.RELATIONSHIP_MANAGER, Role.GENERAL_MANAGER):
        raise ValidationError({"user": _("Trainings are recorded for reps, relationship managers and GMs.")})
    for name, value in fields.items():
        if name not in TRAINING_FIELDS:
            raise TypeError(f"unexpected field: {name}")
        setattr(training, name, value.strip() if isinstance(value, str) else value)
    return _clean_save(training)


@transaction.atomic
def training_delete(*, training: Training, by: AbstractBaseUser) -> None:
    if not _is_gm(by) and training.user_id != by.pk:
        raise PermissionDenied("only your own trainings")
    if training.certificate:
        training.certificate.delete(save=False)
    training.delete()


# -- job descriptions ------------------------------------------------------------------------

JOB_DESCRIPTION_FIELDS = ("title", "reports_to", "objectives", "responsibilities")
CRITERION_FIELDS = ("name", "description", "weight", "kind", "metric")


class CriteriaErrors(ValidationError):
    """Per-row criterion errors (`rows[i]` is the i-th row's {field: [messages]}) and the total's."""

    def __init__(self, rows: list[dict[str, list[str]]], total: list[str]) -> None:
        self.rows = rows
        self.total = total
        super().__init__({"criteria": total or [_("Some criteria are not valid.")]})


def _criteria_build(job_description: JobDescription, criteria: list[dict[str, Any]]) -> list[EvaluationCriterion]:
    built, rows, total = [], [], []
    for position, row in enumerate(criteria):
        unknown = set(row) - set(CRITERION_FIELDS)
        if unknown:
            raise TypeError(f"unexpected fields: {sorted(unknown)}")
        criterion = EvaluationCriterion(job_description=job_description, position=position, **row)
        try:
            criterion.full_clean(exclude=["job_description"])
            rows.append({})
        except ValidationError as error:
            rows.append(error.message_dict)
        built.append(criterion)
    if not criteria:
        total.append(_("Add at least one evaluation criterion."))
    elif not any(rows):
        weights = sum((Decimal(c.weight) for c in built), Decimal("0"))
        if weights != Decimal("100"):
            total.append(_("The weights add up to %(sum)s%%; they must add up to 100%%.") % {"sum": f"{weights:g}"})
    if any(rows) or total:
        raise CriteriaErrors(rows, total)
    return built


@transaction.atomic
def job_description_save(
    *,
    by: AbstractBaseUser,
    fields: dict[str, Any],
    criteria: list[dict[str, Any]],
    job_description: JobDescription | None = None,
) -> JobDescription:
    """Write a job description with its weighted criteria (summing to 100%).

    Saving over an existing description publishes its next version: the old version
    stays as it was (evaluations keep pointing at it) and every RM on it moves to the new one.
    """
    _require_gm(by, "only general managers write job descriptions")
    new = JobDescription(written_by=by)
    if job_description is not None:
        job_description = JobDescription.objects.select_for_update().get(pk=job_description.pk)
        if not job_description.is_current:
            raise ValidationError({"job_description": _("Only the current version can be revised.")})
        new.lineage = job_description.lineage
        new.version = job_description.version + 1
    for name, value in fields.items():
        if name not in JOB_DESCRIPTION_FIELDS:
            raise TypeError(f"unexpected field: {name}")
        setattr(new, name, value.strip() if isinstance(value, str) else value)
    errors: dict[str, list[str]] = {}
    try:
        new.full_clean(exclude=["lineage"])
    except ValidationError as error:
        errors = error.message_dict
    built = []
    try:
        built = _criteria_build(new, criteria)
    except CriteriaErrors as criteria_error:
        if errors:
            raise ValidationError(
                {**errors, "criteria": criteria_error.total or [_("Some criteria are not valid.")]}
            ) from criteria_error
        raise
    if errors:
        raise ValidationError(errors)
    if job_description is not None:
        job_description.is_current = False
        job_description.save(update_fields=["is_current"])
    new.save()
    for criterion in built:
        criterion.job_description = new
    EvaluationCriterion.objects.bulk_create(built)
    if job_description is not None:
        RelationshipManagerProfile.objects.filter(job_description=job_description).update(job_description=new)
    return new


@transaction.atomic
def job_description_assign(
    *, profile: RelationshipManagerProfile, job_description: JobDescription | None, by: AbstractBaseUser
) -> RelationshipManagerProfile:
    _require_gm(by, "only general managers give job descriptions")
    if job_description is not None and not job_description.is_current:
        raise ValidationError({"job_description": _("Choose the current version of a job description.")})
    profile.job_description = job_description
    return _clean_save(profile, update_fields=["job_description", "updated_at"])


# -- plans: permissions ----------------------------------------------------------------------


def plan_can_edit(*, user: AbstractBaseUser, plan: RelationshipPlan) -> bool:
    """Write the plan's content: its RM (or a GM/admin), while it is a draft or returned and the latest version."""
    return not plan.is_locked and _may_write(user, plan.key_account)


def plan_can_update_progress(*, user: AbstractBaseUser, plan: RelationshipPlan, action: Action | None = None) -> bool:
    """Action status, evidence and actuals: the RM (or a GM/admin), and an action's owner for that
    action; on drafts and on approved plans alike, never on a submitted or superseded one."""
    if plan.superseded_by_id is not None or plan.status == RelationshipPlan.Status.SUBMITTED:
        return False
    return _may_write(user, plan.key_account) or (action is not None and action.owner_id == user.pk)


def _may_write(user: AbstractBaseUser, key_account: KeyAccount) -> bool:
    if _is_gm(user):
        return True
    return role_of(user) is Role.RELATIONSHIP_MANAGER and key_account.relationship_manager_id == user.pk


def _require_edit(user: AbstractBaseUser, plan: RelationshipPlan) -> None:
    if not _may_write(user, plan.key_account):
        raise PermissionDenied("not this plan's relationship manager")
    if plan.is_locked:
        raise ValidationError(
            {
                "plan": _("This plan is %(status)s and cannot be changed. Start a revision to change an approved plan.")
                % {"status": plan.get_status_display().lower()}
            }
        )


def _event(plan: RelationshipPlan, kind: str, by: AbstractBaseUser, comment: str = "") -> None:
    PlanEvent.objects.create(plan=plan, kind=kind, by=by, comment=comment)


# -- plans: create, edit ---------------------------------------------------------------------

PLAN_FIELDS = ("title", "vision", "summary", "start_year", "end_year", "long_term_plan")


def _check_long_term_link(plan: RelationshipPlan) -> None:
    linked = plan.long_term_plan
    if linked is None:
        return
    if linked.kind != RelationshipPlan.Kind.LONG_TERM or linked.key_account_id != plan.key_account_id:
        raise ValidationError({"long_term_plan": _("Link a long-term plan of the same key account.")})
    if not linked.start_year <= plan.start_year <= linked.end_year:
        raise ValidationError(
            {
                "long_term_plan": _("The year %(year)s is outside the long-term plan's %(years)s.")
                % {"year": plan.start_year, "years": linked.years_label}
            }
        )


@transaction.atomic
def plan_create(
    *, by: AbstractBaseUser, key_account: KeyAccount, kind: str, start_year: int, title: str = "", **fields: Any
) -> RelationshipPlan:
    if not _may_write(by, key_account):
        raise PermissionDenied("not this key account's relationship manager")
    if key_account.retired_at is not None:
        raise ValidationError({"key_account": _("A retired key account gets no new plans.")})
    plan = RelationshipPlan(
        key_account=key_account,
        customer_id=key_account.customer_id,
        kind=kind,
        start_year=start_year,
        end_year=fields.pop("end_year", None) or start_year,
        author=by,
    )
    for name, value in fields.items():
        if name not in PLAN_FIELDS:
            raise TypeError(f"unexpected field: {name}")
        setattr(plan, name, value.strip() if isinstance(value, str) else value)
    plan.title = title.strip() or _default_title(plan, key_account)
    if kind == RelationshipPlan.Kind.ANNUAL and plan.long_term_plan is None:
        plan.long_term_plan = _long_term_covering(key_account, start_year)
    _check_long_term_link(plan)
    if RelationshipPlan.objects.filter(key_account=key_account, kind=kind, start_year=start_year).exists():
        raise ValidationError(
            {
                "start_year": _("This key account already has a %(kind)s for %(year)s.")
                % {"kind": plan.get_kind_display().lower(), "year": start_year}
            }
        )
    _clean_save(plan)
    _event(plan, PlanEvent.Kind.CREATED, by)
    return plan


def _default_title(plan: RelationshipPlan, key_account: KeyAccount) -> str:
    if plan.kind == RelationshipPlan.Kind.LONG_TERM:
        return _("%(customer)s: long-term plan %(years)s") % {
            "customer": key_account.customer,
            "years": plan.years_label,
        }
    return _("%(customer)s: annual plan %(year)s") % {"customer": key_account.customer, "year": plan.start_year}


def _long_term_covering(key_account: KeyAccount, year: int) -> RelationshipPlan | None:
    return (
        RelationshipPlan.objects.latest()
        .filter(key_account=key_account, kind=RelationshipPlan.Kind.LONG_TERM, start_year__lte=year, end_year__gte=year)
        .order_by("-start_year")
        .first()
    )


@transaction.atomic
def plan_update(*, plan: RelationshipPlan, by: AbstractBaseUser, **fields: Any) -> RelationshipPlan:
    plan = _locked_plan(plan)
    _require_edit(by, plan)
    for name, value in fields.items():
        if name not in PLAN_FIELDS:
            raise TypeError(f"unexpected field: {name}")
        if name in ("start_year", "end_year") and plan.version > 1:
            continue  # a revision keeps its years
        setattr(plan, name, value.strip() if isinstance(value, str) else value)
    _check_long_term_link(plan)
    return _clean_save(plan)


ITEM_MODELS: dict[str, type[models.Model]] = {
    "objective": Objective,
    "strategy": Strategy,
    "action": Action,
    "resource": Resource,
}
ITEM_FIELDS = {
    "objective": ("title", "metric", "unit", "baseline", "target", "manual_actual"),
    "strategy": ("title", "description"),
    "action": ("what", "owner", "due_on", "status", "done_on", "strategy"),
    "resource": ("kind", "description", "amount", "spent"),
}
# What may still change on an approved plan: progress, not the plan.
PROGRESS_FIELDS = {
    "objective": ("manual_actual",),
    "action": ("status", "done_on"),
    "resource": ("spent",),
}


def _check_item_links(item: models.Model, plan: RelationshipPlan) -> None:
    if isinstance(item, Action):
        if item.strategy_id and item.strategy.plan_id != plan.pk:
            raise ValidationError({"strategy": _("Choose a strategy of this plan.")})
        if item.owner_id and not Customer.objects.visible_to(item.owner).filter(pk=plan.customer_id).exists():
            raise ValidationError({"owner": _("The owner must work with this customer (owner, team or RM).")})
        if item.status == Action.Status.DONE and item.done_on is None:
            item.done_on = timezone.localdate()
        elif item.status != Action.Status.DONE:
            item.done_on = None


@transaction.atomic
def plan_item_save(
    *, plan: RelationshipPlan, by: AbstractBaseUser, item_type: str, item: models.Model | None = None, **fields: Any
) -> models.Model:
    """Add or change an objective, strategy, action or resource.

    On an approved plan only the progress fields (PROGRESS_FIELDS) may change.
    """
    kind = item_type
    plan = _locked_plan(plan)
    model = ITEM_MODELS[kind]
    if item is None:
        _require_edit(by, plan)
        last = model.objects.filter(plan=plan).aggregate(last=models.Max("position"))["last"]
        item = model(plan=plan, position=0 if last is None else last + 1)
    elif item.plan_id != plan.pk:
        raise ValidationError({kind: _("This item belongs to another plan.")})
    allowed = ITEM_FIELDS[kind]
    changing = {name for name, value in fields.items() if getattr(item, _attname(model, name)) != _pk(value)}
    progress_only = item.pk is not None and changing <= set(PROGRESS_FIELDS.get(kind, ()))
    action = item if isinstance(item, Action) else None
    if progress_only and plan_can_update_progress(user=by, plan=plan, action=action):
        pass
    else:
        _require_edit(by, plan)
    for name, value in fields.items():
        if name not in allowed:
            raise TypeError(f"unexpected field: {name}")
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    _check_item_links(item, plan)
    return _clean_save(item)


def _attname(model: type[models.Model], name: str) -> str:
    return model._meta.get_field(name).attname


def _pk(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


@transaction.atomic
def plan_item_delete(*, plan: RelationshipPlan, by: AbstractBaseUser, item: models.Model) -> None:
    plan = _locked_plan(plan)
    _require_edit(by, plan)
    if item.plan_id != plan.pk:
        raise ValidationError({"item": _("This item belongs to another plan.")})
    item.delete()


@transaction.atomic
def plan_items_reorder(*, plan: RelationshipPlan, by: AbstractBaseUser, item_type: str, ids: list[int]) -> None:
    """Put the plan's items of one type in the given order; ids of other plans are refused."""
    plan = _locked_plan(plan)
    _require_edit(by, plan)
    model = ITEM_MODELS[item_type]
    items = {item.pk: item for item in model.objects.filter(plan=plan)}
    if set(ids) != set(items) or len(ids) != len(set(ids)):
        raise ValidationError({"order": _("Send every item of this list exactly once.")})
    for position, pk in enumerate(ids):
        items[pk].position = position
    model.objects.bulk_update(items.values(), ["position"])


# -- plans: workflow -------------------------------------------------------------------------


def _locked_plan(plan: RelationshipPlan) -> RelationshipPlan:
    return RelationshipPlan.objects.select_for_update().select_related("key_account").get(pk=plan.pk)


@transaction.atomic
def plan_submit(*, plan: RelationshipPlan, by: AbstractBaseUser) -> RelationshipPlan:
    plan = _locked_plan(plan)
    if not _may_write(by, plan.key_account):
        raise PermissionDenied("not this plan's relationship manager")
    if plan.status not in (RelationshipPlan.Status.DRAFT, RelationshipPlan.Status.RETURNED) or not plan.is_latest:
        raise ValidationError({"status": _("Only a draft or returned plan can be submitted.")})
    if not plan.objectives.exists():
        raise ValidationError({"objectives": _("Add at least one objective before submitting.")})
    if plan.kind == RelationshipPlan.Kind.ANNUAL and not plan.actions.exists():
        raise ValidationError({"actions": _("An annual plan needs at least one action before it is submitted.")})
    plan.status = RelationshipPlan.Status.SUBMITTED
    plan.submitted_at = timezone.now()
    plan.save(update_fields=["status", "submitted_at", "updated_at"])
    _event(plan, PlanEvent.Kind.SUBMITTED, by)
    return plan


def _check_decision(plan: RelationshipPlan, by: AbstractBaseUser) -> None:
    _require_gm(by, "only general managers approve or return plans")
    if plan.status != RelationshipPlan.Status.SUBMITTED:
        raise ValidationError({"status": _("Only a submitted plan can be approved or returned.")})


@transaction.atomic
def plan_return(*, plan: RelationshipPlan, by: AbstractBaseUser, comment: str) -> RelationshipPlan:
    plan = _locked_plan(plan)
    _check_decision(plan, by)
    if not comment.strip():
        raise ValidationError({"comment": _("Tell the relationship manager what to change.")})
    plan.status = RelationshipPlan.Status.RETURNED
    plan.decided_at = timezone.now()
    plan.decided_by = by
    plan.gm_comment = comment.strip()
    plan.save(update_fields=["status", "decided_at", "decided_by", "gm_comment", "updated_at"])
    _event(plan, PlanEvent.Kind.RETURNED, by, comment.strip())
    return plan


@transaction.atomic
def plan_approve(*, plan: RelationshipPlan, by: AbstractBaseUser, comment: str = "") -> RelationshipPlan:
    plan = _locked_plan(plan)
    _check_decision(plan, by)
    plan.status = RelationshipPlan.Status.APPROVED
    plan.decided_at = timezone.now()
    plan.decided_by = by
    plan.gm_comment = comment.strip()
    plan.save(update_fields=["status", "decided_at", "decided_by", "gm_comment", "updated_at"])
    _event(plan, PlanEvent.Kind.APPROVED, by, comment.strip())
    if plan.revises_id:
        RelationshipPlan.objects.filter(pk=plan.revises_id).update(superseded_by=plan)
        if plan.kind == RelationshipPlan.Kind.LONG_TERM:
            RelationshipPlan.objects.filter(long_term_plan_id=plan.revises_id).update(long_term_plan=plan)
    return plan


def _copy_items(
    source: RelationshipPlan, target: RelationshipPlan, *, open_actions_only: bool, shift_years: int
) -> None:
    for objective in source.objectives.all():
        objective.pk = None
        objective.plan = target
        if shift_years:
            objective.manual_actual = None
        objective.save()
    strategies = {}
    for strategy in source.strategies.all():
        old_pk = strategy.pk
        strategy.pk = None
        strategy.plan = target
        strategy.save()
        strategies[old_pk] = strategy
    actions = source.actions.open() if open_actions_only else source.actions.all()
    for action in actions.prefetch_related("evidence"):
        evidence = list(action.evidence.all()) if not shift_years else []
        action.pk = None
        action.plan = target
        action.strategy = strategies.get(action.strategy_id)
        action.due_on = _shift(action.due_on, shift_years)
        action.save()
        action.evidence.set(evidence)
    for resource in source.resources.all():
        resource.pk = None
        resource.plan = target
        if shift_years:
            resource.spent = Decimal("0")
        resource.save()


def _shift(day: date, years: int) -> date:
    if not years:
        return day
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def plan_revise(*, plan: RelationshipPlan, by: AbstractBaseUser) -> RelationshipPlan:
    """A new draft version of an approved plan, with all its content; the approved one stays in force."""
    plan = _locked_plan(plan)
    if not _may_write(by, plan.key_account):
        raise PermissionDenied("not this plan's relationship manager")
    if plan.status != RelationshipPlan.Status.APPROVED or not plan.is_latest:
        raise ValidationError({"status": _("Only the latest approved version is revised.")})
    RelationshipPlan.objects.filter(pk=plan.pk).update(is_latest=False)
    source_pk = plan.pk
    revision = RelationshipPlan.objects.get(pk=source_pk)
    revision.pk = None
    revision.revises_id = source_pk
    revision.version = plan.version + 1
    revision.is_latest = True
    revision.status = RelationshipPlan.Status.DRAFT
    revision.submitted_at = revision.decided_at = None
    revision.decided_by = None
    revision.gm_comment = ""
    revision.author = by
    revision.save()
    _copy_items(plan, revision, open_actions_only=False, shift_years=0)
    _event(revision, PlanEvent.Kind.REVISED, by)
    return revision


@transaction.atomic
def plan_copy_from_previous(
    *, key_account: KeyAccount, by: AbstractBaseUser, year: int | None = None
) -> RelationshipPlan:
    """Next year's annual plan as a draft started from the latest annual plan before it:
    objectives (actuals cleared), strategies, open actions (due dates a year on) and resources."""
    previous = (
        RelationshipPlan.objects.latest()
        .filter(key_account=key_account, kind=RelationshipPlan.Kind.ANNUAL)
        .filter(start_year__lt=year if year else 9999)
        .order_by("-start_year")
        .first()
    )
    if previous is None:
        raise ValidationError({"year": _("There is no earlier annual plan to start from.")})
    year = year or previous.start_year + 1
    plan = plan_create(
        by=by,
        key_account=key_account,
        kind=RelationshipPlan.Kind.ANNUAL,
        start_year=year,
        summary=previous.summary,
    )
    plan.copied_from = previous
    plan.save(update_fields=["copied_from"])
    _copy_items(previous, plan, open_actions_only=True, shift_years=year - previous.start_year)
    return plan


# -- actions and their evidence --------------------------------------------------------------


@transaction.atomic
def action_link_interaction(
    *, action: Action, interaction: Interaction, by: AbstractBaseUser, mark_done: bool = True
) -> Action:
    """Link an interaction as evidence of an action (and, by default, mark the action done)."""
    plan = action.plan
    if not plan_can_update_progress(user=by, plan=plan, action=action):
        raise PermissionDenied("cannot update this plan's progress")
    if interaction.customer_id != plan.customer_id:
        raise ValidationError({"interaction": _("Link an interaction with this plan's customer.")})
    action.evidence.add(interaction)
    if mark_done and action.status != Action.Status.DONE:
        action.status = Action.Status.DONE
        action.done_on = timezone.localtime(interaction.occurred_at).date()
        action.save(update_fields=["status", "done_on"])
    return action


@transaction.atomic
def action_log_interaction(
    *, action: Action, by: AbstractBaseUser, mark_done: bool = True, **fields: Any
) -> Interaction:
    """Log an interaction (a visit, a call) for the plan's customer and link it to the action."""
    if not plan_can_update_progress(user=by, plan=action.plan, action=action):
        raise PermissionDenied("cannot update this plan's progress")
    interaction = interaction_log(customer=action.plan.customer, by=by, **fields)
    action_link_interaction(action=action, interaction=interaction, by=by, mark_done=mark_done)
    return interaction


def key_account_managers(customer_ids: Iterable[int]) -> dict[int, AbstractBaseUser]:
    """The RM of each active key account among the customers (registered with communications
    so that cadence follow-ups and digests go to the RM)."""
    managed = (
        KeyAccount.objects.active()
        .filter(customer__in=list(customer_ids), relationship_manager__isnull=False)
        .select_related("relationship_manager")
    )
    return {key_account.customer_id: key_account.relationship_manager for key_account in managed}
