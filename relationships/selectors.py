"""Reads of the key-account programme."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from .models import RelationshipManagerProfile


def rm_profile_list(*, reports_to: AbstractBaseUser | None = None) -> QuerySet[RelationshipManagerProfile]:
    profiles = RelationshipManagerProfile.objects.select_related("user", "reports_to")
    if reports_to is not None:
        profiles = profiles.filter(reports_to=reports_to)
    return profiles
