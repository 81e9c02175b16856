import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.models import (
    CompetitorIntel,
    ContactPerson,
    Customer,
    Feedback,
    Household,
    HouseholdMember,
    Interest,
    InterestTopic,
)
from accounts.tests.factories import (
    AccountTeamMemberFactory,
    CompetitorIntelFactory,
    ContactPersonFactory,
    CustomerFactory,
    FeedbackFactory,
    HouseholdFactory,
    HouseholdMemberFactory,
    InterestFactory,
)
from crm_project.models import IdempotencyRecord
from crm_project.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/v1/customers/"
CONTACTS = "/api/v1/contacts/"
HOUSEHOLDS = "/api/v1/households/"
INTERESTS = "/api/v1/interests/"
FEEDBACK = "/api/v1/feedback/"
INTEL = "/api/v1/competitor-intel/"

CHILD_FACTORIES = {
    CONTACTS: ContactPersonFactory,
    HOUSEHOLDS: HouseholdFactory,
    INTERESTS: InterestFactory,
    FEEDBACK: FeedbackFactory,
    INTEL: CompetitorIntelFactory,
}
# A valid body per child endpoint, without its customer.
CHILD_BODIES = {
    CONTACTS: {"name": "Budi Santoso"},
    HOUSEHOLDS: {"name": "Keluarga Santoso"},
    INTERESTS: {"topic": "Golf"},
    FEEDBACK: {"wants": "Delivery on Saturdays", "asked_on": "2026-03-05"},
    INTEL: {"competitor_brand": "Brand Y", "product_category": "Adhesives"},
}
CANNOT_EDIT = "You can see this customer but not change it. Ask its owner for edit rights."


def detail(collection: str, pk: int) -> str:
    return f"{collection}{pk}/"


def names(response) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


# Customers: CRUD as the owner ------------------------------------------------


def test_rep_creates_a_customer_they_own_with_tier_and_owner_read_only(api_client_for, rep, rep2):
    response = api_client_for(rep).post(
        CUSTOMERS,
        {
            "name": "PT Maju Jaya",
            "email": " Beli@MajuJaya.co.id ",
            "city": "Bekasi",
            "industry": "Retail",
            "tier": "key",
            "owner": rep2.pk,
        },
    )
    assert response.status_code == 201
    body = response.json()
    customer = Customer.objects.get()
    assert body["id"] == customer.pk
    assert body["owner"] == rep.pk
    assert body["tier"] == "regular"
    assert body["email"] == "beli@majujaya.co.id"
    assert body["archived_at"] is None
    assert body["account_team"] == []
    assert (customer.name, customer.owner, customer.tier) == ("PT Maju Jaya", rep, Customer.Tier.REGULAR)
    assert customer.history.get().history_user == rep


def test_customer_representation_has_explicit_fields(api_client_for, rep, rm):
    customer = CustomerFactory(owner=rep, name="PT Satu", city="Medan")
    AccountTeamMemberFactory(customer=customer, user=rm, role="Key account RM", can_edit=False)
    body = api_client_for(rep).get(detail(CUSTOMERS, customer.pk)).json()
    assert set(body) == {
        "id",
        "name",
        "kind",
        "industry",
        "address",
        "city",
        "country",
        "phone",
        "email",
        "website",
        "tax_id",
        "external_ref",
        "occupation",
        "ambitions",
        "notes",
        "owner",
        "account_team",
        "tier",
        "archived_at",
        "created_at",
        "updated_at",
    }
    assert body["name"] == "PT Satu"
    assert body["city"] == "Medan"
    assert body["account_team"] == [{"user": rm.pk, "role": "Key account RM", "can_edit": False}]


def test_owner_updates_a_customer_with_put_and_patch(api_client_for, rep):
    customer = CustomerFactory(owner=rep, name="PT Lama", city="Bandung")
    client = api_client_for(rep)
    put = client.put(detail(CUSTOMERS, customer.pk), {"name": "PT Baru", "kind": "person", "city": "Surabaya"})
    assert put.status_code == 200
    assert (put.json()["name"], put.json()["kind"], put.json()["city"]) == ("PT Baru", "person", "Surabaya")
    patch = client.patch(detail(CUSTOMERS, customer.pk), {"notes": "Prefers calls before 10"})
    assert patch.status_code == 200
    customer.refresh_from_db()
    assert (customer.name, customer.city, customer.notes) == ("PT Baru", "Surabaya", "Prefers calls before 10")


def test_rep_cannot_change_owner_or_tier(api_client_for, rep, rep2):
    customer = CustomerFactory(owner=rep)
    response = api_client_for(rep).patch(
        detail(CUSTOMERS, customer.pk), {"owner": rep2.pk, "tier": "key", "city": "Medan"}
    )
    assert response.status_code == 200
    assert (response.json()["owner"], response.json()["tier"], response.json()["city"]) == (rep.pk, "regular", "Medan")
    customer.refresh_from_db()
    assert (customer.owner, customer.tier) == (rep, Customer.Tier.REGULAR)


