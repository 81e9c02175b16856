"""Writes of the insights app: purchases, rollup runs and the candidate rule.

The heavy lifting is SQL in `rollup.py`; these functions own the run's
lifecycle (queued, running, done or failed), the lock, and what to enqueue.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Customer
from crm_project.celery import enqueue, transient_errors

from . import rollup
from .incremental import CutsMissing
from .models import CandidateRule, Purchase, RollupLock, RollupRun

logger = logging.getLogger(__name__)

LOCK_NAME = "rollup"
TRANSIENT_ERRORS = transient_errors()
BUSY_MESSAGE = gettext_lazy("Another rollup was running; run this one again once it has finished.")


@transaction.atomic
def purchase_record(
    *,
    customer: Customer,
    purchased_at: dt.datetime,
    amount: Decimal,
    external_id: str,
    source: str = "manual",
    quantity: Decimal | None = None,
    product: str = "",
    category: str = "",
    cost: Decimal | None = None,
    by: Any = None,
) -> Purchase:
    """One purchase, validated; queues the incremental rollup for its customer."""
    purchase = Purchase(
        customer=customer,
        purchased_at=purchased_at,
        amount=amount,
        quantity=quantity,
        product=product,
        category=category,
        cost=cost,
        source=source,
        external_id=external_id,
    )
    purchase.full_clean()
    purchase.save()
    rollup_after_purchases(customer_ids=[customer.pk], by=by)
    return purchase


# --- rollup runs --------------------------------------------------------------------------------


def rollup_request(
    *,
    kind: str = RollupRun.Kind.FULL,
    as_of: dt.date | None = None,
    by: Any = None,
    customer_ids: Collection[int] = (),
) -> RollupRun:
    """Queue a rollup; it runs in a worker once the current transaction commits."""
    from .tasks import rollup_run

    as_of = as_of or timezone.localdate()
    if kind == RollupRun.Kind.SNAPSHOT:
        as_of = rollup.month_end(as_of)
    # Decided when queued: a full run over many customers is split into shards for the workers.
    shards = rollup.shard_count() if kind == RollupRun.Kind.FULL else 1
    run = RollupRun(kind=kind, as_of=as_of, requested_by=by, customer_ids=sorted(set(customer_ids)), shards=shards)
    run.full_clean()
    run.save()
    enqueue(rollup_run, run.pk)
    return run


def rollup_after_purchases(*, customer_ids: Collection[int], by: Any = None) -> RollupRun | None:
    """After purchases arrive (for these customers): an incremental run merges them.

    The new purchases themselves are recorded as pending by a database trigger; the
    run merges whatever is pending when it starts. Above ROLLUP_INCREMENTAL_MAX
    customers a full run is queued instead, as cheap as merging that many.
    """
    ids = set(customer_ids)
    if not ids:
        return None
    if len(ids) > settings.ROLLUP_INCREMENTAL_MAX:
        return rollup_request(kind=RollupRun.Kind.FULL, by=by)
    return rollup_request(kind=RollupRun.Kind.INCREMENTAL, by=by)


def rollup_run_now(
    *, kind: str = RollupRun.Kind.FULL, as_of: dt.date | None = None, customer_ids: Collection[int] = ()
) -> RollupRun:
    """Create and execute a run in this process (commands, demo data, tests)."""
    as_of = as_of or timezone.localdate()
    if kind == RollupRun.Kind.SNAPSHOT:
        as_of = rollup.month_end(as_of)
    run = RollupRun.objects.create(kind=kind, as_of=as_of, customer_ids=sorted(set(customer_ids)))
    rollup_execute(run=run, shards=1)
    run.refresh_from_db()
    return run


class RollupBusy(Exception):
    """Another rollup holds the lock."""


def _lock_acquire(run: RollupRun) -> bool:
    now = timezone.now()
    RollupLock.objects.get_or_create(name=LOCK_NAME)
    # A conditional UPDATE is atomic on every database: exactly one contender wins.
    taken = (
        RollupLock.objects.filter(name=LOCK_NAME)
        .filter(Q(run__isnull=True) | Q(expires_at__lt=now) | Q(run=run))
        .update(run=run, expires_at=now + dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT))
    )
    if taken:
        # Runs that held an expired lock died with their worker.
        RollupRun.objects.filter(status=RollupRun.Status.RUNNING).exclude(pk=run.pk).update(
            status=RollupRun.Status.FAILED, finished_at=now, error=_("The worker stopped before the run finished.")
        )
    return bool(taken)


def _lock_release(run: RollupRun) -> None:
    RollupLock.objects.filter(name=LOCK_NAME, run=run).update(run=None, expires_at=None)


def _run_start(run: RollupRun, *, shards: int = 1) -> None:
    if not _lock_acquire(run):
        raise RollupBusy
    RollupRun.objects.filter(pk=run.pk).update(
        status=RollupRun.Status.RUNNING, started_at=timezone.now(), shards=shards, shards_done=0, error=""
    )


def _run_finish(run: RollupRun, *, rows: int, changed: int) -> None:
    RollupRun.objects.filter(pk=run.pk).update(
        status=RollupRun.Status.DONE,
        finished_at=timezone.now(),
        rows=rows,
        rows_changed=changed,
        shards_done=F("shards"),
    )
    _lock_release(run)


def rollup_fail(*, run: RollupRun, error: str) -> None:
    RollupRun.objects.filter(pk=run.pk).update(status=RollupRun.Status.FAILED, finished_at=timezone.now(), error=error)
    rollup.stage_clear(run_id=run.pk)
    _lock_release(run)


def _execute_whole(run: RollupRun) -> tuple[int, int]:
    if run.kind == RollupRun.Kind.SNAPSHOT:
        return rollup.snapshot_month(as_of=run.as_of)
    current = rollup.current_as_of()
    if run.kind == RollupRun.Kind.INCREMENTAL and current and current > run.as_of:
        # Queued before the nightly run moved the table on: refresh the table's day, never go back.
        RollupRun.objects.filter(pk=run.pk).update(as_of=current)
        run.as_of = current
    rows = changed = None
    if run.kind == RollupRun.Kind.INCREMENTAL and current == run.as_of:
        try:
            rows, changed = rollup.incremental(as_of=run.as_of, customer_ids=run.customer_ids)
        except CutsMissing:
            logger.info("rollup %s: no score cuts for the current table, running a full rollup", run.pk)
    if rows is None:
        # No current table for that day yet (or no cuts): only a full run can score everyone.
        rows, changed = rollup.full(as_of=run.as_of)
    candidates_refresh()
    return rows, changed


def rollup_execute(*, run: RollupRun, shards: int | None = None) -> None:
    """Run a rollup: in one transaction, or for a big full run as shards then scoring.

    Returns once done for a whole run; for a sharded run once the shards are
    dispatched (the scoring task finishes the run).
    """
    shards = shards or run.shards
    _run_start(run, shards=shards)
    try:
        if shards > 1:
            from .tasks import rollup_dispatch_shards

            rollup_dispatch_shards(run_id=run.pk, ranges=rollup.shard_ranges(shards))
            return
        rows, changed = _execute_whole(run)
    except Exception as exc:
        rollup_fail(run=run, error=str(exc) or exc.__class__.__name__)
        raise
    _run_finish(run, rows=rows, changed=changed)


def rollup_shard(*, run_id: int, low: int, high: int) -> None:
    as_of = RollupRun.objects.values_list("as_of", flat=True).get(pk=run_id)
    rollup.stage_shard(run_id=run_id, as_of=as_of, low=low, high=high)
    RollupRun.objects.filter(pk=run_id).update(shards_done=F("shards_done") + 1)


def rollup_score(*, run_id: int) -> None:
    run = RollupRun.objects.get(pk=run_id)
    try:
        rows, changed = rollup.score_from_stage(run_id=run.pk, as_of=run.as_of)
        candidates_refresh()
    except Exception as exc:
        rollup_fail(run=run, error=str(exc) or exc.__class__.__name__)
        raise
    _run_finish(run, rows=rows, changed=changed)


def rollup_nightly() -> list[RollupRun]:
    """Beat's nightly job: today's full run, and last month's snapshot if it is missing."""
    today = timezone.localdate()
    runs = [rollup_request(kind=RollupRun.Kind.FULL, as_of=today)]
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    if not rollup.snapshot_exists(as_of=last_month_end):
        runs.append(rollup_request(kind=RollupRun.Kind.SNAPSHOT, as_of=last_month_end))
    return runs


# --- key-account candidates ---------------------------------------------------------------------


def candidate_rule_get() -> CandidateRule:
    rule, _created = CandidateRule.objects.get_or_create(pk=1)
    return rule


@transaction.atomic
def candidate_rule_save(*, top_n: int, growth_threshold: Decimal, min_revenue: Decimal) -> CandidateRule:
    rule = candidate_rule_get()
    rule.top_n, rule.growth_threshold, rule.min_revenue = top_n, growth_threshold, min_revenue
    rule.full_clean()
    rule.save()
    candidates_refresh()
    return rule


def candidates_refresh() -> int:
    """Rewrite the candidate list from the current RFM table; returns how many rows."""
    rule = candidate_rule_get()
    if rule.growth_threshold < 0:
        raise ValidationError({"growth_threshold": _("The growth threshold cannot be negative.")})
    return rollup.candidates_write(
        top_n=rule.top_n, growth_threshold=rule.growth_threshold, min_revenue=rule.min_revenue
    )
