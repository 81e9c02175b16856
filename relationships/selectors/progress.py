"""Plan progress: objectives' actuals from purchases, interactions and share of wallet; actions; budget."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Count,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import ExtractYear
from django.utils import timezone

from communications.models import Channel, Interaction
from insights.models import CustomerRFM, Purchase, RFMSnapshot

from ..models import (
    Action,
    Objective,
    RelationshipManagerProfile,
    RelationshipPlan,
    Resource,
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
