"""The `Idempotency-Key` header for create endpoints (integrations retry).

The same key with the same request replays the stored answer and creates
nothing; the same key with a different request answers 422. The record is
written in the same transaction as the created row, so a failed create leaves
no record and the client may retry with the same key.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique key per intended create (for example a UUID). Repeating the request with "
        "the same key and body replays the first answer and creates nothing; the same key with "
        f"a different body answers 422. Keys are kept for {settings.IDEMPOTENCY_KEY_TTL_HOURS} hours."
    ),
)


def request_fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, separators=(",", ":"))
    raw = f"{request.method}\n{request.path}\n{body}".encode()
    return hashlib.sha256(raw).hexdigest()


def idempotency_purge(*, older_than: timedelta | None = None) -> int:
    cutoff = timezone.now() - (older_than or timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS))
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


class IdempotentCreateMixin:
    """For DRF views with `create()`; honours the Idempotency-Key header on POST."""

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return super().create(request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise ValidationError({HEADER: [_("Give a key of 1 to %(max)d characters.") % {"max": MAX_KEY_LENGTH}]})
        fingerprint = request_fingerprint(request)
        expired_before = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
        with transaction.atomic():
            IdempotencyRecord.objects.filter(user=request.user, key=key, created_at__lt=expired_before).delete()
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=request.user,
                        key=key,
                        method=request.method,
                        path=request.path[:500],
                        request_hash=fingerprint,
                        status_code=0,
                    )
            except IntegrityError:
                return self._replay(request, key=key, fingerprint=fingerprint)
            response = super().create(request, *args, **kwargs)
            record.status_code = response.status_code
            record.response_body = _storable(response.data)
            record.save(update_fields=["status_code", "response_body"])
        return response

    def _replay(self, request: Request, *, key: str, fingerprint: str) -> Response:
        record = IdempotencyRecord.objects.get(user=request.user, key=key)
        if record.request_hash != fingerprint:
            return Response(
                {
                    "detail": _(
                        "This Idempotency-Key was already used with a different request. "
                        "Use a new key for a new request."
                    )
                },
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Response(record.response_body, status=record.status_code, headers={"Idempotent-Replayed": "true"})


def _storable(value: Any) -> Any:
    """The answer as PostgreSQL's JSON stores it: a NUL character (echoed by an error message
    quoting the client's input) cannot be stored, so it becomes U+FFFD."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_storable(v) for v in value]
    return value
