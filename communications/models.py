"""The communication loop: every contact with a customer, what is to be done next,
and how long a customer may go without a contact."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import ContactPerson, Customer

# How long the author may still correct an interaction; corrections stay in the history.
EDIT_WINDOW = timedelta(hours=48)
EARLIEST_YEAR = 1970


class Channel(models.TextChoices):
    # Short labels: they are the quick log's buttons. Visit = face to face; letter =
    # mail by post; web = chat, web form, social; event = dinner, entertainment, seminar.
    PHONE = "phone", _("Phone")
    VISIT = "visit", _("Visit")
    MAIL = "mail", _("Letter")
    EMAIL = "email", _("Email")
    WEB = "web", _("Web")
    EVENT = "event", _("Event")


class Purpose(models.TextChoices):
    ORDER = "order", _("Order")
    SERVICE = "service", _("Service")
    RELATIONSHIP = "relationship", _("Relationship (no order due)")
    PROBLEM = "problem", _("Problem")
    PROPOSAL = "proposal", _("Proposal")


class InteractionQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> InteractionQuerySet:
        return self.filter(customer__in=Customer.objects.visible_to(user))


class Interaction(models.Model):
    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Outbound")
        INBOUND = "inbound", _("Inbound")

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="interactions", verbose_name=_("customer")
    )
    contacts = models.ManyToManyField(
        ContactPerson, blank=True, related_name="interactions", verbose_name=_("contact persons")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.OUTBOUND)
    purpose = models.CharField(_("purpose"), max_length=15, choices=Purpose.choices, default=Purpose.RELATIONSHIP)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), null=True, blank=True, validators=[MaxValueValidator(24 * 60)]
    )
    subject = models.CharField(_("summary"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True, help_text=_("Where the visit took place."))
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interactions", verbose_name=_("logged by")
    )
    created_at = models.DateTimeField(_("logged at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = InteractionQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[contacts])

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="interaction_customer_time"),
            models.Index(fields=["logged_by", "-occurred_at"], name="interaction_user_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.subject}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("communications:interaction_detail", args=[self.pk])

    def editable_by(self, user: Any) -> bool:
        return self.logged_by_id == user.pk and timezone.now() - self.created_at <= EDIT_WINDOW

    def clean(self) -> None:
        errors = {}
        if self.occurred_at and self.occurred_at > timezone.now() + timedelta(minutes=5):
            errors["occurred_at"] = _("An interaction that took place cannot be in the future.")
        elif self.occurred_at and self.occurred_at.year < EARLIEST_YEAR:
            # Older moments would come back with the zone's historical offset
            # (+07:07:12 in Jakarta), which is not valid ISO 8601.
            errors["occurred_at"] = _("Give a moment from 1970 on.")
        if self.follow_up_on and self.occurred_at and self.follow_up_on < timezone.localtime(self.occurred_at).date():
            errors["follow_up_on"] = _("The follow-up cannot be before the interaction.")
        if self.location and self.channel not in (Channel.VISIT, Channel.EVENT):
            errors["location"] = _("A location is for visits and events.")
        if errors:
            raise ValidationError(errors)


class FollowUpQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> FollowUpQuerySet:
        return self.filter(customer__in=Customer.objects.visible_to(user))

    def open(self) -> FollowUpQuerySet:
        return self.filter(done_at__isnull=True)


class FollowUp(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", _("Planned by hand")
        INTERACTION = "interaction", _("From an interaction")
        CADENCE = "cadence", _("Contact cadence overdue")

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("customer")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("assignee")
    )
    due_on = models.DateField(_("due on"), db_index=True)
    what = models.CharField(_("what to do"), max_length=300)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.MANUAL)
    source_interaction = models.ForeignKey(
        Interaction,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("source interaction"),
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    done_interaction = models.ForeignKey(
        Interaction,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="closed_follow_ups",
        verbose_name=_("closed by interaction"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = FollowUpQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["assignee", "done_at", "due_on"], name="followup_assignee_open")]
        constraints = [
            # The cadence job and two workers at once can never open a second
            # cadence follow-up for the same customer.
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(source="cadence", done_at__isnull=True),
                name="followup_one_open_cadence_per_customer",
            ),
        ]

    def __str__(self) -> str:
        return self.what

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class CadenceRule(models.Model):
    """The longest allowed gap between contacts: a default per tier, or a customer's own.

    A rule without a channel counts any contact; with a channel, only contacts by it
    (a visit every 30 days and a call every 14).
    """

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cadence_rules",
        verbose_name=_("customer"),
        help_text=_("Empty: the default for every customer of the tier."),
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Customer.Tier.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)
    max_gap_days = models.PositiveSmallIntegerField(
        _("longest gap (days)"), validators=[MinValueValidator(1), MaxValueValidator(730)]
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact cadence rule")
        verbose_name_plural = _("contact cadence rules")
        ordering = ["customer_id", "tier", "channel"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(customer__isnull=True) & ~Q(tier="")) | (Q(customer__isnull=False) & Q(tier="")),
                name="cadence_rule_customer_or_tier",
            ),
            models.UniqueConstraint(
                fields=["tier", "channel"], condition=Q(customer__isnull=True), name="cadence_default_unique"
            ),
            models.UniqueConstraint(
                fields=["customer", "channel"], condition=Q(customer__isnull=False), name="cadence_customer_unique"
            ),
        ]

    def __str__(self) -> str:
        scope = str(self.customer) if self.customer_id else self.get_tier_display()
        channel = self.get_channel_display() if self.channel else _("any contact")
        return f"{scope}: {channel} ≤ {self.max_gap_days}d"


class DigestLog(models.Model):
    """That a user's daily digest for a day went out, so that a rerun or a second worker skips it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    # The run that claimed this user and day; a concurrent run's claim is ignored.
    run = models.UUIDField(_("run"), db_index=True)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("digest sent")
        verbose_name_plural = _("digests sent")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_once_per_user_and_day")]

    def __str__(self) -> str:
        return f"{self.user} {self.day}"
