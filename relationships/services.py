"""Writes of the key-account programme."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm_project.roles import Role, role_of

from .models import RelationshipManagerProfile


@transaction.atomic
def rm_profile_save(
    *,
    user: AbstractBaseUser,
    reports_to: AbstractBaseUser,
    capacity: int = RelationshipManagerProfile.DEFAULT_CAPACITY,
    start_date: date | None = None,
    languages: str = "",
    notes: str = "",
) -> RelationshipManagerProfile:
    """Create or update a relationship manager's profile; the manager must be a general manager."""
    errors = {}
    if role_of(user) is not Role.RELATIONSHIP_MANAGER:
        errors["user"] = _("Only a relationship manager can have a relationship manager profile.")
    if role_of(reports_to) is not Role.GENERAL_MANAGER:
        errors["reports_to"] = _("A relationship manager reports to a general manager.")
    if errors:
        raise ValidationError(errors)
    profile = RelationshipManagerProfile.objects.filter(user=user).first() or RelationshipManagerProfile(user=user)
    profile.reports_to = reports_to
    profile.capacity = capacity
    if start_date is not None:
        profile.start_date = start_date
    profile.languages = languages
    profile.notes = notes
    profile.full_clean()
    profile.save()
    return profile
