from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Customers and everything known about them."""

    name = "accounts"
    verbose_name = _("Customers")
    default_auto_field = "django.db.models.BigAutoField"
