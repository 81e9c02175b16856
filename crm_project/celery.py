"""Celery application: configured from Django settings (CELERY_* names).

Without CELERY_BROKER_URL, tasks run eagerly in the calling process (embedded
mode); with it, they go to workers started by `make worker`.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_project.settings")


def transient_errors() -> tuple[type[BaseException], ...]:
    from django.db import InterfaceError, OperationalError
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (OperationalError, InterfaceError, BrokerError, RedisConnectionError, RedisTimeoutError)


class RelasiTask(Task):
    """Every task retries transient database and broker errors with backoff.

    Tasks must be idempotent: with acks_late a task whose worker died runs again.
    """

    autoretry_for = transient_errors()
    retry_backoff = 2
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 5


app = Celery("relasi", task_cls=RelasiTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue(task: Any, *args: Any, **kwargs: Any) -> None:
    """Send a task once the current transaction commits, so that the worker
    sees the rows the request wrote (and nothing is sent if it rolls back)."""
    from django.db import transaction

    transaction.on_commit(lambda: task.delay(*args, **kwargs))
