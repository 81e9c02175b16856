"""The four roles of Relasi and the one helper that answers "what role has this user".

Roles are Django groups (created by a data migration) so that admins manage them
in the admin like any group; the model permissions of each role are declared
here and re-synced after every migrate, as later apps add models.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _

DOMAIN_APPS = ("accounts", "communications", "insights", "relationships")
ALL_ACTIONS = ("view", "add", "change", "delete")


class Role(models.TextChoices):
    # Values are the group names stored in the database: keep them stable.
    SALES_REP = "Sales rep", _("Sales rep")
    RELATIONSHIP_MANAGER = "Relationship manager", _("Relationship manager")
    GENERAL_MANAGER = "General manager", _("General manager")
    ADMIN = "Admin", _("Admin")

    @property
    def slug(self) -> str:
        return ROLE_SLUGS[self]


ROLE_SLUGS = {
    Role.SALES_REP: "sales_rep",
    Role.RELATIONSHIP_MANAGER: "relationship_manager",
    Role.GENERAL_MANAGER: "general_manager",
    Role.ADMIN: "admin",
}

# Highest first: a user in several groups has the strongest role.
PRECEDENCE = (Role.ADMIN, Role.GENERAL_MANAGER, Role.RELATIONSHIP_MANAGER, Role.SALES_REP)

# Model permissions per role, by app label. Which *records* a user sees is a
# separate, object-level rule (DESIGN.md "Who sees what").
ROLE_PERMISSIONS: dict[Role, dict[str, tuple[str, ...]]] = {
    Role.SALES_REP: {
        "accounts": ("view", "add", "change"),
        "communications": ("view", "add", "change"),
        "insights": ("view",),
        "relationships": ("view",),
    },
    Role.RELATIONSHIP_MANAGER: {
        "accounts": ("view", "add", "change"),
        "communications": ("view", "add", "change"),
        "insights": ("view",),
        "relationships": ("view", "add", "change"),
    },
    Role.GENERAL_MANAGER: dict.fromkeys(DOMAIN_APPS, ALL_ACTIONS),
}

_CACHE_ATTR = "_relasi_role"


def role_of(user: Any) -> Role | None:
    """The user's role, or None for anonymous users and users without a role.

    Costs one query the first time per user object, none afterwards.
    """
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return None
    if not user.is_active:
        return None
    if hasattr(user, _CACHE_ATTR):
        return getattr(user, _CACHE_ATTR)
    if user.is_superuser:
        role: Role | None = Role.ADMIN
    else:
        names = set(user.groups.values_list("name", flat=True))
        role = next((candidate for candidate in PRECEDENCE if candidate.value in names), None)
    setattr(user, _CACHE_ATTR, role)
    return role


def has_role(user: Any, *roles: Role) -> bool:
    return role_of(user) in roles


def roles_sync(*, group_model: Any = Group, permission_model: Any = Permission) -> None:
    """Create the role groups and give each exactly its declared permissions.

    Idempotent. The model classes are parameters so that the data migration can
    pass its historical models.
    """
    for role in Role:
        group, _created = group_model.objects.get_or_create(name=role.value)
        if role is Role.ADMIN:
            wanted = permission_model.objects.all()
        else:
            wanted = permission_model.objects.none()
            for app_label, actions in ROLE_PERMISSIONS[role].items():
                wanted = wanted | permission_model.objects.filter(
                    content_type__app_label=app_label,
                    codename__regex=rf"^({'|'.join(actions)})_",
                )
        group.permissions.set(wanted)


def sync_after_migrate(sender: Any, **kwargs: Any) -> None:
    # post_migrate runs per app, after that app's permissions were created;
    # syncing on each domain app leaves the groups complete after the last one.
    if sender.label in ("crm_project", *DOMAIN_APPS):
        roles_sync()
