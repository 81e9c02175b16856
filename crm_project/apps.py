from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CrmProjectConfig(AppConfig):
    """Project-wide pieces that belong to no domain: roles, API plumbing, the shell."""

    name = "crm_project"
    verbose_name = _("Relasi platform")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import roles

        # Models added by later migrations get their permissions only after
        # migrate has created them, so the role groups are re-synced then.
        post_migrate.connect(roles.sync_after_migrate, dispatch_uid="relasi-roles-sync")