def test_general_manager_sets_and_changes_the_owner(api_client_for, gm, rep, rep2):
    client = api_client_for(gm)
    created = client.post(CUSTOMERS, {"name": "PT Dua", "owner": rep2.pk})
    assert created.status_code == 201
    assert created.json()["owner"] == rep2.pk
    moved = client.patch(detail(CUSTOMERS, created.json()["id"]), {"owner": rep.pk})
    assert moved.json()["owner"] == rep.pk
    assert Customer.objects.get().owner == rep
    without_owner = client.post(CUSTOMERS, {"name": "PT Tiga"})
    assert without_owner.json()["owner"] == gm.pk


def test_owner_must_be_a_user_with_a_role(api_client_for, gm):
    nobody = UserFactory(username="no_role")
    response = api_client_for(gm).post(CUSTOMERS, {"name": "PT Dua", "owner": nobody.pk})
    assert response.status_code == 400
    assert response.json() == {"owner": ["The owner must be an active user with a role."]}
    unknown = api_client_for(gm).post(CUSTOMERS, {"name": "PT Dua", "owner": 987654})
    assert unknown.json() == {"owner": ['Invalid pk "987654" - object does not exist.']}


def test_delete_archives_the_customer(api_client_for, rep):
    customer = CustomerFactory(owner=rep, name="PT Arsip")
    CustomerFactory(owner=rep, name="PT Aktif")
    client = api_client_for(rep)
    response = client.delete(detail(CUSTOMERS, customer.pk))
    assert response.status_code == 204
    customer.refresh_from_db()
    assert customer.archived_at is not None
    assert names(client.get(CUSTOMERS)) == ["PT Aktif"]
    assert names(client.get(CUSTOMERS, {"archived": "true"})) == ["PT Arsip"]
    assert names(client.get(CUSTOMERS, {"archived": "false"})) == ["PT Aktif"]
    again = client.get(detail(CUSTOMERS, customer.pk))
    assert again.status_code == 200
    assert again.json()["archived_at"] is not None
    assert client.delete(detail(CUSTOMERS, customer.pk)).status_code == 204


def test_duplicate_email_is_a_field_error_naming_a_visible_customer(api_client_for, rep):
    first = CustomerFactory(owner=rep, name="PT Satu", email="a@satu.id")
    response = api_client_for(rep).post(CUSTOMERS, {"name": "PT Satu Lagi", "email": "A@Satu.id"})
    assert response.status_code == 400
    assert response.json() == {"email": [f"A customer with this email already exists: PT Satu (#{first.pk})."]}
    other = CustomerFactory(owner=rep, email="b@dua.id")
    patch = api_client_for(rep).patch(detail(CUSTOMERS, other.pk), {"email": "a@satu.id"})
    assert patch.status_code == 400
    assert list(patch.json()) == ["email"]


def test_duplicate_on_another_team_does_not_reveal_it(api_client_for, rep, rep2):
    CustomerFactory(owner=rep, name="PT Rahasia", email="x@rahasia.id", tax_id="01.234.567.8-901.000")
    response = api_client_for(rep2).post(
        CUSTOMERS, {"name": "PT Lain", "email": "x@rahasia.id", "tax_id": "01.234.567.8-901.000"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "email": ["A customer with this email already exists on another team. Ask your general manager."],
        "tax_id": ["A customer with this tax id already exists on another team. Ask your general manager."],
    }


def test_idempotency_key_creates_one_customer_when_posted_twice(api_client_for, rep):
    client = api_client_for(rep)
    body = {"name": "PT Sekali", "external_ref": "ERP-0042"}
    first = client.post(CUSTOMERS, body, HTTP_IDEMPOTENCY_KEY="erp-0042-create")
    second = client.post(CUSTOMERS, body, HTTP_IDEMPOTENCY_KEY="erp-0042-create")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Customer.objects.filter(external_ref="ERP-0042").count() == 1
    conflict = client.post(CUSTOMERS, {"name": "PT Lain"}, HTTP_IDEMPOTENCY_KEY="erp-0042-create")
    assert conflict.status_code == 422
    assert Customer.objects.count() == 1


def test_a_refused_create_keeps_no_idempotency_key(api_client_for, rep):
    client = api_client_for(rep)
    bad = client.post(CUSTOMERS, {"name": "PT Salah", "email": "not-an-email"}, HTTP_IDEMPOTENCY_KEY="k-7")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    good = client.post(CUSTOMERS, {"name": "PT Benar", "email": "ok@benar.id"}, HTTP_IDEMPOTENCY_KEY="k-7")
    assert good.status_code == 201


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"name": "PT X", "email": "not-an-email"}, {"email": ["Enter a valid email address."]}),
        ({"name": "PT X", "kind": "ngo"}, {"kind": ['"ngo" is not a valid choice.']}),
        ({"name": "PT X", "website": "not a url"}, {"website": ["Enter a valid URL."]}),
        ({"name": "  "}, {"name": ["This field may not be blank."]}),
        ({"city": "Medan"}, {"name": ["This field is required."]}),
        ({"name": "x" * 201}, {"name": ["Ensure this field has no more than 200 characters."]}),
    ],
)
def test_bad_customer_input_answers_field_errors(api_client_for, rep, body, errors):
    response = api_client_for(rep).post(CUSTOMERS, body)
    assert response.status_code == 400
    assert response.json() == errors
    assert not Customer.objects.exists()


