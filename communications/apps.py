from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunicationsConfig(AppConfig):
    """The communication loop: interactions, follow-ups, contact cadence."""

    name = "communications"
    verbose_name = _("Communications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.panels import CustomerFact, CustomerTab, register_fact, register_tab

        register_tab(CustomerTab("timeline", _("Timeline"), "communications:customer_timeline", order=10))
        register_fact(CustomerFact("last-contact", "communications:customer_last_contact", order=10))
