"""Celery transport for the purchase upload: take the import's id, call one service.

The names match the `insights.tasks.import_*` route, which sends them to the
`imports` queue; both tasks are safe to run twice (see purchase_io.purchase_import_run).
"""

from __future__ import annotations

from celery import shared_task

from . import purchase_io


@shared_task(name="insights.tasks.import_purchases_check")
def import_purchases_check(import_id: int) -> None:
    """The dry run: every row validated, nothing written but the import's counters and errors."""
    purchase_io.purchase_import_run(import_id=import_id, commit=False)


@shared_task(name="insights.tasks.import_purchases_commit")
def import_purchases_commit(import_id: int) -> None:
    """The import: the valid rows inserted batch by batch, then the rollup queued."""
    purchase_io.purchase_import_run(import_id=import_id, commit=True)
