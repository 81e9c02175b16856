"""Reads of the plan pages (relationships/views_plans.py)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    IntegerField,
    Max,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from communications.models import Interaction

from ..models import (
    Action,
    KeyAccount,
    Objective,
    PlanEvent,
    RelationshipPlan,
    Resource,
    Strategy,
)
from .progress import objective_actuals, plans_visible

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


def api_plans(*, user: Any) -> QuerySet[RelationshipPlan]:
    """Visible plans with their items and workflow history (the API nests them)."""
    return (
        plans_visible(user=user)
        .prefetch_related(
            Prefetch("strategies", queryset=Strategy.objects.order_by("position", "id")),
            Prefetch("actions", queryset=Action.objects.order_by("position", "id").prefetch_related("evidence")),
            Prefetch("resources", queryset=Resource.objects.order_by("position", "id")),
            Prefetch("events", queryset=PlanEvent.objects.order_by("at", "id")),
        )
        .order_by("customer__name", "kind", "-start_year", "-version", "id")
    )