# Customers: who sees and changes what ----------------------------------------


@pytest.fixture
def two_teams(rep, rep2, rm):
    """`mine` belongs to rep (rm on its team, read-only), `theirs` to rep2."""
    mine = CustomerFactory(owner=rep, name="PT Milik Rep")
    theirs = CustomerFactory(owner=rep2, name="PT Milik Rep2")
    AccountTeamMemberFactory(customer=mine, user=rm, can_edit=False)
    return mine, theirs


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("rep", ["PT Milik Rep"]),
        ("rep2", ["PT Milik Rep2"]),
        ("rm", ["PT Milik Rep"]),
        ("gm", ["PT Milik Rep", "PT Milik Rep2"]),
        ("admin", ["PT Milik Rep", "PT Milik Rep2"]),
    ],
)
def test_customer_list_shows_only_the_users_scope(api_client_for, two_teams, request, user, expected):
    body = api_client_for(request.getfixturevalue(user)).get(CUSTOMERS).json()
    assert [row["name"] for row in body["results"]] == expected
    assert body["count"] == len(expected)


def test_another_teams_customer_answers_404_everywhere(api_client_for, two_teams, rep):
    _mine, theirs = two_teams
    client = api_client_for(rep)
    url = detail(CUSTOMERS, theirs.pk)
    assert client.get(url).status_code == 404
    assert client.patch(url, {"name": "Taken"}).status_code == 404
    assert client.put(url, {"name": "Taken"}).status_code == 404
    assert client.delete(url).status_code == 404
    assert client.get(url).json() == {"detail": "No Customer matches the given query."}
    theirs.refresh_from_db()
    assert (theirs.name, theirs.archived_at) == ("PT Milik Rep2", None)
    assert client.get(CUSTOMERS, {"search": "Rep2"}).json()["count"] == 0


def test_read_only_team_member_sees_but_cannot_change(api_client_for, two_teams, rm):
    mine, _theirs = two_teams
    client = api_client_for(rm)
    url = detail(CUSTOMERS, mine.pk)
    assert client.get(url).status_code == 200
    patch = client.patch(url, {"name": "Changed"})
    assert patch.status_code == 403
    assert patch.json() == {"detail": CANNOT_EDIT}
    assert client.delete(url).status_code == 403
    mine.refresh_from_db()
    assert (mine.name, mine.archived_at) == ("PT Milik Rep", None)


def test_team_member_with_edit_rights_changes_the_customer(api_client_for, rep, rm):
    customer = CustomerFactory(owner=rep, city="Bandung")
    AccountTeamMemberFactory(customer=customer, user=rm, can_edit=True)
    response = api_client_for(rm).patch(detail(CUSTOMERS, customer.pk), {"city": "Medan"})
    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.city, customer.owner) == ("Medan", rep)


def test_rm_off_the_team_gets_404(api_client_for, rep, rm):
    customer = CustomerFactory(owner=rep)
    assert api_client_for(rm).get(detail(CUSTOMERS, customer.pk)).status_code == 404


@pytest.mark.parametrize("user", ["gm", "admin"])
def test_managers_change_any_customer(api_client_for, two_teams, request, user):
    _mine, theirs = two_teams
    client = api_client_for(request.getfixturevalue(user))
    assert client.patch(detail(CUSTOMERS, theirs.pk), {"city": "Medan"}).status_code == 200
    assert client.delete(detail(CUSTOMERS, theirs.pk)).status_code == 204
    theirs.refresh_from_db()
    assert (theirs.city, theirs.is_archived) == ("Medan", True)


def test_unauthenticated_answers_401_and_a_user_without_role_403(api_client_for):
    assert APIClient().get(CUSTOMERS).status_code == 401
    response = api_client_for(UserFactory(username="no_role")).get(CUSTOMERS)
    assert response.status_code == 403
    assert response.json() == {"detail": "Your account has no role yet. Ask an administrator to give you one."}


# Customers: filters, search, ordering, pagination ----------------------------


def test_search_finds_a_customer_by_a_contact_persons_phone(api_client_for, rep, rep2):
    found = CustomerFactory(owner=rep, name="PT Cari", phone="+62 21 1111 0000")
    ContactPersonFactory(customer=found, name="Andi Wijaya", phone="+62 812 9999 1234")
    CustomerFactory(owner=rep, name="PT Lain", phone="+62 21 2222 0000")
    hidden = CustomerFactory(owner=rep2, name="PT Tersembunyi")
    ContactPersonFactory(customer=hidden, phone="+62 812 9999 1234")
    client = api_client_for(rep)
    assert names(client.get(CUSTOMERS, {"search": "9999 1234"})) == ["PT Cari"]
    assert names(client.get(CUSTOMERS, {"search": "andi"})) == ["PT Cari"]
    assert names(client.get(CUSTOMERS, {"search": "pt lain"})) == ["PT Lain"]
    assert names(client.get(CUSTOMERS, {"search": "2222"})) == ["PT Lain"]


