from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RelationshipManagerProfile(models.Model):
    """A relationship manager: who they report to and how many key accounts they may hold."""

    DEFAULT_CAPACITY = 3  # each RM manages only one or a few relationships

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rm_profile", verbose_name=_("user")
    )
    reports_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="direct_reports",
        verbose_name=_("reports to"),
        help_text=_("The general manager who supervises this relationship manager."),
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity"),
        default=DEFAULT_CAPACITY,
        validators=[MinValueValidator(1)],
        help_text=_("How many active key accounts this relationship manager may hold."),
    )
    start_date = models.DateField(_("start date"), default=timezone.localdate)
    languages = models.CharField(_("languages"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("relationship manager profile")
        verbose_name_plural = _("relationship manager profiles")
        ordering = ["user__first_name", "user__last_name", "user__username"]
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="rm_profile_capacity_positive"),
            models.CheckConstraint(condition=~models.Q(reports_to=models.F("user")), name="rm_profile_not_own_manager"),
        ]

    def __str__(self) -> str:
        return str(self.user.get_full_name() or self.user.get_username())

    def clean(self) -> None:
        if self.user_id and self.user_id == self.reports_to_id:
            raise ValidationError({"reports_to": _("A relationship manager cannot report to themselves.")})
