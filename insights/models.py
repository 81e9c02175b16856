"""Purchase history and the knowledge rolled up from it.

`Purchase` rows come in through the CSV import, the API and `import_purchases`.
`rollup.py` turns them, with set-based SQL, into `CustomerRFM` (the current
figures per customer), `RFMSnapshot` (the same per month end) and
`KeyAccountCandidate`; the exact definitions are in DESIGN.md.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer

MONEY = {"max_digits": 18, "decimal_places": 2}


def purchase_date(purchased_at: dt.datetime) -> dt.date:
    """DESIGN.md: a purchase's date is the date of `purchased_at` in the configured time zone."""
    return purchased_at.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


class CustomerScopedQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> CustomerScopedQuerySet:
        return self.filter(customer__in=Customer.objects.visible_to(user))


class Segment(models.TextChoices):
    """DESIGN.md's segments from (R, F); the values are the API's contract."""

    CHAMPION = "champion", _("Champion")
    LOYAL = "loyal", _("Loyal")
    POTENTIAL_LOYALIST = "potential_loyalist", _("Potential loyalist")
    NEW_CUSTOMER = "new_customer", _("New customer")
    PROMISING = "promising", _("Promising")
    NEED_ATTENTION = "need_attention", _("Need attention")
    ABOUT_TO_SLEEP = "about_to_sleep", _("About to sleep")
    CANT_LOSE_THEM = "cant_lose_them", _("Can't lose them")
    AT_RISK = "at_risk", _("At risk")
    HIBERNATING = "hibernating", _("Hibernating")


# DESIGN.md's table: SEGMENT_GRID[r][f] for r, f in 1..5.
_ROW_LOW = ["hibernating", "hibernating", "at_risk", "at_risk", "cant_lose_them"]
SEGMENT_GRID: dict[int, list[str]] = {
    1: _ROW_LOW,
    2: _ROW_LOW,
    3: ["about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"],
    4: ["promising", "potential_loyalist", "potential_loyalist", "loyal", "loyal"],
    5: ["new_customer", "potential_loyalist", "potential_loyalist", "champion", "champion"],
}


def segment_for(r_score: int, f_score: int) -> str:
    return SEGMENT_GRID[r_score][f_score - 1]


