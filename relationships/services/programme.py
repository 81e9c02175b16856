"""Writes of the programme: RM profiles, key accounts and their RMs, trainings, job descriptions."""

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
from crm_project.roles import Role, role_of
from insights.models import KeyAccountCandidate

from ..models import (
    Action,
    EvaluationCriterion,
    JobDescription,
    KeyAccount,
    RelationshipManagerProfile,
    RMAssignment,
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
    return Training.objects.filter(user=user).qualifies_rm(day).exists()


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


def key_account_managers(customer_ids: Iterable[int]) -> dict[int, AbstractBaseUser]:
    """The RM of each active key account among the customers (registered with communications
    so that cadence follow-ups and digests go to the RM)."""
    managed = (
        KeyAccount.objects.active()
        .filter(customer__in=list(customer_ids), relationship_manager__isnull=False)
        .select_related("relationship_manager")
    )
    return {key_account.customer_id: key_account.relationship_manager for key_account in managed}