def test_customer_filters(api_client_for, gm, rep, rep2):
    CustomerFactory(owner=rep, name="PT A", tier=Customer.Tier.KEY, industry="Retail", city="Medan")
    CustomerFactory(owner=rep, name="PT B", kind=Customer.Kind.PERSON, industry="Logistics", city="Bandung")
    CustomerFactory(owner=rep2, name="PT C", industry="Retail", city="Jakarta")
    client = api_client_for(gm)
    assert names(client.get(CUSTOMERS, {"owner": rep2.pk})) == ["PT C"]
    assert names(client.get(CUSTOMERS, {"tier": "key"})) == ["PT A"]
    assert names(client.get(CUSTOMERS, {"kind": "person"})) == ["PT B"]
    assert names(client.get(CUSTOMERS, {"industry": "retail"})) == ["PT A", "PT C"]
    assert names(client.get(CUSTOMERS, {"city": "BANDUNG"})) == ["PT B"]
    assert names(client.get(CUSTOMERS, {"industry": "Retail", "owner": rep.pk})) == ["PT A"]
    bad = client.get(CUSTOMERS, {"tier": "gold"})
    assert bad.status_code == 400
    assert bad.json() == {"tier": ["Select a valid choice. gold is not one of the available choices."]}


def test_customer_ordering_is_deterministic(api_client_for, rep):
    first = CustomerFactory(owner=rep, name="PT Sama", city="Medan")
    second = CustomerFactory(owner=rep, name="PT Sama", city="Bandung")
    third = CustomerFactory(owner=rep, name="PT Awal", city="Medan")
    client = api_client_for(rep)

    def ids(ordering: str) -> list[int]:
        return [row["id"] for row in client.get(CUSTOMERS, {"ordering": ordering}).json()["results"]]

    assert ids("name") == [third.pk, first.pk, second.pk]
    assert ids("-name") == [first.pk, second.pk, third.pk]
    assert ids("city") == [second.pk, first.pk, third.pk]
    assert ids("-city,name") == [third.pk, first.pk, second.pk]
    assert client.get(CUSTOMERS, {"ordering": "tax_id"}).status_code == 400


def test_customer_list_is_paginated(api_client_for, rep):
    for n in range(5):
        CustomerFactory(owner=rep, name=f"PT {n}")
    body = api_client_for(rep).get(CUSTOMERS, {"page_size": 2, "page": 2}).json()
    assert body["count"] == 5
    assert [row["name"] for row in body["results"]] == ["PT 2", "PT 3"]
    assert "page=3" in body["next"]
    assert "page_size=2" in body["previous"]


def test_customer_list_query_budget(api_client_for, rep, rm, django_assert_num_queries):
    for n in range(4):
        customer = CustomerFactory(owner=rep, name=f"PT {n}")
        AccountTeamMemberFactory(customer=customer, user=rm)
        AccountTeamMemberFactory(customer=customer)
    client = api_client_for(rep)
    # token + user, the user's role groups, count, page, account teams (prefetch)
    with django_assert_num_queries(5):
        response = client.get(CUSTOMERS, {"search": "PT", "ordering": "-name"})
    assert response.json()["count"] == 4
    assert len(response.json()["results"][0]["account_team"]) == 2


# Child records: CRUD as the owner --------------------------------------------


def test_contact_crud(api_client_for, rep):
    customer = CustomerFactory(owner=rep)
    client = api_client_for(rep)
    created = client.post(
        CONTACTS,
        {
            "customer": customer.pk,
            "name": "Budi Santoso",
            "phone": "+62 812 5555 0101",
            "email": "Budi@Contoh.co.id",
            "decision_role": "decision_maker",
            "birthday": "1975-08-17",
        },
    )
    assert created.status_code == 201
    contact = ContactPerson.objects.get()
    body = created.json()
    assert body["id"] == contact.pk
    assert (body["customer"], body["name"], body["birthday"], body["is_active"]) == (
        customer.pk,
        "Budi Santoso",
        "1975-08-17",
        True,
    )
    url = detail(CONTACTS, contact.pk)
    assert client.get(url).json()["decision_role"] == "decision_maker"
    assert client.patch(url, {"job_title": "Direktur"}).json()["job_title"] == "Direktur"
    put = client.put(url, {"customer": customer.pk, "name": "Budi S.", "is_active": False})
    assert put.status_code == 200
    contact.refresh_from_db()
    assert (contact.name, contact.job_title, contact.is_active) == ("Budi S.", "Direktur", False)
    assert client.delete(url).status_code == 204
    assert not ContactPerson.objects.exists()
    assert contact.history.filter(history_type="-").get().history_user == rep


def test_a_record_cannot_move_to_another_customer(api_client_for, rep):
    contact = ContactPersonFactory(customer__owner=rep)
    other = CustomerFactory(owner=rep)
    response = api_client_for(rep).patch(detail(CONTACTS, contact.pk), {"customer": other.pk})
    assert response.status_code == 400
    assert response.json() == {
        "customer": ["A record cannot move to another customer. Delete it and record it there again."]
    }


