import os
import socket

from celery import shared_task

from .idempotency import idempotency_purge


@shared_task(bind=True)
def health_check(self) -> dict:
    """Proves the wiring: answers where it ran."""
    return {
        "status": "ok",
        "hostname": socket.gethostname(),
        "pid": os.getpid(),
        "eager": bool(self.request.is_eager),
    }


@shared_task
def purge_idempotency_records() -> int:
    return idempotency_purge()
