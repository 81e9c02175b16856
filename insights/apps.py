from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    """Purchase history and the knowledge rolled up from it (RFM, segments)."""

    name = "insights"
    verbose_name = _("Insights")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.panels import (
            CustomerFact,
            CustomerTab,
            register_fact,
            register_tab,
            register_timeline_source,
        )

        from .timeline import purchase_events

        register_timeline_source("purchases", purchase_events)
        register_tab(CustomerTab("rfm", _("Purchases & RFM"), "insights:customer_rfm", order=20))
        register_fact(CustomerFact("segment", "insights:customer_segment", order=20))
