import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AccountTeamMember, Customer
from accounts.tests.factories import CustomerFactory
from communications.models import Channel, FollowUp
from crm_project.roles import Role
from crm_project.tests.factories import UserFactory
from insights.tests.factories import CustomerRFMFactory, PurchaseFactory
from relationships import services
from relationships.models import Action, EvaluationCriterion, KeyAccount, PlanEvent, RelationshipPlan, RMAssignment
from relationships.selectors import plan_progress
from relationships.tests.factories import (
    ActionFactory,
    KeyAccountFactory,
    ObjectiveFactory,
    PlanFactory,
    ResourceFactory,
    RMProfileFactory,
    StrategyFactory,
    TrainingFactory,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date.today


def review_on():
    return timezone.localdate() + dt.timedelta(days=90)


def test_nominating_makes_the_customer_key_and_assigns_the_rm_to_the_team(gm, rm, rep):
    RMProfileFactory(user=rm, reports_to=gm)
    TrainingFactory(user=rm)
    customer = CustomerFactory(owner=rep)
    outcome = services.key_account_nominate(
        customer=customer, by=gm, reason="Biggest buyer", review_on=review_on(), relationship_manager=rm
    )
    customer.refresh_from_db()
    assert customer.tier == Customer.Tier.KEY
    assert outcome.warnings == []
    assert outcome.key_account.relationship_manager == rm
    assert outcome.key_account.source == KeyAccount.Source.MANUAL
    assert AccountTeamMember.objects.filter(customer=customer, user=rm).exists()
    assert list(RMAssignment.objects.values_list("relationship_manager", "previous_manager")) == [(rm.pk, None)]
    assert Customer.objects.visible_to(rm).filter(pk=customer.pk).exists()


def test_nominating_from_the_candidates_list_keeps_its_reason_and_numbers(gm, rep):
    from insights.models import KeyAccountCandidate

    customer = CustomerFactory(owner=rep)
    KeyAccountCandidate.objects.create(
        customer=customer,
        reason="fast_growth",
        rank=2,
        revenue_12m=Decimal("500000000.00"),
        revenue_prev_12m=Decimal("250000000.00"),
        growth=Decimal("1.000000"),
        as_of=dt.date(2026, 11, 24),
        computed_at=timezone.now(),
    )
    key_account = services.key_account_nominate(customer=customer, by=gm, reason="Grows", review_on=review_on())
    assert key_account.key_account.source == KeyAccount.Source.CANDIDATE
    assert key_account.key_account.candidate_reason == "fast_growth"
    assert key_account.key_account.candidate_numbers["revenue_12m"] == "500000000.00"
    assert key_account.key_account.candidate_numbers["growth"] == "1.000000"


def test_only_a_gm_nominates_and_reasons_and_review_dates_are_checked(gm, rm, rep):
    customer = CustomerFactory(owner=rep)
    with pytest.raises(PermissionDenied):
        services.key_account_nominate(customer=customer, by=rm, reason="x", review_on=review_on())
    with pytest.raises(ValidationError) as error:
        services.key_account_nominate(customer=customer, by=gm, reason=" ", review_on=timezone.localdate())
    assert set(error.value.message_dict) == {"reason", "review_on"}
    services.key_account_nominate(customer=customer, by=gm, reason="ok", review_on=review_on())
    with pytest.raises(ValidationError) as twice:
        services.key_account_nominate(customer=customer, by=gm, reason="again", review_on=review_on())
    assert twice.value.message_dict == {"customer": [f"{customer.name} is already a key account."]}


def test_fourth_assignment_to_a_full_rm_is_refused_unless_capacity_is_raised(gm, rm):
    RMProfileFactory(user=rm, reports_to=gm, capacity=3)
    for _ in range(3):
        KeyAccountFactory(relationship_manager=rm, nominated_by=gm)
    fourth = KeyAccountFactory(relationship_manager=None, nominated_by=gm)
    with pytest.raises(ValidationError) as error:
        services.key_account_assign(key_account=fourth, relationship_manager=rm, by=gm)
    assert "already manages 3 of 3 key accounts" in error.value.message_dict["relationship_manager"][0]
    fourth.refresh_from_db()
    assert fourth.relationship_manager is None
    services.key_account_assign(key_account=fourth, relationship_manager=rm, by=gm, raise_capacity=True)
    rm.rm_profile.refresh_from_db()
    assert rm.rm_profile.capacity == 4
    assert services.rm_load(rm) == 4


def test_assignment_without_training_warns_or_is_refused_when_configured(gm, rm, settings):
    RMProfileFactory(user=rm, reports_to=gm)
    key_account = KeyAccountFactory(relationship_manager=None, nominated_by=gm)
    TrainingFactory(user=rm, valid_until=timezone.localdate() - dt.timedelta(days=1))  # expired
    outcome = services.key_account_assign(key_account=key_account, relationship_manager=rm, by=gm)
    assert len(outcome.warnings) == 1 and "no valid relationship-marketing training" in outcome.warnings[0]
    other = KeyAccountFactory(relationship_manager=None, nominated_by=gm)
    settings.RELASI_REQUIRE_RM_TRAINING = True
    with pytest.raises(ValidationError):
        services.key_account_assign(key_account=other, relationship_manager=rm, by=gm)


def test_reassignment_keeps_history_moves_team_and_open_actions(gm, rm):
    rm2 = UserFactory(role=Role.RELATIONSHIP_MANAGER)
    RMProfileFactory(user=rm2, reports_to=gm)
    key_account = KeyAccountFactory(relationship_manager=rm, nominated_by=gm)
    plan = PlanFactory(key_account=key_account)
    open_action = ActionFactory(plan=plan, owner=rm)
    done_action = ActionFactory(plan=plan, owner=rm, status=Action.Status.DONE, done_on=TODAY())
    services.key_account_assign(key_account=key_account, relationship_manager=rm2, by=gm, reason="rm moves region")
    history = list(RMAssignment.objects.filter(key_account=key_account).order_by("id"))
    assert [(a.relationship_manager, a.previous_manager, a.ended_at is None) for a in history] == [
        (rm, None, False),
        (rm2, rm, True),
    ]
    assert history[1].reason == "rm moves region"
    team = set(AccountTeamMember.objects.filter(customer=key_account.customer).values_list("user", flat=True))
    assert rm2.pk in team and rm.pk not in team
    open_action.refresh_from_db()
    done_action.refresh_from_db()
    assert (open_action.owner, done_action.owner) == (rm2, rm)


def test_retiring_returns_the_tier_and_closes_the_assignment(gm, rm):
    key_account = KeyAccountFactory(relationship_manager=rm, nominated_by=gm)
    services.key_account_retire(key_account=key_account, by=gm, reason="Bought by a competitor")
    key_account.refresh_from_db()
    key_account.customer.refresh_from_db()
    assert key_account.customer.tier == Customer.Tier.REGULAR
    assert key_account.retire_reason == "Bought by a competitor"
    assert not RMAssignment.objects.filter(ended_at__isnull=True).exists()
    again = services.key_account_nominate(customer=key_account.customer, by=gm, reason="Back", review_on=review_on())
    assert KeyAccount.objects.filter(customer=key_account.customer).count() == 2
    assert again.key_account.is_active


def test_cadence_follow_up_of_a_key_account_goes_to_its_rm(gm, rm, rep):
    from communications.services import cadence_defaults_ensure, cadence_follow_ups_create

    cadence_defaults_ensure()
    customer = CustomerFactory(owner=rep)
    Customer.objects.filter(pk=customer.pk).update(created_at=timezone.now() - dt.timedelta(days=100))
    KeyAccountFactory(customer=customer, relationship_manager=rm, nominated_by=gm)
    assert cadence_follow_ups_create() == 1
    assert FollowUp.objects.get(customer=customer).assignee == rm


def test_job_description_weights_must_add_up_to_100(gm):
    fields = {"title": "RM", "reports_to": "GM", "objectives": "Grow", "responsibilities": "Plan"}
    criteria = [
        {"name": "Cadence", "weight": Decimal("40"), "kind": "measured", "metric": "cadence_adherence"},
        {"name": "Plans", "weight": Decimal("30"), "kind": "measured", "metric": "action_completion"},
        {"name": "Attitude", "weight": Decimal("20"), "kind": "manual"},
    ]
    with pytest.raises(services.CriteriaErrors) as error:
        services.job_description_save(by=gm, fields=fields, criteria=criteria)
    assert error.value.total == ["The weights add up to 90%; they must add up to 100%."]
    criteria.append({"name": "Growth", "weight": Decimal("10"), "kind": "measured", "metric": ""})
    with pytest.raises(services.CriteriaErrors) as row_error:
        services.job_description_save(by=gm, fields=fields, criteria=criteria)
    assert row_error.value.rows[3] == {"metric": ["Choose the metric that measures this criterion."]}
    criteria[3]["metric"] = "revenue_growth"
    first = services.job_description_save(by=gm, fields=fields, criteria=criteria)
    assert [c.weight for c in first.criteria.all()] == [40, 30, 20, 10]


def test_editing_a_job_description_publishes_a_new_version_and_moves_its_holders(gm, rm):
    profile = RMProfileFactory(user=rm, reports_to=gm)
    fields = {"title": "RM", "reports_to": "GM", "objectives": "Grow", "responsibilities": "Plan"}
    first = services.job_description_save(
        by=gm, fields=fields, criteria=[{"name": "All", "weight": Decimal("100"), "kind": "manual"}]
    )
    services.job_description_assign(profile=profile, job_description=first, by=gm)
    second = services.job_description_save(
        by=gm,
        job_description=first,
        fields={**fields, "title": "Senior RM"},
        criteria=[
            {"name": "A", "weight": Decimal("60"), "kind": "manual"},
            {"name": "B", "weight": Decimal("40"), "kind": "measured", "metric": "voice_of_customer"},
        ],
    )
    first.refresh_from_db()
    profile.refresh_from_db()
    assert (first.is_current, second.is_current, second.version, second.lineage) == (False, True, 2, first.lineage)
    assert profile.job_description == second
    assert EvaluationCriterion.objects.filter(job_description=first).count() == 1
    with pytest.raises(ValidationError):
        services.job_description_save(by=gm, job_description=first, fields=fields, criteria=[])


def test_plan_workflow_submit_return_resubmit_approve(gm, rm):
    key_account = KeyAccountFactory(relationship_manager=rm, nominated_by=gm)
    plan = services.plan_create(by=rm, key_account=key_account, kind="annual", start_year=TODAY().year)
    with pytest.raises(ValidationError) as empty:
        services.plan_submit(plan=plan, by=rm)
    assert list(empty.value.message_dict) == ["objectives"]
    services.plan_item_save(plan=plan, by=rm, item_type="objective", title="Revenue", metric="revenue", target=100)
    services.plan_item_save(plan=plan, by=rm, item_type="action", what="Visit", owner=rm, due_on=TODAY())
    services.plan_submit(plan=plan, by=rm)
    with pytest.raises(ValidationError):
        services.plan_item_save(plan=plan, by=rm, item_type="strategy", title="Too late")
    with pytest.raises(PermissionDenied):
        services.plan_approve(plan=plan, by=rm)
    with pytest.raises(ValidationError) as no_comment:
        services.plan_return(plan=plan, by=gm, comment="")
    assert list(no_comment.value.message_dict) == ["comment"]
    services.plan_return(plan=plan, by=gm, comment="Add a budget")
    services.plan_item_save(
        plan=plan, by=rm, item_type="resource", kind="entertainment", description="Dinner", amount=Decimal("5000000")
    )
    services.plan_submit(plan=plan, by=rm)
    services.plan_approve(plan=plan, by=gm)
    plan.refresh_from_db()
    assert plan.status == RelationshipPlan.Status.APPROVED
    assert list(plan.events.values_list("kind", flat=True)) == [
        "created",
        "submitted",
        "returned",
        "submitted",
        "approved",
    ]
    assert plan.events.get(kind=PlanEvent.Kind.RETURNED).comment == "Add a budget"


def _approved_plan(gm, rm, year):
    plan = PlanFactory(key_account=KeyAccountFactory(relationship_manager=rm, nominated_by=gm), start_year=year)
    ObjectiveFactory(plan=plan, metric="revenue", baseline=Decimal("100"), target=Decimal("300"))
    strategy = StrategyFactory(plan=plan)
    ActionFactory(plan=plan, strategy=strategy, due_on=dt.date(year, 6, 30))
    ActionFactory(plan=plan, status=Action.Status.DONE, done_on=dt.date(year, 3, 1), due_on=dt.date(year, 3, 1))
    ResourceFactory(plan=plan, amount=Decimal("1000"), spent=Decimal("250"))
    services.plan_submit(plan=plan, by=rm)
    return services.plan_approve(plan=plan, by=gm)


def test_approved_plan_takes_progress_but_not_content_and_revisions_keep_the_old_version(gm, rm):
    plan = _approved_plan(gm, rm, TODAY().year)
    action = plan.actions.get(status=Action.Status.PLANNED)
    services.plan_item_save(plan=plan, by=rm, item_type="action", item=action, status="in_progress")
    with pytest.raises(ValidationError):
        services.plan_item_save(plan=plan, by=rm, item_type="action", item=action, what="Something else")
    revision = services.plan_revise(plan=plan, by=rm)
    plan.refresh_from_db()
    assert (revision.version, revision.status, revision.is_latest, plan.is_latest) == (2, "draft", True, False)
    assert revision.objectives.count() == 1 and revision.actions.count() == 2 and revision.resources.count() == 1
    assert revision.actions.get(status="in_progress").strategy.plan == revision
    services.plan_item_save(plan=revision, by=rm, item_type="strategy", title="New channel")
    services.plan_submit(plan=revision, by=rm)
    services.plan_approve(plan=revision, by=gm)
    plan.refresh_from_db()
    assert plan.superseded_by == revision and plan.strategies.count() == 1
    assert revision.strategies.count() == 2


def test_next_year_starts_from_this_years_plan(gm, rm):
    plan = _approved_plan(gm, rm, TODAY().year)
    next_year = services.plan_copy_from_previous(key_account=plan.key_account, by=rm)
    assert (next_year.start_year, next_year.status, next_year.copied_from) == (plan.start_year + 1, "draft", plan)
    assert list(next_year.objectives.values_list("title", "target")) == [("Grow revenue", Decimal("300"))]
    copied = list(next_year.actions.values_list("status", "due_on"))
    assert copied == [("planned", dt.date(plan.start_year + 1, 6, 30))]  # only the open action, a year on
    assert next_year.actions.get().strategy.plan == next_year
    assert list(next_year.resources.values_list("amount", "spent")) == [(Decimal("1000"), Decimal("0"))]
    with pytest.raises(ValidationError):
        services.plan_copy_from_previous(key_account=plan.key_account, by=rm, year=plan.start_year + 1)


def test_progress_reads_purchases_and_linked_visits(gm, rm):
    year = TODAY().year
    plan = _approved_plan(gm, rm, year)
    ObjectiveFactory(plan=plan, metric="visit_count", baseline=Decimal("0"), target=Decimal("4"))
    ObjectiveFactory(plan=plan, metric="share_of_wallet", baseline=Decimal("20"), target=Decimal("40"))
    CustomerRFMFactory(customer=plan.customer, share_of_wallet=Decimal("0.300000"))
    PurchaseFactory(customer=plan.customer, amount=Decimal("150"), purchased_at=timezone.now())
    PurchaseFactory(
        customer=plan.customer,
        amount=Decimal("999"),
        purchased_at=timezone.make_aware(dt.datetime(year - 1, 12, 31, 12)),
    )
    before = plan_progress(plan)
    assert [o.actual for o in before.objectives] == [Decimal("150"), Decimal("0"), Decimal("30.0")]
    assert [o.percent for o in before.objectives] == [50, 0, 75]
    assert [o.is_met for o in before.objectives] == [False, False, False]
    assert (before.actions_done, before.actions_total, before.budget_percent) == (1, 2, 25)
    action = plan.actions.get(status=Action.Status.PLANNED)
    services.action_log_interaction(action=action, by=rm, channel=Channel.VISIT, subject="Visited the head office")
    after = plan_progress(plan)
    assert after.objectives[1].actual == Decimal("1")
    assert (after.actions_done, after.actions_percent) == (2, 100)
    action.refresh_from_db()
    assert action.status == "done" and action.evidence.get().subject == "Visited the head office"


def test_a_rep_cannot_write_plans_and_another_rm_cannot_either(gm, rm, rep):
    plan = PlanFactory(key_account=KeyAccountFactory(relationship_manager=rm, nominated_by=gm))
    other_rm = UserFactory(role=Role.RELATIONSHIP_MANAGER)
    for user in (rep, other_rm):
        with pytest.raises(PermissionDenied):
            services.plan_item_save(plan=plan, by=user, item_type="strategy", title="x")
        with pytest.raises(PermissionDenied):
            services.plan_submit(plan=plan, by=user)
