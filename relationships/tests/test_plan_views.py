"""The plan pages per role: list, new plan, plan page, workflow, the inline editor (htmx),
progress on an approved plan and action evidence."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountTeamMember
from accounts.tests.factories import CustomerFactory
from communications.models import Interaction
from communications.tests.factories import InteractionFactory
from crm_project.roles import Role
from relationships import services
from relationships.models import Action, Objective, PlanEvent, RelationshipPlan, Resource, Strategy
from relationships.selectors import plan_progress
from relationships.tests.factories import (
    ActionFactory,
    KeyAccountFactory,
    ObjectiveFactory,
    PlanFactory,
    ResourceFactory,
    StrategyFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
YEAR = timezone.localdate().year


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rm2(make_user):
    return make_user(Role.RELATIONSHIP_MANAGER, username="t_rm2")


@pytest.fixture
def rm2_client(rm2):
    return _client(rm2)


@pytest.fixture
def account(rm, rep, gm):
    """PT Sinar Jaya: owned by `rep`, a key account managed by `rm`."""
    return KeyAccountFactory(
        customer=CustomerFactory(owner=rep, name="PT Sinar Jaya"), relationship_manager=rm, nominated_by=gm
    )


@pytest.fixture
def other_account(rm2, rep2, gm):
    return KeyAccountFactory(
        customer=CustomerFactory(owner=rep2, name="PT Lain"), relationship_manager=rm2, nominated_by=gm
    )


@pytest.fixture
def plan(account):
    """A draft annual plan with one row of each kind."""
    plan = PlanFactory(key_account=account, title="Sinar Jaya 2026 plan")
    ObjectiveFactory(plan=plan, title="Dinners", metric=Objective.Metric.MANUAL, unit="dinners", baseline=0, target=4)
    strategy = StrategyFactory(plan=plan, title="Trusted adviser")
    ActionFactory(plan=plan, what="Visit the plant", strategy=strategy)
    ResourceFactory(plan=plan, description="Dinners budget", amount=Decimal("5000000"))
    return plan


def _submitted(plan, rm):
    return services.plan_submit(plan=plan, by=rm)


def _approved(plan, rm, gm):
    services.plan_submit(plan=plan, by=rm)
    return services.plan_approve(plan=plan, by=gm)


def url(name, *args):
    return reverse(f"relationships:{name}", args=args)


# -- list ------------------------------------------------------------------------------


def test_plan_list_shows_each_role_the_latest_plans_of_its_accounts(
    plan, other_account, rm_client, rm2_client, rep_client, rep2_client, gm_client, admin_client
):
    other = PlanFactory(key_account=other_account, title="Lain plan")
    for client, visible, hidden in [
        (rm_client, plan, other),
        (rep_client, plan, other),
        (rm2_client, other, plan),
        (rep2_client, other, plan),
    ]:
        page = client.get(url("plan_list")).content.decode()
        assert f'data-plan="{visible.pk}"' in page
        assert f'data-plan="{hidden.pk}"' not in page
    for client in (gm_client, admin_client):
        page = client.get(url("plan_list")).content.decode()
        assert f'data-plan="{plan.pk}"' in page and f'data-plan="{other.pk}"' in page


def test_plan_list_shows_only_the_latest_version(plan, rm, gm, rm_client):
    _approved(plan, rm, gm)
    revision = services.plan_revise(plan=plan, by=rm)
    page = rm_client.get(url("plan_list")).content.decode()
    assert f'data-plan="{revision.pk}"' in page
    assert f'data-plan="{plan.pk}"' not in page


def test_gm_sees_the_plans_waiting_for_them_first(plan, rm, other_account, rm2, gm_client):
    PlanFactory(key_account=other_account, title="Aaa first by name")
    _submitted(plan, rm)
    response = gm_client.get(url("plan_list"))
    rows = [plan for plan, _progress in response.context["rows"]]
    assert rows[0] == plan
    assert "Waiting for you" in response.content.decode()


def test_plan_list_filters(plan, account, rm, rm_client):
    long_term = PlanFactory(key_account=account, kind="long_term", start_year=YEAR, end_year=YEAR + 2, title="Long")
    _submitted(plan, rm)

    def listed(**query):
        return [plan.pk for plan, _progress in rm_client.get(url("plan_list"), query).context["rows"]]

    assert listed() == [long_term.pk, plan.pk]
    assert listed(status="submitted") == [plan.pk]
    assert listed(kind="long_term") == [long_term.pk]
    assert listed(year=YEAR + 2) == [long_term.pk]
    assert listed(rm=rm.pk) == [long_term.pk, plan.pk]
    assert listed(q="sinar") == [long_term.pk, plan.pk]
    assert listed(q="nobody") == []


def test_plan_list_shows_progress(plan, rm_client):
    Action.objects.filter(plan=plan).update(status="done")
    ActionFactory(plan=plan, due_on=timezone.localdate() - dt.timedelta(days=3))
    Objective.objects.filter(plan=plan).update(manual_actual=1)
    page = rm_client.get(url("plan_list")).content.decode()
    assert "25%" in page  # 1 of 4 dinners
    assert "1/2" in page
    assert "1 overdue" in page


def test_plan_list_htmx_answers_the_results_only(plan, rm_client):
    response = rm_client.get(url("plan_list"), {"q": "sinar"}, **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results">')
    assert "<html" not in body


def test_plan_list_query_budget(gm_client, django_assert_num_queries, gm):
    for index in range(4):
        plan = PlanFactory(title=f"Plan {index}")
        ObjectiveFactory(plan=plan, metric=Objective.Metric.MANUAL, manual_actual=1)
        ActionFactory.create_batch(2, plan=plan)
        ResourceFactory(plan=plan)
    # session, user, role, year choices, count, plans page (+customer, key account, RM),
    # progress: actions, resources, objectives; the RM filter's choices
    with django_assert_num_queries(10):
        response = gm_client.get(url("plan_list"))
    assert len(response.context["rows"]) == 4


# -- a new plan ------------------------------------------------------------------------


def test_rm_creates_an_annual_plan_linked_to_the_long_term_plan_covering_the_year(account, rm, rm_client):
    long_term = PlanFactory(key_account=account, kind="long_term", start_year=YEAR - 1, end_year=YEAR + 1)
    page = rm_client.get(url("plan_create"), {"key_account": account.pk})
    assert page.context["form"].initial["key_account"] == str(account.pk)
    response = rm_client.post(url("plan_create"), {"key_account": account.pk, "kind": "annual", "start_year": YEAR})
    created = RelationshipPlan.objects.get(kind="annual")
    assert response.status_code == 302
    assert response["Location"] == url("plan_edit", created.pk)
    assert created.long_term_plan == long_term
    assert created.title == f"PT Sinar Jaya: annual plan {YEAR}"
    assert created.author == rm


def test_rm_creates_a_long_term_plan_with_vision(account, rm_client):
    rm_client.post(
        url("plan_create"),
        {"key_account": account.pk, "kind": "long_term", "start_year": YEAR, "end_year": YEAR + 2, "vision": "First"},
    )
    created = RelationshipPlan.objects.get()
    assert (created.kind, created.start_year, created.end_year, created.vision) == (
        "long_term",
        YEAR,
        YEAR + 2,
        "First",
    )


def test_long_term_plan_needs_its_last_year(account, rm_client):
    response = rm_client.post(url("plan_create"), {"key_account": account.pk, "kind": "long_term", "start_year": YEAR})
    assert response.status_code == 200
    assert response.context["form"].errors["end_year"] == ["Give the last year of the long-term plan."]
    assert not RelationshipPlan.objects.exists()


def test_a_second_plan_for_the_same_year_is_a_field_error(plan, account, rm_client):
    response = rm_client.post(url("plan_create"), {"key_account": account.pk, "kind": "annual", "start_year": YEAR})
    assert response.status_code == 200
    assert "already has a annual plan" in response.context["form"].errors["start_year"][0]


def test_rm_chooses_only_among_their_own_key_accounts(account, other_account, rm_client):
    page = rm_client.get(url("plan_create"))
    assert list(page.context["form"].fields["key_account"].queryset) == [account]
    response = rm_client.post(
        url("plan_create"), {"key_account": other_account.pk, "kind": "annual", "start_year": YEAR}
    )
    assert "key_account" in response.context["form"].errors
    assert not RelationshipPlan.objects.exists()


def test_gm_chooses_among_all_active_key_accounts(account, other_account, gm, gm_client):
    retired = KeyAccountFactory()
    services.key_account_retire(key_account=retired, by=gm, reason="Moved away")
    page = gm_client.get(url("plan_create"))
    assert set(page.context["form"].fields["key_account"].queryset) == {account, other_account}


def test_rep_cannot_write_plans(account, rep_client):
    assert rep_client.get(url("plan_create")).status_code == 403
    response = rep_client.post(url("plan_create"), {"key_account": account.pk, "kind": "annual", "start_year": YEAR})
    assert response.status_code == 403


def test_start_from_last_years_plan(plan, account, rm_client):
    Action.objects.create(
        plan=plan, what="Done already", owner=account.relationship_manager, due_on=dt.date(YEAR, 3, 1), status="done"
    )
    response = rm_client.post(url("plan_copy_previous"), {"key_account": account.pk, "year": YEAR + 1})
    draft = RelationshipPlan.objects.get(start_year=YEAR + 1)
    assert response["Location"] == url("plan_edit", draft.pk)
    assert draft.copied_from == plan
    assert list(draft.actions.values_list("what", flat=True)) == ["Visit the plant"]
    assert draft.objectives.count() == 1


def test_start_from_last_years_plan_without_one_says_so(account, rm_client):
    response = rm_client.post(url("plan_copy_previous"), {"key_account": account.pk, "year": YEAR}, follow=True)
    assert "There is no earlier annual plan to start from." in response.content.decode()
    assert not RelationshipPlan.objects.exists()


def test_start_from_last_years_plan_of_another_rms_account_is_refused(plan, rm2_client):
    response = rm2_client.post(url("plan_copy_previous"), {"key_account": plan.key_account_id, "year": YEAR + 1})
    assert response.status_code == 302
    assert RelationshipPlan.objects.count() == 1


# -- the plan page ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "can_edit"),
    [
        ("rep_client", 200, False),
        ("rep2_client", 404, None),
        ("rm_client", 200, True),
        ("rm2_client", 404, None),
        ("gm_client", 200, True),
        ("admin_client", 200, True),
    ],
)
def test_plan_page_per_role(request, plan, rm2, who, status, can_edit):
    client = request.getfixturevalue(who)
    response = client.get(url("plan_detail", plan.pk))
    assert response.status_code == status
    if status == 200:
        assert response.context["can_edit"] is can_edit
        assert ('id="edit-plan"' in response.content.decode()) is can_edit
        assert client.get(url("plan_print", plan.pk)).status_code == 200
    else:
        assert client.get(url("plan_print", plan.pk)).status_code == 404


def test_plan_page_shows_progress_at_a_glance(plan, rm_client):
    Objective.objects.filter(plan=plan).update(manual_actual=2)
    Resource.objects.filter(plan=plan).update(spent=Decimal("1250000"))
    response = rm_client.get(url("plan_detail", plan.pk))
    body = response.content.decode()
    progress = response.context["progress"]
    assert (progress.objectives_percent, progress.actions_done, progress.actions_total) == (50, 0, 1)
    assert progress.budget_percent == 25
    assert 'data-value="50"' in body
    assert "IDR 1,250,000 of IDR 5,000,000" in body
    assert "actual entered by hand" not in body or "Dinners" in body
    assert "Trusted adviser" in body and "Visit the plant" in body


def test_measured_objective_says_where_its_actual_comes_from(plan, rm_client):
    ObjectiveFactory(plan=plan, title="Revenue", metric=Objective.Metric.REVENUE)
    body = rm_client.get(url("plan_detail", plan.pk)).content.decode()
    assert "measured automatically from purchases" in body


def test_plan_page_query_budget(plan, rm_client, django_assert_num_queries):
    for index in range(3):
        ActionFactory(plan=plan, what=f"Action {index}")
        ObjectiveFactory(plan=plan, metric=Objective.Metric.MANUAL, title=f"Objective {index}")
        ResourceFactory(plan=plan)
    action = plan.actions.first()
    action.evidence.add(InteractionFactory(customer=plan.customer), InteractionFactory(customer=plan.customer))
    # session, user, role, plan (+customer, key account, RM, links), objectives, strategies,
    # actions (+owner, strategy), their evidence, resources, related plans, progress: actions,
    # resources, objectives; events (+by), versions
    with django_assert_num_queries(15):
        response = rm_client.get(url("plan_detail", plan.pk))
    assert len(response.context["content"].actions) == 4


def test_plan_page_shows_versions_and_what_supersedes_what(plan, rm, gm, rm_client):
    _approved(plan, rm, gm)
    revision = services.plan_revise(plan=plan, by=rm)
    body = rm_client.get(url("plan_detail", revision.pk)).content.decode()
    assert "revises v1" in body
    assert url("plan_detail", plan.pk) in body
    services.plan_submit(plan=revision, by=rm)
    services.plan_approve(plan=revision, by=gm)
    old = rm_client.get(url("plan_detail", plan.pk)).content.decode()
    assert "superseded by v2" in old
    assert url("plan_detail", revision.pk) in old


def test_long_term_plan_page_lists_its_annual_plans(account, rm_client):
    long_term = PlanFactory(key_account=account, kind="long_term", start_year=YEAR, end_year=YEAR + 2)
    annual = PlanFactory(key_account=account, long_term_plan=long_term, title="This year")
    assert url("plan_detail", annual.pk) in rm_client.get(url("plan_detail", long_term.pk)).content.decode()
    assert url("plan_detail", long_term.pk) in rm_client.get(url("plan_detail", annual.pk)).content.decode()


# -- workflow --------------------------------------------------------------------------


def test_rm_submits_gm_returns_with_comment_rm_resubmits_gm_approves(plan, rm_client, gm_client):
    assert rm_client.post(url("plan_submit", plan.pk)).status_code == 302
    plan.refresh_from_db()
    assert plan.status == "submitted"

    detail = gm_client.get(url("plan_detail", plan.pk))
    assert detail.context["can_decide"] is True
    empty = gm_client.post(url("plan_return", plan.pk), {"comment": "  "})
    assert empty.status_code == 200
    assert empty.context["return_form"].errors["comment"] == ["Tell the relationship manager what to change."]
    plan.refresh_from_db()
    assert plan.status == "submitted"

    gm_client.post(url("plan_return", plan.pk), {"comment": "Aim for six visits."})
    plan.refresh_from_db()
    assert (plan.status, plan.gm_comment) == ("returned", "Aim for six visits.")
    page = rm_client.get(url("plan_detail", plan.pk)).content.decode()
    assert 'id="gm-comment"' in page and "Aim for six visits." in page

    rm_client.post(url("plan_submit", plan.pk))
    gm_client.post(url("plan_approve", plan.pk), {"comment": ""})
    plan.refresh_from_db()
    assert plan.status == "approved"
    assert list(plan.events.values_list("kind", flat=True)) == ["submitted", "returned", "submitted", "approved"]


def test_submitting_an_empty_plan_says_what_is_missing(account, rm_client):
    empty = PlanFactory(key_account=account)
    response = rm_client.post(url("plan_submit", empty.pk), follow=True)
    assert "Add at least one objective before submitting." in response.content.decode()
    empty.refresh_from_db()
    assert empty.status == "draft"


def test_only_the_gm_decides(plan, rm, rm_client, rep_client, rm2_client):
    _submitted(plan, rm)
    assert rm_client.post(url("plan_approve", plan.pk)).status_code == 403
    assert rep_client.post(url("plan_return", plan.pk), {"comment": "x"}).status_code == 403
    assert rm2_client.post(url("plan_approve", plan.pk)).status_code == 404
    plan.refresh_from_db()
    assert plan.status == "submitted"


def test_rep_cannot_submit(plan, rep_client):
    assert rep_client.post(url("plan_submit", plan.pk)).status_code == 403


def test_deciding_a_plan_that_is_no_longer_submitted_shows_the_reason(plan, gm_client):
    response = gm_client.post(url("plan_approve", plan.pk), {"comment": ""}, follow=True)
    assert response.redirect_chain == [(url("plan_detail", plan.pk), 302)]
    assert "Only a submitted plan can be approved or returned." in response.content.decode()


def test_revise_starts_a_new_draft_version(plan, rm, gm, rm_client):
    _approved(plan, rm, gm)
    response = rm_client.post(url("plan_revise", plan.pk))
    revision = RelationshipPlan.objects.get(revises=plan)
    assert response["Location"] == url("plan_edit", revision.pk)
    assert (revision.version, revision.status, revision.objectives.count()) == (2, "draft", 1)


# -- the editor ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("rep_client", 403), ("rep2_client", 404), ("rm_client", 200), ("rm2_client", 404), ("gm_client", 200)],
)
def test_editor_per_role(request, plan, rm2, who, status):
    assert request.getfixturevalue(who).get(url("plan_edit", plan.pk)).status_code == status


def test_editor_of_a_submitted_plan_sends_back_to_the_plan_page(plan, rm, rm_client):
    _submitted(plan, rm)
    response = rm_client.get(url("plan_edit", plan.pk), follow=True)
    assert response.redirect_chain == [(url("plan_detail", plan.pk), 302)]
    assert "This plan is submitted and cannot be changed." in response.content.decode()


def test_editor_query_budget(plan, rm_client, django_assert_num_queries):
    for index in range(3):
        ObjectiveFactory(plan=plan, metric=Objective.Metric.MANUAL, title=f"Objective {index}")
        StrategyFactory(plan=plan, title=f"Strategy {index}")
        ActionFactory(plan=plan, what=f"Action {index}")
        ResourceFactory(plan=plan)
    # session, user, role, plan, objectives, strategies, actions (+owner, strategy), evidence,
    # resources, progress: actions, resources, objectives; last year's figures: purchases,
    # interactions, share of wallet snapshot; the long-term plans to link to
    with django_assert_num_queries(16):
        response = rm_client.get(url("plan_edit", plan.pk))
    assert [len(section["items"]) for section in response.context["sections"]] == [4, 4, 4, 4]


def test_plan_fields_save_inline(plan, rm_client):
    response = rm_client.post(
        url("plan_edit", plan.pk), {"title": "New title", "start_year": YEAR, "summary": "S"}, **HTMX
    )
    assert response.status_code == 200
    assert 'id="fields-saved"' in response.content.decode()
    plan.refresh_from_db()
    assert (plan.title, plan.summary) == ("New title", "S")


def test_plan_fields_error_stays_inline(plan, rm_client):
    response = rm_client.post(url("plan_edit", plan.pk), {"title": "", "start_year": YEAR}, **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<form id="plan-fields"')
    assert "This field is required." in body and "data-dirty" in body
    plan.refresh_from_db()
    assert plan.title == "Sinar Jaya 2026 plan"


def test_add_an_objective_inline(plan, rm_client):
    form = rm_client.get(url("plan_item_add", plan.pk, "objective"), **HTMX)
    assert 'class="row-form' in form.content.decode()
    response = rm_client.post(
        url("plan_item_add", plan.pk, "objective"),
        {"title": "Visits", "metric": "visit_count", "baseline": "2", "target": "6", "unit": "x", "manual_actual": "3"},
        **HTMX,
    )
    objective = plan.objectives.get(title="Visits")
    assert (objective.baseline, objective.target, objective.unit, objective.manual_actual) == (2, 6, "", None)
    assert objective.position == 1
    body = response.content.decode()
    assert f'id="objective-{objective.pk}"' in body
    assert 'id="plan-progress-tiles"' in body and 'hx-swap-oob="true"' in body


def test_an_invalid_row_shows_field_errors_inline(plan, rm_client):
    response = rm_client.post(
        url("plan_item_add", plan.pk, "objective"), {"title": "No target", "metric": "manual"}, **HTMX
    )
    assert response.status_code == 200
    assert response.context["form"].errors["target"] == ["This field is required."]
    assert "invalid-feedback" in response.content.decode()
    assert not plan.objectives.filter(title="No target").exists()


@pytest.mark.parametrize("typed", ["5.000.000", "5,000,000", "5000000", "Rp 5.000.000"])
def test_resource_amounts_accept_thousands_separators(plan, rm_client, typed):
    rm_client.post(
        url("plan_item_add", plan.pk, "resource"), {"kind": "events", "description": "Gala", "amount": typed}, **HTMX
    )
    assert plan.resources.get(description="Gala").amount == Decimal("5000000")


def test_a_resource_amount_that_is_no_number_is_a_field_error(plan, rm_client):
    response = rm_client.post(
        url("plan_item_add", plan.pk, "resource"), {"kind": "events", "description": "Gala", "amount": "lots"}, **HTMX
    )
    assert "is not a number" in response.context["form"].errors["amount"][0]


def test_edit_an_action_inline(plan, rm, rep, rm_client):
    action = plan.actions.get()
    form = rm_client.get(url("plan_item_edit", plan.pk, "action", action.pk), **HTMX).context["form"]
    assert set(form.fields["owner"].queryset) == {rm, rep}
    response = rm_client.post(
        url("plan_item_edit", plan.pk, "action", action.pk),
        {
            "what": "Visit both plants",
            "owner": rep.pk,
            "due_on": f"{YEAR}-11-30",
            "status": "in_progress",
            "strategy": "",
        },
        **HTMX,
    )
    action.refresh_from_db()
    assert (action.what, action.owner, action.status, action.strategy) == (
        "Visit both plants",
        rep,
        "in_progress",
        None,
    )
    assert "Visit both plants" in response.content.decode()


def test_an_action_owner_must_work_with_the_customer(plan, rep2, rm_client):
    action = plan.actions.get()
    response = rm_client.post(
        url("plan_item_edit", plan.pk, "action", action.pk),
        {"what": "X", "owner": rep2.pk, "due_on": f"{YEAR}-11-30", "status": "planned"},
        **HTMX,
    )
    assert "owner" in response.context["form"].errors
    action.refresh_from_db()
    assert action.owner != rep2


def test_an_action_strategy_must_be_of_this_plan(plan, account, rm, rm_client):
    foreign = StrategyFactory(
        plan=PlanFactory(key_account=account, kind="long_term", start_year=YEAR, end_year=YEAR + 1)
    )
    action = plan.actions.get()
    response = rm_client.post(
        url("plan_item_edit", plan.pk, "action", action.pk),
        {"what": "X", "owner": rm.pk, "due_on": f"{YEAR}-11-30", "status": "planned", "strategy": foreign.pk},
        **HTMX,
    )
    assert "strategy" in response.context["form"].errors


def test_cancel_shows_the_row_again(plan, rm_client):
    strategy = plan.strategies.get()
    response = rm_client.get(url("plan_item_row", plan.pk, "strategy", strategy.pk), **HTMX)
    assert f'id="strategy-{strategy.pk}"' in response.content.decode()


def test_delete_a_row_inline(plan, rm_client):
    strategy = plan.strategies.get()
    response = rm_client.post(url("plan_item_delete", plan.pk, "strategy", strategy.pk), **HTMX)
    assert response.status_code == 200
    assert not Strategy.objects.filter(pk=strategy.pk).exists()
    assert json.loads(response["HX-Trigger"]) == {"planStrategyChanged": {"pk": strategy.pk, "title": None}}


def test_reorder_rows_with_up_and_down(plan, rm_client):
    second = ResourceFactory(plan=plan, description="Samples", position=1)
    third = ResourceFactory(plan=plan, description="Events", position=2)
    first = plan.resources.get(description="Dinners budget")
    response = rm_client.post(url("plan_item_move", plan.pk, "resource", third.pk), {"direction": "up"}, **HTMX)
    assert list(plan.resources.values_list("pk", flat=True)) == [first.pk, third.pk, second.pk]
    assert response.content.decode().index("Events") < response.content.decode().index("Samples")
    rm_client.post(url("plan_item_move", plan.pk, "resource", first.pk), {"direction": "down"}, **HTMX)
    assert list(plan.resources.values_list("pk", flat=True)) == [third.pk, first.pk, second.pk]
    rm_client.post(url("plan_items_reorder", plan.pk, "resource"), {"ids": [second.pk, first.pk, third.pk]}, **HTMX)
    assert list(plan.resources.values_list("pk", flat=True)) == [second.pk, first.pk, third.pk]


def test_reorder_with_a_foreign_id_is_refused_with_a_message(plan, rm_client):
    stranger = ResourceFactory()
    mine = plan.resources.get()
    response = rm_client.post(url("plan_items_reorder", plan.pk, "resource"), {"ids": [stranger.pk, mine.pk]}, **HTMX)
    assert response["HX-Retarget"] == "#plan-alerts"
    assert "Send every item of this list exactly once." in response.content.decode()


def test_an_unknown_item_type_or_another_plans_row_is_404(plan, rm_client):
    assert rm_client.get(url("plan_item_add", plan.pk, "wish"), **HTMX).status_code == 404
    foreign = ResourceFactory()
    assert rm_client.post(url("plan_item_delete", plan.pk, "resource", foreign.pk), **HTMX).status_code == 404


def test_rep_and_other_rm_cannot_change_rows(plan, rep_client, rm2_client):
    objective = plan.objectives.get()
    data = {"title": "Hacked", "metric": "manual", "target": "1"}
    assert rep_client.post(url("plan_item_edit", plan.pk, "objective", objective.pk), data, **HTMX).status_code == 403
    assert rm2_client.post(url("plan_item_edit", plan.pk, "objective", objective.pk), data, **HTMX).status_code == 404
    assert rep_client.post(url("plan_item_delete", plan.pk, "objective", objective.pk), **HTMX).status_code == 403
    objective.refresh_from_db()
    assert objective.title == "Dinners"


def test_a_stale_form_posting_to_a_plan_submitted_meanwhile_shows_the_reason(plan, rm, rm_client):
    _submitted(plan, rm)
    response = rm_client.post(
        url("plan_item_add", plan.pk, "strategy"), {"title": "Late idea", "description": ""}, **HTMX
    )
    assert response.status_code == 200
    assert "This plan is submitted and cannot be changed." in response.content.decode()
    assert not plan.strategies.filter(title="Late idea").exists()
    deleted = rm_client.post(url("plan_item_delete", plan.pk, "strategy", plan.strategies.get().pk), **HTMX)
    assert deleted["HX-Retarget"] == "#plan-alerts"
    assert plan.strategies.count() == 1


def test_an_approved_plan_refuses_content_changes(plan, rm, gm, rm_client):
    _approved(plan, rm, gm)
    objective = plan.objectives.get()
    response = rm_client.post(
        url("plan_item_edit", plan.pk, "objective", objective.pk),
        {"title": "Changed", "metric": "manual", "target": "9"},
        **HTMX,
    )
    assert "This plan is approved and cannot be changed." in response.content.decode()
    objective.refresh_from_db()
    assert (objective.title, objective.target) == ("Dinners", 4)


# -- progress on an approved plan --------------------------------------------------------


def test_an_approved_plan_accepts_action_status_actuals_and_money_used(plan, rm, gm, rm_client):
    _approved(plan, rm, gm)
    action, objective, resource = plan.actions.get(), plan.objectives.get(), plan.resources.get()
    response = rm_client.post(
        url("plan_item_progress", plan.pk, "action", action.pk), {"status": "done", "where": "detail"}, **HTMX
    )
    assert f'id="action-{action.pk}"' in response.content.decode()
    assert 'data-value="1/1"' in response.content.decode()
    rm_client.post(url("plan_item_progress", plan.pk, "objective", objective.pk), {"manual_actual": "3"}, **HTMX)
    rm_client.post(url("plan_item_progress", plan.pk, "resource", resource.pk), {"spent": "2.500.000"}, **HTMX)
    action.refresh_from_db()
    assert (action.status, action.done_on) == ("done", timezone.localdate())
    progress = plan_progress(plan)
    assert (progress.actions_done, progress.objectives_percent, progress.budget_percent) == (1, 75, 50)


def test_progress_of_a_measured_objective_is_not_entered(plan, rm_client):
    measured = ObjectiveFactory(plan=plan, metric=Objective.Metric.REVENUE)
    assert (
        rm_client.post(url("plan_item_progress", plan.pk, "objective", measured.pk), {"manual_actual": "1"}).status_code
        == 404
    )


def test_an_invalid_actual_is_reported_not_saved(plan, rm_client):
    objective = plan.objectives.get()
    response = rm_client.post(
        url("plan_item_progress", plan.pk, "objective", objective.pk), {"manual_actual": "abc"}, **HTMX
    )
    assert response["HX-Retarget"] == "#plan-alerts"
    assert "is not a number" in response.content.decode()


def test_an_action_owner_updates_their_action_not_others(plan, rm, gm, rep, rep_client):
    mine = ActionFactory(plan=plan, owner=rep, what="Rep's action")
    _approved(plan, rm, gm)
    other = plan.actions.exclude(pk=mine.pk).get()
    ok = rep_client.post(url("plan_item_progress", plan.pk, "action", mine.pk), {"status": "in_progress"}, **HTMX)
    assert ok.status_code == 200
    refused = rep_client.post(url("plan_item_progress", plan.pk, "action", other.pk), {"status": "done"}, **HTMX)
    assert refused.status_code == 403
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.status, other.status) == ("in_progress", "planned")


def test_nobody_updates_progress_while_the_gm_decides(plan, rm, rm_client):
    _submitted(plan, rm)
    action = plan.actions.get()
    assert (
        rm_client.post(url("plan_item_progress", plan.pk, "action", action.pk), {"status": "done"}).status_code == 403
    )


# -- evidence --------------------------------------------------------------------------


def test_logging_a_visit_for_an_action_moves_the_plans_progress(plan, rm, gm, rm_client):
    ObjectiveFactory(plan=plan, title="Visits", metric=Objective.Metric.VISIT_COUNT, baseline=0, target=4)
    _approved(plan, rm, gm)
    action = plan.actions.get()
    before = plan_progress(plan)
    assert (before.actions_done, [o.actual for o in before.objectives]) == (0, [None, 0])
    form = rm_client.get(url("plan_action_log", plan.pk, action.pk), {"where": "detail"}, **HTMX)
    assert form.context["form"].initial["subject"] == "Visit the plant"
    response = rm_client.post(
        url("plan_action_log", plan.pk, action.pk),
        {
            "channel": "visit",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "subject": "Toured the plant",
            "notes": "Met the plant manager",
            "mark_done": "on",
            "where": "detail",
        },
        **HTMX,
    )
    interaction = Interaction.objects.get(subject="Toured the plant")
    assert (interaction.customer, interaction.channel, interaction.logged_by) == (plan.customer, "visit", rm)
    action.refresh_from_db()
    assert action.status == "done"
    assert list(action.evidence.all()) == [interaction]
    after = plan_progress(plan)
    assert (after.actions_done, [o.actual for o in after.objectives]) == (1, [None, 1])
    body = response.content.decode()
    assert 'data-status="done"' in body and "Toured the plant" in body
    assert 'id="plan-objectives"' in body  # the objectives come along out of band


def test_a_log_form_with_errors_comes_back_in_the_actions_slot(plan, rm_client):
    action = plan.actions.get()
    response = rm_client.post(url("plan_action_log", plan.pk, action.pk), {"channel": "visit", "subject": ""}, **HTMX)
    assert response["HX-Retarget"] == f"#action-{action.pk}-slot"
    assert "subject" in response.context["form"].errors
    assert not Interaction.objects.exists()


def test_link_an_existing_interaction_as_evidence(plan, rm_client):
    action = plan.actions.get()
    recent = InteractionFactory(customer=plan.customer, subject="Call about the trial")
    InteractionFactory(subject="Someone else's call")
    form = rm_client.get(url("plan_action_link", plan.pk, action.pk), **HTMX)
    assert [i.subject for i in form.context["choices"]] == ["Call about the trial"]
    rm_client.post(url("plan_action_link", plan.pk, action.pk), {"interaction": recent.pk, "mark_done": "on"}, **HTMX)
    action.refresh_from_db()
    assert list(action.evidence.all()) == [recent]
    assert action.status == "done"


def test_linking_another_customers_interaction_is_refused(plan, rm_client):
    action = plan.actions.get()
    foreign = InteractionFactory(subject="Elsewhere")
    response = rm_client.post(url("plan_action_link", plan.pk, action.pk), {"interaction": foreign.pk}, **HTMX)
    assert "interaction" in response.context["form"].errors
    assert not action.evidence.exists()


def test_evidence_per_role(plan, rep, rep_client, rep2_client, gm_client):
    action = plan.actions.get()
    assert rep2_client.get(url("plan_action_log", plan.pk, action.pk)).status_code == 404
    assert rep_client.get(url("plan_action_log", plan.pk, action.pk)).status_code == 403
    assert gm_client.get(url("plan_action_log", plan.pk, action.pk)).status_code == 200
    Action.objects.filter(pk=action.pk).update(owner=rep)
    assert rep_client.get(url("plan_action_link", plan.pk, action.pk)).status_code == 200


def test_evidence_pages_work_without_javascript(plan, rm_client):
    action = plan.actions.get()
    page = rm_client.get(url("plan_action_log", plan.pk, action.pk))
    assert "<html" in page.content.decode()
    response = rm_client.post(
        url("plan_action_log", plan.pk, action.pk),
        {"channel": "phone", "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "subject": "Called"},
    )
    assert response["Location"] == url("plan_detail", plan.pk)
    action.refresh_from_db()
    assert action.status == "planned"  # "completes the action" was left unticked


def test_team_member_without_edit_rights_reads_the_plan(plan, make_user):
    member = make_user(Role.SALES_REP, username="t_member")
    AccountTeamMember.objects.create(customer=plan.customer, user=member, can_edit=False)
    client = _client(member)
    assert client.get(url("plan_detail", plan.pk)).status_code == 200
    assert client.get(url("plan_edit", plan.pk)).status_code == 403


def test_plan_events_show_the_returned_comment(plan, rm, gm, rm_client):
    _submitted(plan, rm)
    services.plan_return(plan=plan, by=gm, comment="More visits")
    response = rm_client.get(url("plan_detail", plan.pk))
    assert [event.kind for event in response.context["events"]] == [PlanEvent.Kind.SUBMITTED, PlanEvent.Kind.RETURNED]
    assert "plan-event-returned" in response.content.decode()


def test_pages_speak_indonesian(plan, rm_client, settings):
    rm_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    for page in (url("plan_list"), url("plan_create"), url("plan_detail", plan.pk), url("plan_edit", plan.pk)):
        assert rm_client.get(page).status_code == 200
    resource = plan.resources.get()
    form = rm_client.get(url("plan_item_edit", plan.pk, "resource", resource.pk), **HTMX).content.decode()
    assert 'value="5.000.000"' in form
    rm_client.post(
        url("plan_item_edit", plan.pk, "resource", resource.pk),
        {"kind": "events", "description": "Gala", "amount": "7.500.000", "spent": "1.250.000"},
        **HTMX,
    )
    resource.refresh_from_db()
    assert (resource.amount, resource.spent) == (Decimal("7500000"), Decimal("1250000"))


def test_rows_and_progress_work_without_javascript(plan, rm, gm, rm_client):
    response = rm_client.post(url("plan_item_add", plan.pk, "strategy"), {"title": "Plain form", "description": ""})
    assert response["Location"] == url("plan_edit", plan.pk) + "#section-strategy"
    assert "<html" in rm_client.get(url("plan_item_add", plan.pk, "strategy")).content.decode()
    _approved(plan, rm, gm)
    resource = plan.resources.get()
    assert "<html" in rm_client.get(url("plan_item_progress", plan.pk, "resource", resource.pk)).content.decode()
    response = rm_client.post(url("plan_item_progress", plan.pk, "resource", resource.pk), {"spent": "1000000"})
    assert response["Location"] == url("plan_detail", plan.pk)
    resource.refresh_from_db()
    assert resource.spent == Decimal("1000000")


def test_start_from_previous_never_redirects_off_site(account, rm_client):
    response = rm_client.post(url("plan_copy_previous"), {"key_account": account.pk, "back": "//evil.example/"})
    assert response["Location"] == url("plan_create")


def test_a_stale_plan_fields_form_shows_why_in_place(plan, rm, rm_client):
    _submitted(plan, rm)
    response = rm_client.post(url("plan_edit", plan.pk), {"title": "Late", "start_year": YEAR}, **HTMX)
    assert response["HX-Retarget"] == "#plan-alerts"
    assert "This plan is submitted and cannot be changed." in response.content.decode()
    plan.refresh_from_db()
    assert plan.title == "Sinar Jaya 2026 plan"
