"""The programme part of `manage.py demo`: a full key-account programme to look at."""

from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import AccountTeamMember, Customer
from insights.models import KeyAccountCandidate
from relationships.models import Action, JobDescription, KeyAccount, RelationshipPlan, Training
from relationships.selectors import plan_progress_many
from relationships.services import rm_has_valid_training, rm_load

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=StringIO())
        yield {user.username: user for user in User.objects.filter(username__in=["gm", "rm", "rm2", "rep"])}
        transaction.set_rollback(True)


def test_every_key_customer_is_a_recorded_key_account_and_each_rm_manages_their_own(demo):
    keys = Customer.objects.filter(tier=Customer.Tier.KEY)
    assert KeyAccount.objects.active().count() == keys.count() == 16
    managed = Counter(KeyAccount.objects.active().values_list("relationship_manager__username", flat=True))
    assert managed == {"rm": 6, "rm2": 6, None: 4}
    for username in ("rm", "rm2"):
        rm = demo[username]
        assert rm_load(rm) == 6
        # The RM is on the team of every account they manage, so they see it.
        mine = KeyAccount.objects.filter(relationship_manager=rm).values_list("customer", flat=True)
        assert AccountTeamMember.objects.filter(user=rm, customer__in=mine).count() == 6
    assert rm_load(demo["rm"]) == demo["rm"].rm_profile.capacity  # full: the next assignment is refused
    assert demo["rm2"].rm_profile.capacity == 7


def test_candidates_are_left_for_the_gm_to_nominate(demo):
    growers = KeyAccountCandidate.objects.filter(reason="fast_growth")
    assert growers.count() >= 10
    assert not KeyAccount.objects.filter(customer__in=growers.values("customer")).exists()


def test_plans_in_every_state_with_one_waiting_for_the_gm(demo):
    latest = RelationshipPlan.objects.latest()
    states = Counter(latest.values_list("status", flat=True))
    assert set(states) == {"draft", "submitted", "approved", "returned"}
    assert states["submitted"] >= 3
    year = timezone.localdate().year
    for username in ("rm", "rm2"):
        plans = RelationshipPlan.objects.filter(key_account__relationship_manager=demo[username])
        assert plans.filter(kind="long_term", status="approved").count() == 6
        assert plans.filter(kind="annual", start_year=year).filter(status="approved").count() >= 5
    revision = RelationshipPlan.objects.get(version=2)
    assert (revision.status, revision.revises.status, revision.revises.is_latest) == ("draft", "approved", False)
    returned = latest.filter(status="returned").first()
    assert returned.gm_comment and returned.events.filter(kind="returned").exists()
    assert latest.filter(copied_from__isnull=False, start_year=year + 1).exists()


def test_this_years_plans_show_progress(demo):
    year = timezone.localdate().year
    plans = list(RelationshipPlan.objects.latest().filter(kind="annual", start_year=year, status="approved"))
    progress = plan_progress_many(plans)
    for plan in plans:
        p = progress[plan.pk]
        assert p.actions_total == 6 and p.actions_done == 5 and p.actions_overdue == 1
        assert 0 < p.budget_spent < p.budget_planned
        revenue = next(o for o in p.objectives if o.objective.metric == "revenue")
        assert revenue.actual > 0 and 30 < revenue.percent < 150
    evidence = Action.objects.filter(plan__in=plans, evidence__isnull=False).distinct()
    assert evidence.count() >= len(plans)


def test_job_descriptions_and_trainings(demo):
    current = JobDescription.objects.get(title="Relationship manager", is_current=True)
    assert current.version == 2
    assert current.criteria.aggregate(total=Sum("weight"))["total"] == Decimal("100")
    assert current.criteria.filter(kind="measured").count() == 4
    assert {demo["rm"].rm_profile.job_description, demo["rm2"].rm_profile.job_description} == {current}
    assert rm_has_valid_training(demo["rm"]) and rm_has_valid_training(demo["rm2"])
    assert Training.objects.filter(user=demo["rep"]).exists()


def test_demo_runs_twice_without_changes(demo):
    before = (KeyAccount.objects.count(), RelationshipPlan.objects.count(), Training.objects.count())
    call_command("demo", stdout=StringIO())
    assert (KeyAccount.objects.count(), RelationshipPlan.objects.count(), Training.objects.count()) == before


def test_every_dashboard_period_is_computed_and_the_figures_say_something(demo):
    from relationships.models import KeyAccountPeriod, PeriodComputation, RMPeriodMetric, SegmentMovement, SegmentPeriod
    from relationships.periods import PeriodKind, latest_closed

    today = timezone.localdate()
    last = latest_closed(PeriodKind.QUARTER, today)
    computed = set(PeriodComputation.objects.filter(status="done").values_list("period_kind", "period_start"))
    assert {(q.kind, q.start) for q in last.next().recent(7)} <= computed
    figures = KeyAccountPeriod.objects.filter(period_kind=last.kind, period_start=last.start)
    assert figures.count() == 16
    assert figures.aggregate(r=Sum("revenue"))["r"] > 0
    assert figures.filter(contacts__gt=0).count() == 16
    assert figures.filter(actions_due__gt=0).exists() and figures.filter(plan_spent__gt=0).exists()
    # Both RMs have every measured metric, and the metrics are not all the same score.
    metrics = RMPeriodMetric.objects.filter(period_kind=last.kind, period_start=last.start)
    assert Counter(metrics.values_list("relationship_manager__username", flat=True)) == {"rm": 6, "rm2": 6}
    assert len(set(metrics.values_list("score", flat=True))) >= 3
    # Profitability: key and regular customers in several segments; the before/after has both groups.
    profit = SegmentPeriod.objects.filter(period_kind=last.kind, period_start=last.start)
    assert set(profit.values_list("is_key", flat=True)) == {True, False}
    assert profit.values("segment").distinct().count() >= 6
    year = latest_closed(PeriodKind.YEAR, today)
    moved = SegmentMovement.objects.filter(period_kind=year.kind, period_start=year.start)
    assert set(moved.values_list("is_key", flat=True)) == {True, False}


def test_evaluations_finalised_for_past_quarters_and_the_last_one_left_to_do(demo):
    from relationships.models import Evaluation
    from relationships.periods import PeriodKind, latest_closed

    last = latest_closed(PeriodKind.QUARTER, timezone.localdate())
    earlier = last.recent(4)[:-1]
    for username in ("rm", "rm2"):
        finals = Evaluation.objects.filter(relationship_manager=demo[username], status="final")
        assert sorted(e.period_start for e in finals) == [p.start for p in earlier]
        assert all(1 <= e.total <= 5 and e.scores.filter(score__isnull=True).count() == 0 for e in finals)
    assert Evaluation.objects.filter(period_start=last.start, period_kind=last.kind).count() == 1
    draft = Evaluation.objects.get(period_start=last.start, period_kind=last.kind)
    assert (draft.relationship_manager, draft.status) == (demo["rm2"], "draft")
    # The GM overrode a measured score in each RM's oldest evaluation, with the reason.
    for username in ("rm", "rm2"):
        oldest = Evaluation.objects.get(relationship_manager=demo[username], period_start=earlier[0].start)
        overridden = [s for s in oldest.scores.all() if s.overridden and s.measured_score is not None]
        assert len(overridden) == 1 and overridden[0].metric == "revenue_growth" and overridden[0].comment
