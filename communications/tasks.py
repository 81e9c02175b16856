"""Celery transport for the communication loop: parse the arguments, call one idempotent service.

Beat runs both every morning (settings.CELERY_BEAT_SCHEDULE); the names are explicit because
the schedule and the queue routing (`communications.tasks.*digest*` goes to `mail`) refer to them.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task

from crm_project.celery import RelasiTask

from . import digest, services


def _day(as_of: str | None) -> date | None:
    return date.fromisoformat(as_of) if as_of else None


@shared_task(name="communications.tasks.cadence_check")
def cadence_check(as_of: str | None = None) -> int:
    """Open a cadence follow-up for every customer whose contact is overdue; returns how many were opened.

    Safe to run twice or on two workers at once: the partial unique index on open cadence
    follow-ups makes a second insert a no-op.
    """
    return services.cadence_follow_ups_create(as_of=_day(as_of))


@shared_task(
    name="communications.tasks.send_daily_digests",
    # A mail server that is down or refuses for a moment (smtplib's errors are OSErrors) is
    # transient too; a retry sends only to the users who did not get the digest yet.
    autoretry_for=(*RelasiTask.autoretry_for, OSError),
)
def send_daily_digests(as_of: str | None = None) -> int:
    """Email each user the follow-ups and customers due today; returns how many digests were sent."""
    return digest.digests_send(as_of=_day(as_of))
