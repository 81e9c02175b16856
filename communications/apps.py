from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunicationsConfig(AppConfig):
    """The communication loop: interactions, follow-ups, contact cadence."""

    name = "communications"
    verbose_name = _("Communications")
    default_auto_field = "django.db.models.BigAutoField"
