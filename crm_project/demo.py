"""The demo: users for every role, plus each domain app's demo data.

Only the `demo` management command (run by `make run`) calls this; nothing
creates demo data anywhere else. Safe to run again: it changes nothing that
exists, so a demo user's changed password stays changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction

from .roles import DOMAIN_APPS, Role, roles_sync

DEMO_PASSWORD = "relasi-demo-2026"  # noqa: S105 (the documented demo login)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: Role

    @property
    def email(self) -> str:
        return f"{self.username}@relasi.example"


DEMO_USERS = (
    DemoUser("admin", "Ayu", "Lestari", Role.ADMIN),
    DemoUser("gm", "Budi", "Santoso", Role.GENERAL_MANAGER),
    DemoUser("rm", "Citra", "Wijaya", Role.RELATIONSHIP_MANAGER),
    DemoUser("rm2", "Dimas", "Pratama", Role.RELATIONSHIP_MANAGER),
    DemoUser("rep", "Eka", "Putri", Role.SALES_REP),
    DemoUser("rep2", "Fajar", "Hidayat", Role.SALES_REP),
)


@transaction.atomic
def demo_load() -> dict[str, object]:
    """Create the demo users (and let each app add its demo data); returns the users by username."""
    roles_sync()
    User = get_user_model()
    users = {}
    for spec in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": spec.email,
                "is_staff": spec.role is Role.ADMIN,
                "is_superuser": spec.role is Role.ADMIN,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=spec.role.value))
        users[spec.username] = user
    for app_label in DOMAIN_APPS:
        module_name = f"{app_label}.demo"
        if find_spec(module_name) is not None:
            import_module(module_name).load(users=users)
    if connection.vendor == "postgresql":
        # Fresh tables have no statistics until autovacuum comes by (never, for rows of a
        # transaction still open, as in tests): without them PostgreSQL planned nested loops
        # over the demo's thousands of rows that took minutes.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return users