def test_household_crud_with_members(api_client_for, rep):
    customer = CustomerFactory(owner=rep)
    husband = ContactPersonFactory(customer=customer, name="Hendra")
    client = api_client_for(rep)
    created = client.post(
        HOUSEHOLDS,
        {
            "customer": customer.pk,
            "name": "Keluarga Hendra",
            "members": [
                {"name": "Sari", "relation": "spouse", "relative_of": husband.pk, "birthday": "1985-02-14"},
                {"name": "Dimas", "relation": "child", "interests": "Football"},
            ],
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert [(m["name"], m["relation"]) for m in body["members"]] == [("Dimas", "child"), ("Sari", "spouse")]
    sari = HouseholdMember.objects.get(name="Sari")
    assert (sari.relative_of, sari.birthday) == (husband, datetime.date(1985, 2, 14))
    url = detail(HOUSEHOLDS, body["id"])

    renamed = client.patch(url, {"address": "Jl. Melati 3, Medan"})
    assert renamed.status_code == 200
    assert [m["name"] for m in renamed.json()["members"]] == ["Dimas", "Sari"]

    replaced = client.patch(
        url,
        {
            "members": [
                {"id": sari.pk, "name": "Sari", "relation": "spouse", "occupation": "Dokter"},
                {"name": "Putri", "relation": "child"},
            ]
        },
    )
    assert replaced.status_code == 200
    assert [(m["name"], m["occupation"]) for m in replaced.json()["members"]] == [("Putri", ""), ("Sari", "Dokter")]
    assert replaced.json()["members"][1]["id"] == sari.pk
    assert set(HouseholdMember.objects.values_list("name", flat=True)) == {"Sari", "Putri"}

    put = client.put(url, {"customer": customer.pk, "name": "Keluarga H.", "members": []})
    assert put.status_code == 200
    assert put.json()["members"] == []
    assert client.delete(url).status_code == 204
    assert not Household.objects.exists()


def test_household_member_errors_answer_per_item_and_write_nothing(api_client_for, rep):
    customer = CustomerFactory(owner=rep)
    stranger = ContactPersonFactory(customer=CustomerFactory(owner=rep))
    response = api_client_for(rep).post(
        HOUSEHOLDS,
        {
            "customer": customer.pk,
            "name": "Keluarga Baru",
            "members": [
                {"name": "Ayu", "relation": "spouse"},
                {"name": "X", "relation": "child", "relative_of": stranger.pk},
            ],
        },
    )
    assert response.status_code == 400
    assert response.json() == {"members": {"1": {"relative_of": ["Choose a contact person of this customer."]}}}
    assert not Household.objects.exists()
    assert not HouseholdMember.objects.exists()


def test_household_member_ids_must_belong_to_the_household(api_client_for, rep):
    household = HouseholdFactory(customer__owner=rep)
    elsewhere = HouseholdMemberFactory(household=HouseholdFactory(customer__owner=rep))
    response = api_client_for(rep).patch(
        detail(HOUSEHOLDS, household.pk), {"members": [{"id": elsewhere.pk, "name": "Taken", "relation": "child"}]}
    )
    assert response.status_code == 400
    assert response.json() == {
        "members": {"0": {"id": ["No member with this id in this household (or it is listed twice)."]}}
    }
    assert HouseholdMember.objects.get(pk=elsewhere.pk).name == elsewhere.name
    assert not household.members.exists()


def test_household_member_cannot_link_to_another_teams_customer(api_client_for, rep, rep2):
    household = HouseholdFactory(customer__owner=rep)
    hidden = CustomerFactory(owner=rep2)
    response = api_client_for(rep).patch(
        detail(HOUSEHOLDS, household.pk),
        {"members": [{"name": "Rina", "relation": "sibling", "linked_customer": hidden.pk}]},
    )
    assert response.status_code == 400
    assert response.json() == {
        "members": {"0": {"linked_customer": [f'Invalid pk "{hidden.pk}" - object does not exist.']}}
    }


def test_interest_crud_with_a_shared_topic_vocabulary(api_client_for, rep):
    customer = CustomerFactory(owner=rep)
    other = CustomerFactory(owner=rep)
    contact = ContactPersonFactory(customer=customer)
    client = api_client_for(rep)
    created = client.post(INTERESTS, {"customer": customer.pk, "topic": " Golf ", "contact": contact.pk})
    assert created.status_code == 201
    body = created.json()
    assert (body["topic"], body["sentiment"], body["contact"]) == ("Golf", "like", contact.pk)
    again = client.post(INTERESTS, {"customer": other.pk, "topic": "GOLF", "sentiment": "dislike"})
    assert again.json()["topic"] == "Golf"
    assert InterestTopic.objects.count() == 1
    url = detail(INTERESTS, body["id"])
    patched = client.patch(url, {"note": "Plays on Sundays"})
    assert (patched.json()["topic"], patched.json()["note"], patched.json()["contact"]) == (
        "Golf",
        "Plays on Sundays",
        contact.pk,
    )
    put = client.put(url, {"customer": customer.pk, "topic": "Halal food only", "contact": None})
    assert (put.json()["topic"], put.json()["sentiment"], put.json()["contact"]) == ("Halal food only", "like", None)
    assert client.delete(url).status_code == 204
    assert list(Interest.objects.values_list("customer", flat=True)) == [other.pk]


def test_feedback_crud_records_who_asked(api_client_for, rep):
    customer = CustomerFactory(owner=rep)
    client = api_client_for(rep)
    created = client.post(
        FEEDBACK,
        {"customer": customer.pk, "wants": "Delivery on Saturdays", "channel": "phone", "asked_on": "2026-03-05"},
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["recorded_by"], body["asked_on"], body["sentiment"]) == (rep.pk, "2026-03-05", "neutral")
    url = detail(FEEDBACK, body["id"])
    assert client.patch(url, {"likes": "Fast invoices", "sentiment": "positive"}).status_code == 200
    feedback = Feedback.objects.get()
    assert (feedback.wants, feedback.likes, feedback.sentiment) == (
        "Delivery on Saturdays",
        "Fast invoices",
        "positive",
    )
    assert client.delete(url).status_code == 204
    assert not Feedback.objects.exists()


def test_competitor_intel_crud(api_client_for, rep):
    customer = CustomerFactory(owner=rep)
    client = api_client_for(rep)
    created = client.post(
        INTEL,
        {
            "customer": customer.pk,
            "competitor_brand": "Brand Y",
            "product_category": "Adhesives",
            "estimated_annual_spend": "120000000.50",
            "last_confirmed_on": "2026-09-01",
        },
    )
    assert created.status_code == 201
    assert (created.json()["estimated_annual_spend"], created.json()["recorded_by"]) == ("120000000.50", rep.pk)
    url = detail(INTEL, created.json()["id"])
    assert client.patch(url, {"what_would_win": "A 5% volume rebate"}).status_code == 200
    intel = CompetitorIntel.objects.get()
    assert (intel.estimated_annual_spend, intel.what_would_win) == (Decimal("120000000.50"), "A 5% volume rebate")
    assert client.delete(url).status_code == 204
    assert not CompetitorIntel.objects.exists()


# Child records: bad input ----------------------------------------------------


def test_negative_competitor_spend_is_a_field_error(api_client_for, rep):
    customer = CustomerFactory(owner=rep)
    body = {**CHILD_BODIES[INTEL], "customer": customer.pk, "estimated_annual_spend": "-5.00"}
    response = api_client_for(rep).post(INTEL, body)
    assert response.status_code == 400
    assert response.json() == {"estimated_annual_spend": ["The spend cannot be negative."]}


@pytest.mark.parametrize("collection", [INTERESTS, FEEDBACK])
def test_a_contact_of_another_customer_is_a_field_error(api_client_for, rep, collection):
    customer = CustomerFactory(owner=rep)
    elsewhere = ContactPersonFactory(customer=CustomerFactory(owner=rep))
    body = {**CHILD_BODIES[collection], "customer": customer.pk, "contact": elsewhere.pk}
    response = api_client_for(rep).post(collection, body)
    assert response.status_code == 400
    assert response.json() == {"contact": ["Choose a contact person of this customer."]}


@pytest.mark.parametrize("collection", [INTERESTS, FEEDBACK])
def test_a_contact_of_another_team_does_not_exist(api_client_for, rep, rep2, collection):
    customer = CustomerFactory(owner=rep)
    hidden = ContactPersonFactory(customer=CustomerFactory(owner=rep2))
    body = {**CHILD_BODIES[collection], "customer": customer.pk, "contact": hidden.pk}
    response = api_client_for(rep).post(collection, body)
    assert response.json() == {"contact": [f'Invalid pk "{hidden.pk}" - object does not exist.']}


@pytest.mark.parametrize(
    ("collection", "body", "errors"),
    [
        (CONTACTS, {"name": "Budi", "email": "budi@"}, {"email": ["Enter a valid email address."]}),
        (CONTACTS, {"name": "Budi", "decision_role": "boss"}, {"decision_role": ['"boss" is not a valid choice.']}),
        (INTERESTS, {"topic": "   "}, {"topic": ["This field may not be blank."]}),
        (INTERESTS, {"topic": "Golf", "sentiment": "love"}, {"sentiment": ['"love" is not a valid choice.']}),
        (
            FEEDBACK,
            {"channel": "visit"},
            {"non_field_errors": ["Write down at least one answer: wants, would buy, likes or dislikes."]},
        ),
        (FEEDBACK, {"wants": "More", "asked_on": "2099-01-01"}, {"asked_on": ["The date cannot be in the future."]}),
        (INTEL, {"competitor_brand": "Y"}, {"product_category": ["This field is required."]}),
        (
            HOUSEHOLDS,
            {"name": "K", "members": [{"name": "A"}]},
            {"members": {"0": {"relation": ["This field is required."]}}},
        ),
    ],
)
def test_bad_child_input_answers_field_errors(api_client_for, rep, collection, body, errors):
    customer = CustomerFactory(owner=rep)
    response = api_client_for(rep).post(collection, {**body, "customer": customer.pk})
    assert response.status_code == 400
    assert response.json() == errors


# Child records: who sees and changes what ------------------------------------


@pytest.mark.parametrize("collection", list(CHILD_FACTORIES))
def test_another_teams_record_answers_404_and_is_not_listed(api_client_for, rep, rep2, collection):
    factory = CHILD_FACTORIES[collection]
    mine = factory(customer=CustomerFactory(owner=rep))
    theirs = factory(customer=CustomerFactory(owner=rep2))
    client = api_client_for(rep)
    listed = client.get(collection).json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert listed["count"] == 1
    url = detail(collection, theirs.pk)
    assert client.get(url).status_code == 404
    assert client.patch(url, {}).status_code == 404
    assert client.delete(url).status_code == 404
    assert type(theirs).objects.filter(pk=theirs.pk).exists()
    assert api_client_for(rep2).get(url).status_code == 200


@pytest.mark.parametrize("collection", list(CHILD_FACTORIES))
@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("rep", ["mine"]),
        ("rep2", ["theirs"]),
        ("rm", ["mine"]),
        ("gm", ["mine", "theirs"]),
        ("admin", ["mine", "theirs"]),
    ],
)
def test_child_lists_show_only_the_users_scope(api_client_for, two_teams, request, collection, user, expected):
    mine, theirs = two_teams
    records = {
        "mine": CHILD_FACTORIES[collection](customer=mine),
        "theirs": CHILD_FACTORIES[collection](customer=theirs),
    }
    body = api_client_for(request.getfixturevalue(user)).get(collection).json()
    assert sorted(row["id"] for row in body["results"]) == sorted(records[name].pk for name in expected)
    assert body["count"] == len(expected)


