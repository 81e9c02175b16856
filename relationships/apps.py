from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelationshipsConfig(AppConfig):
    """The key-account programme: key accounts, relationship managers, plans."""

    name = "relationships"
    verbose_name = _("Key-account programme")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.panels import CustomerFact, register_fact
        from communications.services import register_responsible

        from .services import key_account_managers

        register_responsible(key_account_managers)
        register_fact(CustomerFact("key-account", "relationships:customer_key_account", order=5))
