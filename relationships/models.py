"""The key-account programme: key accounts and their RMs, RM profiles and training,
job descriptions with evaluation criteria, and long-term and annual relationship plans."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Customer
from communications.models import Channel, Interaction
from crm_project.roles import Role, role_of

from .periods import Period, PeriodKind


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
    job_description = models.ForeignKey(
        "JobDescription",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="holders",
        verbose_name=_("job description"),
    )
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


MONEY = {"max_digits": 18, "decimal_places": 2}


class KeyAccountQuerySet(models.QuerySet):
    def active(self) -> KeyAccountQuerySet:
        return self.filter(retired_at__isnull=True)

    def visible_to(self, user: Any) -> KeyAccountQuerySet:
        """Who sees a key account is who sees its customer (the RM is on its account team)."""
        return self.filter(customer__in=Customer.objects.visible_to(user))


class KeyAccount(models.Model):
    """One nomination of a customer into the programme, from nomination to retirement.

    A customer nominated again after retirement gets a new row, so the history of
    nominations is the list of rows; at most one row per customer is active.
    """

    class Source(models.TextChoices):
        CANDIDATE = "candidate", _("From the candidates list")
        MANUAL = "manual", _("Picked by hand")

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="key_account_terms", verbose_name=_("customer")
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    # What the candidates list said when the customer was nominated from it (reason, rank, numbers).
    candidate_reason = models.CharField(_("candidate reason"), max_length=12, blank=True)
    candidate_numbers = models.JSONField(_("candidate numbers"), default=dict, blank=True)
    reason = models.TextField(_("why a key account"))
    review_on = models.DateField(_("review on"), help_text=_("When the GM looks at this nomination again."))
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("nominated by")
    )
    nominated_at = models.DateTimeField(_("nominated at"), default=timezone.now)
    relationship_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_key_accounts",
        verbose_name=_("relationship manager"),
    )
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("retired by"),
    )
    retire_reason = models.TextField(_("why retired"), blank=True)

    objects = KeyAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("key account")
        verbose_name_plural = _("key accounts")
        ordering = ["customer__name", "-nominated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(retired_at__isnull=True), name="key_account_one_active_per_customer"
            ),
        ]
        indexes = [models.Index(fields=["relationship_manager", "retired_at"], name="key_account_rm_active")]

    def __str__(self) -> str:
        return str(self.customer)

    def get_absolute_url(self) -> str:
        return reverse("relationships:key_account_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.retired_at is None


class RMAssignment(models.Model):
    """Who managed a key account when: the open row is the current RM; closed rows are history."""

    key_account = models.ForeignKey(
        KeyAccount, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("key account")
    )
    relationship_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rm_assignments", verbose_name=_("to")
    )
    previous_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from"),
    )
    reason = models.TextField(_("why"), blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assigned by")
    )
    started_at = models.DateTimeField(_("from"), default=timezone.now)
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("relationship manager assignment")
        verbose_name_plural = _("relationship manager assignments")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key_account"], condition=Q(ended_at__isnull=True), name="rm_assignment_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_account} → {self.relationship_manager}"


def certificate_path(instance: Training, filename: str) -> str:
    return f"trainings/{instance.user_id}/{filename}"


class TrainingQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date) -> TrainingQuerySet:
        return self.filter(completed_on__lte=day).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))

    def qualifies_rm(self, day: dt.date) -> TrainingQuerySet:
        """Valid relationship-marketing trainings: what an RM needs to be assigned without a warning."""
        return self.filter(topic=Training.Topic.RELATIONSHIP_MARKETING).valid_on(day)

    def visible_to(self, user: Any) -> TrainingQuerySet:
        """GMs and admins see every record; reps and RMs their own."""
        role = role_of(user)
        if role in (Role.GENERAL_MANAGER, Role.ADMIN):
            return self
        if role is None:
            return self.none()
        return self.filter(user=user)


class Training(models.Model):
    class Topic(models.TextChoices):
        RELATIONSHIP_MARKETING = "relationship_marketing", _("Relationship marketing")
        KEY_ACCOUNT_MANAGEMENT = "key_account_management", _("Key-account management")
        SALES = "sales", _("Sales and negotiation")
        PRODUCT = "product", _("Product knowledge")
        OTHER = "other", _("Other")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trainings", verbose_name=_("person")
    )
    course = models.CharField(_("course"), max_length=200)
    topic = models.CharField(_("topic"), max_length=30, choices=Topic.choices, default=Topic.RELATIONSHIP_MARKETING)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    completed_on = models.DateField(_("completed on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Empty: does not expire."))
    certificate = models.FileField(_("certificate"), upload_to=certificate_path, blank=True, max_length=300)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TrainingQuerySet.as_manager()

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["-completed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("completed_on")),
                name="training_valid_after_completion",
            ),
        ]

    def __str__(self) -> str:
        return self.course

    def clean(self) -> None:
        if self.valid_until and self.completed_on and self.valid_until < self.completed_on:
            raise ValidationError({"valid_until": _("A training cannot expire before it was completed.")})

    def is_valid_on(self, day: dt.date) -> bool:
        return self.completed_on <= day and (self.valid_until is None or self.valid_until >= day)


class JobDescription(models.Model):
    """A version of a job description. Versions of one description share `lineage`;
    a published version is never edited: changing it publishes the next version."""

    lineage = models.UUIDField(_("lineage"), default=uuid.uuid4, editable=False, db_index=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1, editable=False)
    title = models.CharField(_("title"), max_length=200)
    reports_to = models.CharField(
        _("reports to"), max_length=200, help_text=_("The reporting line, e.g. General manager.")
    )
    objectives = models.TextField(_("objectives"))
    responsibilities = models.TextField(_("responsibilities"))
    is_current = models.BooleanField(_("current version"), default=True, editable=False)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("job description")
        verbose_name_plural = _("job descriptions")
        ordering = ["title", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["lineage", "version"], name="job_description_version_unique"),
            models.UniqueConstraint(
                fields=["lineage"], condition=Q(is_current=True), name="job_description_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def get_absolute_url(self) -> str:
        return reverse("relationships:job_description_detail", args=[self.pk])


class Metric(models.TextChoices):
    """What a measured evaluation criterion reads from the data (issue 7 computes them per period)."""

    CADENCE_ADHERENCE = "cadence_adherence", _("Contact-cadence adherence of the RM's key accounts")
    ACTION_COMPLETION = "action_completion", _("Plan-action completion rate")
    REVENUE_GROWTH = "revenue_growth", _("Revenue growth of the RM's key accounts")
    SEGMENT_MOVEMENT = "segment_movement", _("RFM segment movement (improving vs. worsening accounts)")
    SHARE_OF_WALLET_CHANGE = "share_of_wallet_change", _("Share-of-wallet change")
    VOICE_OF_CUSTOMER = "voice_of_customer", _("Voice-of-customer entries captured")


class EvaluationCriterion(models.Model):
    class Kind(models.TextChoices):
        MANUAL = "manual", _("Scored by the GM")
        MEASURED = "measured", _("Measured from data")

    job_description = models.ForeignKey(
        JobDescription, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("job description")
    )
    name = models.CharField(_("criterion"), max_length=200)
    description = models.TextField(_("how it is judged"), blank=True)
    weight = models.DecimalField(
        _("weight (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    metric = models.CharField(_("metric"), max_length=30, choices=Metric.choices, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("evaluation criterion")
        verbose_name_plural = _("evaluation criteria")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="manual", metric="") | (Q(kind="measured") & ~Q(metric=""))),
                name="criterion_metric_when_measured",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == self.Kind.MEASURED and not self.metric:
            raise ValidationError({"metric": _("Choose the metric that measures this criterion.")})
        if self.kind == self.Kind.MANUAL:
            self.metric = ""


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> PlanQuerySet:
        """DESIGN.md: reps read the plans of their accounts, RMs theirs, GMs and admins all."""
        return self.filter(customer__in=Customer.objects.visible_to(user))

    def editable_by(self, user: Any) -> PlanQuerySet:
        role = role_of(user)
        if role in (Role.GENERAL_MANAGER, Role.ADMIN):
            return self
        if role is Role.RELATIONSHIP_MANAGER:
            return self.filter(key_account__relationship_manager=user)
        return self.none()

    def latest(self) -> PlanQuerySet:
        return self.filter(is_latest=True)


class RelationshipPlan(models.Model):
    """A long-term plan (a horizon of years) or an annual plan (one year, linked to a long-term plan).

    Versions: revising an approved plan makes a new draft row (`revises` points back,
    `is_latest` moves to it); the approved row stays as it was and in force until the
    new version is approved, which sets its `superseded_by`.
    """

    class Kind(models.TextChoices):
        LONG_TERM = "long_term", _("Long-term plan")
        ANNUAL = "annual", _("Annual plan")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    key_account = models.ForeignKey(
        KeyAccount, on_delete=models.PROTECT, related_name="plans", verbose_name=_("key account")
    )
    # Denormalised from the key account so that visibility is one join like every other customer record.
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="relationship_plans",
        verbose_name=_("customer"),
        editable=False,
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    start_year = models.PositiveSmallIntegerField(
        _("first year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    end_year = models.PositiveSmallIntegerField(
        _("last year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    long_term_plan = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="annual_plans",
        verbose_name=_("long-term plan"),
        limit_choices_to={"kind": "long_term"},
    )
    title = models.CharField(_("title"), max_length=200)
    vision = models.TextField(_("vision"), blank=True, help_text=_("Where the relationship should be at the end."))
    summary = models.TextField(_("summary"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    is_latest = models.BooleanField(_("latest version"), default=True, editable=False)
    revises = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revision",
        verbose_name=_("revises"),
    )
    superseded_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("superseded by")
    )
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("started from")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    gm_comment = models.TextField(_("GM's comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("relationship plan")
        verbose_name_plural = _("relationship plans")
        ordering = ["customer__name", "kind", "-start_year", "-version"]
        constraints = [
            models.CheckConstraint(condition=Q(end_year__gte=F("start_year")), name="plan_years_in_order"),
            models.CheckConstraint(
                condition=Q(kind="long_term") | Q(start_year=F("end_year")), name="plan_annual_is_one_year"
            ),
            models.UniqueConstraint(
                fields=["key_account", "kind", "start_year", "version"], name="plan_version_unique"
            ),
            # The newest version per account, kind and first year is the one people work on.
            models.UniqueConstraint(
                fields=["key_account", "kind", "start_year"], condition=Q(is_latest=True), name="plan_one_latest"
            ),
        ]
        indexes = [models.Index(fields=["status"], name="plan_status")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("relationships:plan_detail", args=[self.pk])

    @property
    def years_label(self) -> str:
        return str(self.start_year) if self.start_year == self.end_year else f"{self.start_year}-{self.end_year}"

    @property
    def is_locked(self) -> bool:
        """Submitted and approved plans are read-only, except action status and actuals once approved."""
        return self.status in (self.Status.SUBMITTED, self.Status.APPROVED) or not self.is_latest

    def clean(self) -> None:
        errors = {}
        if self.start_year and self.end_year and self.end_year < self.start_year:
            errors["end_year"] = _("The last year cannot be before the first year.")
        if self.kind == self.Kind.ANNUAL:
            self.end_year = self.start_year
        elif self.long_term_plan_id:
            errors["long_term_plan"] = _("Only an annual plan links to a long-term plan.")
        if errors:
            raise ValidationError(errors)


class PlanEvent(models.Model):
    """The plan's workflow history: who submitted, returned (with the comment) or approved, and when."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", _("Approved")
        REVISED = "revised", _("Revision started")

    plan = models.ForeignKey(RelationshipPlan, on_delete=models.CASCADE, related_name="events", verbose_name=_("plan"))
    kind = models.CharField(_("what"), max_length=10, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("when"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("plan event")
        verbose_name_plural = _("plan events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.kind}"


class PlanItem(models.Model):
    """What objectives, strategies, actions and resources share: a plan and a place in its list."""

    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]


class Objective(PlanItem):
    class Metric(models.TextChoices):
        REVENUE = "revenue", _("Revenue (IDR)")
        PURCHASE_FREQUENCY = "purchase_frequency", _("Number of purchases")
        SHARE_OF_WALLET = "share_of_wallet", _("Share of wallet (%)")
        CONTACT_COUNT = "contact_count", _("Number of contacts")
        VISIT_COUNT = "visit_count", _("Number of visits")
        MANUAL = "manual", _("Other (actual entered by hand)")

    MEASURED = frozenset({"revenue", "purchase_frequency", "share_of_wallet", "contact_count", "visit_count"})

    plan = models.ForeignKey(
        RelationshipPlan, on_delete=models.CASCADE, related_name="objectives", verbose_name=_("plan")
    )
    title = models.CharField(_("objective"), max_length=300)
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices, default=Metric.MANUAL)
    unit = models.CharField(_("unit"), max_length=30, blank=True, help_text=_("For a metric entered by hand."))
    baseline = models.DecimalField(_("baseline"), max_digits=18, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(_("target"), max_digits=18, decimal_places=2)
    manual_actual = models.DecimalField(_("actual"), max_digits=18, decimal_places=2, null=True, blank=True)

    class Meta(PlanItem.Meta):
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")

    def __str__(self) -> str:
        return self.title

    @property
    def is_measured(self) -> bool:
        return self.metric in self.MEASURED


class Strategy(PlanItem):
    plan = models.ForeignKey(
        RelationshipPlan, on_delete=models.CASCADE, related_name="strategies", verbose_name=_("plan")
    )
    title = models.CharField(_("strategy"), max_length=300)
    description = models.TextField(_("how"), blank=True)

    class Meta(PlanItem.Meta):
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")

    def __str__(self) -> str:
        return self.title


class ActionQuerySet(models.QuerySet):
    def open(self) -> ActionQuerySet:
        return self.filter(status__in=[Action.Status.PLANNED, Action.Status.IN_PROGRESS])

    def overdue(self, today: dt.date) -> ActionQuerySet:
        return self.open().filter(due_on__lt=today)


class Action(PlanItem):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    plan = models.ForeignKey(RelationshipPlan, on_delete=models.CASCADE, related_name="actions", verbose_name=_("plan"))
    what = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="plan_actions", verbose_name=_("owner")
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    strategy = models.ForeignKey(
        Strategy, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions", verbose_name=_("strategy")
    )
    evidence = models.ManyToManyField(
        Interaction, blank=True, related_name="plan_actions", verbose_name=_("evidence (interactions)")
    )

    objects = ActionQuerySet.as_manager()

    class Meta(PlanItem.Meta):
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        indexes = [models.Index(fields=["owner", "status", "due_on"], name="action_owner_open_due")]

    def __str__(self) -> str:
        return self.what

    def is_overdue(self, today: dt.date) -> bool:
        return self.status in (self.Status.PLANNED, self.Status.IN_PROGRESS) and self.due_on < today


class Resource(PlanItem):
    class Kind(models.TextChoices):
        PEOPLE = "people", pgettext_lazy("resource kind", "People")
        BUDGET = "budget", _("Budget")
        ENTERTAINMENT = "entertainment", _("Entertainment")
        SAMPLES = "samples", _("Samples")
        EVENTS = "events", _("Events")
        TRAINING = "training", _("Training")

    plan = models.ForeignKey(
        RelationshipPlan, on_delete=models.CASCADE, related_name="resources", verbose_name=_("plan")
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    description = models.CharField(_("what"), max_length=300)
    amount = models.DecimalField(
        _("planned amount (IDR)"), **MONEY, validators=[MinValueValidator(Decimal("0"))], default=Decimal("0")
    )
    spent = models.DecimalField(
        _("used so far (IDR)"), **MONEY, validators=[MinValueValidator(Decimal("0"))], default=Decimal("0")
    )

    class Meta(PlanItem.Meta):
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0) & Q(spent__gte=0), name="resource_amounts_not_negative")
        ]

    def __str__(self) -> str:
        return self.description


