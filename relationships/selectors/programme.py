"""Reads of the programme pages: key accounts, relationship managers, trainings, job descriptions, homes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from communications.models import Interaction

from ..models import (
    Action,
    EvaluationCriterion,
    JobDescription,
    KeyAccount,
    RelationshipManagerProfile,
    RelationshipPlan,
    RMAssignment,
    Training,
)
from .progress import DUE_SOON_DAYS, PlanProgress, plan_progress_many


def rm_profile_list(*, reports_to: AbstractBaseUser | None = None) -> QuerySet[RelationshipManagerProfile]:
    profiles = RelationshipManagerProfile.objects.select_related("user", "reports_to")
    if reports_to is not None:
        profiles = profiles.filter(reports_to=reports_to)
    return profiles


# -- pages of the programme: key accounts, relationship managers, trainings, job descriptions --

NO_RM = "none"
NO_PLAN = "none"
TRAINING_EXPIRY_WARNING_DAYS = 60


def _current_annual(key_account: OuterRef, year: int) -> QuerySet[RelationshipPlan]:
    return RelationshipPlan.objects.filter(
        key_account=key_account, kind=RelationshipPlan.Kind.ANNUAL, start_year=year, is_latest=True
    )


def key_account_list(
    *,
    user: Any,
    retired: bool = False,
    rm: str = "",
    segment: str = "",
    plan_status: str = "",
    q: str = "",
    year: int | None = None,
) -> QuerySet[KeyAccount]:
    """The key accounts the user sees, with customer, RFM, owner and RM joined, the last contact
    and the status of this year's annual plan as subqueries: one query for any number of rows."""
    year = year or timezone.localdate().year
    last_contact = Interaction.objects.filter(customer=OuterRef("customer")).order_by("-occurred_at")
    key_accounts = (
        KeyAccount.objects.visible_to(user)
        .select_related("customer__rfm", "customer__owner", "relationship_manager", "retired_by")
        .annotate(
            last_contact_at=Subquery(last_contact.values("occurred_at")[:1]),
            plan_status=Subquery(_current_annual(OuterRef("pk"), year).values("status")[:1]),
        )
    )
    key_accounts = key_accounts.filter(retired_at__isnull=not retired)
    if rm == NO_RM:
        key_accounts = key_accounts.filter(relationship_manager__isnull=True)
    elif rm:
        key_accounts = key_accounts.filter(relationship_manager_id=rm)
    if segment:
        key_accounts = key_accounts.filter(customer__rfm__segment=segment)
    if plan_status == NO_PLAN:
        key_accounts = key_accounts.filter(plan_status__isnull=True)
    elif plan_status:
        key_accounts = key_accounts.filter(plan_status=plan_status)
    if q:
        key_accounts = key_accounts.filter(
            Q(customer__name__icontains=q)
            | Q(relationship_manager__first_name__icontains=q)
            | Q(relationship_manager__last_name__icontains=q)
            | Q(relationship_manager__username__icontains=q)
        )
    return key_accounts.order_by("-retired_at" if retired else "customer__name", "customer__name", "pk")


@dataclass
class KeyAccountHealth:
    """A key account's health at a glance, for the list and the RM's home."""

    key_account: KeyAccount
    cadence: Any = None  # communications.selectors.CadenceStatus, or None when in time
    plan: RelationshipPlan | None = None
    progress: PlanProgress | None = None
    actions_overdue: int = 0
    actions_due_soon: int = 0

    @property
    def actions_due(self) -> int:
        return self.actions_overdue + self.actions_due_soon


def key_account_health(key_accounts: Iterable[KeyAccount], *, today: date | None = None) -> list[KeyAccountHealth]:
    """Cadence, this year's annual plan with its progress and the open actions due within
    DUE_SOON_DAYS, for many key accounts in a fixed number of queries: the plans, their
    progress (plan_progress_many), the actions due, and the cadence (one per cadence rule)."""
    from communications.selectors import DUE_SOON_DAYS as CADENCE_SOON_DAYS
    from communications.selectors import cadence_due

    today = today or timezone.localdate()
    rows = [KeyAccountHealth(key_account) for key_account in key_accounts]
    if not rows:
        return rows
    by_pk = {row.key_account.pk: row for row in rows}
    active = [row.key_account for row in rows if row.key_account.retired_at is None]
    plans = list(
        RelationshipPlan.objects.filter(
            key_account__in=list(by_pk), kind=RelationshipPlan.Kind.ANNUAL, start_year=today.year, is_latest=True
        )
    )
    progress = plan_progress_many(plans, today=today)
    for plan in plans:
        by_pk[plan.key_account_id].plan = plan
        by_pk[plan.key_account_id].progress = progress[plan.pk]
    soon = today + timedelta(days=DUE_SOON_DAYS)
    for row in (
        Action.objects.open()
        .filter(plan__key_account__in=list(by_pk), plan__is_latest=True, due_on__lte=soon)
        .values("plan__key_account")
        .annotate(overdue=Count("id", filter=Q(due_on__lt=today)), soon=Count("id", filter=Q(due_on__gte=today)))
    ):
        by_pk[row["plan__key_account"]].actions_overdue = row["overdue"]
        by_pk[row["plan__key_account"]].actions_due_soon = row["soon"]
    if active:
        from accounts.models import Customer

        customers = Customer.objects.filter(pk__in=[key_account.customer_id for key_account in active])
        due = {
            status.customer.pk: status
            for status in cadence_due(customers=customers, as_of=today, horizon_days=CADENCE_SOON_DAYS)
        }
        for key_account in active:
            by_pk[key_account.pk].cadence = due.get(key_account.customer_id)
    return rows


