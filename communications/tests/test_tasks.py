"""The morning jobs as Celery runs them: eagerly here, on a real worker in CI (`worker` marker)."""

import datetime
import smtplib

import pytest
from celery.exceptions import Retry
from celery.result import AsyncResult, EagerResult
from django.conf import settings
from django.core import mail
from django.utils import timezone

from accounts.models import Customer
from accounts.tests.factories import CustomerFactory
from communications import digest
from communications.models import CadenceRule, FollowUp
from communications.tasks import cadence_check, send_daily_digests
from communications.tests.factories import FollowUpFactory, InteractionFactory
from crm_project.celery import RelasiTask, app

TODAY = datetime.date(2026, 11, 25)


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def _customer(owner, *, name: str, last_contact_days_ago: int | None) -> Customer:
    customer = CustomerFactory(owner=owner, name=name)
    Customer.objects.filter(pk=customer.pk).update(created_at=_at(TODAY - datetime.timedelta(days=400)))
    if last_contact_days_ago is not None:
        InteractionFactory(
            customer=customer, logged_by=owner, occurred_at=_at(TODAY - datetime.timedelta(days=last_contact_days_ago))
        )
    return customer


def _customers(rep, rep2) -> list[Customer]:
    """Three customers overdue on the regular 60-day cadence, one in time; returns the overdue ones."""
    # A transactional test before this one flushes the rules the migration created.
    CadenceRule.objects.get_or_create(customer=None, tier="regular", channel="", defaults={"max_gap_days": 60})
    _customer(rep, name="PT Tepat Waktu", last_contact_days_ago=20)
    return [
        _customer(rep, name="PT Lama Sekali", last_contact_days_ago=75),
        _customer(rep, name="PT Belum Pernah", last_contact_days_ago=None),
        _customer(rep2, name="PT Jauh", last_contact_days_ago=61),
    ]


def test_tasks_carry_the_names_beat_and_routing_use():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {cadence_check.name, send_daily_digests.name} <= scheduled
    assert cadence_check.name == "communications.tasks.cadence_check"
    assert send_daily_digests.name == "communications.tasks.send_daily_digests"
    assert app.amqp.router.route({}, send_daily_digests.name)["queue"].name == "mail"
    assert app.amqp.router.route({}, cadence_check.name)["queue"].name == "default"
    assert isinstance(cadence_check, RelasiTask) and isinstance(send_daily_digests, RelasiTask)


@pytest.mark.django_db
def test_cadence_check_twice_opens_each_follow_up_once(celery_eager, rep, rep2):
    overdue = _customers(rep, rep2)
    assert cadence_check.delay(TODAY.isoformat()).get() == 3
    assert cadence_check.delay(TODAY.isoformat()).get() == 0
    follow_ups = FollowUp.objects.open().filter(source=FollowUp.Source.CADENCE)
    assert sorted((f.customer.name, f.assignee, f.due_on) for f in follow_ups) == [
        ("PT Belum Pernah", rep, TODAY),
        ("PT Jauh", rep2, TODAY),
        ("PT Lama Sekali", rep, TODAY),
    ]
    assert {f.customer for f in follow_ups} == set(overdue)


@pytest.mark.django_db
def test_cadence_check_defaults_to_today(celery_eager, rep):
    customer = CustomerFactory(owner=rep)
    Customer.objects.filter(pk=customer.pk).update(created_at=timezone.now() - datetime.timedelta(days=61))
    assert cadence_check.delay().get() == 1
    assert FollowUp.objects.get().due_on == timezone.localdate()


@pytest.mark.django_db
def test_send_daily_digests_sends_once_per_day(celery_eager, rep, rep2):
    _customers(rep, rep2)
    FollowUpFactory(customer=Customer.objects.get(name="PT Tepat Waktu"), assignee=rep, due_on=TODAY)
    assert send_daily_digests.delay(TODAY.isoformat()).get() == 2
    assert send_daily_digests.delay(TODAY.isoformat()).get() == 0
    assert sorted(message.subject for message in mail.outbox) == [
        "Relasi: 1 customer due today",
        "Relasi: 1 follow-up and 2 customers due today",
    ]


def test_a_mail_server_failure_is_retried_with_backoff(celery_eager, monkeypatch):
    def down(*, as_of):
        raise smtplib.SMTPConnectError(421, "Service not available")

    monkeypatch.setattr(digest, "digests_send", down)
    with pytest.raises(Retry) as retry:
        send_daily_digests.delay(TODAY.isoformat()).get()
    assert isinstance(retry.value.exc, smtplib.SMTPConnectError)
    assert 0 <= retry.value.when <= 2  # the first backoff step, with jitter


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_cadence_check_on_two_real_workers_at_once_opens_one_follow_up_per_customer(rep, rep2):
    """Committed rows, a real Redis broker and worker (.ci/run): both runs may overlap, no duplicate."""
    overdue = _customers(rep, rep2)
    runs = [cadence_check.delay(TODAY.isoformat()), cadence_check.delay(TODAY.isoformat())]
    assert all(isinstance(run, AsyncResult) and not isinstance(run, EagerResult) for run in runs)
    results = sorted(run.get(timeout=60) for run in runs)
    # One after the other: 3 then 0; at the same time, each counts the rows that are open in the end.
    assert results in ([0, 3], [3, 3])
    assert all(run.state == "SUCCESS" for run in runs)
    assert cadence_check.delay(TODAY.isoformat()).get(timeout=60) == 0
    open_cadence = FollowUp.objects.open().filter(source=FollowUp.Source.CADENCE)
    assert sorted(open_cadence.values_list("customer_id", flat=True)) == sorted(c.pk for c in overdue)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_digests_go_through_the_mail_queue_of_a_real_worker(rep, rep2):
    _customers(rep, rep2)
    run = send_daily_digests.delay(TODAY.isoformat())
    assert not isinstance(run, EagerResult)
    assert run.get(timeout=60) == 2
