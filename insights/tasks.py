"""Celery transport for the rollups: take ids, call one service.

Routing (`insights.tasks.*` to the `rollups` queue, `insights.tasks.import_*` to
`imports`) and beat's schedule refer to these names, so they are explicit.
"""

from __future__ import annotations

from typing import Any

from celery import chord, group, shared_task

# tasks_io: workers load the import tasks through this module (Celery autodiscovers `tasks` only).
from . import services, tasks_io  # noqa: F401
from .models import RollupRun

BUSY_RETRY_SECONDS = 30


@shared_task(bind=True, name="insights.tasks.rollup_run", max_retries=240)
def rollup_run(self: Any, run_id: int) -> None:
    """Execute a queued run; waits (by retrying) while another rollup holds the lock."""
    run = RollupRun.objects.filter(pk=run_id, status=RollupRun.Status.QUEUED).first()
    if run is None:  # already done, or redelivered after it finished
        return
    try:
        services.rollup_execute(run=run)
    except services.RollupBusy:
        if self.request.is_eager:
            services.rollup_fail(run=run, error=str(services.BUSY_MESSAGE))
            return
        raise self.retry(countdown=BUSY_RETRY_SECONDS) from None


def rollup_dispatch_shards(*, run_id: int, ranges: list[tuple[int, int]]) -> None:
    """Fan the shards out as a group; the scoring step runs once all are done (a chord)."""
    chord(group(rollup_shard.s(run_id, low, high) for low, high in ranges))(rollup_score.si(run_id))


@shared_task(name="insights.tasks.rollup_shard")
def rollup_shard(run_id: int, low: int, high: int) -> None:
    try:
        services.rollup_shard(run_id=run_id, low=low, high=high)
    except services.TRANSIENT_ERRORS:
        raise
    except Exception as exc:
        services.rollup_fail(run=RollupRun.objects.get(pk=run_id), error=str(exc) or exc.__class__.__name__)
        raise


@shared_task(name="insights.tasks.rollup_score")
def rollup_score(run_id: int) -> None:
    services.rollup_score(run_id=run_id)


@shared_task(name="insights.tasks.rollup_nightly")
def rollup_nightly() -> list[int]:
    return [run.pk for run in services.rollup_nightly()]
