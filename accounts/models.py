"""Customers and everything Relasi knows about them.

"Account" here means a customer account; people who log in are Django users.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm_project.roles import Role, role_of

SEES_ALL = (Role.GENERAL_MANAGER, Role.ADMIN)


def _unique_when_given(field: str, name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(fields=[field], condition=~Q(**{field: ""}), name=name)


class CustomerQuerySet(models.QuerySet):
    def active(self) -> CustomerQuerySet:
        return self.filter(archived_at__isnull=True)

    def visible_to(self, user: Any) -> CustomerQuerySet:
        """DESIGN.md "Who sees what": reps and RMs see what they own or are on the team of."""
        role = role_of(user)
        if role in SEES_ALL:
            return self
        if role is None:
            return self.none()
        on_team = AccountTeamMember.objects.filter(customer=OuterRef("pk"), user=user)
        return self.filter(Q(owner=user) | Exists(on_team))

    def editable_by(self, user: Any) -> CustomerQuerySet:
        role = role_of(user)
        if role in SEES_ALL:
            return self
        if role is None:
            return self.none()
        may_edit = AccountTeamMember.objects.filter(customer=OuterRef("pk"), user=user, can_edit=True)
        return self.filter(Q(owner=user) | Exists(may_edit))


class Customer(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        PERSON = "person", _("Person")

    class Tier(models.TextChoices):
        REGULAR = "regular", _("Regular")
        KEY = "key", _("Key account")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COMPANY)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    address = models.TextField(_("address"), blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True, default="Indonesia")
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    tax_id = models.CharField(_("tax id"), max_length=50, blank=True, help_text=_("NPWP or another tax number."))
    external_ref = models.CharField(
        _("external reference"),
        max_length=100,
        blank=True,
        help_text=_("The customer's id in the ERP or web shop; integrations name the customer by it."),
    )
    occupation = models.CharField(_("occupation"), max_length=200, blank=True)
    ambitions = models.TextField(_("ambitions"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_customers", verbose_name=_("owner")
    )
    account_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="AccountTeamMember",
        related_name="team_customers",
        blank=True,
        verbose_name=_("account team"),
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.REGULAR, editable=False)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CustomerQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "id"]
        constraints = [
            _unique_when_given("email", "customer_unique_email"),
            _unique_when_given("tax_id", "customer_unique_tax_id"),
            _unique_when_given("external_ref", "customer_unique_external_ref"),
        ]
        indexes = [
            models.Index(Lower("name"), name="customer_name_lower"),
            models.Index(fields=["owner", "name"], name="customer_owner_name"),
            models.Index(fields=["city"], name="customer_city"),
            models.Index(fields=["industry"], name="customer_industry"),
            models.Index(fields=["tier"], name="customer_tier"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:customer_detail", args=[self.pk])

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def clean(self) -> None:
        self.email = self.email.strip().lower()
        self.tax_id = self.tax_id.strip()
        self.external_ref = self.external_ref.strip()


class AccountTeamMember(models.Model):
    """A user with a role on a customer's account besides its owner."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="team_members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    role = models.CharField(_("role on the account"), max_length=100, blank=True)
    can_edit = models.BooleanField(_("may edit"), default=True)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("account team member")
        verbose_name_plural = _("account team members")
        constraints = [models.UniqueConstraint(fields=["customer", "user"], name="team_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.customer}"


class CustomerChildQuerySet(models.QuerySet):
    """For records that belong to a customer: they are seen exactly where it is."""

    def visible_to(self, user: Any) -> CustomerChildQuerySet:
        return self.filter(customer__in=Customer.objects.visible_to(user))


class ContactPerson(models.Model):
    class DecisionRole(models.TextChoices):
        DECISION_MAKER = "decision_maker", _("Decision maker")
        INFLUENCER = "influencer", _("Influencer")
        USER = "user", _("User")
        GATEKEEPER = "gatekeeper", _("Gatekeeper")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=200)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    department = models.CharField(_("department"), max_length=150, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    decision_role = models.CharField(
        _("decision role"), max_length=20, choices=DecisionRole.choices, default=DecisionRole.OTHER
    )
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CustomerChildQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["-is_active", "name", "id"]
        indexes = [
            models.Index(fields=["phone"], name="contact_phone"),
            models.Index(Lower("name"), name="contact_name_lower"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:customer_detail", args=[self.customer_id]) + "#contacts"


class Household(models.Model):
    """A family unit around a person customer or a contact person."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="households", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=200, help_text=_("For example: Keluarga Santoso."))
    address = models.TextField(_("address"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CustomerChildQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:customer_detail", args=[self.customer_id]) + "#household"


class HouseholdMemberQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> HouseholdMemberQuerySet:
        return self.filter(household__customer__in=Customer.objects.visible_to(user))


class HouseholdMember(models.Model):
    class Relation(models.TextChoices):
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        SIBLING = "sibling", _("Sibling")
        OTHER = "other", _("Other")

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("household")
    )
    name = models.CharField(_("name"), max_length=200)
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)
    relative_of = models.ForeignKey(
        ContactPerson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="relatives",
        verbose_name=_("relative of"),
        help_text=_("The contact person this member is related to; empty means the customer."),
    )
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    occupation = models.CharField(_("occupation"), max_length=200, blank=True)
    interests = models.CharField(_("interests"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    linked_customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="household_memberships",
        verbose_name=_("is also customer"),
    )
    linked_contact = models.ForeignKey(
        ContactPerson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="household_memberships",
        verbose_name=_("is also contact person"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = HouseholdMemberQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["relation", "name", "id"]

    def __str__(self) -> str:
        return self.name


class InterestTopic(models.Model):
    """The shared vocabulary of interests ("golf", "halal food", "early calls")."""

    name = models.CharField(_("topic"), max_length=100)

    class Meta:
        verbose_name = _("interest topic")
        verbose_name_plural = _("interest topics")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="interest_topic_unique_name")]

    def __str__(self) -> str:
        return self.name


class Interest(models.Model):
    class Sentiment(models.TextChoices):
        LIKE = "like", _("Likes")
        DISLIKE = "dislike", _("Dislikes")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="interests", verbose_name=_("customer")
    )
    contact = models.ForeignKey(
        ContactPerson,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="interests",
        verbose_name=_("contact person"),
        help_text=_("Whose interest it is; empty means the customer."),
    )
    topic = models.ForeignKey(
        InterestTopic, on_delete=models.PROTECT, related_name="interests", verbose_name=_("topic")
    )
    sentiment = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices, default=Sentiment.LIKE)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CustomerChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("interest")
        verbose_name_plural = _("interests")
        ordering = ["sentiment", "topic__name", "id"]

    def __str__(self) -> str:
        return f"{self.get_sentiment_display()}: {self.topic}"


class Feedback(models.Model):
    """Voice of the customer: what they want from us, asked and written down."""

    class Channel(models.TextChoices):
        VISIT = "visit", _("Visit")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        SURVEY = "survey", _("Survey")
        EVENT = "event", _("Event")
        OTHER = "other", _("Other")

    class Sentiment(models.TextChoices):
        POSITIVE = "positive", _("Positive")
        NEUTRAL = "neutral", _("Neutral")
        NEGATIVE = "negative", _("Negative")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("customer")
    )
    contact = models.ForeignKey(
        ContactPerson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback",
        verbose_name=_("contact person"),
    )
    asked_on = models.DateField(_("asked on"), default=timezone.localdate)
    channel = models.CharField(_("asked by"), max_length=10, choices=Channel.choices, default=Channel.VISIT)
    wants = models.TextField(_("what they want from us"), blank=True)
    would_buy = models.TextField(_("would buy if we offered it"), blank=True)
    likes = models.TextField(_("likes about our brand"), blank=True)
    dislikes = models.TextField(_("dislikes about our brand"), blank=True)
    sentiment = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices, default=Sentiment.NEUTRAL)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CustomerChildQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("voice of customer")
        verbose_name_plural = _("voice of customer")
        ordering = ["-asked_on", "-id"]

    def __str__(self) -> str:
        return f"{self.customer} {self.asked_on}"

    def clean(self) -> None:
        if not any([self.wants, self.would_buy, self.likes, self.dislikes]):
            raise ValidationError(_("Write down at least one answer: wants, would buy, likes or dislikes."))
        if self.asked_on and self.asked_on > timezone.localdate():
            raise ValidationError({"asked_on": _("The date cannot be in the future.")})


class CompetitorIntel(models.Model):
    """What a customer buys from a competitor, and what would win it for us."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="competitor_intel", verbose_name=_("customer")
    )
    competitor_brand = models.CharField(_("competitor brand"), max_length=150)
    product_category = models.CharField(_("product category"), max_length=150)
    estimated_annual_spend = models.DecimalField(
        _("estimated annual spend"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("What the customer spends a year with this competitor, in the default currency."),
    )
    reason_not_us = models.TextField(_("why they do not buy it from us"), blank=True)
    what_would_win = models.TextField(_("what would win it"), blank=True)
    last_confirmed_on = models.DateField(_("last confirmed on"), default=timezone.localdate)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CustomerChildQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("competitor intelligence")
        verbose_name_plural = _("competitor intelligence")
        ordering = ["-estimated_annual_spend", "competitor_brand", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_annual_spend__isnull=True) | Q(estimated_annual_spend__gte=0),
                name="competitor_spend_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.competitor_brand} ({self.product_category})"

    def clean(self) -> None:
        if self.last_confirmed_on and self.last_confirmed_on > timezone.localdate():
            raise ValidationError({"last_confirmed_on": _("The date cannot be in the future.")})


class CustomerImport(models.Model):
    """One uploaded customer CSV: its text, column mapping and the outcome of every row.

    The raw text is kept so that the preview, the dry run, the commit and the
    rejects file all read the very same rows; `results` holds one entry per row
    (line number, ok, created customer or the errors by column).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Checked, not imported yet")
        DONE = "done", _("Imported")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="customer_imports",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=255)
    raw_text = models.TextField(_("file content"))
    delimiter = models.CharField(_("delimiter"), max_length=1, default=",")
    mapping = models.JSONField(
        _("column mapping"),
        default=list,
        help_text=_("Per column of the file: a customer field, or empty to ignore it."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    ok_count = models.PositiveIntegerField(
        _("valid or created rows"), default=0, help_text=_("Valid rows while a draft; created customers once done.")
    )
    error_count = models.PositiveIntegerField(_("rejected rows"), default=0)
    blank_count = models.PositiveIntegerField(_("empty lines skipped"), default=0)
    results = models.JSONField(_("result per row"), default=list)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer import")
        verbose_name_plural = _("customer imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="customer_import_by_user")]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("accounts:customer_import_preview", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT
