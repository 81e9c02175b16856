import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Customer
from accounts.tests.factories import AccountTeamMemberFactory, CustomerFactory
from communications.models import Interaction
from communications.tests.factories import InteractionFactory
from crm_project.roles import Role
from crm_project.tests.factories import UserFactory
from insights.models import KeyAccountCandidate
from relationships.models import (
    Action,
    JobDescription,
    KeyAccount,
    Objective,
    RelationshipManagerProfile,
    RelationshipPlan,
    Training,
)
from relationships.tests.factories import (
    ActionFactory,
    CriterionFactory,
    JobDescriptionFactory,
    KeyAccountFactory,
    ObjectiveFactory,
    PlanFactory,
    ResourceFactory,
    RMProfileFactory,
    StrategyFactory,
    TrainingFactory,
)

pytestmark = pytest.mark.django_db

KEY_ACCOUNTS = "/api/v1/key-accounts/"
NOMINATE = "/api/v1/key-accounts/nominate/"
RMS = "/api/v1/relationship-managers/"
TRAININGS = "/api/v1/trainings/"
JOBS = "/api/v1/job-descriptions/"
PLANS = "/api/v1/plans/"
YEAR = timezone.localdate().year
ROLES = ("rep", "rep2", "rm", "rm2", "gm", "admin")


def detail(collection: str, pk: int, action: str = "") -> str:
    return f"{collection}{pk}/{action + '/' if action else ''}"


def items(plan_id: int, kind: str, pk: int | None = None, action: str = "") -> str:
    url = f"{PLANS}{plan_id}/{kind}/"
    if pk is not None:
        url += f"{pk}/"
    return url + (f"{action}/" if action else "")


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def rm2(make_user):
    return make_user(Role.RELATIONSHIP_MANAGER, username="t_rm2", first_name="Sari", last_name="Wijaya")


@pytest.fixture
def as_role(request, api_client_for):
    """The API client of a role's user, by fixture name."""

    def make(name: str):
        return api_client_for(request.getfixturevalue(name))

    return make


@pytest.fixture
def accounts(rep, rep2, rm, rm2, gm):
    """Key account A (rep's customer, managed by rm) and B (rep2's customer, managed by rm2)."""
    a = KeyAccountFactory(customer__owner=rep, customer__name="PT Alfa", relationship_manager=rm, nominated_by=gm)
    b = KeyAccountFactory(customer__owner=rep2, customer__name="PT Beta", relationship_manager=rm2, nominated_by=gm)
    return a, b


@pytest.fixture
def plans(accounts):
    a, b = accounts
    return PlanFactory(key_account=a, title="Alfa plan"), PlanFactory(key_account=b, title="Beta plan")


# --- key accounts: who sees what -----------------------------------------------------------------

KEY_ACCOUNT_SEEN = {"rep": ["A"], "rep2": ["B"], "rm": ["A"], "rm2": ["B"], "gm": ["A", "B"], "admin": ["A", "B"]}


@pytest.mark.parametrize("role", ROLES)
def test_key_accounts_follow_customer_visibility(as_role, accounts, role):
    by_letter = dict(zip("AB", accounts, strict=True))
    client = as_role(role)
    seen = [by_letter[letter].pk for letter in KEY_ACCOUNT_SEEN[role]]
    assert ids(client.get(KEY_ACCOUNTS)) == seen
    for letter, key_account in by_letter.items():
        expected = 200 if letter in KEY_ACCOUNT_SEEN[role] else 404
        assert client.get(detail(KEY_ACCOUNTS, key_account.pk)).status_code == expected


def test_key_account_representation(api_client_for, accounts, gm, rm):
    a, _b = accounts
    body = api_client_for(gm).get(detail(KEY_ACCOUNTS, a.pk)).json()
    assert body["customer"] == a.customer_id
    assert body["customer_name"] == "PT Alfa"
    assert body["source"] == "manual"
    assert body["candidate_reason"] == ""
    assert body["candidate_numbers"] == {}
    assert body["reason"] == "Largest buyer of the region"
    assert body["review_on"] == a.review_on.isoformat()
    assert body["nominated_by"] == gm.pk
    assert body["relationship_manager"] == rm.pk
    assert body["relationship_manager_name"] == rm.get_full_name()
    assert body["is_active"] is True
    assert (body["retired_at"], body["retired_by"], body["retire_reason"]) == (None, None, "")
    assert len(body["assignments"]) == 1
    assert body["assignments"][0]["relationship_manager"] == rm.pk
    assert body["assignments"][0]["previous_manager"] is None
    assert body["assignments"][0]["ended_at"] is None


def test_key_account_filters_and_ordering(api_client_for, accounts, gm, rm):
    a, b = accounts
    KeyAccount.objects.filter(pk=b.pk).update(review_on=dt.date(YEAR + 2, 1, 1))
    KeyAccount.objects.filter(pk=a.pk).update(review_on=dt.date(YEAR + 1, 6, 1))
    retired = KeyAccountFactory(customer__name="PT Gamma", relationship_manager=None, nominated_by=gm)
    KeyAccount.objects.filter(pk=retired.pk).update(retired_at=timezone.now(), review_on=dt.date(YEAR + 3, 1, 1))
    client = api_client_for(gm)
    assert ids(client.get(KEY_ACCOUNTS)) == [a.pk, b.pk, retired.pk]
    assert ids(client.get(KEY_ACCOUNTS, {"active": "true"})) == [a.pk, b.pk]
    assert ids(client.get(KEY_ACCOUNTS, {"active": "false"})) == [retired.pk]
    assert ids(client.get(KEY_ACCOUNTS, {"relationship_manager": rm.pk})) == [a.pk]
    assert ids(client.get(KEY_ACCOUNTS, {"customer": b.customer_id})) == [b.pk]
    window = {"review_on_after": f"{YEAR + 1}-01-01", "review_on_before": f"{YEAR + 1}-12-31"}
    assert ids(client.get(KEY_ACCOUNTS, window)) == [a.pk]
    assert ids(client.get(KEY_ACCOUNTS, {"ordering": "-review_on", "active": "true"})) == [b.pk, a.pk]
    assert ids(client.get(KEY_ACCOUNTS, {"ordering": "-customer_name"})) == [retired.pk, b.pk, a.pk]


@pytest.mark.parametrize("rows", [1, 4])
def test_key_account_list_query_budget(api_client_for, gm, rows, django_assert_num_queries):
    for _n in range(rows):
        KeyAccountFactory(nominated_by=gm)
    client = api_client_for(gm)
    # token (+user), role, count, page (+customer, RM), assignments (+RM)
    with django_assert_num_queries(5):
        assert client.get(KEY_ACCOUNTS).status_code == 200


# --- key accounts: nominate, assign, retire ------------------------------------------------------


def test_gm_nominates_a_hand_picked_customer(api_client_for, gm, rep):
    customer = CustomerFactory(owner=rep, name="PT Pilihan")
    review_on = timezone.localdate() + dt.timedelta(days=90)
    response = api_client_for(gm).post(
        NOMINATE, {"customer": customer.pk, "reason": "  Opens three branches  ", "review_on": review_on.isoformat()}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    key_account = KeyAccount.objects.get()
    assert body["id"] == key_account.pk
    assert (body["customer"], body["customer_name"], body["source"]) == (customer.pk, "PT Pilihan", "manual")
    assert (body["reason"], body["review_on"]) == ("Opens three branches", review_on.isoformat())
    assert (body["relationship_manager"], body["assignments"], body["warnings"]) == (None, [], [])
    customer.refresh_from_db()
    assert customer.tier == Customer.Tier.KEY


def test_nominating_a_candidate_keeps_its_numbers_and_assigns_the_rm_with_a_warning(api_client_for, gm, rm):
    customer = CustomerFactory(name="PT Kandidat")
    KeyAccountCandidate.objects.create(
        customer=customer,
        reason="top_revenue",
        rank=2,
        revenue_12m=Decimal("900000000"),
        revenue_prev_12m=Decimal("600000000"),
        growth=Decimal("0.5"),
        as_of=dt.date(YEAR, 1, 31),
        computed_at=timezone.now(),
    )
    RMProfileFactory(user=rm, reports_to=gm)
    response = api_client_for(gm).post(
        NOMINATE,
        {
            "customer": customer.pk,
            "reason": "Second by revenue",
            "review_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            "relationship_manager": rm.pk,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["source"], body["candidate_reason"]) == ("candidate", "top_revenue")
    assert body["candidate_numbers"] == {
        "rank": 2,
        "revenue_12m": "900000000.00",
        "revenue_prev_12m": "600000000.00",
        "growth": "0.500000",
        "as_of": f"{YEAR}-01-31",
    }
    assert body["relationship_manager"] == rm.pk
    assert [row["relationship_manager"] for row in body["assignments"]] == [rm.pk]
    assert body["warnings"] == [f"{rm.get_full_name()} has no valid relationship-marketing training."]


def test_nominate_honours_the_idempotency_key(api_client_for, gm):
    customer = CustomerFactory()
    client = api_client_for(gm)
    body = {"customer": customer.pk, "reason": "Big", "review_on": f"{YEAR + 1}-03-01"}
    first = client.post(NOMINATE, body, HTTP_IDEMPOTENCY_KEY="nominate-1")
    again = client.post(NOMINATE, body, HTTP_IDEMPOTENCY_KEY="nominate-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert KeyAccount.objects.count() == 1
    other = client.post(NOMINATE, {**body, "reason": "Bigger"}, HTTP_IDEMPOTENCY_KEY="nominate-1")
    assert other.status_code == 422
    without_key = client.post(NOMINATE, body)
    assert without_key.status_code == 400
    assert without_key.json() == {"customer": [f"{customer.name} is already a key account."]}


def test_nomination_errors_are_field_messages(api_client_for, gm):
    customer = CustomerFactory()
    response = api_client_for(gm).post(
        NOMINATE, {"customer": customer.pk, "reason": "   ", "review_on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 400
    assert response.json() == {"reason": ["This field may not be blank."]}
    response = api_client_for(gm).post(
        NOMINATE, {"customer": customer.pk, "reason": "Big", "review_on": timezone.localdate().isoformat()}
    )
    assert response.json() == {"review_on": ["The review date must be in the future."]}
    assert not KeyAccount.objects.exists()


@pytest.mark.parametrize("role", ["rep", "rm"])
def test_only_managers_nominate(as_role, rep, role):
    customer = CustomerFactory(owner=rep)
    response = as_role(role).post(
        NOMINATE, {"customer": customer.pk, "reason": "Big", "review_on": f"{YEAR + 1}-01-01"}
    )
    assert response.status_code == 403
    assert not KeyAccount.objects.exists()


def test_assigning_a_full_rm_is_refused_unless_capacity_is_raised(api_client_for, accounts, gm, rm, rm2):
    a, _b = accounts
    RelationshipManagerProfile.objects.filter(user=rm2).update(capacity=1)
    TrainingFactory(user=rm2)
    client = api_client_for(gm)
    refused = client.post(detail(KEY_ACCOUNTS, a.pk, "assign"), {"relationship_manager": rm2.pk, "reason": "Moves"})
    assert refused.status_code == 400
    assert refused.json() == {
        "relationship_manager": [
            "Sari Wijaya already manages 1 of 1 key accounts. Choose another relationship manager, "
            "or raise the capacity explicitly."
        ]
    }
    a.refresh_from_db()
    assert a.relationship_manager == rm
    raised = client.post(
        detail(KEY_ACCOUNTS, a.pk, "assign"),
        {"relationship_manager": rm2.pk, "reason": "Speaks Hokkien", "raise_capacity": True},
    )
    assert raised.status_code == 200, raised.content
    body = raised.json()
    assert (body["relationship_manager"], body["warnings"]) == (rm2.pk, [])
    assert [(row["relationship_manager"], row["previous_manager"]) for row in body["assignments"]] == [
        (rm2.pk, rm.pk),
        (rm.pk, None),
    ]
    assert body["assignments"][0]["reason"] == "Speaks Hokkien"
    assert body["assignments"][1]["ended_at"] is not None
    assert RelationshipManagerProfile.objects.get(user=rm2).capacity == 2


@pytest.mark.parametrize(("role", "code"), [("rm", 403), ("rep", 403), ("rep2", 404), ("rm2", 404)])
def test_only_managers_assign_and_retire(as_role, accounts, rm2, role, code):
    a, _b = accounts
    client = as_role(role)
    assert client.post(detail(KEY_ACCOUNTS, a.pk, "assign"), {"relationship_manager": rm2.pk}).status_code == code
    assert client.post(detail(KEY_ACCOUNTS, a.pk, "retire"), {"reason": "Shrinking"}).status_code == code
    a.refresh_from_db()
    assert a.retired_at is None


def test_gm_retires_a_key_account(api_client_for, accounts, gm):
    a, _b = accounts
    client = api_client_for(gm)
    blank = client.post(detail(KEY_ACCOUNTS, a.pk, "retire"), {"reason": " "})
    assert blank.status_code == 400
    assert blank.json() == {"reason": ["Say why this customer is no longer a key account."]}
    response = client.post(detail(KEY_ACCOUNTS, a.pk, "retire"), {"reason": "Moved to a competitor"})
    assert response.status_code == 200
    body = response.json()
    assert (body["is_active"], body["retire_reason"], body["retired_by"]) == (False, "Moved to a competitor", gm.pk)
    assert body["relationship_manager"] is None
    assert body["assignments"][0]["ended_at"] is not None
    assert Customer.objects.get(pk=a.customer_id).tier == Customer.Tier.REGULAR
    again = client.post(detail(KEY_ACCOUNTS, a.pk, "retire"), {"reason": "Again"})
    assert again.json() == {"key_account": ["This key account is already retired."]}


# --- relationship managers -----------------------------------------------------------------------


@pytest.mark.parametrize(("role", "seen"), [("rep", []), ("rm", ["rm"]), ("rm2", ["rm2"]), ("gm", ["rm", "rm2"])])
def test_rm_profiles_are_seen_by_managers_and_their_owner(request, as_role, accounts, role, seen):
    client = as_role(role)
    expected = {RelationshipManagerProfile.objects.get(user=request.getfixturevalue(name)).pk for name in seen}
    assert set(ids(client.get(RMS))) == expected
    for profile in RelationshipManagerProfile.objects.all():
        assert client.get(detail(RMS, profile.pk)).status_code == (200 if profile.pk in expected else 404)


def test_rm_profile_shows_load_against_capacity_and_training(api_client_for, accounts, gm, rm):
    KeyAccountFactory(relationship_manager=rm, nominated_by=gm)
    retired = KeyAccountFactory(relationship_manager=rm, nominated_by=gm)
    KeyAccount.objects.filter(pk=retired.pk).update(retired_at=timezone.now())
    TrainingFactory(user=rm)
    profile = RelationshipManagerProfile.objects.get(user=rm)
    body = api_client_for(gm).get(detail(RMS, profile.pk)).json()
    assert (body["user"], body["name"], body["reports_to"]) == (rm.pk, rm.get_full_name(), gm.pk)
    assert (body["capacity"], body["load"], body["has_valid_training"]) == (3, 2, True)
    assert body["job_description"] is None


def test_gm_patches_an_rm_profile_and_gives_a_job_description(api_client_for, accounts, gm, rm):
    profile = RelationshipManagerProfile.objects.get(user=rm)
    job = JobDescriptionFactory()
    client = api_client_for(gm)
    response = client.patch(
        detail(RMS, profile.pk),
        {"capacity": 5, "languages": "Bahasa Indonesia, English", "job_description": job.pk, "user": 1},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["capacity"], body["languages"], body["job_description"], body["user"]) == (
        5,
        "Bahasa Indonesia, English",
        job.pk,
        rm.pk,
    )
    profile.refresh_from_db()
    assert (profile.capacity, profile.job_description, profile.reports_to) == (5, job, gm)
    old = JobDescriptionFactory(is_current=False)
    refused = client.patch(detail(RMS, profile.pk), {"job_description": old.pk})
    assert refused.json() == {"job_description": ["Choose the current version of a job description."]}
    not_a_gm = client.patch(detail(RMS, profile.pk), {"reports_to": rm.pk})
    assert not_a_gm.json() == {"reports_to": ["A relationship manager reports to a general manager."]}


def test_gm_creates_an_rm_profile(api_client_for, gm, rm, rep):
    client = api_client_for(gm)
    response = client.post(RMS, {"user": rm.pk, "reports_to": gm.pk, "capacity": 2, "start_date": "2025-01-06"})
    assert response.status_code == 201, response.content
    assert (response.json()["capacity"], response.json()["load"], response.json()["start_date"]) == (
        2,
        0,
        "2025-01-06",
    )
    twice = client.post(RMS, {"user": rm.pk, "reports_to": gm.pk})
    assert twice.status_code == 400
    assert list(twice.json()) == ["user"]
    a_rep = client.post(RMS, {"user": rep.pk, "reports_to": gm.pk})
    assert a_rep.json() == {"user": ["Only a relationship manager can have a relationship manager profile."]}


@pytest.mark.parametrize(("role", "code"), [("rm", 403), ("rep", 404)])
def test_others_do_not_write_rm_profiles(as_role, accounts, rm, gm, role, code):
    profile = RelationshipManagerProfile.objects.get(user=rm)
    client = as_role(role)
    assert client.patch(detail(RMS, profile.pk), {"capacity": 9}).status_code == code
    assert client.post(RMS, {"user": rm.pk, "reports_to": gm.pk}).status_code == 403
    assert RelationshipManagerProfile.objects.get(user=rm).capacity == 3


@pytest.mark.parametrize("rows", [1, 4])
def test_rm_profile_list_query_budget(api_client_for, gm, rows, django_assert_num_queries):
    for _n in range(rows):
        TrainingFactory(user=RMProfileFactory(reports_to=gm).user)
    client = api_client_for(gm)
    # token (+user), role, count, page (+user, reports_to, load and training annotations)
    with django_assert_num_queries(4):
        assert client.get(RMS).status_code == 200


# --- trainings -----------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_rep_records_a_training_with_a_certificate_and_downloads_it(api_client_for, media, rep, rep2, gm):
    client = api_client_for(rep)
    certificate = SimpleUploadedFile("sertifikat.pdf", b"%PDF-1.4 sertifikat", content_type="application/pdf")
    response = client.post(
        TRAININGS,
        {
            "course": "Relationship marketing 101",
            "provider": "Prasetiya Mulya",
            "completed_on": "2025-02-01",
            "valid_until": f"{YEAR + 2}-02-01",
            "certificate": certificate,
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    training = Training.objects.get()
    assert (body["user"], body["topic"], body["certificate_name"]) == (
        rep.pk,
        "relationship_marketing",
        "sertifikat.pdf",
    )
    assert body["is_valid_today"] is True
    assert "certificate" not in body
    assert body["certificate_url"] == f"http://testserver/api/v1/trainings/{training.pk}/certificate/"
    assert training.certificate.name == f"trainings/{rep.pk}/sertifikat.pdf"
    download = client.get(body["certificate_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"] == 'attachment; filename="sertifikat.pdf"'
    assert b"".join(download.streaming_content) == b"%PDF-1.4 sertifikat"
    assert api_client_for(rep2).get(body["certificate_url"]).status_code == 404
    assert api_client_for(gm).get(body["certificate_url"]).status_code == 200


def test_certificate_download_without_a_file_is_404(api_client_for, rep):
    training = TrainingFactory(user=rep)
    response = api_client_for(rep).get(detail(TRAININGS, training.pk, "certificate"))
    assert response.status_code == 404
    assert response.json() == {"detail": "No certificate was uploaded for this training."}
    assert api_client_for(rep).get(detail(TRAININGS, training.pk)).json()["certificate_url"] is None


def test_reps_and_rms_see_and_write_only_their_own_trainings(api_client_for, rep, rm, gm):
    own = TrainingFactory(user=rep, course="Own")
    other = TrainingFactory(user=rm, course="Other")
    client = api_client_for(rep)
    assert ids(client.get(TRAININGS)) == [own.pk]
    assert client.get(detail(TRAININGS, other.pk)).status_code == 404
    assert client.patch(detail(TRAININGS, other.pk), {"course": "Mine now"}).status_code == 404
    assert client.delete(detail(TRAININGS, other.pk)).status_code == 404
    for_someone_else = client.post(TRAININGS, {"user": rm.pk, "course": "X", "completed_on": "2025-01-01"})
    assert for_someone_else.status_code == 403
    assert set(ids(api_client_for(gm).get(TRAININGS))) == {own.pk, other.pk}
    assert ids(api_client_for(rm).get(TRAININGS)) == [other.pk]


def test_gm_records_and_deletes_trainings_of_others(api_client_for, gm, rm):
    client = api_client_for(gm)
    created = client.post(
        TRAININGS, {"user": rm.pk, "course": "KAM", "topic": "key_account_management", "completed_on": "2025-03-01"}
    )
    assert created.status_code == 201, created.content
    assert (created.json()["user"], created.json()["valid_until"]) == (rm.pk, None)
    pk = created.json()["id"]
    patched = client.patch(detail(TRAININGS, pk), {"notes": "Passed with distinction", "user": gm.pk})
    assert patched.status_code == 400
    assert patched.json() == {"user": ["A training cannot move to another person."]}
    assert client.patch(detail(TRAININGS, pk), {"notes": "Passed"}).json()["notes"] == "Passed"
    assert client.delete(detail(TRAININGS, pk)).status_code == 204
    assert not Training.objects.exists()


def test_training_cannot_expire_before_completion(api_client_for, rep):
    response = api_client_for(rep).post(
        TRAININGS, {"course": "X", "completed_on": "2025-03-01", "valid_until": "2025-02-01"}
    )
    assert response.status_code == 400
    assert response.json() == {"valid_until": ["A training cannot expire before it was completed."]}


def test_training_filters(api_client_for, gm, rm):
    valid = TrainingFactory(user=rm)
    TrainingFactory(user=rm, valid_until=timezone.localdate() - dt.timedelta(days=1))
    sales = TrainingFactory(user=rm, topic=Training.Topic.SALES)
    client = api_client_for(gm)
    assert set(ids(client.get(TRAININGS, {"valid_on": timezone.localdate().isoformat()}))) == {valid.pk, sales.pk}
    assert ids(client.get(TRAININGS, {"topic": "sales"})) == [sales.pk]


@pytest.mark.parametrize("rows", [1, 4])
def test_training_list_query_budget(api_client_for, gm, rows, django_assert_num_queries):
    TrainingFactory.create_batch(rows)
    client = api_client_for(gm)
    # token (+user), role, count, page
    with django_assert_num_queries(4):
        assert client.get(TRAININGS).status_code == 200


# --- job descriptions ----------------------------------------------------------------------------

CRITERIA = [
    {"name": "Cadence kept", "weight": "30", "kind": "measured", "metric": "cadence_adherence"},
    {"name": "Plan actions done", "weight": "30", "kind": "measured", "metric": "action_completion"},
    {"name": "Revenue growth", "weight": "25", "kind": "measured", "metric": "revenue_growth"},
    {"name": "Customer feedback", "weight": "15", "kind": "manual", "description": "GM's judgement"},
]
JOB = {
    "title": "Relationship manager",
    "reports_to": "General manager",
    "objectives": "Grow the key accounts",
    "responsibilities": "Plans, contacts, reports",
}


def test_gm_writes_a_job_description_with_four_weighted_criteria(api_client_for, gm):
    response = api_client_for(gm).post(JOBS, {**JOB, "criteria": CRITERIA})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["version"], body["is_current"], body["written_by"], body["holders"]) == (1, True, gm.pk, [])
    assert [(c["name"], c["weight"], c["kind"], c["metric"]) for c in body["criteria"]] == [
        ("Cadence kept", "30.00", "measured", "cadence_adherence"),
        ("Plan actions done", "30.00", "measured", "action_completion"),
        ("Revenue growth", "25.00", "measured", "revenue_growth"),
        ("Customer feedback", "15.00", "manual", ""),
    ]


def test_weights_not_adding_up_to_100_are_a_criteria_error(api_client_for, gm):
    criteria = [{**CRITERIA[0], "weight": "20"}, *CRITERIA[1:]]
    response = api_client_for(gm).post(JOBS, {**JOB, "criteria": criteria})
    assert response.status_code == 400
    assert response.json() == {
        "criteria": {"rows": [{}, {}, {}, {}], "total": ["The weights add up to 90%; they must add up to 100%."]}
    }
    assert not JobDescription.objects.exists()


def test_criteria_errors_are_aligned_with_the_rows(api_client_for, gm):
    client = api_client_for(gm)
    no_metric = [CRITERIA[0], {**CRITERIA[1], "metric": ""}, *CRITERIA[2:]]
    response = client.post(JOBS, {**JOB, "criteria": no_metric})
    assert response.json() == {
        "criteria": {"rows": [{}, {"metric": ["Choose the metric that measures this criterion."]}, {}, {}], "total": []}
    }
    bad_weight = [CRITERIA[0], CRITERIA[1], {**CRITERIA[2], "weight": "lots"}, CRITERIA[3]]
    response = client.post(JOBS, {**JOB, "criteria": bad_weight})
    assert response.json() == {
        "criteria": {"rows": [{}, {}, {"weight": ["A valid number is required."]}, {}], "total": []}
    }
    empty = client.post(JOBS, {**JOB, "criteria": []})
    assert empty.json() == {"criteria": {"rows": [], "total": ["Add at least one evaluation criterion."]}}
    assert not JobDescription.objects.exists()


def test_updating_a_job_description_publishes_the_next_version(api_client_for, accounts, gm, rm):
    job = JobDescriptionFactory(title="RM")
    CriterionFactory(job_description=job, name="All", weight=Decimal("100"))
    RelationshipManagerProfile.objects.filter(user=rm).update(job_description=job)
    client = api_client_for(gm)
    response = client.patch(detail(JOBS, job.pk), {"title": "Senior RM"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] != job.pk
    assert (body["title"], body["version"], body["is_current"], body["lineage"]) == (
        "Senior RM",
        2,
        True,
        str(job.lineage),
    )
    assert [(c["name"], c["weight"]) for c in body["criteria"]] == [("All", "100.00")]
    assert body["holders"] == [rm.pk]
    job.refresh_from_db()
    assert (job.is_current, job.title) == (False, "RM")
    put = client.put(detail(JOBS, body["id"]), {**JOB, "criteria": CRITERIA})
    assert (put.status_code, put.json()["version"], len(put.json()["criteria"])) == (200, 3, 4)
    stale = client.patch(detail(JOBS, job.pk), {"title": "Old"})
    assert stale.status_code == 400
    assert stale.json() == {"job_description": ["Only the current version can be revised."]}
    assert ids(client.get(JOBS, {"current": "true"})) == [put.json()["id"]]
    assert len(ids(client.get(JOBS, {"current": "false"}))) == 2


def test_rms_read_their_own_job_description_and_reps_none(api_client_for, accounts, rm, rm2, rep):
    own = JobDescriptionFactory(title="RM")
    CriterionFactory(job_description=own, weight=Decimal("100"))
    other = JobDescriptionFactory(title="Other")
    RelationshipManagerProfile.objects.filter(user=rm).update(job_description=own)
    client = api_client_for(rm)
    assert ids(client.get(JOBS)) == [own.pk]
    assert client.get(detail(JOBS, other.pk)).status_code == 404
    assert client.patch(detail(JOBS, own.pk), {"title": "Mine"}).status_code == 403
    assert client.post(JOBS, {**JOB, "criteria": CRITERIA}).status_code == 403
    assert ids(api_client_for(rm2).get(JOBS)) == []
    assert ids(api_client_for(rep).get(JOBS)) == []
    assert api_client_for(rep).get(detail(JOBS, own.pk)).status_code == 404


@pytest.mark.parametrize("rows", [1, 4])
def test_job_description_list_query_budget(api_client_for, gm, rows, django_assert_num_queries):
    for _n in range(rows):
        CriterionFactory.create_batch(2, job_description=JobDescriptionFactory())
    client = api_client_for(gm)
    # token (+user), role, count, page, criteria, holders
    with django_assert_num_queries(6):
        assert client.get(JOBS).status_code == 200


# --- plans: who sees and writes what -------------------------------------------------------------

PLAN_SEEN = KEY_ACCOUNT_SEEN


@pytest.mark.parametrize("role", ROLES)
def test_plans_follow_customer_visibility(as_role, plans, role):
    by_letter = dict(zip("AB", plans, strict=True))
    client = as_role(role)
    assert ids(client.get(PLANS)) == [by_letter[letter].pk for letter in PLAN_SEEN[role]]
    for letter, plan in by_letter.items():
        assert client.get(detail(PLANS, plan.pk)).status_code == (200 if letter in PLAN_SEEN[role] else 404)


@pytest.mark.parametrize(("role", "code"), [("rep", 403), ("rm", 201), ("gm", 201), ("admin", 201), ("rep2", 400)])
def test_who_creates_a_plan(as_role, accounts, role, code):
    a, _b = accounts
    response = as_role(role).post(
        PLANS, {"key_account": a.pk, "kind": "long_term", "start_year": YEAR, "end_year": YEAR + 2}
    )
    assert response.status_code == code
    if code == 400:  # the key account is outside rep2's scope: it does not exist for them
        assert response.json() == {"key_account": [f'Invalid pk "{a.pk}" - object does not exist.']}
    assert RelationshipPlan.objects.count() == (1 if code == 201 else 0)


def test_rm_creates_long_term_and_annual_plans(api_client_for, accounts, rm):
    a, _b = accounts
    client = api_client_for(rm)
    long_term = client.post(
        PLANS,
        {"key_account": a.pk, "kind": "long_term", "start_year": YEAR, "end_year": YEAR + 2, "vision": "Sole supplier"},
    )
    assert long_term.status_code == 201, long_term.content
    body = long_term.json()
    assert (body["title"], body["status"], body["version"], body["author"]) == (
        f"PT Alfa: long-term plan {YEAR}-{YEAR + 2}",
        "draft",
        1,
        rm.pk,
    )
    assert (body["customer"], body["customer_name"], body["relationship_manager"]) == (a.customer_id, "PT Alfa", rm.pk)
    assert [event["kind"] for event in body["events"]] == ["created"]
    annual = client.post(PLANS, {"key_account": a.pk, "kind": "annual", "start_year": YEAR, "title": "This year"})
    assert annual.status_code == 201
    assert (annual.json()["long_term_plan"], annual.json()["end_year"]) == (body["id"], YEAR)
    duplicate = client.post(PLANS, {"key_account": a.pk, "kind": "annual", "start_year": YEAR})
    assert duplicate.status_code == 400
    assert duplicate.json() == {"start_year": [f"This key account already has a annual plan for {YEAR}."]}
    patched = client.patch(detail(PLANS, annual.json()["id"]), {"summary": "Focus on Surabaya"})
    assert (patched.status_code, patched.json()["summary"]) == (200, "Focus on Surabaya")


@pytest.mark.parametrize(("role", "code"), [("rep", 403), ("rm2", 404), ("rep2", 404)])
def test_others_do_not_write_the_plan_or_its_items(as_role, plans, role, code):
    plan, _other = plans
    objective = ObjectiveFactory(plan=plan)
    client = as_role(role)
    assert client.patch(detail(PLANS, plan.pk), {"title": "Taken"}).status_code == code
    assert client.post(items(plan.pk, "objectives"), {"title": "X", "target": "1"}).status_code == code
    assert client.patch(items(plan.pk, "objectives", objective.pk), {"title": "X"}).status_code == code
    assert client.delete(items(plan.pk, "objectives", objective.pk)).status_code == code
    assert client.post(detail(PLANS, plan.pk, "submit")).status_code == code
    plan.refresh_from_db()
    assert (plan.title, plan.status, plan.objectives.count()) == ("Alfa plan", "draft", 1)


# --- plans: items, workflow, progress ------------------------------------------------------------


def _fill(client, plan, owner):
    objective = client.post(
        items(plan.pk, "objectives"),
        {"title": "Visit monthly", "metric": "visit_count", "baseline": "0", "target": "4"},
    )
    assert objective.status_code == 201, objective.content
    strategy = client.post(items(plan.pk, "strategies"), {"title": "Meet the family", "description": "Dinners"})
    assert strategy.status_code == 201, strategy.content
    action = client.post(
        items(plan.pk, "actions"),
        {"what": "Dinner with the owner", "due_on": f"{YEAR}-12-31", "strategy": strategy.json()["id"]},
    )
    assert action.status_code == 201, action.content
    resource = client.post(
        items(plan.pk, "resources"), {"kind": "entertainment", "description": "Dinner", "amount": "5000000"}
    )
    assert resource.status_code == 201, resource.content
    return objective.json(), strategy.json(), action.json(), resource.json()


def test_rm_writes_items_and_the_plan_nests_them_with_progress(api_client_for, plans, rm):
    plan, _other = plans
    client = api_client_for(rm)
    objective, strategy, action, _resource = _fill(client, plan, rm)
    assert (objective["actual"], objective["percent"], objective["position"]) == ("0.00", 0, 0)
    assert (action["owner"], action["status"], action["evidence"], action["strategy"]) == (
        rm.pk,
        "planned",
        [],
        strategy["id"],
    )
    second = client.post(items(plan.pk, "objectives"), {"title": "Share up", "metric": "manual", "target": "40"})
    assert second.json()["position"] == 1
    body = client.get(detail(PLANS, plan.pk)).json()
    assert [o["title"] for o in body["objectives"]] == ["Visit monthly", "Share up"]
    assert [s["title"] for s in body["strategies"]] == ["Meet the family"]
    assert [a["what"] for a in body["actions"]] == ["Dinner with the owner"]
    assert [(r["kind"], r["amount"]) for r in body["resources"]] == [("entertainment", "5000000.00")]
    assert body["progress"] == {
        "actions_total": 1,
        "actions_done": 0,
        "actions_open": 1,
        "actions_overdue": 0,
        "actions_due_soon": body["progress"]["actions_due_soon"],
        "actions_percent": 0,
        "budget_planned": "5000000.00",
        "budget_spent": "0.00",
        "budget_percent": 0,
        "objectives_met": 0,
        "objectives_percent": 0,
    }
    reorder = client.post(
        items(plan.pk, "objectives", action="reorder"), {"ids": [second.json()["id"], objective["id"]]}
    )
    assert reorder.status_code == 204
    assert ids(client.get(items(plan.pk, "objectives"))) == [second.json()["id"], objective["id"]]
    assert client.delete(items(plan.pk, "strategies", strategy["id"])).status_code == 204
    assert Action.objects.get(pk=action["id"]).strategy is None


def test_item_errors_are_field_messages(api_client_for, plans, rm, rep2):
    plan, other = plans
    client = api_client_for(rm)
    foreign_strategy = StrategyFactory(plan=other)
    response = client.post(
        items(plan.pk, "actions"), {"what": "X", "due_on": f"{YEAR}-06-01", "strategy": foreign_strategy.pk}
    )
    assert response.status_code == 400
    assert response.json() == {"strategy": [f'Invalid pk "{foreign_strategy.pk}" - object does not exist.']}
    outsider = client.post(items(plan.pk, "actions"), {"what": "X", "due_on": f"{YEAR}-06-01", "owner": rep2.pk})
    assert outsider.json() == {"owner": ["The owner must work with this customer (owner, team or RM)."]}
    negative = client.post(items(plan.pk, "resources"), {"kind": "budget", "description": "X", "amount": "-1"})
    assert negative.json() == {"amount": ["Ensure this value is greater than or equal to 0."]}
    foreign_item = ObjectiveFactory(plan=other)
    assert client.patch(items(plan.pk, "objectives", foreign_item.pk), {"title": "X"}).status_code == 404


def test_workflow_submit_return_resubmit_approve(api_client_for, plans, rm, gm):
    plan, _other = plans
    rm_client, gm_client = api_client_for(rm), api_client_for(gm)
    _fill(rm_client, plan, rm)
    submitted = rm_client.post(detail(PLANS, plan.pk, "submit"))
    assert (submitted.status_code, submitted.json()["status"]) == (200, "submitted")
    assert rm_client.post(detail(PLANS, plan.pk, "approve")).status_code == 403
    assert rm_client.post(detail(PLANS, plan.pk, "return"), {"comment": "Mine"}).status_code == 403
    locked = rm_client.patch(detail(PLANS, plan.pk), {"title": "Changed"})
    assert locked.status_code == 400
    assert locked.json() == {
        "plan": ["This plan is submitted and cannot be changed. Start a revision to change an approved plan."]
    }
    blank = gm_client.post(detail(PLANS, plan.pk, "return"), {"comment": "  "})
    assert blank.status_code == 400
    assert blank.json() == {"comment": ["Tell the relationship manager what to change."]}
    returned = gm_client.post(detail(PLANS, plan.pk, "return"), {"comment": "Add a budget for samples"})
    assert returned.status_code == 200
    assert (returned.json()["status"], returned.json()["gm_comment"], returned.json()["decided_by"]) == (
        "returned",
        "Add a budget for samples",
        gm.pk,
    )
    fixed = rm_client.post(
        items(plan.pk, "resources"), {"kind": "samples", "description": "Samples", "amount": "1000000"}
    )
    assert fixed.status_code == 201
    assert rm_client.post(detail(PLANS, plan.pk, "submit")).json()["status"] == "submitted"
    approved = gm_client.post(detail(PLANS, plan.pk, "approve"), {"comment": "Good"})
    assert approved.status_code == 200
    body = approved.json()
    assert (body["status"], body["gm_comment"]) == ("approved", "Good")
    assert [(e["kind"], e["by"], e["comment"]) for e in body["events"]] == [
        ("submitted", rm.pk, ""),
        ("returned", gm.pk, "Add a budget for samples"),
        ("submitted", rm.pk, ""),
        ("approved", gm.pk, "Good"),
    ]
    again = gm_client.post(detail(PLANS, plan.pk, "approve"))
    assert again.json() == {"status": ["Only a submitted plan can be approved or returned."]}


def test_submitting_an_empty_annual_plan_is_refused(api_client_for, plans, rm):
    plan, _other = plans
    response = api_client_for(rm).post(detail(PLANS, plan.pk, "submit"))
    assert response.status_code == 400
    assert response.json() == {"objectives": ["Add at least one objective before submitting."]}


def test_approved_plan_takes_only_progress(api_client_for, plans, rm):
    plan, _other = plans
    objective = ObjectiveFactory(
        plan=plan, metric=Objective.Metric.MANUAL, baseline=Decimal("10"), target=Decimal("30")
    )
    action = ActionFactory(plan=plan)
    resource = ResourceFactory(plan=plan, amount=Decimal("4000000"))
    RelationshipPlan.objects.filter(pk=plan.pk).update(status=RelationshipPlan.Status.APPROVED)
    client = api_client_for(rm)
    actual = client.patch(items(plan.pk, "objectives", objective.pk), {"manual_actual": "20"})
    assert actual.status_code == 200, actual.content
    assert (actual.json()["manual_actual"], actual.json()["actual"], actual.json()["percent"]) == ("20.00", "20.00", 67)
    done = client.patch(items(plan.pk, "actions", action.pk), {"status": "done"})
    assert (done.status_code, done.json()["status"], done.json()["done_on"]) == (
        200,
        "done",
        timezone.localdate().isoformat(),
    )
    spent = client.patch(items(plan.pk, "resources", resource.pk), {"spent": "1000000"})
    assert (spent.status_code, spent.json()["spent"]) == (200, "1000000.00")
    refused = {
        "title": client.patch(items(plan.pk, "objectives", objective.pk), {"title": "Other"}),
        "due_on": client.patch(items(plan.pk, "actions", action.pk), {"due_on": f"{YEAR}-01-02"}),
        "amount": client.patch(items(plan.pk, "resources", resource.pk), {"amount": "1"}),
        "new": client.post(items(plan.pk, "strategies"), {"title": "New"}),
        "delete": client.delete(items(plan.pk, "actions", action.pk)),
    }
    message = {"plan": ["This plan is approved and cannot be changed. Start a revision to change an approved plan."]}
    for name, response in refused.items():
        assert (name, response.status_code, response.json()) == (name, 400, message)
    progress = client.get(detail(PLANS, plan.pk)).json()["progress"]
    assert (progress["actions_done"], progress["budget_spent"], progress["objectives_percent"]) == (
        1,
        "1000000.00",
        67,
    )


def test_revise_makes_a_new_version_and_lists_show_the_latest(api_client_for, plans, rm, gm):
    plan, _other = plans
    ObjectiveFactory(plan=plan)
    RelationshipPlan.objects.filter(pk=plan.pk).update(status=RelationshipPlan.Status.APPROVED)
    client = api_client_for(rm)
    response = client.post(detail(PLANS, plan.pk, "revise"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["version"], body["status"], body["revises"], body["is_latest"]) == (2, "draft", plan.pk, True)
    assert [o["title"] for o in body["objectives"]] == ["Grow revenue"]
    assert ids(client.get(PLANS)) == [body["id"]]
    assert ids(client.get(PLANS, {"latest": "false"})) == [body["id"], plan.pk]
    old = client.get(detail(PLANS, plan.pk)).json()
    assert (old["status"], old["is_latest"]) == ("approved", False)
    assert api_client_for(gm).post(detail(PLANS, plan.pk, "revise")).json() == {
        "status": ["Only the latest approved version is revised."]
    }


def test_copy_from_previous_starts_next_years_draft(api_client_for, plans, rm, rep):
    plan, _other = plans
    ObjectiveFactory(plan=plan, title="Grow revenue")
    ActionFactory(plan=plan, what="Open", due_on=dt.date(YEAR, 5, 1))
    ActionFactory(plan=plan, what="Closed", status=Action.Status.DONE, done_on=dt.date(YEAR, 2, 1))
    assert (
        api_client_for(rep).post(f"{PLANS}copy-from-previous/", {"key_account": plan.key_account_id}).status_code == 403
    )
    response = api_client_for(rm).post(f"{PLANS}copy-from-previous/", {"key_account": plan.key_account_id})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["start_year"], body["status"], body["copied_from"]) == (YEAR + 1, "draft", plan.pk)
    assert [o["title"] for o in body["objectives"]] == ["Grow revenue"]
    assert [(a["what"], a["due_on"]) for a in body["actions"]] == [("Open", f"{YEAR + 1}-05-01")]
    none_before = api_client_for(rm).post(
        f"{PLANS}copy-from-previous/", {"key_account": plan.key_account_id, "year": 2001}
    )
    assert none_before.json() == {"year": ["There is no earlier annual plan to start from."]}


def test_linking_evidence_moves_the_plans_progress(api_client_for, plans, rm, rep, rep2):
    plan, _other = plans
    objective = ObjectiveFactory(
        plan=plan, metric=Objective.Metric.VISIT_COUNT, baseline=Decimal("0"), target=Decimal("2")
    )
    first, second = ActionFactory(plan=plan, what="Call"), ActionFactory(plan=plan, what="Visit")
    RelationshipPlan.objects.filter(pk=plan.pk).update(status=RelationshipPlan.Status.APPROVED)
    call = InteractionFactory(customer=plan.customer, occurred_at=timezone.now() - dt.timedelta(hours=2))
    elsewhere = InteractionFactory(customer=CustomerFactory(owner=rm))
    client = api_client_for(rm)
    before = client.get(detail(PLANS, plan.pk)).json()["progress"]
    assert (before["actions_done"], before["actions_percent"]) == (0, 0)
    linked = client.post(items(plan.pk, "actions", first.pk, "evidence"), {"interaction": call.pk})
    assert linked.status_code == 200, linked.content
    assert (linked.json()["evidence"], linked.json()["status"]) == ([call.pk], "done")
    wrong = client.post(items(plan.pk, "actions", second.pk, "evidence"), {"interaction": elsewhere.pk})
    assert wrong.json() == {"interaction": ["Link an interaction with this plan's customer."]}
    logged = client.post(
        items(plan.pk, "actions", second.pk, "evidence"),
        {"log": {"channel": "visit", "subject": "Dinner at the owner's house", "location": "Surabaya"}},
    )
    assert logged.status_code == 200, logged.content
    visit = Interaction.objects.get(subject="Dinner at the owner's house")
    assert (visit.customer, visit.logged_by, visit.channel) == (plan.customer, rm, "visit")
    assert logged.json()["evidence"] == [visit.pk]
    after = client.get(detail(PLANS, plan.pk)).json()
    assert (after["progress"]["actions_done"], after["progress"]["actions_percent"]) == (2, 100)
    assert [(o["id"], o["actual"], o["percent"]) for o in after["objectives"]] == [(objective.pk, "1.00", 50)]
    both = client.post(items(plan.pk, "actions", second.pk, "evidence"), {})
    assert both.json() == {"non_field_errors": ["Give either an interaction id or a new interaction to log."]}
    assert (
        api_client_for(rep).post(items(plan.pk, "actions", first.pk, "evidence"), {"interaction": call.pk}).status_code
        == 403
    )
    assert (
        api_client_for(rep2).post(items(plan.pk, "actions", first.pk, "evidence"), {"interaction": call.pk}).status_code
        == 404
    )


def test_plan_filters(api_client_for, accounts, gm, rm):
    a, b = accounts
    annual = PlanFactory(key_account=a)
    long_term = PlanFactory(key_account=a, kind="long_term", start_year=YEAR - 1, end_year=YEAR + 1)
    next_year = PlanFactory(key_account=a, start_year=YEAR + 1, status="submitted")
    other = PlanFactory(key_account=b)
    client = api_client_for(gm)
    assert set(ids(client.get(PLANS, {"key_account": a.pk}))) == {annual.pk, long_term.pk, next_year.pk}
    assert ids(client.get(PLANS, {"customer": b.customer_id})) == [other.pk]
    assert ids(client.get(PLANS, {"kind": "long_term"})) == [long_term.pk]
    assert ids(client.get(PLANS, {"status": "submitted"})) == [next_year.pk]
    assert set(ids(client.get(PLANS, {"year": YEAR + 1}))) == {long_term.pk, next_year.pk}
    assert set(ids(client.get(PLANS, {"relationship_manager": rm.pk}))) == {annual.pk, long_term.pk, next_year.pk}
    assert ids(client.get(PLANS, {"ordering": "-start_year", "key_account": a.pk, "kind": "annual"})) == [
        next_year.pk,
        annual.pk,
    ]


@pytest.mark.parametrize("rows", [1, 4])
def test_plan_list_query_budget(api_client_for, gm, rows, django_assert_num_queries):
    for _n in range(rows):
        plan = PlanFactory()
        ObjectiveFactory(plan=plan, metric=Objective.Metric.MANUAL)
        StrategyFactory(plan=plan)
        ActionFactory(plan=plan).evidence.add(InteractionFactory(customer=plan.customer))
        ResourceFactory(plan=plan)
    client = api_client_for(gm)
    # token (+user), role, count, page (+customer, key account, RM, author, decider),
    # strategies, actions, their evidence, resources, events,
    # progress: action counts, resource sums, objectives
    with django_assert_num_queries(12):
        assert client.get(PLANS).status_code == 200


@pytest.mark.parametrize("rows", [1, 4])
def test_plan_item_list_query_budget(api_client_for, plans, rm, rows, django_assert_num_queries):
    plan, _other = plans
    for _n in range(rows):
        ActionFactory(plan=plan).evidence.add(InteractionFactory(customer=plan.customer))
    client = api_client_for(rm)
    # token (+user), role, the plan (+key account), count, page, evidence
    with django_assert_num_queries(6):
        assert client.get(items(plan.pk, "actions")).status_code == 200


def test_objective_list_computes_actuals_once(api_client_for, plans, rm, django_assert_num_queries):
    plan, _other = plans
    ObjectiveFactory.create_batch(3, plan=plan, metric=Objective.Metric.CONTACT_COUNT, target=Decimal("10"))
    AccountTeamMemberFactory(customer=plan.customer)
    InteractionFactory(customer=plan.customer)
    client = api_client_for(rm)
    # token (+user), role, the plan, count, page,
    # progress: action counts, resource sums, objectives, interactions
    with django_assert_num_queries(9):
        response = client.get(items(plan.pk, "objectives"))
    assert [row["actual"] for row in response.json()["results"]] == ["1.00", "1.00", "1.00"]


def test_unknown_user_without_role_gets_403(api_client_for):
    nobody = UserFactory(username="no_role")
    assert api_client_for(nobody).get(PLANS).status_code == 403
