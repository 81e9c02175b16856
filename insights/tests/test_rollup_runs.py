"""Rollup runs: lifecycle, lock, failure safety, shards as a chord, incremental after purchases, candidates."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from unittest import mock

import pytest
from celery.result import AsyncResult, EagerResult
from django.utils import timezone

from accounts.models import Customer
from accounts.tests.factories import CustomerFactory
from insights import rollup, services
from insights.models import (
    CandidateRule,
    CustomerRFM,
    KeyAccountCandidate,
    PurchasePending,
    RFMSnapshot,
    RollupLock,
    RollupRun,
)
from insights.tasks import rollup_nightly, rollup_run
from insights.tests.factories import PurchaseFactory

TODAY = timezone.localdate()


def _history(customers: list[Customer]) -> None:
    """Customer i buys i+1 times, for (i+1) million each, spread over the last two years."""
    for i, customer in enumerate(customers):
        for k in range(i + 1):
            PurchaseFactory(
                customer=customer,
                purchased_at=timezone.now() - dt.timedelta(days=30 * k + i),
                amount=Decimal(1_000_000 * (i + 1)),
            )


def _dump() -> list[dict]:
    return list(CustomerRFM.objects.order_by("customer_id").values())


@pytest.fixture
def customers(db):
    batch = CustomerFactory.create_batch(5)
    _history(batch)
    return batch


def test_run_now_records_the_run_and_its_rows(customers):
    run = services.rollup_run_now()

    assert (run.status, run.kind, run.as_of, run.rows, run.rows_changed) == ("done", "full", TODAY, 5, 5)
    assert run.started_at <= run.finished_at
    assert CustomerRFM.objects.get(customer=customers[4]).frequency == 5
    assert RollupLock.objects.get(name="rollup").run is None


def test_queued_run_executes_through_the_task_after_commit(
    customers, gm, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.rollup_request(kind="full", by=gm)

    run.refresh_from_db()
    assert (run.status, run.requested_by, run.rows) == ("done", gm, 5)


def test_a_second_rollup_waits_for_the_lock(customers, celery_eager):
    holder = RollupRun.objects.create(as_of=TODAY, status=RollupRun.Status.RUNNING)
    assert services._lock_acquire(holder)
    run = RollupRun.objects.create(as_of=TODAY)

    with pytest.raises(services.RollupBusy):
        services.rollup_execute(run=run)
    rollup_run.apply(args=[run.pk])  # eager: no worker to wait on, so the run fails and says why

    run.refresh_from_db()
    assert run.status == "failed" and "Another rollup" in run.error
    assert not CustomerRFM.objects.exists()


def test_a_lock_left_by_a_killed_worker_expires(customers):
    dead = RollupRun.objects.create(as_of=TODAY, status=RollupRun.Status.RUNNING)
    services._lock_acquire(dead)
    RollupLock.objects.filter(name="rollup").update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    run = services.rollup_run_now()

    dead.refresh_from_db()
    assert run.status == "done"
    assert dead.status == "failed" and dead.error


def test_a_run_killed_midway_leaves_the_previous_results_and_a_rerun_matches(customers):
    services.rollup_run_now()
    before = _dump()
    PurchaseFactory(customer=customers[0], amount=Decimal("99000000"))

    with mock.patch.object(rollup, "_count", side_effect=RuntimeError("worker killed")), pytest.raises(RuntimeError):
        services.rollup_run_now()

    failed = RollupRun.objects.order_by("-pk").first()
    assert (failed.status, failed.error) == ("failed", "worker killed")
    assert _dump() == before  # the whole statement rolled back
    services.rollup_run_now()
    uninterrupted = _dump()
    CustomerRFM.objects.all().delete()
    services.rollup_run_now()
    assert _dump()[0]["monetary"] == Decimal("100000000.00")
    assert [{k: v for k, v in r.items() if k != "computed_at"} for r in _dump()] == [
        {k: v for k, v in r.items() if k != "computed_at"} for r in uninterrupted
    ]


def test_a_big_full_run_is_split_into_shards_scored_once_all_are_done(customers, settings, celery_eager):
    services.rollup_run_now()
    single = [{k: v for k, v in r.items() if k != "computed_at"} for r in _dump()]
    CustomerRFM.objects.all().delete()
    settings.ROLLUP_SHARD_SIZE = 2
    with mock.patch("insights.services.enqueue"):
        run = services.rollup_request(kind="full")

    rollup_run.apply(args=[run.pk])

    run.refresh_from_db()
    assert (run.status, run.shards, run.shards_done, run.rows) == ("done", 3, 3, 5)
    assert [{k: v for k, v in r.items() if k != "computed_at"} for r in _dump()] == single


def test_purchases_queue_an_incremental_run_for_the_customers_they_touch(customers, celery_eager):
    services.rollup_run_now()
    newcomer = CustomerFactory()

    with mock.patch("insights.services.enqueue") as enqueue:
        services.purchase_record(
            customer=newcomer,
            purchased_at=timezone.now(),
            amount=Decimal("7000000"),
            external_id="INV-1",
            source="erp",
        )
    run = RollupRun.objects.get(kind="incremental")
    assert run.customer_ids == []  # the purchase itself is recorded as pending, to be merged
    assert PurchasePending.objects.get().customer_id == newcomer.pk
    enqueue.assert_called_once_with(rollup_run, run.pk)

    rollup_run.apply(args=[run.pk])

    run.refresh_from_db()
    assert (run.status, run.rows) == ("done", 6)
    assert CustomerRFM.objects.get(customer=newcomer).frequency == 1


def test_many_touched_customers_queue_a_full_run_instead(customers, settings):
    settings.ROLLUP_INCREMENTAL_MAX = 2
    with mock.patch("insights.services.enqueue"):
        run = services.rollup_after_purchases(customer_ids=[c.pk for c in customers])
    assert (run.kind, run.customer_ids) == ("full", [])


def test_incremental_without_a_current_table_for_that_day_runs_full(customers):
    run = services.rollup_run_now(kind="incremental", customer_ids=[customers[0].pk])

    assert (run.status, run.rows) == ("done", 5)


def test_an_incremental_run_queued_yesterday_refreshes_todays_table(customers):
    services.rollup_run_now()
    newcomer = CustomerFactory()
    PurchaseFactory(customer=newcomer, purchased_at=timezone.now() - dt.timedelta(days=2))
    yesterday = TODAY - dt.timedelta(days=1)

    run = services.rollup_run_now(kind="incremental", as_of=yesterday, customer_ids=[newcomer.pk])

    assert (run.as_of, run.rows) == (TODAY, 6)
    assert set(CustomerRFM.objects.values_list("as_of", flat=True)) == {TODAY}


def test_snapshot_runs_land_on_the_month_end(customers):
    run = services.rollup_run_now(kind="snapshot", as_of=TODAY.replace(day=3))

    assert run.as_of == rollup.month_end(TODAY)
    assert RFMSnapshot.objects.filter(month=TODAY.replace(day=1)).count() == 5
    assert rollup.snapshot_exists(as_of=TODAY)


def test_nightly_queues_today_and_the_missing_snapshot_once(
    customers, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rollup_nightly.apply()
    kinds = sorted(RollupRun.objects.values_list("kind", "status"))
    assert kinds == [("full", "done"), ("snapshot", "done")]

    with django_capture_on_commit_callbacks(execute=True):
        rollup_nightly.apply()
    assert RollupRun.objects.filter(kind="snapshot").count() == 1


def test_candidates_list_top_revenue_and_fast_growers_with_their_numbers(customers):
    grower = CustomerFactory()
    PurchaseFactory(customer=grower, purchased_at=timezone.now() - dt.timedelta(days=400), amount=Decimal("100000000"))
    PurchaseFactory(customer=grower, purchased_at=timezone.now(), amount=Decimal("300000000"))
    services.rollup_run_now()

    services.candidate_rule_save(top_n=2, growth_threshold=Decimal("0.5"), min_revenue=Decimal("250000000"))

    top = list(KeyAccountCandidate.objects.filter(reason="top_revenue").values_list("customer_id", "rank"))
    assert top == [(grower.pk, 1), (customers[4].pk, 2)]
    fast = KeyAccountCandidate.objects.get(reason="fast_growth")
    assert (fast.customer_id, fast.revenue_12m, fast.revenue_prev_12m, fast.growth) == (
        grower.pk,
        Decimal("300000000.00"),
        Decimal("100000000.00"),
        Decimal("2.000000"),
    )
    assert CandidateRule.objects.get().top_n == 2


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_sharded_full_run_on_a_real_worker_equals_the_single_statement():
    """Shards as a Celery group and the scoring step as the chord's callback, on the worker of .ci/run."""
    batch = CustomerFactory.create_batch(5)
    _history(batch)
    services.rollup_run_now()
    single = [{k: v for k, v in r.items() if k != "computed_at"} for r in _dump()]
    CustomerRFM.objects.all().delete()

    run = RollupRun.objects.create(as_of=TODAY, shards=3)
    result = rollup_run.delay(run.pk)
    assert isinstance(result, AsyncResult) and not isinstance(result, EagerResult)
    result.get(timeout=60)
    for _ in range(120):
        run.refresh_from_db()
        if run.status in ("done", "failed"):
            break
        time.sleep(0.5)
    assert (run.status, run.shards, run.shards_done) == ("done", 3, 3)
    assert [{k: v for k, v in r.items() if k != "computed_at"} for r in _dump()] == single
