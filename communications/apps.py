from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunicationsConfig(AppConfig):
    """The communication loop: interactions, follow-ups, contact cadence."""

    name = "communications"
    verbose_name = _("Communications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts.panels import CustomerFact, CustomerTab, register_fact, register_tab

        from .services import cadence_defaults_ensure

        # Also after a test database flush, which empties what data migrations wrote.
        post_migrate.connect(cadence_defaults_ensure, sender=self, dispatch_uid="relasi-cadence-defaults")

        register_tab(CustomerTab("timeline", _("Timeline"), "communications:customer_timeline", order=10))
        register_fact(CustomerFact("last-contact", "communications:customer_last_contact", order=10))
