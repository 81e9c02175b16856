"""Writes of the communication loop: logging contacts, follow-ups, the cadence job."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ContactPerson, Customer

from . import selectors
from .models import FollowUp, Interaction

INTERACTION_FIELDS = (
    "channel",
    "direction",
    "purpose",
    "occurred_at",
    "duration_minutes",
    "subject",
    "notes",
    "outcome",
    "next_step",
    "follow_up_on",
    "location",
)


def _check_contacts(customer: Customer, contacts: Iterable[ContactPerson]) -> list[ContactPerson]:
    contacts = list(contacts)
    strangers = [c for c in contacts if c.customer_id != customer.pk]
    if strangers:
        raise ValidationError({"contacts": _("Choose contact persons of this customer.")})
    return contacts


def _close_cadence_need(*, customer: Customer, interaction: Interaction, by: AbstractBaseUser) -> int:
    """A contact satisfies the cadence: the open cadence follow-up of the customer is done."""
    return FollowUp.objects.filter(customer=customer, source=FollowUp.Source.CADENCE, done_at__isnull=True).update(
        done_at=timezone.now(), done_by=by, done_interaction=interaction
    )


@transaction.atomic
def interaction_log(
    *,
    by: AbstractBaseUser,
    customer: Customer,
    channel: str,
    subject: str,
    occurred_at: datetime | None = None,
    contacts: Iterable[ContactPerson] = (),
    **fields: Any,
) -> Interaction:
    """Log a contact with a customer; plan its follow-up; close the cadence need it meets."""
    unknown = set(fields) - set(INTERACTION_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    interaction = Interaction(
        customer=customer,
        logged_by=by,
        channel=channel,
        subject=subject.strip(),
        occurred_at=occurred_at or timezone.now(),
        **{k: v.strip() if isinstance(v, str) else v for k, v in fields.items()},
    )
    contacts = _check_contacts(customer, contacts)
    interaction.full_clean()
    interaction._history_user = by
    interaction.save()
    interaction.contacts.set(contacts)
    if interaction.follow_up_on:
        follow_up_create(
            by=by,
            customer=customer,
            assignee=by,
            due_on=interaction.follow_up_on,
            what=interaction.next_step or interaction.subject,
            source=FollowUp.Source.INTERACTION,
            source_interaction=interaction,
        )
    _close_cadence_need(customer=customer, interaction=interaction, by=by)
    return interaction


@transaction.atomic
def interaction_update(
    *, interaction: Interaction, by: AbstractBaseUser, contacts: Iterable[ContactPerson] | None = None, **fields: Any
) -> Interaction:
    """Correct an interaction: only its author, within the edit window; the history keeps the original."""
    if not interaction.editable_by(by):
        raise PermissionDenied(_("Only the author can correct an interaction, within 48 hours of logging it."))
    for name, value in fields.items():
        if name not in INTERACTION_FIELDS:
            raise TypeError(f"unexpected field: {name}")
        setattr(interaction, name, value.strip() if isinstance(value, str) else value)
    interaction.full_clean()
    interaction._history_user = by
    interaction.save()
    if contacts is not None:
        interaction.contacts.set(_check_contacts(interaction.customer, contacts))
    return interaction


def _may_be_assigned(user: AbstractBaseUser, customer: Customer) -> bool:
    return user.is_active and Customer.objects.visible_to(user).filter(pk=customer.pk).exists()


@transaction.atomic
def follow_up_create(
    *,
    by: AbstractBaseUser,
    customer: Customer,
    assignee: AbstractBaseUser,
    due_on: date,
    what: str,
    source: str = FollowUp.Source.MANUAL,
    source_interaction: Interaction | None = None,
) -> FollowUp:
    if not _may_be_assigned(assignee, customer):
        raise ValidationError({"assignee": _("Assign someone who works with this customer.")})
    if source_interaction is not None and due_on < timezone.localtime(source_interaction.occurred_at).date():
        raise ValidationError({"due_on": _("The follow-up cannot be before the interaction.")})
    follow_up = FollowUp(
        customer=customer,
        assignee=assignee,
        due_on=due_on,
        what=what.strip()[:300],
        source=source,
        source_interaction=source_interaction,
    )
    follow_up.full_clean()
    follow_up._history_user = by
    follow_up.save()
    return follow_up


def _save_follow_up(follow_up: FollowUp, by: AbstractBaseUser, fields: list[str]) -> FollowUp:
    follow_up.full_clean()
    follow_up._history_user = by
    follow_up.save(update_fields=[*fields, "updated_at"])
    return follow_up


@transaction.atomic
def follow_up_complete(
    *, follow_up: FollowUp, by: AbstractBaseUser, interaction: Interaction | None = None
) -> FollowUp:
    if follow_up.done_at is None:
        follow_up.done_at = timezone.now()
        follow_up.done_by = by
        follow_up.done_interaction = interaction
        _save_follow_up(follow_up, by, ["done_at", "done_by", "done_interaction"])
    return follow_up


@transaction.atomic
def follow_up_reschedule(*, follow_up: FollowUp, by: AbstractBaseUser, due_on: date) -> FollowUp:
    """Snooze or bring forward; a done follow-up is not rescheduled."""
    if follow_up.done_at is not None:
        raise ValidationError({"due_on": _("This follow-up is already done.")})
    if due_on < timezone.localdate() and due_on < follow_up.due_on:
        raise ValidationError({"due_on": _("Choose today or a later date.")})
    follow_up.due_on = due_on
    return _save_follow_up(follow_up, by, ["due_on"])


@transaction.atomic
def follow_up_reword(*, follow_up: FollowUp, by: AbstractBaseUser, what: str) -> FollowUp:
    follow_up.what = what.strip()[:300]
    return _save_follow_up(follow_up, by, ["what"])


@transaction.atomic
def follow_up_reassign(*, follow_up: FollowUp, by: AbstractBaseUser, assignee: AbstractBaseUser) -> FollowUp:
    if not _may_be_assigned(assignee, follow_up.customer):
        raise ValidationError({"assignee": _("Assign someone who works with this customer.")})
    follow_up.assignee = assignee
    return _save_follow_up(follow_up, by, ["assignee"])


DEFAULT_CADENCE = (("key", "", 14), ("key", "visit", 30), ("regular", "", 60))


def cadence_defaults_ensure(**kwargs: Any) -> None:
    """Key accounts: a contact every 14 days and a visit every 30; regular: a contact every 60.

    Creates only missing defaults, so an admin's changes stay.
    """
    from .models import CadenceRule

    for tier, channel, days in DEFAULT_CADENCE:
        CadenceRule.objects.get_or_create(customer=None, tier=tier, channel=channel, defaults={"max_gap_days": days})


# Apps above communications (the key-account programme) name who keeps the contact going for
# some customers: each resolver takes customer ids and answers {customer id: user}.
RESPONSIBLE_RESOLVERS: list[Callable[[Iterable[int]], dict[int, Any]]] = []


def register_responsible(resolver: Callable[[Iterable[int]], dict[int, Any]]) -> None:
    if resolver not in RESPONSIBLE_RESOLVERS:
        RESPONSIBLE_RESOLVERS.append(resolver)


def responsible_many(customers: Iterable[Customer]) -> dict[int, Any]:
    """Who keeps the contact going per customer: a key account's RM, else the owner.
    One query per registered resolver, whatever the number of customers."""
    customers = list(customers)
    result = {customer.pk: customer.owner for customer in customers}
    for resolver in RESPONSIBLE_RESOLVERS:
        result.update(resolver(list(result)))
    return result


def responsible_for(customer: Customer) -> Any:
    return responsible_many([customer])[customer.pk]


def cadence_follow_ups_create(*, as_of: date | None = None) -> int:
    """The daily job: one open follow-up for every customer whose contact is overdue.

    Idempotent and safe on two workers at once: the partial unique index on open
    cadence follow-ups turns a second insert into a no-op.
    """
    today = as_of or timezone.localdate()
    overdue = [s for s in selectors.cadence_due(customers=Customer.objects.all(), as_of=today) if s.is_overdue]
    if not overdue:
        return 0
    already = set(
        FollowUp.objects.open()
        .filter(source=FollowUp.Source.CADENCE, customer__in=[s.customer.pk for s in overdue])
        .values_list("customer_id", flat=True)
    )
    rows = []
    responsible = responsible_many(s.customer for s in overdue if s.customer.pk not in already)
    for status in overdue:
        if status.customer.pk in already:
            continue
        if status.channel:
            what = _("Contact overdue: no %(channel)s for %(days)d days (allowed: %(allowed)d).")
        else:
            what = _("Contact overdue: no contact for %(days)d days (allowed: %(allowed)d).")
        since = status.last_contact_at or status.customer.created_at
        rows.append(
            FollowUp(
                customer=status.customer,
                assignee=responsible[status.customer.pk],
                due_on=today,
                what=what
                % {
                    "channel": status.channel_label.lower(),
                    "days": (today - timezone.localtime(since).date()).days,
                    "allowed": status.max_gap_days,
                },
                source=FollowUp.Source.CADENCE,
            )
        )
    FollowUp.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    now_open = (
        FollowUp.objects.open()
        .filter(source=FollowUp.Source.CADENCE, customer__in=[s.customer.pk for s in overdue])
        .count()
    )
    return now_open - len(already)