# -- evaluation and the GM's dashboards (stored per period) ---------------------------------------


class PeriodFields(models.Model):
    """A calendar quarter or year (see `periods.Period`); stored tables are keyed by it."""

    period_kind = models.CharField(_("period kind"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))

    class Meta:
        abstract = True

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_kind)


class PeriodComputation(PeriodFields):
    """When a period's figures were last computed from the data, and whether that worked.

    The stored figures of a period change only when it is computed again: nightly while
    the period runs and once after it ends, later only when someone recomputes it.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    data_until = models.DateField(_("data until"), null=True, blank=True, help_text=_("The last day counted."))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    key_accounts = models.PositiveIntegerField(_("key accounts"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("period computation")
        verbose_name_plural = _("period computations")
        ordering = ["-period_start", "period_kind"]
        constraints = [
            models.UniqueConstraint(fields=["period_kind", "period_start"], name="period_computation_one_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.period} ({self.get_status_display()})"


class KeyAccountPeriod(PeriodFields):
    """One key account's figures for one period: the data behind every measured criterion.

    The window is the part of the period in which the customer was a key account, up to
    the day the figures were computed. Money is in the default currency.
    """

    key_account = models.ForeignKey(
        KeyAccount, on_delete=models.CASCADE, related_name="period_figures", verbose_name=_("key account")
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer"))
    relationship_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("relationship manager"),
        help_text=_("Who managed the account at the end of the window."),
    )
    window_start = models.DateField(_("counted from"))
    window_end = models.DateField(_("counted until"))
    revenue = models.DecimalField(_("revenue"), **MONEY, default=Decimal("0"))
    revenue_prev = models.DecimalField(_("revenue a year before"), **MONEY, default=Decimal("0"))
    margin = models.DecimalField(_("gross margin"), **MONEY, null=True, blank=True)
    margin_prev = models.DecimalField(_("gross margin a year before"), **MONEY, null=True, blank=True)
    purchases = models.PositiveIntegerField(_("purchases"), default=0)
    contacts = models.PositiveIntegerField(_("contacts"), default=0)
    visits = models.PositiveIntegerField(_("visits"), default=0)
    cadence_days = models.PositiveSmallIntegerField(_("cadence (days)"), null=True, blank=True)
    expected_contacts = models.PositiveIntegerField(_("contacts the cadence asks for"), default=0)
    # The window cut into whole cadence intervals from its start: how many held a contact.
    cadence_met = models.PositiveIntegerField(_("cadence intervals with a contact"), default=0)
    actions_due = models.PositiveIntegerField(_("actions due"), default=0)
    actions_done = models.PositiveIntegerField(_("actions done"), default=0)
    actions_overdue = models.PositiveIntegerField(_("actions overdue"), default=0)
    plan_budget = models.DecimalField(_("planned budget"), **MONEY, default=Decimal("0"))
    plan_spent = models.DecimalField(_("budget used"), **MONEY, default=Decimal("0"))
    contact_cost = models.DecimalField(_("contact effort"), **MONEY, default=Decimal("0"))
    segment_start = models.CharField(_("segment at the start"), max_length=20, blank=True)
    segment_end = models.CharField(_("segment at the end"), max_length=20, blank=True)
    share_of_wallet_start = models.DecimalField(
        _("share of wallet at the start"), max_digits=7, decimal_places=4, null=True, blank=True
    )
    share_of_wallet_end = models.DecimalField(
        _("share of wallet at the end"), max_digits=7, decimal_places=4, null=True, blank=True
    )
    voc_entries = models.PositiveIntegerField(_("voice-of-customer entries"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("key-account figures for a period")
        verbose_name_plural = _("key-account figures for a period")
        ordering = ["period_start", "customer__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "period_start", "key_account"], name="key_account_period_unique"
            )
        ]
        indexes = [
            models.Index(fields=["period_kind", "period_start", "relationship_manager"], name="key_account_period_rm"),
            models.Index(fields=["customer", "period_kind", "period_start"], name="key_account_period_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.period}"

    @property
    def relationship_cost(self) -> Decimal:
        return self.plan_spent + self.contact_cost


class RMPeriodMetric(PeriodFields):
    """One measured metric of one RM for one period, summed over the key accounts they managed."""

    relationship_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("relationship manager")
    )
    metric = models.CharField(_("metric"), max_length=30, choices=Metric.choices)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=4, null=True, blank=True)
    numerator = models.DecimalField(_("numerator"), **MONEY, default=Decimal("0"))
    denominator = models.DecimalField(_("denominator"), **MONEY, default=Decimal("0"))
    score = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    accounts = models.PositiveIntegerField(_("key accounts"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("measured metric of an RM")
        verbose_name_plural = _("measured metrics of RMs")
        ordering = ["period_start", "relationship_manager_id", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "period_start", "relationship_manager", "metric"], name="rm_period_metric_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.relationship_manager_id} {self.period} {self.metric}"


class CustomerGroupFigures(PeriodFields):
    """Figures summed over a group of customers, kept per industry, city and RM so that the
    dashboards' filters are sums over rows."""

    industry = models.CharField(_("industry"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    relationship_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("relationship manager"),
    )
    customers = models.PositiveIntegerField(_("customers"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        abstract = True


class SegmentPeriod(CustomerGroupFigures):
    """Profitability figures per RFM segment (at the period's end), key vs regular accounts."""

    segment = models.CharField(_("segment"), max_length=20, blank=True, help_text=_("Empty: no purchases yet."))
    is_key = models.BooleanField(_("key account"))
    revenue = models.DecimalField(_("revenue"), **MONEY, default=Decimal("0"))
    revenue_prev = models.DecimalField(_("revenue a year before"), **MONEY, default=Decimal("0"))
    margin = models.DecimalField(_("gross margin"), **MONEY, null=True, blank=True)
    margin_prev = models.DecimalField(_("gross margin a year before"), **MONEY, null=True, blank=True)
    plan_spent = models.DecimalField(_("plan resources used"), **MONEY, default=Decimal("0"))
    contact_cost = models.DecimalField(_("contact effort"), **MONEY, default=Decimal("0"))
    contacts = models.PositiveIntegerField(_("contacts"), default=0)

    class Meta:
        verbose_name = _("segment figures for a period")
        verbose_name_plural = _("segment figures for a period")
        ordering = ["period_start", "segment", "is_key"]
        indexes = [models.Index(fields=["period_kind", "period_start", "segment"], name="segment_period_lookup")]

    def __str__(self) -> str:
        return f"{self.period} {self.segment or '-'} {'key' if self.is_key else 'regular'}"


class SegmentMovement(CustomerGroupFigures):
    """Before/after: how customers' segments moved over the same months, key accounts against
    similar customers that were not (same segment at the same month end before nomination).

    One row per group, segment before and segment after, with how many customers made that move.
    """

    is_key = models.BooleanField(_("key account"))
    cohort_month = models.DateField(
        _("month before nomination"), help_text=_("The month end both groups are compared from (its first day).")
    )
    segment_before = models.CharField(_("segment before"), max_length=20)
    segment_after = models.CharField(_("segment after"), max_length=20)

    class Meta:
        verbose_name = _("segment movement after nomination")
        verbose_name_plural = _("segment movements after nomination")
        ordering = ["period_start", "is_key", "segment_before", "segment_after"]
        indexes = [models.Index(fields=["period_kind", "period_start"], name="segment_movement_period")]

    def __str__(self) -> str:
        return f"{self.period} {self.segment_before}→{self.segment_after}"


class ContactCostRate(models.Model):
    """What one contact by a channel costs (time and travel): the contact effort in the
    relationship cost."""

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, unique=True)
    cost = models.DecimalField(_("cost per contact (IDR)"), **MONEY, validators=[MinValueValidator(Decimal("0"))])
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("contact cost rate")
        verbose_name_plural = _("contact cost rates")
        ordering = ["channel"]
        constraints = [models.CheckConstraint(condition=Q(cost__gte=0), name="contact_cost_not_negative")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.cost}"


class EvaluationQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> EvaluationQuerySet:
        """GMs and admins see every evaluation; anyone else only their own final ones."""
        if role_of(user) in (Role.GENERAL_MANAGER, Role.ADMIN):
            return self
        return self.filter(relationship_manager=user, status=Evaluation.Status.FINAL)

    def final(self) -> EvaluationQuerySet:
        return self.filter(status=Evaluation.Status.FINAL)


class Evaluation(PeriodFields):
    """A GM's evaluation of one RM for one period against their job description."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FINAL = "final", _("Final")

    relationship_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("relationship manager"),
    )
    job_description = models.ForeignKey(
        JobDescription, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("job description")
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    total = models.DecimalField(
        _("weighted score"), max_digits=4, decimal_places=2, null=True, blank=True, help_text=_("1.00 to 5.00.")
    )
    summary = models.TextField(_("GM's summary"), blank=True)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("evaluator")
    )
    data_computed_at = models.DateTimeField(_("data computed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("finalised by"),
    )

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-period_start", "period_kind", "relationship_manager__first_name", "relationship_manager_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["relationship_manager", "period_kind", "period_start"], name="evaluation_one_per_rm_period"
            ),
            models.CheckConstraint(
                condition=Q(total__isnull=True) | (Q(total__gte=1) & Q(total__lte=5)), name="evaluation_total_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.relationship_manager} {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("relationships:evaluation_detail", args=[self.pk])

    @property
    def is_final(self) -> bool:
        return self.status == self.Status.FINAL


class EvaluationScore(models.Model):
    """One criterion of an evaluation. The criterion's name, weight, kind and metric are copied
    so that a final evaluation reads the same after the job description changes."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="scores", verbose_name=_("evaluation")
    )
    criterion = models.ForeignKey(
        EvaluationCriterion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("criterion"),
    )
    name = models.CharField(_("criterion"), max_length=200)
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2)
    kind = models.CharField(_("kind"), max_length=10, choices=EvaluationCriterion.Kind.choices)
    metric = models.CharField(_("metric"), max_length=30, choices=Metric.choices, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    measured_value = models.DecimalField(_("measured value"), max_digits=12, decimal_places=4, null=True, blank=True)
    measured_numerator = models.DecimalField(_("numerator"), **MONEY, null=True, blank=True)
    measured_denominator = models.DecimalField(_("denominator"), **MONEY, null=True, blank=True)
    measured_score = models.PositiveSmallIntegerField(
        _("measured score"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    score = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=1) & Q(score__lte=5)), name="evaluation_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_measured(self) -> bool:
        return self.kind == EvaluationCriterion.Kind.MEASURED

    @property
    def overridden(self) -> bool:
        """A measured criterion whose score the GM changed (a comment says why)."""
        return self.is_measured and self.score is not None and self.score != self.measured_score