def pending_approvals(*, user: Any) -> QuerySet[RelationshipPlan]:
    """Submitted plans waiting for a general manager's decision, oldest first."""
    return (
        RelationshipPlan.objects.visible_to(user)
        .filter(status=RelationshipPlan.Status.SUBMITTED, is_latest=True)
        .select_related("customer", "key_account__relationship_manager", "author")
        .order_by("submitted_at", "pk")
    )


def key_accounts_without_rm(*, user: Any) -> QuerySet[KeyAccount]:
    return (
        KeyAccount.objects.visible_to(user)
        .active()
        .filter(relationship_manager__isnull=True)
        .select_related("customer")
        .order_by("nominated_at", "pk")
    )


def _valid_training(user_ref: OuterRef, day: date) -> QuerySet[Training]:
    return Training.objects.filter(user=user_ref).qualifies_rm(day)


def rm_user_list(*, day: date | None = None) -> QuerySet[Any]:
    """Active users with the relationship manager role, with their profile, its manager and job
    description, their load (active key accounts), and whether a relationship-marketing training
    is valid (and until when): one query."""
    from django.contrib.auth import get_user_model

    from crm_project.roles import Role

    day = day or timezone.localdate()
    load = (
        KeyAccount.objects.active()
        .filter(relationship_manager=OuterRef("pk"))
        .values("relationship_manager")
        .annotate(n=Count("pk"))
        .values("n")
    )
    valid = _valid_training(OuterRef("pk"), day)
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.RELATIONSHIP_MANAGER.value)
        .select_related("rm_profile__reports_to", "rm_profile__job_description")
        .annotate(
            load=Coalesce(Subquery(load, output_field=IntegerField()), 0),
            has_valid_training=Exists(valid),
            # Null when a valid training never expires (or there is none: see has_valid_training).
            training_expires_on=Subquery(
                valid.filter(valid_until__isnull=False).order_by("-valid_until").values("valid_until")[:1]
            ),
            training_forever=Exists(valid.filter(valid_until__isnull=True)),
        )
        .order_by("first_name", "last_name", "username")
    )


def rm_user_get(*, user: Any, pk: int) -> Any:
    """A relationship manager's page: GMs and admins see every RM, an RM themselves; else DoesNotExist."""
    from crm_project.roles import Role, role_of

    users = rm_user_list()
    if role_of(user) not in (Role.GENERAL_MANAGER, Role.ADMIN):
        users = users.filter(pk=user.pk)
    return users.get(pk=pk)


def rm_assignments(*, rm: Any, user: Any) -> QuerySet[RMAssignment]:
    return (
        RMAssignment.objects.filter(Q(relationship_manager=rm) | Q(previous_manager=rm))
        .filter(key_account__in=KeyAccount.objects.visible_to(user))
        .select_related("key_account__customer", "relationship_manager", "previous_manager", "assigned_by")
        .order_by("-started_at", "-pk")
    )


def key_account_get(*, user: Any, pk: int) -> KeyAccount:
    return (
        KeyAccount.objects.visible_to(user)
        .select_related("customer__owner", "customer__rfm", "relationship_manager", "nominated_by", "retired_by")
        .get(pk=pk)
    )


def key_account_assignments(key_account: KeyAccount) -> QuerySet[RMAssignment]:
    return key_account.assignments.select_related("relationship_manager", "previous_manager", "assigned_by")


def key_account_terms(key_account: KeyAccount) -> QuerySet[KeyAccount]:
    """The customer's other nominations (earlier terms in the programme), newest first."""
    return (
        KeyAccount.objects.filter(customer_id=key_account.customer_id)
        .exclude(pk=key_account.pk)
        .select_related("nominated_by", "retired_by")
        .order_by("-nominated_at")
    )


def key_account_plans(key_account: KeyAccount) -> list[RelationshipPlan]:
    """Every version of the account's plans: long-term first, then annual by year, newest version first."""
    return list(key_account.plans.select_related("author", "decided_by").order_by("-kind", "-start_year", "-version"))


def training_list(*, user: Any, person: Any = None) -> QuerySet[Training]:
    trainings = Training.objects.visible_to(user).select_related("user")
    if person is not None:
        trainings = trainings.filter(user=person)
    return trainings


