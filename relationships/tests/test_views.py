"""Pages of the programme: key accounts, nomination, assignment, retirement, relationship
managers, trainings and job descriptions; per role, with query budgets pinned."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Customer
from accounts.tests.factories import CustomerFactory
from communications.tests.factories import InteractionFactory
from crm_project.roles import Role
from crm_project.tests.factories import UserFactory
from insights.models import KeyAccountCandidate
from insights.tests.factories import CustomerRFMFactory
from relationships.models import JobDescription, KeyAccount, RelationshipPlan, RMAssignment, Training
from relationships.tests.factories import (
    ActionFactory,
    CriterionFactory,
    JobDescriptionFactory,
    KeyAccountFactory,
    ObjectiveFactory,
    PlanFactory,
    ResourceFactory,
    RMProfileFactory,
    TrainingFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def rm2(make_user):
    return make_user(Role.RELATIONSHIP_MANAGER, username="t_rm2", first_name="Rudi", last_name="Dua")


@pytest.fixture
def rm2_client(rm2):
    client = Client()
    client.force_login(rm2)
    return client


@pytest.fixture
def programme(gm, rm, rm2, rep, rep2):
    """Three key accounts: Alfa (rep's customer, managed by rm), Beta (rep2's, by rm2), Gamma (no RM)."""
    alfa = KeyAccountFactory(
        customer=CustomerFactory(name="PT Alfa", owner=rep, tier=Customer.Tier.KEY),
        relationship_manager=rm,
        nominated_by=gm,
    )
    beta = KeyAccountFactory(
        customer=CustomerFactory(name="PT Beta", owner=rep2, tier=Customer.Tier.KEY),
        relationship_manager=rm2,
        nominated_by=gm,
    )
    gamma = KeyAccountFactory(
        customer=CustomerFactory(name="PT Gamma", owner=rep2, tier=Customer.Tier.KEY),
        relationship_manager=None,
        nominated_by=gm,
    )
    return alfa, beta, gamma


def _page(client, name, *args, **params):
    return client.get(reverse(f"relationships:{name}", args=args), params)


# --- the key-account list --------------------------------------------------------------------


def test_gm_sees_every_key_account_with_a_call_to_assign_the_missing_rm(gm_client, programme):
    response = _page(gm_client, "key_account_list")
    html = response.content.decode()
    assert [row.key_account.customer.name for row in response.context["rows"]] == ["PT Alfa", "PT Beta", "PT Gamma"]
    assert "No RM yet — assign" in html
    assert reverse("relationships:key_account_assign", args=[programme[2].pk]) in html
    assert 'id="pending-approvals"' in html and 'id="rm-load"' in html


@pytest.mark.parametrize(
    ("who", "expected"),
    [("rep", ["PT Alfa"]), ("rep2", ["PT Beta", "PT Gamma"]), ("rm", ["PT Alfa"]), ("rm2", ["PT Beta"])],
)
def test_others_see_only_key_accounts_of_their_customers(request, programme, who, expected):
    client = Client()
    client.force_login(request.getfixturevalue(who))
    response = _page(client, "key_account_list")
    assert [row.key_account.customer.name for row in response.context["rows"]] == expected
    html = response.content.decode()
    assert "pending-approvals" not in html and "No RM yet — assign" not in html


def test_key_account_list_filters(gm_client, programme, rm):
    alfa, beta, _gamma = programme
    CustomerRFMFactory(customer=beta.customer, segment="at_risk")
    PlanFactory(key_account=alfa, status=RelationshipPlan.Status.SUBMITTED)

    def names(**params):
        return [row.key_account.customer.name for row in _page(gm_client, "key_account_list", **params).context["rows"]]

    assert names(rm=rm.pk) == ["PT Alfa"]
    assert names(rm="none") == ["PT Gamma"]
    assert names(segment="at_risk") == ["PT Beta"]
    assert names(plan="submitted") == ["PT Alfa"]
    assert names(plan="none") == ["PT Beta", "PT Gamma"]
    assert names(q="gam") == ["PT Gamma"]
    assert names(q=rm.first_name.lower()) == ["PT Alfa"]
    # Bad input is ignored, never a 500.
    assert names(rm="abc", segment="nonsense", plan="x") == ["PT Alfa", "PT Beta", "PT Gamma"]


def test_retired_toggle_shows_retired_key_accounts_with_their_reason(gm_client, gm, programme):
    from relationships import services

    services.key_account_retire(key_account=programme[1], by=gm, reason="Moved its purchasing abroad")
    active = _page(gm_client, "key_account_list")
    assert [row.key_account.customer.name for row in active.context["rows"]] == ["PT Alfa", "PT Gamma"]
    retired = _page(gm_client, "key_account_list", retired="on")
    assert [row.key_account.customer.name for row in retired.context["rows"]] == ["PT Beta"]
    assert "Moved its purchasing abroad" in retired.content.decode()


def test_key_account_list_htmx_answers_the_rows_only(gm_client, programme):
    response = gm_client.get(reverse("relationships:key_account_list"), {"q": "alfa"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "PT Alfa" in html and "PT Beta" not in html


def _healthy_programme(gm, count):
    year = timezone.localdate().year
    for n in range(count):
        rm = UserFactory(role=Role.RELATIONSHIP_MANAGER)
        key_account = KeyAccountFactory(relationship_manager=rm, nominated_by=gm)
        CustomerRFMFactory(customer=key_account.customer)
        InteractionFactory(customer=key_account.customer, logged_by=rm)
        plan = PlanFactory(key_account=key_account, start_year=year, status=RelationshipPlan.Status.SUBMITTED)
        ObjectiveFactory(plan=plan)
        ActionFactory(plan=plan, due_on=timezone.localdate() - dt.timedelta(days=n + 1))
        ActionFactory(plan=plan, due_on=timezone.localdate() + dt.timedelta(days=3))
        ResourceFactory(plan=plan)
        TrainingFactory(user=rm)


@pytest.mark.parametrize("rows", [2, 5])
def test_key_account_list_query_budget(gm_client, gm, rows, django_assert_num_queries):
    _healthy_programme(gm, rows)
    # session, user, role; count, page of key accounts (customer, RFM, owner, RM joined; last
    # contact and plan status as subqueries); this year's plans; their progress: actions,
    # resources, objectives, purchases (revenue objectives); plan actions due; cadence: default
    # rules, customers' own rules, one per default rule (3); RMs with load and training;
    # plans waiting for approval
    with django_assert_num_queries(18):
        response = _page(gm_client, "key_account_list")
    assert len(response.context["rows"]) == rows
    assert response.context["rows"][0].progress.actions_total == 2
    assert response.context["rows"][0].actions_overdue == 1


def test_key_account_list_shows_health_at_a_glance(gm_client, gm):
    _healthy_programme(gm, 1)
    row = _page(gm_client, "key_account_list").context["rows"][0]
    assert row.plan.status == "submitted"
    assert (row.actions_overdue, row.actions_due_soon) == (1, 1)
    assert row.key_account.last_contact_at is not None
    assert row.cadence is None  # contacted today: in time


def test_pending_approvals_link_to_the_plan(gm_client, programme):
    plan = PlanFactory(key_account=programme[0], status=RelationshipPlan.Status.SUBMITTED, submitted_at=timezone.now())
    PlanFactory(key_account=programme[1], status=RelationshipPlan.Status.DRAFT)
    response = _page(gm_client, "key_account_list")
    assert response.context["approvals"] == [plan]
    assert plan.get_absolute_url() in response.content.decode()


# --- the key-account page --------------------------------------------------------------------


def test_key_account_detail_shows_history_plans_and_gm_actions(gm_client, gm, rm, rm2, programme):
    from relationships import services

    alfa = programme[0]
    TrainingFactory(user=rm2)
    services.key_account_assign(key_account=alfa, relationship_manager=rm2, by=gm, reason="Speaks Javanese")
    PlanFactory(key_account=alfa, kind=RelationshipPlan.Kind.LONG_TERM, start_year=2026, end_year=2028, title="Long")
    annual = PlanFactory(key_account=alfa, title="Annual this year")
    response = _page(gm_client, "key_account_detail", alfa.pk)
    html = response.content.decode()
    assert response.status_code == 200
    history = list(response.context["assignments"])
    assert [(a.relationship_manager, a.previous_manager) for a in history] == [(rm2, rm), (rm, None)]
    assert "Speaks Javanese" in html
    assert [p.title for p in response.context["long_term"]] == ["Long"]
    assert annual.get_absolute_url() in html
    assert reverse("relationships:key_account_assign", args=[alfa.pk]) in html
    assert reverse("relationships:key_account_retire", args=[alfa.pk]) in html
    assert f"{reverse('relationships:plan_create')}?key_account={alfa.pk}" in html


def test_rep_reads_the_key_account_page_without_gm_actions(rep_client, programme):
    response = _page(rep_client, "key_account_detail", programme[0].pk)
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("relationships:key_account_assign", args=[programme[0].pk]) not in html
    assert "New plan" not in html


def test_rm_may_start_a_plan_for_their_own_key_account(rm_client, programme):
    html = _page(rm_client, "key_account_detail", programme[0].pk).content.decode()
    assert f"?key_account={programme[0].pk}" in html


@pytest.mark.parametrize(("who", "index"), [("rep", 1), ("rep2", 0), ("rm", 1), ("rm2", 0), ("rm", 2)])
def test_key_account_outside_scope_is_404(request, programme, who, index):
    client = Client()
    client.force_login(request.getfixturevalue(who))
    assert _page(client, "key_account_detail", programme[index].pk).status_code == 404


def test_key_account_detail_shows_the_candidate_numbers_and_earlier_terms(gm_client, gm, rep):
    from relationships import services

    customer = CustomerFactory(owner=rep, name="PT Delta")
    KeyAccountCandidate.objects.create(
        customer=customer,
        reason="fast_growth",
        rank=2,
        revenue_12m=Decimal("500000000"),
        revenue_prev_12m=Decimal("250000000"),
        growth=Decimal("1"),
        as_of=dt.date(2026, 1, 31),
        computed_at=timezone.now(),
    )
    review = timezone.localdate() + dt.timedelta(days=90)
    first = services.key_account_nominate(customer=customer, by=gm, reason="Grows fast", review_on=review)
    services.key_account_retire(key_account=first.key_account, by=gm, reason="Slowed down")
    second = services.key_account_nominate(customer=customer, by=gm, reason="Back on track", review_on=review)
    html = _page(gm_client, "key_account_detail", second.key_account.pk).content.decode()
    assert "Candidate: #2 fast grower" in html
    assert "IDR 500,000,000" in html and "+100.0%" in html
    assert "Jan. 31, 2026" in html  # the list's date, kept as ISO text, shown as a date
    assert "Slowed down" in html and first.key_account.get_absolute_url() in html


# --- nominate --------------------------------------------------------------------------------


def _review_on(days=180):
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_nominate_page_preselects_the_candidate_and_shows_its_numbers(gm_client, rep):
    customer = CustomerFactory(owner=rep, name="PT Kandidat")
    KeyAccountCandidate.objects.create(
        customer=customer,
        reason="top_revenue",
        rank=1,
        revenue_12m=Decimal("900000000"),
        revenue_prev_12m=Decimal("800000000"),
        growth=Decimal("0.125"),
        as_of=timezone.localdate(),
        computed_at=timezone.now(),
    )
    response = _page(gm_client, "key_account_nominate", customer=customer.pk)
    html = response.content.decode()
    assert response.context["selected"] == str(customer.pk)
    assert f'<option value="{customer.pk}" selected>★ PT Kandidat' in html
    assert "Candidate #1 by 12-month revenue" in html and "IDR 900,000,000" in html
    assert response.context["form"]["review_on"].value() >= timezone.localdate() + dt.timedelta(days=180)


def test_nominate_lists_fifty_other_customers_and_searches_the_rest(gm_client, rep, django_assert_num_queries):
    from relationships.views import NOMINATE_OPTIONS

    CustomerFactory.create_batch(NOMINATE_OPTIONS + 5, owner=rep, city="Jakarta")
    far = CustomerFactory(owner=rep, name="Zeta Mandiri", city="Ternate")  # last by name: not listed at first
    KeyAccountFactory(customer=CustomerFactory(owner=rep, name="Zeta Kunci", city="Ternate"))
    page = _page(gm_client, "key_account_nominate")
    assert len(page.context["other_options"]) == NOMINATE_OPTIONS and page.context["more_options"]
    assert "search to find the others" in page.content.decode() and "Zeta Mandiri" not in page.content.decode()
    # The search box asks for the select again, with the matches (not key accounts, not archived).
    # session, user, role; the candidates; the matching customers (the candidates' customers are
    # not asked for when there are none)
    with django_assert_num_queries(5):
        found = gm_client.get(reverse("relationships:key_account_nominate"), {"q": "ternate"}, HTTP_HX_REQUEST="true")
    html = found.content.decode()
    assert html.strip().startswith('<select name="customer" id="id_customer"')
    assert re.findall(r"<option value=\"\d+\">([^<]+)</option>", html) == ["Zeta Mandiri · Ternate"]
    assert "Zeta Kunci" not in html and "matching “ternate”" in html
    # A customer chosen earlier stays in the select whatever the search finds.
    kept = gm_client.get(
        reverse("relationships:key_account_nominate"),
        {"q": "nothing like it", "customer": far.pk},
        HTTP_HX_REQUEST="true",
    )
    assert f'<option value="{far.pk}" selected>Zeta Mandiri' in kept.content.decode()


def test_nominate_with_an_rm_makes_the_customer_key_and_warns_about_training(gm_client, gm, rm, rep):
    RMProfileFactory(user=rm, reports_to=gm)
    customer = CustomerFactory(owner=rep)
    response = gm_client.post(
        reverse("relationships:key_account_nominate"),
        {"customer": customer.pk, "reason": "Biggest buyer", "review_on": _review_on(), "relationship_manager": rm.pk},
        follow=True,
    )
    key_account = KeyAccount.objects.get(customer=customer)
    assert response.redirect_chain[-1][0] == key_account.get_absolute_url()
    assert key_account.relationship_manager == rm
    customer.refresh_from_db()
    assert customer.tier == Customer.Tier.KEY
    html = response.content.decode()
    assert "is now a key account" in html
    assert "has no valid relationship-marketing training" in html


def test_nominate_shows_field_errors_never_500(gm_client, programme):
    response = gm_client.post(
        reverse("relationships:key_account_nominate"),
        {"customer": programme[0].customer.pk, "reason": " ", "review_on": "yesterday", "relationship_manager": "x"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"customer", "reason", "review_on", "relationship_manager"}
    past = gm_client.post(
        reverse("relationships:key_account_nominate"),
        {"customer": CustomerFactory().pk, "reason": "x", "review_on": timezone.localdate().isoformat()},
    )
    assert past.context["form"].errors == {"review_on": ["The review date must be in the future."]}


def test_nominate_refuses_a_full_rm_then_offers_and_honours_the_raise(gm_client, gm, rm, programme):
    KeyAccountFactory.create_batch(2, relationship_manager=rm, nominated_by=gm)  # rm: 3 of 3
    customer = CustomerFactory()
    data = {"customer": customer.pk, "reason": "Grows", "review_on": _review_on(), "relationship_manager": rm.pk}
    refused = gm_client.post(reverse("relationships:key_account_nominate"), data)
    form = refused.context["form"]
    assert "already manages 3 of 3 key accounts" in form.errors["relationship_manager"][0]
    assert form.offered_capacity == 4
    assert "Raise" in refused.content.decode() and 'id="raise-capacity-box"' in refused.content.decode()
    assert not KeyAccount.objects.filter(customer=customer).exists()
    accepted = gm_client.post(reverse("relationships:key_account_nominate"), {**data, "raise_capacity": "on"})
    assert accepted.status_code == 302
    rm.rm_profile.refresh_from_db()
    assert rm.rm_profile.capacity == 4


@pytest.mark.parametrize("who", ["rep_client", "rm_client"])
def test_only_managers_nominate(request, who):
    client = request.getfixturevalue(who)
    assert _page(client, "key_account_nominate").status_code == 403
    response = client.post(reverse("relationships:key_account_nominate"), {"customer": CustomerFactory().pk})
    assert response.status_code == 403


def test_admin_may_nominate(admin_client):
    assert _page(admin_client, "key_account_nominate").status_code == 200


def test_candidates_page_links_each_candidate_to_nominate(gm_client, rep):
    customer = CustomerFactory(owner=rep)
    KeyAccountCandidate.objects.create(
        customer=customer,
        reason="top_revenue",
        rank=1,
        revenue_12m=Decimal("1"),
        revenue_prev_12m=Decimal("1"),
        as_of=timezone.localdate(),
        computed_at=timezone.now(),
    )
    html = gm_client.get(reverse("insights:candidate_list")).content.decode()
    assert f"{reverse('relationships:key_account_nominate')}?customer={customer.pk}" in html


# --- assign and retire -----------------------------------------------------------------------


def test_assign_an_rm_to_a_key_account_without_one(gm_client, gm, rm, programme):
    gamma = programme[2]
    TrainingFactory(user=rm)
    response = gm_client.post(
        reverse("relationships:key_account_assign", args=[gamma.pk]),
        {"relationship_manager": rm.pk, "reason": "Knows the owner"},
        follow=True,
    )
    gamma.refresh_from_db()
    assert gamma.relationship_manager == rm
    assert RMAssignment.objects.get(key_account=gamma).reason == "Knows the owner"
    assert "now manages PT Gamma" in response.content.decode()


def test_a_fourth_assignment_to_a_full_rm_is_refused_at_the_field(gm_client, gm, rm, programme):
    KeyAccountFactory.create_batch(2, relationship_manager=rm, nominated_by=gm)
    gamma = programme[2]
    url = reverse("relationships:key_account_assign", args=[gamma.pk])
    response = gm_client.post(url, {"relationship_manager": rm.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "already manages 3 of 3 key accounts" in html
    assert "Raise Tia Rm&#x27;s capacity to 4 key accounts" in html or "capacity to 4 key accounts" in html
    gamma.refresh_from_db()
    assert gamma.relationship_manager is None
    assert gm_client.post(url, {"relationship_manager": rm.pk, "raise_capacity": "on"}).status_code == 302
    gamma.refresh_from_db()
    assert gamma.relationship_manager == rm


def test_assign_refuses_an_rm_without_profile_with_its_message(gm_client, programme, make_user):
    newcomer = make_user(Role.RELATIONSHIP_MANAGER, username="t_newcomer")
    response = gm_client.post(
        reverse("relationships:key_account_assign", args=[programme[2].pk]), {"relationship_manager": newcomer.pk}
    )
    assert "has no relationship manager profile yet" in response.context["form"].errors["relationship_manager"][0]


def test_retire_needs_a_reason_and_returns_the_customer_to_regular(gm_client, programme):
    alfa = programme[0]
    url = reverse("relationships:key_account_retire", args=[alfa.pk])
    assert gm_client.post(url, {"reason": ""}).context["form"].errors["reason"]
    response = gm_client.post(url, {"reason": "Stopped buying"})
    assert response.status_code == 302
    alfa.refresh_from_db()
    alfa.customer.refresh_from_db()
    assert alfa.retire_reason == "Stopped buying" and alfa.customer.tier == Customer.Tier.REGULAR
    assert gm_client.get(url).status_code == 404  # a retired key account is not retired twice


@pytest.mark.parametrize("name", ["key_account_assign", "key_account_retire"])
@pytest.mark.parametrize("who", ["rep_client", "rm_client"])
def test_only_managers_assign_and_retire(request, programme, name, who):
    client = request.getfixturevalue(who)
    assert _page(client, name, programme[0].pk).status_code == 403


# --- the customer page's fact ----------------------------------------------------------------


def test_customer_page_shows_key_account_fact(rep_client, rep, programme, rm):
    alfa = programme[0]
    fact = reverse("relationships:customer_key_account", args=[alfa.customer.pk])
    assert fact in rep_client.get(alfa.customer.get_absolute_url()).content.decode()
    html = rep_client.get(fact).content.decode()
    assert "Key account since" in html and f"RM {rm.get_full_name()}" in html
    assert alfa.get_absolute_url() in html
    regular = CustomerFactory(owner=rep)
    assert rep_client.get(reverse("relationships:customer_key_account", args=[regular.pk])).content.strip() == b""


def test_customer_fact_outside_scope_is_404(rep_client, programme):
    assert (
        rep_client.get(reverse("relationships:customer_key_account", args=[programme[1].customer.pk])).status_code
        == 404
    )


# --- relationship managers -------------------------------------------------------------------


def test_rm_list_shows_load_training_and_job_description(gm_client, gm, rm, rm2, programme, make_user):
    TrainingFactory(user=rm)
    jd = JobDescriptionFactory(written_by=gm)
    rm.rm_profile.job_description = jd
    rm.rm_profile.save()
    make_user(Role.RELATIONSHIP_MANAGER, username="t_rm_noprofile")
    response = _page(gm_client, "rm_list")
    html = response.content.decode()
    by_name = {person.username: person for person in response.context["managers"]}
    assert (by_name["t_rm"].load, by_name["t_rm"].has_valid_training) == (1, True)
    assert (by_name["t_rm2"].load, by_name["t_rm2"].has_valid_training) == (1, False)
    assert "1 of 3" in html and "No valid training" in html and "Create profile" in html
    assert jd.get_absolute_url() in html


def test_rm_list_query_budget(gm_client, gm, django_assert_num_queries):
    for _ in range(4):
        key_account = KeyAccountFactory(nominated_by=gm)
        TrainingFactory(user=key_account.relationship_manager)
    # session, user, role, relationship managers (profile, manager, job description, load, training)
    with django_assert_num_queries(4):
        assert _page(gm_client, "rm_list").status_code == 200


@pytest.mark.parametrize("who", ["rep_client", "rm_client"])
def test_rm_list_and_edit_are_for_managers(request, rm, who):
    client = request.getfixturevalue(who)
    assert _page(client, "rm_list").status_code == 403
    assert _page(client, "rm_edit", rm.pk).status_code == 403


def test_rm_detail_for_gm_and_the_rm_only(gm_client, rm_client, rm2_client, rep_client, rm, rm2, programme):
    assert _page(gm_client, "rm_detail", rm.pk).status_code == 200
    own = _page(rm_client, "rm_detail", rm.pk)
    assert own.status_code == 200
    assert [row.key_account.customer.name for row in own.context["rows"]] == ["PT Alfa"]
    assert _page(rm2_client, "rm_detail", rm.pk).status_code == 404
    assert _page(rep_client, "rm_detail", rm.pk).status_code == 404
    assert _page(gm_client, "rm_detail", 999999).status_code == 404


def test_gm_edits_an_rm_profile_and_gives_a_job_description(gm_client, gm, rm, programme):
    jd = JobDescriptionFactory(written_by=gm)
    url = reverse("relationships:rm_edit", args=[rm.pk])
    data = {
        "reports_to": gm.pk,
        "capacity": 5,
        "start_date": "2025-02-01",
        "languages": "Bahasa Indonesia, English",
        "notes": "Mentor",
        "job_description": jd.pk,
    }
    assert gm_client.post(url, data).status_code == 302
    rm.rm_profile.refresh_from_db()
    assert (rm.rm_profile.capacity, rm.rm_profile.languages, rm.rm_profile.job_description) == (
        5,
        data["languages"],
        jd,
    )
    bad = gm_client.post(url, {**data, "capacity": 0, "reports_to": rm.pk, "start_date": "soon"})
    assert set(bad.context["form"].errors) == {"capacity", "reports_to", "start_date"}


def test_gm_creates_the_profile_of_a_new_rm(gm_client, gm, make_user):
    newcomer = make_user(Role.RELATIONSHIP_MANAGER, username="t_new_rm")
    page = _page(gm_client, "rm_edit", newcomer.pk)
    assert page.context["form"]["reports_to"].value() == gm.pk
    data = {"reports_to": gm.pk, "capacity": 2, "start_date": "2026-01-05"}
    assert gm_client.post(reverse("relationships:rm_edit", args=[newcomer.pk]), data).status_code == 302
    assert newcomer.rm_profile.capacity == 2


def test_rm_edit_refuses_a_capacity_below_the_load(gm_client, gm, rm, programme):
    KeyAccountFactory(relationship_manager=rm, nominated_by=gm)
    data = {"reports_to": gm.pk, "capacity": 1, "start_date": "2025-02-01"}
    response = gm_client.post(reverse("relationships:rm_edit", args=[rm.pk]), data)
    assert "already holds 2 key accounts" in response.context["form"].errors["capacity"][0]


def test_rm_edit_of_someone_not_an_rm_is_404(gm_client, rep):
    assert _page(gm_client, "rm_edit", rep.pk).status_code == 404


# --- trainings -------------------------------------------------------------------------------


def test_training_list_scope_and_badges(gm_client, rm_client, rm, rm2):
    today = timezone.localdate()
    TrainingFactory(user=rm, course="Valid one")
    TrainingFactory(user=rm, course="Soon over", valid_until=today + dt.timedelta(days=20))
    TrainingFactory(
        user=rm, course="Over", completed_on=today - dt.timedelta(days=800), valid_until=today - dt.timedelta(days=1)
    )
    TrainingFactory(user=rm2, course="Someone else's")
    own = rm_client.get(reverse("relationships:training_list"))
    assert {t.course for t in own.context["page"].object_list} == {"Valid one", "Soon over", "Over"}
    html = own.content.decode()
    assert "ka-training-valid" in html and "ka-training-expiring" in html and "ka-training-expired" in html
    assert len(gm_client.get(reverse("relationships:training_list")).context["page"].object_list) == 4
    filtered = gm_client.get(reverse("relationships:training_list"), {"person": rm2.pk})
    assert [t.course for t in filtered.context["page"].object_list] == ["Someone else's"]


def test_training_list_query_budget(gm_client, django_assert_num_queries):
    for _ in range(5):
        TrainingFactory()
    # session, user, role, count, page of trainings (with person), people for the filter
    with django_assert_num_queries(6):
        assert gm_client.get(reverse("relationships:training_list")).status_code == 200


def test_rm_records_own_training_with_a_certificate_and_downloads_it(
    rm_client, rm, rm2_client, gm_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    certificate = SimpleUploadedFile("certificate.pdf", PDF, content_type="application/pdf")
    data = {
        "course": "Relationship marketing",
        "topic": Training.Topic.RELATIONSHIP_MARKETING,
        "completed_on": "2025-06-01",
        "valid_until": "2027-06-01",
        "certificate": certificate,
    }
    assert rm_client.post(reverse("relationships:training_create"), data).status_code == 302
    training = Training.objects.get(user=rm)
    url = reverse("relationships:training_certificate", args=[training.pk])
    response = rm_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert gm_client.get(url).status_code == 200
    assert rm2_client.get(url).status_code == 404
    assert settings.MEDIA_URL not in rm_client.get(reverse("relationships:training_list")).content.decode()


@pytest.mark.parametrize(
    ("name", "content", "content_type", "message"),
    [
        ("virus.exe", b"MZ....", "application/octet-stream", "Upload the certificate as a PDF or an image"),
        ("fake.pdf", b"<html>", "application/pdf", "is not a valid PDF or image"),
        ("photo.png", PNG, "image/png", None),
    ],
)
def test_certificate_upload_is_checked(rm_client, rm, settings, tmp_path, name, content, content_type, message):
    settings.MEDIA_ROOT = tmp_path
    data = {
        "course": "Course",
        "topic": Training.Topic.SALES,
        "completed_on": "2025-06-01",
        "certificate": SimpleUploadedFile(name, content, content_type=content_type),
    }
    response = rm_client.post(reverse("relationships:training_create"), data)
    if message is None:
        assert response.status_code == 302
    else:
        assert message in response.context["form"].errors["certificate"][0]


def test_certificate_over_10_mb_is_refused(rm_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024), content_type="application/pdf")
    data = {"course": "Course", "topic": "sales", "completed_on": "2025-06-01", "certificate": big}
    response = rm_client.post(reverse("relationships:training_create"), data)
    assert "at most 10 MB" in response.context["form"].errors["certificate"][0]


def test_training_dates_are_checked(rm_client):
    data = {"course": "Course", "topic": "sales", "completed_on": "2025-06-01", "valid_until": "2025-01-01"}
    response = rm_client.post(reverse("relationships:training_create"), data)
    assert response.context["form"].errors == {"valid_until": ["A training cannot expire before it was completed."]}


def test_gm_records_a_training_for_an_rm(gm_client, rm):
    data = {"person": rm.pk, "course": "KAM", "topic": "key_account_management", "completed_on": "2025-06-01"}
    assert gm_client.post(reverse("relationships:training_create"), data).status_code == 302
    assert Training.objects.get().user == rm


def test_edit_and_delete_own_training_but_not_others(rm_client, rm2_client, rm, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    training = TrainingFactory(user=rm)
    edit = reverse("relationships:training_edit", args=[training.pk])
    delete = reverse("relationships:training_delete", args=[training.pk])
    assert rm2_client.get(edit).status_code == 404
    assert rm2_client.post(delete).status_code == 404
    data = {"course": "Renamed", "topic": "sales", "completed_on": "2025-06-01"}
    assert rm_client.post(edit, data).status_code == 302
    training.refresh_from_db()
    assert training.course == "Renamed" and training.user == rm
    assert rm_client.get(delete).status_code == 200
    assert rm_client.post(delete).status_code == 302
    assert not Training.objects.exists()


# --- job descriptions ------------------------------------------------------------------------


def _jd_post(criteria, **fields):
    data = {
        "title": "Relationship manager",
        "reports_to": "General manager",
        "objectives": "Keep and grow the key accounts",
        "responsibilities": "Plan, visit, report",
        "criteria-TOTAL_FORMS": str(len(criteria)),
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "30",
        **fields,
    }
    for index, row in enumerate(criteria):
        for key, value in row.items():
            data[f"criteria-{index}-{key}"] = value
    return data


FOUR = [
    {"name": "Cadence adherence", "weight": "30", "kind": "measured", "metric": "cadence_adherence"},
    {"name": "Plan actions done", "weight": "30", "kind": "measured", "metric": "action_completion"},
    {"name": "Revenue growth", "weight": "25", "kind": "measured", "metric": "revenue_growth"},
    {"name": "Customer feedback", "weight": "15", "kind": "manual", "metric": ""},
]


def test_gm_writes_a_job_description_with_four_weighted_criteria(gm_client):
    response = gm_client.post(reverse("relationships:job_description_create"), _jd_post(FOUR))
    jd = JobDescription.objects.get()
    assert response.status_code == 302 and response["Location"] == jd.get_absolute_url()
    assert [(c.name, c.weight, c.metric) for c in jd.criteria.all()] == [
        ("Cadence adherence", Decimal("30"), "cadence_adherence"),
        ("Plan actions done", Decimal("30"), "action_completion"),
        ("Revenue growth", Decimal("25"), "revenue_growth"),
        ("Customer feedback", Decimal("15"), ""),
    ]


def test_weights_not_adding_up_to_100_show_the_total_error(gm_client):
    rows = [dict(row) for row in FOUR]
    rows[3]["weight"] = "10"
    response = gm_client.post(reverse("relationships:job_description_create"), _jd_post(rows))
    assert response.status_code == 200
    assert response.context["total_errors"] == ["The weights add up to 95%; they must add up to 100%."]
    assert not JobDescription.objects.exists()


def test_criterion_rows_show_their_own_errors(gm_client):
    rows = [
        {"name": "", "weight": "50", "kind": "manual"},
        {"name": "Measured without metric", "weight": "abc", "kind": "measured", "metric": ""},
    ]
    response = gm_client.post(reverse("relationships:job_description_create"), _jd_post(rows, title=""))
    formset = response.context["formset"]
    assert set(formset.forms[0].errors) == {"name"}
    assert set(formset.forms[1].errors) == {"weight", "metric"}
    assert "title" in response.context["form"].errors


def test_removed_and_empty_rows_are_not_saved(gm_client):
    rows = [*FOUR, {"name": "Dropped", "weight": "50", "kind": "manual", "DELETE": "on"}, {}]
    assert gm_client.post(reverse("relationships:job_description_create"), _jd_post(rows)).status_code == 302
    assert JobDescription.objects.get().criteria.count() == 4


def test_no_criteria_at_all_is_refused(gm_client):
    response = gm_client.post(reverse("relationships:job_description_create"), _jd_post([]))
    assert response.context["total_errors"] == ["Add at least one evaluation criterion."]


def test_editing_publishes_the_next_version_and_moves_the_holders(gm_client, gm, rm):
    jd = JobDescriptionFactory(written_by=gm)
    for name in ("A", "B", "C", "D"):
        CriterionFactory(job_description=jd, name=name)
    RMProfileFactory(user=rm, reports_to=gm, job_description=jd)
    page = _page(gm_client, "job_description_edit", jd.pk)
    assert "Saving publishes version 2" in page.content.decode()
    assert [form["name"].value() for form in page.context["formset"].forms] == ["A", "B", "C", "D"]
    data = _jd_post(
        [{"name": n, "weight": "25", "kind": "manual"} for n in ("A", "B", "C", "E")],
        **{"criteria-INITIAL_FORMS": "4", "title": "Senior RM"},
    )
    response = gm_client.post(reverse("relationships:job_description_edit", args=[jd.pk]), data)
    new = JobDescription.objects.get(is_current=True)
    assert response["Location"] == new.get_absolute_url()
    assert (new.version, new.title, new.lineage) == (2, "Senior RM", jd.lineage)
    rm.rm_profile.refresh_from_db()
    assert rm.rm_profile.job_description == new
    detail = _page(gm_client, "job_description_detail", jd.pk).content.decode()
    assert "This is an earlier version" in detail and new.get_absolute_url() in detail
    old_edit = _page(gm_client, "job_description_edit", jd.pk)
    assert old_edit.status_code == 302 and old_edit["Location"].endswith(f"/{new.pk}/edit/")


def test_job_description_list_query_budget(gm_client, gm, django_assert_num_queries):
    for _ in range(3):
        jd = JobDescriptionFactory(written_by=gm)
        CriterionFactory.create_batch(4, job_description=jd)
    # session, user, role, current job descriptions (author, criteria and holder counts)
    with django_assert_num_queries(4):
        response = _page(gm_client, "job_description_list")
    assert [jd.criteria_count for jd in response.context["job_descriptions"]] == [4, 4, 4]


def test_job_descriptions_scope(gm, rm, rm2, rm_client, rm2_client, rep_client):
    held = JobDescriptionFactory(written_by=gm, title="Held")
    other = JobDescriptionFactory(written_by=gm, title="Other")
    RMProfileFactory(user=rm, reports_to=gm, job_description=held)
    assert [jd.title for jd in _page(rm_client, "job_description_list").context["job_descriptions"]] == ["Held"]
    assert _page(rm_client, "job_description_detail", held.pk).status_code == 200
    assert _page(rm_client, "job_description_detail", other.pk).status_code == 404
    assert _page(rm2_client, "job_description_detail", held.pk).status_code == 404
    assert _page(rep_client, "job_description_list").status_code == 403
    assert _page(rep_client, "job_description_detail", held.pk).status_code == 404
    assert _page(rm_client, "job_description_create").status_code == 403
    assert _page(rm_client, "job_description_edit", held.pk).status_code == 403


# --- navigation and homes --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["rep_client", "rm_client", "gm_client", "admin_client"])
def test_every_role_has_the_key_accounts_entry_active_on_programme_pages(request, who):
    html = request.getfixturevalue(who).get(reverse("relationships:training_list")).content.decode()
    assert 'class="nav-link active"\n               aria-current="page" href="/programme/key-accounts/"' in html


def test_rm_home_shows_their_key_accounts_health(rm_client, rm, gm, programme):
    plan = PlanFactory(key_account=programme[0], status=RelationshipPlan.Status.APPROVED)
    ActionFactory(plan=plan, what="Dinner with the owner", due_on=timezone.localdate() - dt.timedelta(days=2))
    response = rm_client.get(reverse("home"))
    html = response.content.decode()
    assert [row.key_account.customer.name for row in response.context["programme_rows"]] == ["PT Alfa"]
    assert "Dinner with the owner" in html and "overdue since" in html
    assert "PT Beta" not in html


def test_rm_home_query_budget(client, gm, django_assert_num_queries):
    rm = UserFactory(role=Role.RELATIONSHIP_MANAGER)
    year = timezone.localdate().year
    for _ in range(3):
        key_account = KeyAccountFactory(relationship_manager=rm, nominated_by=gm)
        plan = PlanFactory(key_account=key_account, start_year=year)
        ObjectiveFactory(plan=plan)
        ActionFactory(plan=plan, due_on=timezone.localdate())
    client.force_login(rm)
    # session, user, role, customer counts, birthdays (2), compact my day (follow-ups, cadence 2 + 3);
    # the RM's key accounts; this year's plans; progress (actions, resources, objectives,
    # purchases); actions due per account; cadence of the key accounts (2 + 3); actions due list
    with django_assert_num_queries(25):
        response = client.get(reverse("home"))
    assert len(response.context["programme_rows"]) == 3
    assert len(response.context["programme_actions"]) == 3


def test_gm_home_shows_approvals_unassigned_and_load(gm_client, programme):
    plan = PlanFactory(key_account=programme[0], status=RelationshipPlan.Status.SUBMITTED, submitted_at=timezone.now())
    response = gm_client.get(reverse("home"))
    html = response.content.decode()
    assert response.context["approvals"] == [plan]
    assert [ka.customer.name for ka in response.context["unassigned"]] == ["PT Gamma"]
    assert 'id="home-rm-load"' in html and "1 of 3" in html
    assert plan.get_absolute_url() in html


def test_rm_detail_links_the_gm_to_the_rm_scorecard_and_evaluation(gm_client, rm_client, gm, rm, programme):
    profile = rm.rm_profile
    profile.job_description = JobDescriptionFactory(written_by=gm)
    profile.save()
    page = _page(gm_client, "rm_detail", rm.pk).content.decode()
    assert reverse("relationships:scorecard_rm", args=[rm.pk]) in page
    assert f"{reverse('relationships:evaluation_start')}?relationship_manager={rm.pk}" in page
    own = _page(rm_client, "rm_detail", rm.pk).content.decode()
    assert 'id="rm-evaluate"' not in own and 'id="rm-scorecard"' not in own