@pytest.mark.parametrize("collection", list(CHILD_FACTORIES))
def test_creating_for_another_teams_customer_reads_as_unknown_customer(api_client_for, rep, rep2, collection):
    theirs = CustomerFactory(owner=rep2)
    response = api_client_for(rep).post(collection, {**CHILD_BODIES[collection], "customer": theirs.pk})
    assert response.status_code == 400
    assert response.json() == {"customer": [f'Invalid pk "{theirs.pk}" - object does not exist.']}
    assert not CHILD_FACTORIES[collection]._meta.model.objects.exists()


@pytest.mark.parametrize("collection", list(CHILD_FACTORIES))
def test_read_only_team_member_cannot_change_records(api_client_for, rep, rm, collection):
    customer = CustomerFactory(owner=rep)
    AccountTeamMemberFactory(customer=customer, user=rm, can_edit=False)
    record = CHILD_FACTORIES[collection](customer=customer)
    client = api_client_for(rm)
    url = detail(collection, record.pk)
    assert client.get(url).status_code == 200
    assert client.get(collection).json()["count"] == 1
    patch = client.patch(url, {})
    assert patch.status_code == 403
    assert patch.json() == {"detail": CANNOT_EDIT}
    assert client.delete(url).status_code == 403
    created = client.post(collection, {**CHILD_BODIES[collection], "customer": customer.pk})
    assert created.status_code == 403
    assert created.json() == {"detail": CANNOT_EDIT}
    assert CHILD_FACTORIES[collection]._meta.model.objects.count() == 1