def training_state(training: Training, *, today: date | None = None) -> str:
    """valid, expiring (within TRAINING_EXPIRY_WARNING_DAYS), expired or future."""
    today = today or timezone.localdate()
    if training.completed_on > today:
        return "future"
    if training.valid_until is None:
        return "valid"
    if training.valid_until < today:
        return "expired"
    if training.valid_until <= today + timedelta(days=TRAINING_EXPIRY_WARNING_DAYS):
        return "expiring"
    return "valid"


def job_description_list() -> QuerySet[JobDescription]:
    """Current versions with their number of criteria and holders (subqueries: one query)."""
    criteria = (
        EvaluationCriterion.objects.filter(job_description=OuterRef("pk"))
        .values("job_description")
        .annotate(n=Count("pk"))
        .values("n")
    )
    holders = (
        RelationshipManagerProfile.objects.filter(job_description=OuterRef("pk"))
        .values("job_description")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        JobDescription.objects.filter(is_current=True)
        .select_related("written_by")
        .annotate(
            criteria_count=Coalesce(Subquery(criteria, output_field=IntegerField()), 0),
            holder_count=Coalesce(Subquery(holders, output_field=IntegerField()), 0),
        )
        .order_by("title", "pk")
    )


def job_descriptions_visible(*, user: Any) -> QuerySet[JobDescription]:
    """GMs and admins see every job description; an RM every version of the one they hold."""
    from crm_project.roles import Role, role_of

    role = role_of(user)
    if role in (Role.GENERAL_MANAGER, Role.ADMIN):
        return JobDescription.objects.all()
    if role is Role.RELATIONSHIP_MANAGER:
        held = JobDescription.objects.filter(holders__user=user).values("lineage")
        return JobDescription.objects.filter(lineage__in=held)
    return JobDescription.objects.none()


def job_description_versions(job_description: JobDescription) -> QuerySet[JobDescription]:
    return (
        JobDescription.objects.filter(lineage=job_description.lineage).select_related("written_by").order_by("-version")
    )


def rm_actions_due(*, user: Any, today: date | None = None, limit: int = 10) -> list[Action]:
    """Open actions of the RM's key-account plans, or owned by them, overdue or due within DUE_SOON_DAYS."""
    today = today or timezone.localdate()
    return list(
        Action.objects.open()
        .filter(Q(owner=user) | Q(plan__key_account__relationship_manager=user), plan__is_latest=True)
        .filter(due_on__lte=today + timedelta(days=DUE_SOON_DAYS), plan__key_account__retired_at__isnull=True)
        .select_related("plan__customer", "owner")
        .order_by("due_on", "pk")[:limit]
    )


def rm_home_context(user: Any) -> dict[str, Any]:
    """The RM's home: their key accounts' health and the plan actions due (a fixed number of queries)."""
    today = timezone.localdate()
    key_accounts = key_account_list(user=user, rm=str(user.pk), year=today.year)
    return {
        "programme_rows": key_account_health(key_accounts, today=today),
        "programme_actions": rm_actions_due(user=user, today=today),
        "this_year": today.year,
        "today": today,
    }


def gm_home_context(user: Any) -> dict[str, Any]:
    """The GM's home card: plans waiting for approval and key accounts without an RM (one query each)."""
    return {
        "approvals": list(pending_approvals(user=user)),
        "unassigned": list(key_accounts_without_rm(user=user)[:20]),
    }


# -- the API's reads (relationships/api/views.py) --------------------------------------------


def api_key_accounts(*, user: Any) -> QuerySet[KeyAccount]:
    """Visible key accounts with their assignment history."""
    history = RMAssignment.objects.select_related("relationship_manager").order_by("-started_at", "-id")
    return (
        KeyAccount.objects.visible_to(user)
        .select_related("customer", "relationship_manager")
        .prefetch_related(Prefetch("assignments", queryset=history))
        .order_by("customer__name", "-nominated_at", "id")
    )


def api_rm_profiles(*, user: Any) -> QuerySet[RelationshipManagerProfile]:
    """RM profiles with their load and training: all for GMs and admins, an RM's own, none for reps."""
    from crm_project.roles import Role, role_of

    role = role_of(user)
    profiles = rm_profile_list()
    if role is Role.RELATIONSHIP_MANAGER:
        profiles = profiles.filter(user=user)
    elif role not in (Role.GENERAL_MANAGER, Role.ADMIN):
        return profiles.none()
    return profiles.annotate(
        load=Count("user__managed_key_accounts", filter=Q(user__managed_key_accounts__retired_at__isnull=True)),
        has_valid_training=Exists(_valid_training(OuterRef("user"), timezone.localdate())),
    ).order_by("user__first_name", "user__last_name", "user__username", "id")


def api_job_descriptions(*, user: Any) -> QuerySet[JobDescription]:
    return (
        job_descriptions_visible(user=user)
        .prefetch_related(
            Prefetch("criteria", queryset=EvaluationCriterion.objects.order_by("position", "id")),
            Prefetch("holders", queryset=RelationshipManagerProfile.objects.order_by("user_id")),
        )
        .order_by("title", "-version", "id")
    )
