from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from crm_project.roles import role_of


class HasRole(permissions.BasePermission):
    """Authenticated users without a role (not yet set up by an admin) may not use the domain API."""

    message = _("Your account has no role yet. Ask an administrator to give you one.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return role_of(request.user) is not None
