from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .navigation import nav_for
from .roles import role_of


def relasi(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    role = role_of(user)
    match = getattr(request, "resolver_match", None)
    return {
        "current_role": role,
        "nav_items": nav_for(role, match.view_name if match else ""),
        "default_currency": settings.DEFAULT_CURRENCY,
        # django-htmx's {% htmx_script %} looks for this name.
        "csp_nonce": getattr(request, "csp_nonce", ""),
    }