@pytest.mark.parametrize("collection", list(CHILD_FACTORIES))
@pytest.mark.parametrize("user", ["rm", "gm", "admin"])
def test_editors_create_records(api_client_for, rep, rm, request, collection, user):
    customer = CustomerFactory(owner=rep)
    AccountTeamMemberFactory(customer=customer, user=rm, can_edit=True)
    response = api_client_for(request.getfixturevalue(user)).post(
        collection, {**CHILD_BODIES[collection], "customer": customer.pk}
    )
    assert response.status_code == 201
    assert CHILD_FACTORIES[collection]._meta.model.objects.get().customer == customer


# Child records: filters and search ------------------------------------------


def test_child_lists_filter_by_customer(api_client_for, rep, rep2):
    first = CustomerFactory(owner=rep)
    second = CustomerFactory(owner=rep)
    ContactPersonFactory(customer=first, name="Ani")
    ContactPersonFactory(customer=second, name="Budi")
    client = api_client_for(rep)
    assert names(client.get(CONTACTS, {"customer": second.pk})) == ["Budi"]
    hidden = CustomerFactory(owner=rep2)
    refused = client.get(CONTACTS, {"customer": hidden.pk})
    assert refused.status_code == 400
    assert refused.json() == {"customer": ["Select a valid choice. That choice is not one of the available choices."]}


