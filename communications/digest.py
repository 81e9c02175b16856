"""The daily digest: one email per user with the follow-ups and the customers due today.

Set-based: one query for the recipients, one for all their due follow-ups and one per
cadence rule (a handful), grouped in Python, whatever the number of users.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import AccountTeamMember, Customer
from crm_project.roles import Role

from . import selectors, services
from .models import DigestLog, FollowUp

logger = logging.getLogger(__name__)

DIGEST_ROLES = (Role.SALES_REP, Role.RELATIONSHIP_MANAGER, Role.GENERAL_MANAGER)
# Longer than a day so that a rerun late on the same day (or a redelivered task) finds the mark.
DEFAULT_SITE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class DigestItem:
    customer_name: str
    text: str
    url: str
    due_on: date | None = None

    def is_overdue_on(self, day: date) -> bool:
        return self.due_on is not None and self.due_on < day


@dataclass(frozen=True)
class Digest:
    user: Any
    day: date
    follow_ups: list[DigestItem]
    customers: list[DigestItem]

    @property
    def subject(self) -> str:
        follow_ups = ngettext("%(count)d follow-up", "%(count)d follow-ups", len(self.follow_ups)) % {
            "count": len(self.follow_ups)
        }
        customers = ngettext("%(count)d customer", "%(count)d customers", len(self.customers)) % {
            "count": len(self.customers)
        }
        if self.follow_ups and self.customers:
            return _("Relasi: %(follow_ups)s and %(customers)s due today") % {
                "follow_ups": follow_ups,
                "customers": customers,
            }
        return _("Relasi: %(items)s due today") % {"items": follow_ups if self.follow_ups else customers}


def site_url() -> str:
    """Where links in emails point: settings.SITE_URL, else the development server."""
    return (getattr(settings, "SITE_URL", "") or DEFAULT_SITE_URL).rstrip("/")


def _in_role(user_ref: str, roles: tuple[Role, ...]) -> Exists:
    return Exists(
        get_user_model().groups.through.objects.filter(
            user_id=OuterRef(user_ref), group__name__in=[role.value for role in roles]
        )
    )


def _recipients() -> QuerySet:
    """Active users whose role is rep, RM or GM (role_of gives admins precedence), with an email."""
    return (
        get_user_model()
        .objects.filter(_in_role("pk", DIGEST_ROLES), is_active=True, is_superuser=False)
        .exclude(_in_role("pk", (Role.ADMIN,)))
        .exclude(email="")
        .order_by("pk")
    )


def _due_follow_ups(recipients: QuerySet, today: date) -> QuerySet[FollowUp]:
    # Customer.objects.visible_to(assignee) for every assignee at once: a follow-up whose
    # customer its assignee may no longer see stays out of the mail, as it stays off the lists.
    on_team = AccountTeamMember.objects.filter(customer=OuterRef("customer"), user=OuterRef("assignee"))
    return (
        FollowUp.objects.open()
        .filter(assignee__in=recipients.values("pk"), due_on__lte=today, customer__archived_at__isnull=True)
        .filter(Q(customer__owner=F("assignee")) | Exists(on_team) | _in_role("assignee", (Role.GENERAL_MANAGER,)))
        .select_related("customer")
        .order_by("due_on", "customer__name", "id")
    )


def _cadence_text(status: selectors.CadenceStatus, today: date) -> str:
    since = status.last_contact_at or status.customer.created_at
    values = {
        "channel": status.channel_label.lower(),
        "days": (today - timezone.localtime(since).date()).days,
        "allowed": status.max_gap_days,
    }
    # The same words as the cadence follow-up the morning job opened (services.cadence_follow_ups_create).
    if status.channel:
        return _("Contact overdue: no %(channel)s for %(days)d days (allowed: %(allowed)d).") % values
    return _("Contact overdue: no contact for %(days)d days (allowed: %(allowed)d).") % values


def digests_build(*, as_of: date | None = None) -> list[Digest]:
    """Every digest due on the day; users with nothing due get none."""
    today = as_of or timezone.localdate()
    base = site_url()
    recipients = list(_recipients())
    by_id = {user.pk: user for user in recipients}
    customers: dict[int, list[selectors.CadenceStatus]] = defaultdict(list)
    # All customers once, grouped by who is responsible, rather than once per user.
    due = selectors.cadence_due(customers=Customer.objects.all(), as_of=today, horizon_days=0)
    responsible_by_customer = services.responsible_many(status.customer for status in due)
    for status in due:
        responsible = responsible_by_customer[status.customer.pk]
        if status.is_overdue and responsible.pk in by_id:
            customers[responsible.pk].append(status)
    follow_ups: dict[int, list[FollowUp]] = defaultdict(list)
    for follow_up in _due_follow_ups(_recipients(), today):
        follow_ups[follow_up.assignee_id].append(follow_up)

    digests = []
    # No per-user language yet: every digest speaks the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        for user in recipients:
            late = customers.get(user.pk, [])
            listed = {status.customer.pk for status in late}
            # The cadence follow-up of a customer listed below would say the same thing twice.
            mine = [
                f
                for f in follow_ups.get(user.pk, [])
                if not (f.source == FollowUp.Source.CADENCE and f.customer_id in listed)
            ]
            if not mine and not late:
                continue
            digests.append(
                Digest(
                    user=user,
                    day=today,
                    follow_ups=[
                        DigestItem(f.customer.name, f.what, base + f.customer.get_absolute_url(), f.due_on)
                        for f in mine
                    ],
                    customers=[
                        DigestItem(s.customer.name, _cadence_text(s, today), base + s.customer.get_absolute_url())
                        for s in late
                    ],
                )
            )
    return digests


def _message(digest: Digest, connection: Any) -> mail.EmailMultiAlternatives:
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "digest": digest,
            "name": digest.user.first_name or digest.user.get_username(),
            "overdue": [item for item in digest.follow_ups if item.is_overdue_on(digest.day)],
            "today": [item for item in digest.follow_ups if not item.is_overdue_on(digest.day)],
            "home_url": site_url() + reverse("home"),
        }
        message = mail.EmailMultiAlternatives(
            subject=digest.subject,
            body=render_to_string("communications/email/digest.txt", context),
            to=[digest.user.email],
            connection=connection,
        )
        message.attach_alternative(render_to_string("communications/email/digest.html", context), "text/html")
    return message


def digests_send(*, as_of: date | None = None) -> int:
    """Email each user their digest for the day, at most once per user and day; returns how many went out.

    Idempotent: a DigestLog row (unique per user and day) is written before the mail goes
    out, so a second run, or a second worker, skips that user. The row is removed again when
    the mail server fails, and the error raised after the others went out, so that the task's
    retry sends exactly the missing ones.
    """
    today = as_of or timezone.localdate()
    digests = digests_build(as_of=today)
    # Claim every recipient in one statement; the unique (user, day) index lets a
    # second run or worker claim only those nobody claimed before.
    run = uuid.uuid4()
    DigestLog.objects.bulk_create(
        [DigestLog(user=digest.user, day=today, run=run) for digest in digests], ignore_conflicts=True
    )
    mine = set(DigestLog.objects.filter(day=today, run=run).values_list("user_id", flat=True))
    sent, failed, unsent = 0, [], []
    with mail.get_connection() as connection:
        for digest in digests:
            if digest.user.pk not in mine:
                continue
            try:
                _message(digest, connection).send()
            except OSError as error:  # smtplib's errors included
                unsent.append(digest.user.pk)
                failed.append(error)
                logger.warning("digest for user %s not sent: %s", digest.user.pk, error)
                continue
            sent += 1
    if unsent:
        DigestLog.objects.filter(day=today, run=run, user__in=unsent).delete()
    logger.info("daily digests for %s: %d sent, %d failed", today, sent, len(failed))
    if failed:
        raise failed[0]
    return sent
