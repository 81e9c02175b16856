"""Every write to the customer knowledge base.

Each service validates the whole row (`full_clean`), records who made the change
in the audit history (`_history_user`), and raises ValidationError with field
messages; views, the API and imports all come through here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_project.roles import Role, role_of

from . import selectors
from .models import (
    SEES_ALL,
    AccountTeamMember,
    CompetitorIntel,
    ContactPerson,
    Customer,
    Feedback,
    Household,
    HouseholdMember,
    Interest,
    InterestTopic,
)

CUSTOMER_FIELDS = (
    "name",
    "kind",
    "industry",
    "address",
    "city",
    "country",
    "phone",
    "email",
    "website",
    "tax_id",
    "external_ref",
    "occupation",
    "ambitions",
    "notes",
)


def _save(instance: models.Model, *, by: AbstractBaseUser) -> models.Model:
    # A customer's unique email, tax id and reference were checked by
    # _check_duplicates with a better message; the database still enforces them.
    instance.full_clean(validate_constraints=not isinstance(instance, Customer))
    instance._history_user = by
    instance.save()
    return instance


def _assign(instance: models.Model, fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(instance, name, value)
    if isinstance(instance, Customer):
        instance.email = instance.email.lower()


def _check_duplicates(customer: Customer, *, by: AbstractBaseUser) -> None:
    """Refuse a second customer with the same email or tax id, naming the first when the user may see it."""
    errors: dict[str, str] = {}
    for field, label in (("email", _("email")), ("tax_id", _("tax id")), ("external_ref", _("external reference"))):
        existing = selectors.customer_duplicate(field=field, value=getattr(customer, field), exclude_pk=customer.pk)
        if existing is None:
            continue
        if Customer.objects.visible_to(by).filter(pk=existing.pk).exists():
            errors[field] = _("A customer with this %(field)s already exists: %(name)s (#%(id)d).") % {
                "field": label,
                "name": existing.name,
                "id": existing.pk,
            }
        else:
            errors[field] = _(
                "A customer with this %(field)s already exists on another team. Ask your general manager."
            ) % {"field": label}
    if errors:
        raise ValidationError(errors, code="duplicate")


def _resolve_owner(*, by: AbstractBaseUser, owner: AbstractBaseUser | None, current: Any = None) -> Any:
    if owner is None or owner == current:
        return current if current is not None else by
    if role_of(by) not in SEES_ALL:
        raise ValidationError({"owner": _("Only a general manager or an admin can assign another owner.")})
    if role_of(owner) is None:
        raise ValidationError({"owner": _("The owner must be an active user with a role.")})
    return owner


@transaction.atomic
def customer_create(*, by: AbstractBaseUser, owner: AbstractBaseUser | None = None, **fields: Any) -> Customer:
    customer = Customer()
    _assign(customer, fields, CUSTOMER_FIELDS)
    customer.owner = _resolve_owner(by=by, owner=owner)
    _check_duplicates(customer, by=by)
    return _save(customer, by=by)


@transaction.atomic
def customer_update(
    *, customer: Customer, by: AbstractBaseUser, owner: AbstractBaseUser | None = None, **fields: Any
) -> Customer:
    _assign(customer, fields, CUSTOMER_FIELDS)
    customer.owner = _resolve_owner(by=by, owner=owner, current=customer.owner)
    _check_duplicates(customer, by=by)
    return _save(customer, by=by)


@transaction.atomic
def customer_set_tier(*, customer: Customer, tier: str, by: AbstractBaseUser) -> Customer:
    """The one way to change a tier; the key-account programme calls it. No change, no history."""
    if customer.tier == tier:
        return customer
    customer.tier = tier
    return _save(customer, by=by)


@transaction.atomic
def customer_archive(*, customer: Customer, by: AbstractBaseUser) -> Customer:
    """Soft delete: history (contacts, purchases, plans) depends on the customer."""
    if customer.archived_at is None:
        customer.archived_at = timezone.now()
        _save(customer, by=by)
    return customer


@transaction.atomic
def customer_restore(*, customer: Customer, by: AbstractBaseUser) -> Customer:
    if customer.archived_at is not None:
        customer.archived_at = None
        _save(customer, by=by)
    return customer


@transaction.atomic
def team_member_add(
    *, customer: Customer, user: AbstractBaseUser, by: AbstractBaseUser, role: str = "", can_edit: bool = True
) -> AccountTeamMember:
    if user == customer.owner:
        raise ValidationError({"user": _("The owner is already responsible for this customer.")})
    if role_of(user) not in (Role.SALES_REP, Role.RELATIONSHIP_MANAGER, Role.GENERAL_MANAGER):
        raise ValidationError({"user": _("Only sales reps, relationship managers and general managers join teams.")})
    member = AccountTeamMember.objects.filter(customer=customer, user=user).first()
    member = member or AccountTeamMember(customer=customer, user=user)
    member.role = role
    member.can_edit = can_edit
    return _save(member, by=by)


@transaction.atomic
def team_member_remove(*, member: AccountTeamMember, by: AbstractBaseUser) -> None:
    member._history_user = by
    member.delete()


CONTACT_FIELDS = (
    "name",
    "job_title",
    "department",
    "email",
    "phone",
    "birthday",
    "decision_role",
    "notes",
    "is_active",
)


@transaction.atomic
def contact_save(
    *, by: AbstractBaseUser, customer: Customer | None = None, contact: ContactPerson | None = None, **fields: Any
) -> ContactPerson:
    contact = contact or ContactPerson(customer=customer)
    _assign(contact, fields, CONTACT_FIELDS)
    return _save(contact, by=by)


@transaction.atomic
def household_save(
    *, by: AbstractBaseUser, customer: Customer | None = None, household: Household | None = None, **fields: Any
) -> Household:
    household = household or Household(customer=customer)
    _assign(household, fields, ("name", "address"))
    return _save(household, by=by)


MEMBER_FIELDS = (
    "name",
    "relation",
    "relative_of",
    "birthday",
    "occupation",
    "interests",
    "notes",
    "linked_customer",
    "linked_contact",
)


@transaction.atomic
def household_member_save(
    *,
    by: AbstractBaseUser,
    household: Household | None = None,
    member: HouseholdMember | None = None,
    **fields: Any,
) -> HouseholdMember:
    member = member or HouseholdMember(household=household)
    _assign(member, fields, MEMBER_FIELDS)
    customer_id = member.household.customer_id
    errors = {}
    if member.relative_of is not None and member.relative_of.customer_id != customer_id:
        errors["relative_of"] = _("Choose a contact person of this customer.")
    visible = Customer.objects.visible_to(by)
    if member.linked_customer is not None and not visible.filter(pk=member.linked_customer.pk).exists():
        errors["linked_customer"] = _("Choose a customer you can see.")
    if member.linked_contact is not None and not visible.filter(pk=member.linked_contact.customer_id).exists():
        errors["linked_contact"] = _("Choose a contact person you can see.")
    if member.birthday and member.birthday > timezone.localdate():
        errors["birthday"] = _("The birthday cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    return _save(member, by=by)


def interest_topic_get_or_create(*, name: str) -> InterestTopic:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationError({"topic": _("Name the interest, for example golf or halal food only.")})
    topic = InterestTopic.objects.filter(name__iexact=cleaned).first()
    return topic or InterestTopic.objects.create(name=cleaned[:100])


@transaction.atomic
def interest_save(
    *,
    by: AbstractBaseUser,
    customer: Customer | None = None,
    interest: Interest | None = None,
    topic: str | InterestTopic,
    sentiment: str,
    note: str = "",
    contact: ContactPerson | None = None,
) -> Interest:
    interest = interest or Interest(customer=customer)
    interest.topic = topic if isinstance(topic, InterestTopic) else interest_topic_get_or_create(name=topic)
    interest.sentiment = sentiment
    interest.note = note
    interest.contact = contact
    if contact is not None and contact.customer_id != interest.customer_id:
        raise ValidationError({"contact": _("Choose a contact person of this customer.")})
    return _save(interest, by=by)


FEEDBACK_FIELDS = ("contact", "asked_on", "channel", "wants", "would_buy", "likes", "dislikes", "sentiment")


@transaction.atomic
def feedback_save(
    *, by: AbstractBaseUser, customer: Customer | None = None, feedback: Feedback | None = None, **fields: Any
) -> Feedback:
    feedback = feedback or Feedback(customer=customer, recorded_by=by)
    _assign(feedback, fields, FEEDBACK_FIELDS)
    if feedback.contact is not None and feedback.contact.customer_id != feedback.customer_id:
        raise ValidationError({"contact": _("Choose a contact person of this customer.")})
    return _save(feedback, by=by)


INTEL_FIELDS = (
    "competitor_brand",
    "product_category",
    "estimated_annual_spend",
    "reason_not_us",
    "what_would_win",
    "last_confirmed_on",
)


@transaction.atomic
def competitor_intel_save(
    *,
    by: AbstractBaseUser,
    customer: Customer | None = None,
    intel: CompetitorIntel | None = None,
    **fields: Any,
) -> CompetitorIntel:
    intel = intel or CompetitorIntel(customer=customer, recorded_by=by)
    _assign(intel, fields, INTEL_FIELDS)
    spend = intel.estimated_annual_spend
    if spend is not None and Decimal(spend) < 0:
        raise ValidationError({"estimated_annual_spend": _("The spend cannot be negative.")})
    return _save(intel, by=by)


@transaction.atomic
def record_delete(*, record: models.Model, by: AbstractBaseUser) -> None:
    """Delete a contact, household, member, interest, feedback or intel entry; the history keeps it."""
    record._history_user = by
    record.delete()


def birthday_is_valid(value: date | None) -> bool:
    return value is None or value <= timezone.localdate()


class MemberErrors(Exception):
    """Some members of a household list were invalid; `errors` maps list positions to their errors."""

    def __init__(self, errors: dict[int, ValidationError]) -> None:
        super().__init__(errors)
        self.errors = errors


@transaction.atomic
def household_members_replace(*, household: Household, members: list[dict[str, Any]], by: AbstractBaseUser) -> None:
    """Make the household's members exactly this list: update those with an id, add the rest, remove the others."""
    existing = {member.pk: member for member in household.members.all()}
    kept: set[int] = set()
    errors: dict[int, ValidationError] = {}
    for index, fields in enumerate(members):
        fields = dict(fields)
        pk = fields.pop("id", None)
        if pk is not None:
            kept.add(pk)
        try:
            with transaction.atomic():
                household_member_save(by=by, household=household, member=existing.get(pk), **fields)
        except ValidationError as error:
            errors[index] = error
    if errors:
        raise MemberErrors(errors)
    for pk, member in existing.items():
        if pk not in kept:
            record_delete(record=member, by=by)
