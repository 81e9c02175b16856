from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelationshipsConfig(AppConfig):
    """The key-account programme: key accounts, relationship managers, plans."""

    name = "relationships"
    verbose_name = _("Key-account programme")
    default_auto_field = "django.db.models.BigAutoField"
