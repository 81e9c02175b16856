import os

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.db import OperationalError

from crm_project.celery import RelasiTask, app, enqueue
from crm_project.tasks import health_check


def test_embedded_mode_runs_tasks_eagerly_without_a_broker():
    import subprocess
    import sys

    code = "from crm_project.celery import app; print(app.conf.task_always_eager)"
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "crm_project.settings"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "True"


def test_health_task_runs_eagerly(celery_eager):
    result = health_check.delay().get(timeout=5)
    assert result["status"] == "ok"
    assert result["eager"] is True
    assert result["pid"] == os.getpid()


def test_reliable_defaults():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility > app.conf.task_time_limit > app.conf.task_soft_time_limit
    assert isinstance(health_check, RelasiTask)


@app.task(bind=True, name="crm_project.tests.failing")
def failing(self, error: str) -> None:
    raise {"transient": OperationalError, "bug": ValueError}[error]("boom")


def test_transient_errors_are_retried_with_backoff_and_bugs_are_not(celery_eager):
    # Eager mode shows the scheduled retry as a Retry exception with its delay.
    with pytest.raises(Retry) as retry:
        failing.delay("transient").get()
    assert isinstance(retry.value.exc, OperationalError)
    assert 0 <= retry.value.when <= 2  # first backoff step, with jitter
    with pytest.raises(ValueError):
        failing.delay("bug").get()
    assert failing.max_retries == 5 and failing.retry_backoff_max == 600


@pytest.mark.django_db
def test_enqueue_waits_for_the_transaction_to_commit(django_capture_on_commit_callbacks, monkeypatch):
    sent: list[tuple] = []
    monkeypatch.setattr(health_check, "delay", lambda *args, **kwargs: sent.append((args, kwargs)))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue(health_check, 1, flag=True)
        assert sent == []
    assert len(callbacks) == 1
    assert sent == [((1,), {"flag": True})]


@pytest.mark.worker
def test_health_task_runs_on_a_real_worker_through_redis():
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    result = health_check.delay().get(timeout=60)
    assert result["status"] == "ok"
    assert result["eager"] is False
    assert result["pid"] != os.getpid()
