"""Reads for the platform's own screens (the role dashboards)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from .roles import Role

User = get_user_model()


def users_in_role(role: Role):
    return User.objects.filter(is_active=True, groups__name=role.value).order_by("first_name", "last_name", "username")


def relationship_managers():
    """Active relationship managers with their profile and manager, in one query."""
    return users_in_role(Role.RELATIONSHIP_MANAGER).select_related("rm_profile__reports_to")


def role_counts() -> list[dict[str, Any]]:
    """Active users per role, in one query."""
    counts = User.objects.filter(is_active=True).aggregate(
        **{role.slug: Count("id", filter=Q(groups__name=role.value), distinct=True) for role in Role}
    )
    return [{"role": role, "count": counts[role.slug]} for role in Role]


def recent_lockouts(*, hours: int = 24):
    since = timezone.now() - timedelta(hours=hours)
    return AccessAttempt.objects.filter(attempt_time__gte=since).order_by("-attempt_time")[:10]