def test_child_lists_search_and_order(api_client_for, rep):
    customer = CustomerFactory(owner=rep)
    ContactPersonFactory(customer=customer, name="Citra", phone="+62 811 000 111", job_title="Buyer")
    ContactPersonFactory(customer=customer, name="Ani", phone="+62 811 000 222", job_title="Direktur")
    ContactPersonFactory(customer=customer, name="Budi", phone="+62 811 000 333", is_active=False)
    InterestFactory(customer=customer, topic__name="Golf", note="Sunday mornings")
    InterestFactory(customer=customer, topic__name="Karaoke")
    FeedbackFactory(customer=customer, wants="Cheaper freight", asked_on=datetime.date(2026, 2, 1))
    FeedbackFactory(customer=customer, wants="Saturday delivery", asked_on=datetime.date(2026, 3, 1))
    CompetitorIntelFactory(customer=customer, competitor_brand="Brand X", estimated_annual_spend=100)
    CompetitorIntelFactory(customer=customer, competitor_brand="Brand Z", estimated_annual_spend=300)
    HouseholdFactory(customer=customer, name="Keluarga B")
    HouseholdFactory(customer=customer, name="Keluarga A")
    client = api_client_for(rep)

    assert names(client.get(CONTACTS)) == ["Ani", "Citra", "Budi"]
    assert names(client.get(CONTACTS, {"search": "000 222"})) == ["Ani"]
    assert names(client.get(CONTACTS, {"search": "buyer"})) == ["Citra"]
    assert names(client.get(CONTACTS, {"is_active": "false"})) == ["Budi"]
    assert names(client.get(CONTACTS, {"ordering": "-name"})) == ["Citra", "Budi", "Ani"]
    assert [r["topic"] for r in client.get(INTERESTS, {"search": "sunday"}).json()["results"]] == ["Golf"]
    assert [r["topic"] for r in client.get(INTERESTS, {"topic": "KARAOKE"}).json()["results"]] == ["Karaoke"]
    assert [r["topic"] for r in client.get(INTERESTS, {"ordering": "-topic"}).json()["results"]] == ["Karaoke", "Golf"]
    assert [r["wants"] for r in client.get(FEEDBACK).json()["results"]] == ["Saturday delivery", "Cheaper freight"]
    assert [r["wants"] for r in client.get(FEEDBACK, {"search": "freight"}).json()["results"]] == ["Cheaper freight"]
    assert [r["competitor_brand"] for r in client.get(INTEL).json()["results"]] == ["Brand Z", "Brand X"]
    assert [r["competitor_brand"] for r in client.get(INTEL, {"search": "brand x"}).json()["results"]] == ["Brand X"]
    assert names(client.get(HOUSEHOLDS, {"customer": customer.pk})) == ["Keluarga A", "Keluarga B"]


# Query budgets: a fixed number of queries whatever the number of rows ------


@pytest.mark.parametrize(
    ("collection", "make_rows"),
    [
        (CONTACTS, lambda customer: ContactPersonFactory.create_batch(4, customer=customer)),
        (INTERESTS, lambda customer: InterestFactory.create_batch(4, customer=customer)),
        (FEEDBACK, lambda customer: FeedbackFactory.create_batch(4, customer=customer)),
        (INTEL, lambda customer: CompetitorIntelFactory.create_batch(4, customer=customer)),
    ],
)
def test_child_list_query_budget(api_client_for, rep, django_assert_num_queries, collection, make_rows):
    for _n in range(2):
        make_rows(CustomerFactory(owner=rep))
    client = api_client_for(rep)
    # token + user, the user's role groups, count, page (interests join their topic)
    with django_assert_num_queries(4):
        response = client.get(collection)
    assert response.json()["count"] == 8


def test_household_list_query_budget(api_client_for, rep, django_assert_num_queries):
    for _n in range(3):
        household = HouseholdFactory(customer=CustomerFactory(owner=rep))
        HouseholdMemberFactory.create_batch(3, household=household)
    client = api_client_for(rep)
    # token + user, the user's role groups, count, page, members (prefetch)
    with django_assert_num_queries(5):
        response = client.get(HOUSEHOLDS)
    assert response.json()["count"] == 3
    assert [len(row["members"]) for row in response.json()["results"]] == [3, 3, 3]


# Schema ---------------------------------------------------------------------


def test_every_operation_is_in_the_schema(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    for collection in (CUSTOMERS, CONTACTS, HOUSEHOLDS, INTERESTS, FEEDBACK, INTEL):
        listing, item = paths[collection], paths[f"{collection}{{id}}/"]
        assert set(listing) == {"get", "post"}
        assert set(item) - {"parameters"} == {"get", "put", "patch", "delete"}
        assert {"ordering", "page", "page_size"} <= {p["name"] for p in listing["get"]["parameters"]}
        assert [p["name"] for p in listing["post"]["parameters"]] == ["Idempotency-Key"]
        assert {"201", "400", "422"} <= set(listing["post"]["responses"])
        assert "content" not in item["delete"]["responses"]["204"]
        assert list(listing["post"]["requestBody"]["content"]) == ["application/json"]
    customer_filters = {p["name"] for p in paths[CUSTOMERS]["get"]["parameters"]}
    assert {"search", "owner", "tier", "kind", "industry", "city", "archived"} <= customer_filters
