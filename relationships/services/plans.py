"""Writes of relationship plans: content, workflow, revisions, copy from last year, evidence."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Customer
from communications.models import Interaction
from communications.services import interaction_log
from crm_project.roles import Role, role_of

from ..models import (
    Action,
    KeyAccount,
    Objective,
    PlanEvent,
    RelationshipPlan,
    Resource,
    Strategy,
)
from .programme import _clean_save, _is_gm, _require_gm

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


def plan_may_write(*, user: AbstractBaseUser, plan: RelationshipPlan) -> bool:
    """The plan's RM, a GM or an admin, whatever the plan's state (no query once the role is known)."""
    return _may_write(user, plan.key_account)


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
