from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    """Purchase history and the knowledge rolled up from it (RFM, segments)."""

    name = "insights"
    verbose_name = _("Insights")
    default_auto_field = "django.db.models.BigAutoField"
