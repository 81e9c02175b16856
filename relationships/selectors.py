"""Reads of the key-account programme."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from communications.models import Channel, Interaction
from insights.models import CustomerRFM, Purchase, RFMSnapshot

from .models import (
    Action,
    EvaluationCriterion,
    JobDescription,
    KeyAccount,
    Objective,
    RelationshipManagerProfile,
    RelationshipPlan,
    Resource,
    RMAssignment,
    Training,
)

HUNDRED = Decimal("100")


def rm_profile_list(*, reports_to: AbstractBaseUser | None = None) -> QuerySet[RelationshipManagerProfile]:
    profiles = RelationshipManagerProfile.objects.select_related("user", "reports_to")
    if reports_to is not None:
        profiles = profiles.filter(reports_to=reports_to)
    return profiles


def plan_period(plan: RelationshipPlan) -> tuple[date, date]:
    """The days a plan's measured actuals count: its years, up to today."""
    return date(plan.start_year, 1, 1), min(date(plan.end_year, 12, 31), timezone.localdate())


def _percent(part: Decimal | int | None, whole: Decimal | int | None) -> int | None:
    if part is None or not whole:
        return None
    return round(Decimal(part) * HUNDRED / Decimal(whole))


@dataclass
class ObjectiveProgress:
    objective: Objective
    actual: Decimal | None

    @property
    def percent(self) -> int | None:
        """How much of the target the actual reaches (may exceed 100). For a target below the
        baseline (fewer complaints), reaching it or going lower is 100."""
        objective, actual = self.objective, self.actual
        if actual is None:
            return None
        if objective.baseline is not None and objective.target < objective.baseline:
            return 100 if actual <= objective.target else round(objective.target * HUNDRED / actual)
        if objective.target <= 0:
            return 100 if actual >= objective.target else 0
        return max(0, round(actual * HUNDRED / objective.target))

    @property
    def is_met(self) -> bool:
        return self.percent is not None and self.percent >= 100


@dataclass
class PlanProgress:
    objectives: list[ObjectiveProgress] = field(default_factory=list)
    actions_total: int = 0
    actions_done: int = 0
    actions_open: int = 0
    actions_overdue: int = 0
    actions_due_soon: int = 0
    budget_planned: Decimal = Decimal("0")
    budget_spent: Decimal = Decimal("0")

    @property
    def actions_percent(self) -> int | None:
        counted = self.actions_total
        return _percent(self.actions_done, counted)

    @property
    def budget_percent(self) -> int | None:
        return _percent(self.budget_spent, self.budget_planned)

    @property
    def objectives_met(self) -> int:
        return sum(1 for o in self.objectives if o.is_met)

    @property
    def objectives_percent(self) -> int | None:
        """The mean progress of objectives that have an actual, each counted at most 100%."""
        known = [min(o.percent, 100) for o in self.objectives if o.percent is not None]
        return round(sum(known) / len(known)) if known else None


DUE_SOON_DAYS = 14


def plan_progress_many(plans: Iterable[RelationshipPlan], *, today: date | None = None) -> dict[int, PlanProgress]:
    """Progress of many plans in a fixed number of queries (objectives, actions, resources,
    purchases, interactions, share of wallet), whatever the number of plans."""
    plans = list(plans)
    today = today or timezone.localdate()
    result = {plan.pk: PlanProgress() for plan in plans}
    if not plans:
        return result
    ids = list(result)
    soon = today + timedelta(days=DUE_SOON_DAYS)
    open_q = Q(status__in=[Action.Status.PLANNED, Action.Status.IN_PROGRESS])
    for row in (
        Action.objects.filter(plan__in=ids)
        .exclude(status=Action.Status.CANCELLED)
        .values("plan")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(status=Action.Status.DONE)),
            open=Count("id", filter=open_q),
            overdue=Count("id", filter=open_q & Q(due_on__lt=today)),
            due_soon=Count("id", filter=open_q & Q(due_on__gte=today, due_on__lte=soon)),
        )
    ):
        progress = result[row["plan"]]
        progress.actions_total, progress.actions_done = row["total"], row["done"]
        progress.actions_open, progress.actions_overdue = row["open"], row["overdue"]
        progress.actions_due_soon = row["due_soon"]
    for row in Resource.objects.filter(plan__in=ids).values("plan").annotate(a=Sum("amount"), s=Sum("spent")):
        result[row["plan"]].budget_planned = row["a"] or Decimal("0")
        result[row["plan"]].budget_spent = row["s"] or Decimal("0")
    objectives = list(Objective.objects.filter(plan__in=ids).order_by("plan_id", "position", "id"))
    actuals = objective_actuals(plans, objectives, today=today)
    for objective in objectives:
        result[objective.plan_id].objectives.append(ObjectiveProgress(objective, actuals.get(objective.pk)))
    return result


