"""Celery transport for the programme's period figures: take a period key, call one service."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from . import services
from .periods import Period


@shared_task(name="relationships.tasks.period_compute")
def period_compute(period_key: str, requested_by_id: int | None = None) -> int:
    """Compute (or recompute) one period's stored figures; returns the computation's id."""
    requested_by = get_user_model().objects.filter(pk=requested_by_id).first() if requested_by_id else None
    return services.period_compute(period=Period.parse(period_key), requested_by=requested_by).pk


@shared_task(name="relationships.tasks.periods_nightly")
def periods_nightly() -> list[str]:
    """The running quarter and year, and a period that ended since it was last computed."""
    keys = [period.key for period in services.periods_due(today=timezone.localdate())]
    for key in keys:
        period_compute(key)
    return keys


def enqueue(period: Period, *, by: Any = None) -> None:
    period_compute.delay(period.key, by.pk if by is not None else None)
