"""Login protection shared by every login path: form, admin and API token."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_message() -> str:
    return _(
        "Too many failed login attempts for this username from your address. "
        "Try again in %(minutes)d minutes, or ask an administrator to unlock the account."
    ) % {"minutes": lockout_minutes()}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message()}, status=status)
    return render(request, "registration/locked_out.html", {"message": lockout_message()}, status=status)


def client_ip(request: HttpRequest) -> str:
    """The client's address, trusting X-Forwarded-For only as far as our own proxies."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