def plan_progress(plan: RelationshipPlan, *, today: date | None = None) -> PlanProgress:
    return plan_progress_many([plan], today=today)[plan.pk]


def objective_actuals(
    plans: list[RelationshipPlan], objectives: list[Objective], *, today: date
) -> dict[int, Decimal | None]:
    """The actual of each objective: measured ones from purchases, interactions and share of
    wallet over the plan's years up to today; the others as entered."""
    by_plan = {plan.pk: plan for plan in plans}
    metrics = {o.metric for o in objectives}
    customers = {plan.customer_id for plan in plans}
    first_year = min(plan.start_year for plan in plans)
    last_day = max(plan_period(plan)[1] for plan in plans)
    yearly: dict[tuple[int, int], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    if metrics & {"revenue", "purchase_frequency"}:
        for row in (
            Purchase.objects.filter(
                customer__in=customers, purchased_on__gte=date(first_year, 1, 1), purchased_on__lte=last_day
            )
            .annotate(year=ExtractYear("purchased_on"))
            .values("customer", "year")
            .annotate(revenue=Sum("amount"), purchases=Count("id"))
        ):
            yearly[row["customer"], row["year"]]["revenue"] += row["revenue"] or 0
            yearly[row["customer"], row["year"]]["purchase_frequency"] += row["purchases"]
    if metrics & {"contact_count", "visit_count"}:
        start = timezone.make_aware(datetime(first_year, 1, 1))
        end = timezone.make_aware(datetime.combine(last_day, time.max))
        for row in (
            Interaction.objects.filter(customer__in=customers, occurred_at__gte=start, occurred_at__lte=end)
            .annotate(year=ExtractYear("occurred_at"))
            .values("customer", "year")
            .annotate(contacts=Count("id"), visits=Count("id", filter=Q(channel=Channel.VISIT)))
        ):
            yearly[row["customer"], row["year"]]["contact_count"] += row["contacts"]
            yearly[row["customer"], row["year"]]["visit_count"] += row["visits"]
    wallet: dict[int, Decimal | None] = {}
    if "share_of_wallet" in metrics:
        wallet = _share_of_wallet(plans, today)
    actuals: dict[int, Decimal | None] = {}
    for objective in objectives:
        plan = by_plan[objective.plan_id]
        if objective.metric == Objective.Metric.MANUAL:
            actuals[objective.pk] = objective.manual_actual
        elif objective.metric == Objective.Metric.SHARE_OF_WALLET:
            actuals[objective.pk] = wallet.get(plan.pk)
        elif plan.start_year > today.year:
            actuals[objective.pk] = None
        else:
            actuals[objective.pk] = sum(
                (
                    yearly[plan.customer_id, year][objective.metric]
                    for year in range(plan.start_year, plan.end_year + 1)
                ),
                Decimal("0"),
            )
    return actuals


def _share_of_wallet(plans: list[RelationshipPlan], today: date) -> dict[int, Decimal | None]:
    """Share of wallet in percent: today's for plans running now, the last month end of the
    plan's last year for past plans, none for future ones."""
    current = {p.customer_id for p in plans if p.start_year <= today.year <= p.end_year}
    past = {(p.customer_id, date(p.end_year, 12, 1)) for p in plans if p.end_year < today.year}
    now = dict(CustomerRFM.objects.filter(customer__in=current).values_list("customer", "share_of_wallet"))
    then = {}
    if past:
        rows = RFMSnapshot.objects.filter(
            customer__in={c for c, _ in past}, month__in={m for _, m in past}
        ).values_list("customer", "month", "share_of_wallet")
        then = {(customer, month): share for customer, month, share in rows}
    shares: dict[int, Decimal | None] = {}
    for plan in plans:
        if plan.start_year <= today.year <= plan.end_year:
            share = now.get(plan.customer_id)
        elif plan.end_year < today.year:
            share = then.get((plan.customer_id, date(plan.end_year, 12, 1)))
        else:
            share = None
        shares[plan.pk] = None if share is None else (share * HUNDRED).quantize(Decimal("0.1"))
    return shares


def plans_visible(*, user: Any) -> QuerySet[RelationshipPlan]:
    return RelationshipPlan.objects.visible_to(user).select_related(
        "customer", "key_account__relationship_manager", "author", "decided_by"
    )


# -- plan pages (relationships/views_plans.py) ------------------------------------------------


def plan_list(
    *,
    user: Any,
    status: str = "",
    kind: str = "",
    year: int | None = None,
    relationship_manager: Any = None,
    search: str = "",
    waiting_first: bool = False,
) -> QuerySet[RelationshipPlan]:
    """The plan list: the latest version of each plan the user sees; a GM's plans waiting for a
    decision come first."""
    plans = (
        RelationshipPlan.objects.visible_to(user)
        .latest()
        .select_related("customer", "key_account__relationship_manager")
    )
    if status:
        plans = plans.filter(status=status)
    if kind:
        plans = plans.filter(kind=kind)
    if year:
        plans = plans.filter(start_year__lte=year, end_year__gte=year)
    if relationship_manager is not None:
        plans = plans.filter(key_account__relationship_manager=relationship_manager)
    if search:
        plans = plans.filter(Q(customer__name__icontains=search) | Q(title__icontains=search))
    # Per customer the long-term plan ("long_term" sorts after "annual") first, then the newest year.
    order: list[Any] = ["customer__name", "-kind", "-start_year"]
    if waiting_first:
        waiting = Case(
            When(status=RelationshipPlan.Status.SUBMITTED, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        order = [waiting, "submitted_at", *order]
    return plans.order_by(*order)


def plan_filter_choices(*, user: Any) -> dict[str, Any]:
    """The plan list's RM and year choices, among the plans the user sees."""
    from django.contrib.auth import get_user_model

    visible = RelationshipPlan.objects.visible_to(user).latest()
    managers = (
        get_user_model()
        .objects.filter(pk__in=visible.values("key_account__relationship_manager"))
        .order_by("first_name", "last_name", "username")
    )
    bounds = visible.aggregate(first=Min("start_year"), last=Max("end_year"))
    years = list(range(bounds["last"], bounds["first"] - 1, -1)) if bounds["first"] else []
    return {"managers": managers, "years": years}


def plan_get(*, user: Any, pk: int) -> RelationshipPlan:
    """One plan the user sees, with what its header needs; raises DoesNotExist outside their scope."""
    return (
        RelationshipPlan.objects.visible_to(user)
        .select_related(
            "customer",
            "key_account__relationship_manager",
            "long_term_plan",
            "revises",
            "superseded_by",
            "copied_from",
            "decided_by",
        )
        .get(pk=pk)
    )


@dataclass
class PlanContent:
    objectives: list[Objective]
    strategies: list[Any]
    actions: list[Action]
    resources: list[Resource]


def plan_content(plan: RelationshipPlan) -> PlanContent:
    """The plan's four lists in four queries plus one for the actions' evidence."""
    actions = list(
        plan.actions.select_related("owner", "strategy").prefetch_related(Prefetch("evidence", queryset=EVIDENCE))
    )
    today = timezone.localdate()
    for action in actions:
        action.overdue = action.is_overdue(today)
    return PlanContent(
        objectives=list(plan.objectives.all()),
        strategies=list(plan.strategies.all()),
        actions=actions,
        resources=list(plan.resources.all()),
    )


# An action's evidence as its row shows it: newest first, the fields of a link.
EVIDENCE = Interaction.objects.order_by("-occurred_at").only("id", "channel", "subject", "occurred_at", "customer_id")


def plan_versions(plan: RelationshipPlan) -> QuerySet[RelationshipPlan]:
    """Every version of the plan's line (same key account, kind and first year), newest first."""
    return RelationshipPlan.objects.filter(
        key_account_id=plan.key_account_id, kind=plan.kind, start_year=plan.start_year
    ).order_by("-version")


def plan_related(plan: RelationshipPlan, *, user: Any) -> QuerySet[RelationshipPlan]:
    """A long-term plan's annual plans, or an annual plan's other years of the same key account."""
    plans = RelationshipPlan.objects.visible_to(user).latest().filter(key_account_id=plan.key_account_id)
    if plan.kind == RelationshipPlan.Kind.LONG_TERM:
        return plans.filter(kind=RelationshipPlan.Kind.ANNUAL, long_term_plan=plan).order_by("start_year")
    return plans.filter(kind=RelationshipPlan.Kind.ANNUAL).exclude(pk=plan.pk).order_by("-start_year")


def plan_owner_choices(plan: RelationshipPlan) -> QuerySet[Any]:
    """Who may own an action: the people who work with the customer (owner, team, the RM)."""
    from django.contrib.auth import get_user_model

    customer_id = plan.customer_id
    return (
        get_user_model()
        .objects.filter(
            Q(pk=plan.customer.owner_id)
            | Q(team_memberships__customer_id=customer_id)
            | Q(pk=plan.key_account.relationship_manager_id or 0)
        )
        .filter(is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


EVIDENCE_CHOICES_LIMIT = 30


def action_evidence_choices(action: Action) -> QuerySet[Interaction]:
    """The customer's recent interactions an action may link as evidence (not linked yet)."""
    return (
        Interaction.objects.filter(customer_id=action.plan.customer_id)
        .exclude(plan_actions=action)
        .select_related("logged_by")
        .order_by("-occurred_at")[:EVIDENCE_CHOICES_LIMIT]
    )


def plan_key_accounts(*, user: Any) -> QuerySet[Any]:
    """The key accounts a user may write plans for: an RM their own, a GM or admin every active one."""
    from crm_project.roles import Role, role_of

    from .models import KeyAccount

    accounts = KeyAccount.objects.active().select_related("customer").order_by("customer__name")
    role = role_of(user)
    if role in (Role.GENERAL_MANAGER, Role.ADMIN):
        return accounts
    if role is Role.RELATIONSHIP_MANAGER:
        return accounts.filter(relationship_manager=user)
    return accounts.none()


def objective_baselines(plan: RelationshipPlan) -> dict[str, Decimal | None]:
    """Last year's measured figures of the plan's customer, as suggested baselines."""
    year = plan.start_year - 1
    probe = RelationshipPlan(pk=0, customer_id=plan.customer_id, start_year=year, end_year=year)
    objectives = [Objective(pk=-i - 1, plan_id=0, metric=m) for i, m in enumerate(sorted(Objective.MEASURED))]
    actuals = objective_actuals([probe], objectives, today=timezone.localdate())
    return {o.metric: actuals.get(o.pk) for o in objectives}


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
    return Training.objects.filter(user=user_ref, topic=Training.Topic.RELATIONSHIP_MARKETING).valid_on(day)


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