class Purchase(models.Model):
    """One purchase (an order or an invoice line) from the ERP, the web shop or a file."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="purchases", verbose_name=_("customer")
    )
    purchased_at = models.DateTimeField(_("purchased at"))
    # purchase_date(purchased_at), stored so that the rollup's SQL needs no time zone arithmetic.
    purchased_on = models.DateField(_("purchase date"), editable=False)
    amount = models.DecimalField(_("amount"), **MONEY, help_text=_("In the default currency."))
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3, null=True, blank=True)
    product = models.CharField(_("product"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=100, blank=True)
    cost = models.DecimalField(
        _("cost"), **MONEY, null=True, blank=True, help_text=_("What the goods cost us, for the margin.")
    )
    source = models.CharField(
        _("source system"), max_length=50, default="manual", help_text=_("Where the purchase came from, e.g. erp.")
    )
    external_id = models.CharField(
        _("external id"), max_length=100, help_text=_("The purchase's id in its source system; unique per source.")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = CustomerScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        ordering = ["-purchased_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="purchase_unique_per_source"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="purchase_amount_not_negative"),
            models.CheckConstraint(condition=Q(cost__isnull=True) | Q(cost__gte=0), name="purchase_cost_not_negative"),
        ]
        indexes = [
            # The rollup's per-customer aggregation and the customer page read this way.
            models.Index(fields=["customer", "purchased_on"], name="purchase_customer_date"),
            models.Index(fields=["purchased_on"], name="purchase_date"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"

    def clean(self) -> None:
        if self.purchased_at:
            self.purchased_on = purchase_date(self.purchased_at)
        if self.amount is not None and self.amount < 0:
            raise ValidationError({"amount": _("The amount cannot be negative.")})
        if self.cost is not None and self.cost < 0:
            raise ValidationError({"cost": _("The cost cannot be negative.")})


class RFMFigures(models.Model):
    """The figures DESIGN.md defines, for one customer and one `as_of` date."""

    as_of = models.DateField(_("as of"))
    last_purchase_on = models.DateField(_("last purchase"))
    recency_days = models.PositiveIntegerField(_("recency (days)"))
    frequency = models.PositiveIntegerField(_("frequency"))
    monetary = models.DecimalField(_("monetary"), **MONEY)
    average_order_value = models.DecimalField(_("average order value"), **MONEY)
    revenue_12m = models.DecimalField(_("revenue, last 12 months"), **MONEY)
    revenue_prev_12m = models.DecimalField(_("revenue, 12 months before"), **MONEY)
    growth = models.DecimalField(
        _("growth"), max_digits=20, decimal_places=6, null=True, help_text=_("0.25 means 25% more than a year before.")
    )
    r_score = models.PositiveSmallIntegerField(_("R score"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    f_score = models.PositiveSmallIntegerField(_("F score"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    m_score = models.PositiveSmallIntegerField(_("M score"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices)
    competitor_spend = models.DecimalField(_("competitor spend"), **MONEY, default=0)
    share_of_wallet = models.DecimalField(
        _("share of wallet"),
        max_digits=7,
        decimal_places=6,
        null=True,
        help_text=_("Our 12-month revenue divided by that revenue plus the yearly competitor spend."),
    )
    computed_at = models.DateTimeField(_("computed at"))

    objects = CustomerScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def segment_label(self) -> str:
        return Segment(self.segment).label


class CustomerRFM(RFMFigures):
    """The current knowledge per customer with at least one purchase (one row each)."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="rfm", verbose_name=_("customer")
    )

    class Meta:
        verbose_name = _("customer RFM")
        verbose_name_plural = _("customer RFM")
        ordering = ["-monetary", "customer_id"]
        # No index on the scores or the segment: rescoring then updates rows in place (PostgreSQL's
        # HOT updates, with the free space a fill factor of 85 leaves in each page; migration 0004).
        indexes = [
            models.Index(fields=["-revenue_12m"], name="rfm_revenue_12m"),
            # Incremental rescoring finds the new score thresholds a few rows away from the old ones.
            models.Index(fields=["last_purchase_on"], name="rfm_last_purchase"),
            models.Index(fields=["frequency"], name="rfm_frequency"),
            models.Index(fields=["monetary"], name="rfm_monetary"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} @ {self.as_of}"


class RFMSnapshot(RFMFigures):
    """The same figures at a month end (`as_of` is that month's last day)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="rfm_snapshots", verbose_name=_("customer")
    )
    month = models.DateField(_("month"), help_text=_("The month's first day."))

    class Meta:
        verbose_name = _("monthly RFM snapshot")
        verbose_name_plural = _("monthly RFM snapshots")
        ordering = ["customer_id", "month"]
        constraints = [models.UniqueConstraint(fields=["customer", "month"], name="rfm_snapshot_one_per_month")]
        indexes = [models.Index(fields=["month", "segment"], name="rfm_snapshot_month_segment")]

    def __str__(self) -> str:
        return f"{self.customer_id} @ {self.month:%Y-%m}"


class PurchasePending(models.Model):
    """A purchase written since the last rollup that took it in (filled by a database trigger).

    The trigger covers every way in (ORM, bulk inserts, COPY), so an incremental
    run merges exactly the new purchases into the current figures, and a full run
    clears what it aggregated.
    """

    # No foreign key: checking one per imported row at commit would slow big imports; a row
    # whose purchase was deleted matches nothing and is cleared by the next run.
    purchase = models.OneToOneField(
        Purchase, on_delete=models.DO_NOTHING, primary_key=True, db_constraint=False, related_name="+"
    )
    customer_id = models.BigIntegerField()

    def __str__(self) -> str:
        return str(self.purchase_id)


class ScoreCut(models.Model):
    """Where the current scores change: per metric and score s (1-4), the largest value scoring
    at most s, and how many customers do. Written by every rollup of the current table."""

    class Metric(models.TextChoices):
        R = "r_score", "R"
        F = "f_score", "F"
        M = "m_score", "M"

    metric = models.CharField(max_length=7, choices=Metric.choices)
    score = models.PositiveSmallIntegerField()
    last_purchase_on = models.DateField(null=True)
    frequency = models.PositiveIntegerField(null=True)
    monetary = models.DecimalField(**MONEY, null=True)
    at_or_below = models.PositiveIntegerField()
    customers = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["metric", "score"], name="score_cut_once")]

    def __str__(self) -> str:
        return f"{self.metric} <= {self.score}"


class RFMStage(models.Model):
    """Per-shard aggregates of a sharded full rollup, before scoring (a work table)."""

    run = models.ForeignKey("RollupRun", on_delete=models.CASCADE, related_name="+")
    customer_id = models.BigIntegerField()
    last_purchase_on = models.DateField()
    frequency = models.PositiveIntegerField()
    monetary = models.DecimalField(**MONEY)
    revenue_12m = models.DecimalField(**MONEY)
    revenue_prev_12m = models.DecimalField(**MONEY)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "customer_id"], name="rfm_stage_one_per_customer")]

    def __str__(self) -> str:
        return f"run {self.run_id}: {self.customer_id}"


class RollupRun(models.Model):
    class Kind(models.TextChoices):
        FULL = "full", _("Full")
        INCREMENTAL = "incremental", _("Incremental")
        SNAPSHOT = "snapshot", _("Monthly snapshot")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.FULL)
    as_of = models.DateField(_("as of"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    # Incremental runs: the customers whose purchases changed.
    customer_ids = models.JSONField(_("customers"), default=list, blank=True)
    shards = models.PositiveIntegerField(_("shards"), default=1)
    shards_done = models.PositiveIntegerField(_("shards done"), default=0)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0, help_text=_("Customers with figures after the run."))
    rows_changed = models.PositiveIntegerField(_("rows changed"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("rollup run")
        verbose_name_plural = _("rollup runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.as_of} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("insights:rollup_list") + f"#run-{self.pk}"

    @property
    def duration(self) -> dt.timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class RollupLock(models.Model):
    """One row per lock name; a rollup holds it from start to finish so two never interleave.

    Taken with a conditional UPDATE (atomic on every database); `expires_at`
    frees a lock whose worker was killed.
    """

    name = models.CharField(max_length=50, primary_key=True)
    run = models.ForeignKey(RollupRun, on_delete=models.SET_NULL, null=True, related_name="+")
    expires_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.name


class CandidateRule(models.Model):
    """The GM's settings for key-account candidates (a single row)."""

    top_n = models.PositiveSmallIntegerField(
        _("top customers by revenue"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    growth_threshold = models.DecimalField(
        _("growth threshold"),
        max_digits=6,
        decimal_places=3,
        default=0.30,
        validators=[MinValueValidator(0)],
        help_text=_("0.30 means 30% more revenue than the 12 months before."),
    )
    min_revenue = models.DecimalField(
        _("minimum 12-month revenue for fast growers"), **MONEY, default=250_000_000, validators=[MinValueValidator(0)]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("candidate rule")
        verbose_name_plural = _("candidate rules")

    def __str__(self) -> str:
        return str(_("Key-account candidate rule"))


class KeyAccountCandidate(models.Model):
    class Reason(models.TextChoices):
        TOP_REVENUE = "top_revenue", _("Top by 12-month revenue")
        FAST_GROWTH = "fast_growth", _("Fast grower")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="key_account_candidacies", verbose_name=_("customer")
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    rank = models.PositiveIntegerField(_("rank"))
    revenue_12m = models.DecimalField(_("revenue, last 12 months"), **MONEY)
    revenue_prev_12m = models.DecimalField(_("revenue, 12 months before"), **MONEY)
    growth = models.DecimalField(_("growth"), max_digits=20, decimal_places=6, null=True)
    as_of = models.DateField(_("as of"))
    computed_at = models.DateTimeField(_("computed at"))

    objects = CustomerScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("key-account candidate")
        verbose_name_plural = _("key-account candidates")
        ordering = ["reason", "rank"]
        constraints = [models.UniqueConstraint(fields=["customer", "reason"], name="candidate_once_per_reason")]

    def __str__(self) -> str:
        return f"{self.customer_id} ({self.reason})"


class PurchaseImport(models.Model):
    """One uploaded purchase CSV: its text, mapping, progress and the outcome of every bad row.

    The text is kept in the database so that any worker on any machine can run
    the check and the import; `errors` lists every rejected row by line number.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded, mapping to confirm")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked, not imported yet")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="purchase_imports",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=255)
    raw_text = models.TextField(_("file content"))
    delimiter = models.CharField(_("delimiter"), max_length=1, default=",")
    source = models.CharField(_("source system"), max_length=50, default="csv")
    mapping = models.JSONField(_("column mapping"), default=list)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    ok_count = models.PositiveIntegerField(_("valid rows"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    existing_count = models.PositiveIntegerField(_("already there"), default=0)
    error_count = models.PositiveIntegerField(_("rejected rows"), default=0)
    errors = models.JSONField(
        _("rejected rows"), default=list, help_text=_("Line, column and reason per rejected row.")
    )
    failure = models.TextField(_("failure"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("purchase import")
        verbose_name_plural = _("purchase imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("insights:purchase_import_detail", args=[self.pk])

    @property
    def progress_percent(self) -> int:
        return int(100 * self.rows_done / self.row_count) if self.row_count else 0
