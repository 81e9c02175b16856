import datetime

import pytest
from django.utils import timezone

from accounts.models import Customer
from accounts.tests.factories import AccountTeamMemberFactory, ContactPersonFactory, CustomerFactory
from communications.models import FollowUp, Interaction
from communications.tests.factories import FollowUpFactory, InteractionFactory
from crm_project.models import IdempotencyRecord

pytestmark = pytest.mark.django_db

INTERACTIONS = "/api/v1/interactions/"
FOLLOW_UPS = "/api/v1/follow-ups/"
OVERDUE = "/api/v1/cadence/overdue/"
NOT_AUTHOR = "Only the author can correct an interaction, within 48 hours of logging it."
WRONG_DATETIME = (
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)
MAY_NOT_CHANGE = "Only the assignee, the customer's owner or a general manager can change this follow-up."


def detail(collection: str, pk: int) -> str:
    return f"{collection}{pk}/"


def timeline(customer_id: int) -> str:
    return f"/api/v1/customers/{customer_id}/timeline/"


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def customer_of(owner, *, tier: str = Customer.Tier.REGULAR, created_days_ago: int = 400, **kwargs) -> Customer:
    customer = CustomerFactory(owner=owner, **kwargs)
    Customer.objects.filter(pk=customer.pk).update(tier=tier, created_at=timezone.now() - days(created_days_ago))
    customer.refresh_from_db()
    return customer


@pytest.fixture
def two_teams(rep, rep2, rm):
    """`mine` belongs to rep (rm on its team without edit rights), `theirs` to rep2."""
    mine = CustomerFactory(owner=rep, name="PT Milik Rep")
    theirs = CustomerFactory(owner=rep2, name="PT Milik Rep2")
    AccountTeamMemberFactory(customer=mine, user=rm, can_edit=False)
    return mine, theirs


# Interactions: create, read, correct -----------------------------------------


def test_rep_logs_a_call_with_contacts_and_a_follow_up(api_client_for, rep):
    customer = CustomerFactory(owner=rep)
    budi = ContactPersonFactory(customer=customer, name="Budi")
    occurred = at(today() - days(1), 9)
    response = api_client_for(rep).post(
        INTERACTIONS,
        {
            "customer": customer.pk,
            "contacts": [budi.pk],
            "channel": "phone",
            "direction": "inbound",
            "purpose": "order",
            "occurred_at": occurred.isoformat(),
            "duration_minutes": 12,
            "subject": " Asked for the Q1 price list ",
            "notes": "Wants delivery to Cikarang",
            "next_step": "Send the price list",
            "follow_up_on": (today() + days(2)).isoformat(),
        },
    )
    assert response.status_code == 201
    body = response.json()
    interaction = Interaction.objects.get()
    assert body["id"] == interaction.pk
    assert (body["customer"], body["contacts"], body["logged_by"], body["editable"]) == (
        customer.pk,
        [budi.pk],
        rep.pk,
        True,
    )
    assert (body["channel"], body["direction"], body["purpose"], body["duration_minutes"]) == (
        "phone",
        "inbound",
        "order",
        12,
    )
    assert body["subject"] == "Asked for the Q1 price list"
    assert datetime.datetime.fromisoformat(body["occurred_at"]) == occurred
    assert (interaction.logged_by, interaction.occurred_at, list(interaction.contacts.all())) == (
        rep,
        occurred,
        [budi],
    )
    follow_up = FollowUp.objects.get()
    assert (follow_up.assignee, follow_up.due_on, follow_up.what, follow_up.source, follow_up.source_interaction) == (
        rep,
        today() + days(2),
        "Send the price list",
        FollowUp.Source.INTERACTION,
        interaction,
    )


def test_interaction_defaults_and_explicit_fields(api_client_for, rep):
    customer = CustomerFactory(owner=rep)
    before = timezone.now()
    response = api_client_for(rep).post(
        INTERACTIONS, {"customer": customer.pk, "channel": "email", "subject": "Sent the brochure"}
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "customer",
        "contacts",
        "channel",
        "direction",
        "purpose",
        "occurred_at",
        "duration_minutes",
        "subject",
        "notes",
        "outcome",
        "next_step",
        "follow_up_on",
        "location",
        "logged_by",
        "created_at",
        "editable",
    }
    assert (body["direction"], body["purpose"], body["contacts"], body["duration_minutes"], body["location"]) == (
        "outbound",
        "relationship",
        [],
        None,
        "",
    )
    assert before <= datetime.datetime.fromisoformat(body["occurred_at"]) <= timezone.now()
    assert not FollowUp.objects.exists()


def test_a_team_member_without_edit_rights_logs_a_contact(api_client_for, two_teams, rm):
    mine, _theirs = two_teams
    response = api_client_for(rm).post(INTERACTIONS, {"customer": mine.pk, "channel": "visit", "subject": "Lunch"})
    assert response.status_code == 201
    assert Interaction.objects.get().logged_by == rm


def test_author_corrects_with_put_and_patch_and_the_history_keeps_the_original(api_client_for, rep):
    customer = CustomerFactory(owner=rep)
    budi = ContactPersonFactory(customer=customer)
    ani = ContactPersonFactory(customer=customer)
    interaction = InteractionFactory(customer=customer, logged_by=rep, subject="Original summary")
    interaction.contacts.set([budi])
    client = api_client_for(rep)
    url = detail(INTERACTIONS, interaction.pk)
    patch = client.patch(url, {"subject": "Corrected summary", "duration_minutes": 25})
    assert patch.status_code == 200
    assert (patch.json()["subject"], patch.json()["duration_minutes"], patch.json()["contacts"]) == (
        "Corrected summary",
        25,
        [budi.pk],
    )
    put = client.put(
        url, {"customer": customer.pk, "channel": "visit", "subject": "Visit, not a call", "contacts": [ani.pk]}
    )
    assert put.status_code == 200
    assert (put.json()["channel"], put.json()["contacts"], put.json()["duration_minutes"]) == ("visit", [ani.pk], 25)
    interaction.refresh_from_db()
    assert (interaction.channel, interaction.subject) == ("visit", "Visit, not a call")
    assert list(interaction.contacts.all()) == [ani]
    assert interaction.history.earliest().subject == "Original summary"
    assert interaction.history.latest().history_user == rep


def test_non_author_and_late_corrections_answer_403(api_client_for, two_teams, rep, rm, gm):
    mine, _theirs = two_teams
    interaction = InteractionFactory(customer=mine, logged_by=rep, subject="Original")
    url = detail(INTERACTIONS, interaction.pk)
    for user in (rm, gm):
        client = api_client_for(user)
        assert client.get(url).json()["editable"] is False
        refused = client.patch(url, {"subject": "Not mine"})
        assert refused.status_code == 403
        assert refused.json() == {"detail": NOT_AUTHOR}
        assert client.put(url, {"customer": mine.pk, "channel": "visit", "subject": "Not mine"}).status_code == 403
    Interaction.objects.filter(pk=interaction.pk).update(created_at=timezone.now() - datetime.timedelta(hours=49))
    late = api_client_for(rep).patch(url, {"subject": "Too late"})
    assert late.status_code == 403
    assert late.json() == {"detail": NOT_AUTHOR}
    assert api_client_for(rep).get(url).json()["editable"] is False
    interaction.refresh_from_db()
    assert interaction.subject == "Original"


def test_interactions_cannot_be_deleted_or_moved(api_client_for, rep):
    interaction = InteractionFactory(customer=CustomerFactory(owner=rep))
    client = api_client_for(rep)
    url = detail(INTERACTIONS, interaction.pk)
    assert client.delete(url).status_code == 405
    moved = client.patch(url, {"customer": CustomerFactory(owner=rep).pk})
    assert moved.status_code == 400
    assert moved.json() == {
        "customer": ["An interaction cannot move to another customer. Log it again for the right one."]
    }
    assert Interaction.objects.get().customer == interaction.customer


def test_the_same_call_posted_twice_with_one_key_is_one_interaction(api_client_for, rep):
    customer = CustomerFactory(owner=rep)
    client = api_client_for(rep)
    call = {
        "customer": customer.pk,
        "channel": "phone",
        "direction": "inbound",
        "occurred_at": at(today() - days(1), 14).isoformat(),
        "duration_minutes": 4,
        "subject": "Inbound call from +62 21 555 0101",
    }
    first = client.post(INTERACTIONS, call, HTTP_IDEMPOTENCY_KEY="pbx-call-88231")
    second = client.post(INTERACTIONS, call, HTTP_IDEMPOTENCY_KEY="pbx-call-88231")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Interaction.objects.count() == 1
    conflict = client.post(INTERACTIONS, {**call, "duration_minutes": 5}, HTTP_IDEMPOTENCY_KEY="pbx-call-88231")
    assert conflict.status_code == 422
    assert Interaction.objects.count() == 1


def test_a_refused_interaction_keeps_no_idempotency_key(api_client_for, rep):
    customer = CustomerFactory(owner=rep)
    client = api_client_for(rep)
    body = {"customer": customer.pk, "channel": "pigeon", "subject": "x"}
    assert client.post(INTERACTIONS, body, HTTP_IDEMPOTENCY_KEY="k-1").status_code == 400
    assert not IdempotencyRecord.objects.exists()
    assert client.post(INTERACTIONS, {**body, "channel": "mail"}, HTTP_IDEMPOTENCY_KEY="k-1").status_code == 201


def test_logging_a_contact_closes_the_open_cadence_follow_up(api_client_for, rep):
    customer = customer_of(rep, created_days_ago=90)
    cadence = FollowUpFactory(customer=customer, assignee=rep, source=FollowUp.Source.CADENCE)
    manual = FollowUpFactory(customer=customer, assignee=rep)
    assert [row["customer"] for row in api_client_for(rep).get(OVERDUE).json()["results"]] == [customer.pk]
    response = api_client_for(rep).post(
        INTERACTIONS, {"customer": customer.pk, "channel": "phone", "subject": "Catching up"}
    )
    assert response.status_code == 201
    cadence.refresh_from_db()
    manual.refresh_from_db()
    assert (cadence.is_done, cadence.done_by, cadence.done_interaction_id) == (True, rep, response.json()["id"])
    assert manual.is_done is False
    assert api_client_for(rep).get(OVERDUE).json()["count"] == 0


# Interactions: bad input -----------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"occurred_at": (timezone.now() + days(2)).isoformat()},
            {"occurred_at": ["An interaction that took place cannot be in the future."]},
        ),
        (
            {"occurred_at": (timezone.now() - days(3)).isoformat(), "follow_up_on": (today() - days(5)).isoformat()},
            {"follow_up_on": ["The follow-up cannot be before the interaction."]},
        ),
        ({"channel": "pigeon"}, {"channel": ['"pigeon" is not a valid choice.']}),
        ({"channel": "email", "location": "Hotel Mulia"}, {"location": ["A location is for visits and events."]}),
        ({"duration_minutes": 1441}, {"duration_minutes": ["Ensure this value is less than or equal to 1440."]}),
        ({"subject": "  "}, {"subject": ["This field may not be blank."]}),
        ({"occurred_at": "1969-12-31T23:59:59Z"}, {"occurred_at": ["Give a moment from 1970 on."]}),
        ({"occurred_at": "yesterday"}, {"occurred_at": [WRONG_DATETIME]}),
    ],
)
def test_bad_interaction_input_answers_field_errors(api_client_for, rep, fields, errors):
    customer = CustomerFactory(owner=rep)
    body = {"customer": customer.pk, "channel": "phone", "subject": "Call", **fields}
    response = api_client_for(rep).post(INTERACTIONS, body)
    assert response.status_code == 400
    assert response.json() == errors
    assert not Interaction.objects.exists()


def test_a_contact_person_of_another_customer_is_a_field_error(api_client_for, rep):
    customer = CustomerFactory(owner=rep)
    elsewhere = ContactPersonFactory(customer=CustomerFactory(owner=rep))
    body = {"customer": customer.pk, "channel": "visit", "subject": "Visit", "contacts": [elsewhere.pk]}
    response = api_client_for(rep).post(INTERACTIONS, body)
    assert response.status_code == 400
    assert response.json() == {"contacts": ["Choose contact persons of this customer."]}
    interaction = InteractionFactory(customer=customer, logged_by=rep)
    patch = api_client_for(rep).patch(detail(INTERACTIONS, interaction.pk), {"contacts": [elsewhere.pk]})
    assert patch.status_code == 400
    assert patch.json() == {"contacts": ["Choose contact persons of this customer."]}
    assert not interaction.contacts.exists()


def test_another_teams_customer_and_contact_read_as_unknown(api_client_for, rep, rep2):
    mine = CustomerFactory(owner=rep)
    theirs = CustomerFactory(owner=rep2)
    hidden_contact = ContactPersonFactory(customer=theirs)
    client = api_client_for(rep)
    response = client.post(INTERACTIONS, {"customer": theirs.pk, "channel": "phone", "subject": "Call"})
    assert response.status_code == 400
    assert response.json() == {"customer": [f'Invalid pk "{theirs.pk}" - object does not exist.']}
    response = client.post(
        INTERACTIONS, {"customer": mine.pk, "channel": "phone", "subject": "Call", "contacts": [hidden_contact.pk]}
    )
    assert response.json() == {"contacts": [f'Invalid pk "{hidden_contact.pk}" - object does not exist.']}
    assert not Interaction.objects.exists()


# Interactions: who sees what ------------------------------------------------


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
def test_interaction_list_shows_only_the_users_scope(api_client_for, two_teams, request, user, expected):
    mine, theirs = two_teams
    records = {
        "mine": InteractionFactory(customer=mine, occurred_at=timezone.now() - days(1)),
        "theirs": InteractionFactory(customer=theirs, occurred_at=timezone.now() - days(2)),
    }
    body = api_client_for(request.getfixturevalue(user)).get(INTERACTIONS).json()
    assert [row["id"] for row in body["results"]] == [records[name].pk for name in expected]
    assert body["count"] == len(expected)


def test_another_teams_interaction_answers_404(api_client_for, two_teams, rep, rep2):
    _mine, theirs = two_teams
    interaction = InteractionFactory(customer=theirs, logged_by=rep2, subject="Theirs")
    url = detail(INTERACTIONS, interaction.pk)
    client = api_client_for(rep)
    assert client.get(url).status_code == 404
    assert client.get(url).json() == {"detail": "No Interaction matches the given query."}
    assert client.patch(url, {"subject": "Taken"}).status_code == 404
    assert client.put(url, {"customer": theirs.pk, "channel": "phone", "subject": "Taken"}).status_code == 404
    assert client.get(INTERACTIONS, {"search": "Theirs"}).json()["count"] == 0
    assert Interaction.objects.get().subject == "Theirs"
    assert api_client_for(rep2).get(url).status_code == 200


def test_unauthenticated_answers_401_and_a_user_without_role_403(api_client_for, make_user):
    for url in (INTERACTIONS, FOLLOW_UPS, OVERDUE):
        assert api_client_for(None).get(url).status_code == 401
        response = api_client_for(make_user(None, username=f"no_role_{len(url)}")).get(url)
        assert response.status_code == 403


# Interactions: filters, search, ordering ------------------------------------


def test_interaction_filters(api_client_for, gm, rep, rm):
    first = CustomerFactory(owner=rep)
    second = CustomerFactory(owner=rep)
    march_call = InteractionFactory(
        customer=first, logged_by=rep, channel="phone", purpose="order", occurred_at=at(datetime.date(2026, 3, 1))
    )
    march_visit = InteractionFactory(
        customer=second,
        logged_by=rm,
        channel="visit",
        direction="inbound",
        occurred_at=at(datetime.date(2026, 3, 31), 18),
        subject="Dinner",
        notes="Talked about the new plant in Karawang",
    )
    april_mail = InteractionFactory(
        customer=first, logged_by=rep, channel="mail", purpose="proposal", occurred_at=at(datetime.date(2026, 4, 1), 8)
    )
    client = api_client_for(gm)

    def found(**params) -> list[int]:
        response = client.get(INTERACTIONS, params)
        assert response.status_code == 200, response.json()
        return ids(response)

    assert found() == [april_mail.pk, march_visit.pk, march_call.pk]
    assert found(customer=first.pk) == [april_mail.pk, march_call.pk]
    assert found(user=rm.pk) == [march_visit.pk]
    assert found(channel="visit") == [march_visit.pk]
    assert found(purpose="proposal") == [april_mail.pk]
    assert found(direction="inbound") == [march_visit.pk]
    assert found(search="karawang") == [march_visit.pk]
    assert found(search="DINNER") == [march_visit.pk]
    # A date counts the whole day, a date-time is exact.
    assert found(occurred_after="2026-03-01", occurred_before="2026-03-31") == [march_visit.pk, march_call.pk]
    assert found(occurred_after="2026-03-02") == [april_mail.pk, march_visit.pk]
    assert found(occurred_before="2026-03-31T17:59:59+07:00") == [march_call.pk]
    assert found(occurred_after="2026-03-31T11:00:00Z") == [april_mail.pk, march_visit.pk]
    assert found(occurred_after="2026-03-31T11:00:01Z") == [april_mail.pk]
    assert found(occurred_after="2026-03-31T18:00:00") == [april_mail.pk, march_visit.pk]
    assert found(ordering="occurred_at") == [march_call.pk, march_visit.pk, april_mail.pk]
    assert found(customer=first.pk, ordering="-occurred_at") == [april_mail.pk, march_call.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"occurred_after": "last week"}, "occurred_after"),
        ({"occurred_before": "2026-02-30"}, "occurred_before"),
        ({"occurred_after": "0001-01-01"}, "occurred_after"),
        ({"channel": "pigeon"}, "channel"),
        ({"ordering": "subject"}, "ordering"),
        ({"user": 987654}, "user"),
    ],
)
def test_bad_interaction_filters_answer_400(api_client_for, rep, params, field):
    response = api_client_for(rep).get(INTERACTIONS, params)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_filtering_by_another_teams_customer_is_refused(api_client_for, rep, rep2):
    hidden = CustomerFactory(owner=rep2)
    InteractionFactory(customer=hidden)
    response = api_client_for(rep).get(INTERACTIONS, {"customer": hidden.pk})
    assert response.status_code == 400
    assert response.json() == {"customer": ["Select a valid choice. That choice is not one of the available choices."]}


def test_interaction_list_query_budget(api_client_for, rep, django_assert_num_queries):
    for _n in range(3):
        customer = CustomerFactory(owner=rep)
        contacts = ContactPersonFactory.create_batch(2, customer=customer)
        for interaction in InteractionFactory.create_batch(2, customer=customer):
            interaction.contacts.set(contacts)
    client = api_client_for(rep)
    # token + user, the user's role groups, count, page, contacts (prefetch)
    with django_assert_num_queries(5):
        response = client.get(INTERACTIONS, {"search": "Q4", "channel": "phone"})
    assert response.json()["count"] == 6
    assert [len(row["contacts"]) for row in response.json()["results"]] == [2] * 6


# Customer timeline -----------------------------------------------------------


def test_timeline_lists_the_customers_contacts_newest_first(api_client_for, rep):
    customer = CustomerFactory(owner=rep)
    other = CustomerFactory(owner=rep)
    old_visit = InteractionFactory(customer=customer, channel="visit", occurred_at=at(today() - days(30)))
    call = InteractionFactory(customer=customer, channel="phone", purpose="order", occurred_at=at(today() - days(2)))
    email = InteractionFactory(customer=customer, channel="email", occurred_at=at(today() - days(9)))
    InteractionFactory(customer=other, occurred_at=at(today() - days(1)))
    client = api_client_for(rep)
    body = client.get(timeline(customer.pk)).json()
    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == [call.pk, email.pk, old_visit.pk]
    assert body["results"][0]["editable"] is True
    assert ids(client.get(timeline(customer.pk), {"channel": "visit"})) == [old_visit.pk]
    assert ids(client.get(timeline(customer.pk), {"purpose": "order"})) == [call.pk]
    assert ids(client.get(timeline(customer.pk), {"purpose": "order", "channel": "visit"})) == []
    page = client.get(timeline(customer.pk), {"page_size": 2, "page": 2}).json()
    assert ([row["id"] for row in page["results"]], page["count"], page["next"]) == ([old_visit.pk], 3, None)
    bad = client.get(timeline(customer.pk), {"channel": "pigeon"})
    assert bad.status_code == 400
    assert bad.json() == {"channel": ['"pigeon" is not a valid choice.']}


@pytest.mark.parametrize(("user", "status"), [("rep", 200), ("rm", 200), ("rep2", 404), ("gm", 200), ("admin", 200)])
def test_timeline_follows_the_customers_visibility(api_client_for, two_teams, request, user, status):
    mine, _theirs = two_teams
    InteractionFactory(customer=mine)
    response = api_client_for(request.getfixturevalue(user)).get(timeline(mine.pk))
    assert response.status_code == status
    if status == 404:
        assert response.json() == {"detail": "No Customer matches the given query."}
    else:
        assert response.json()["count"] == 1


def test_timeline_of_an_unknown_customer_answers_404(api_client_for, rep):
    assert api_client_for(rep).get(timeline(987654)).status_code == 404


def test_timeline_query_budget(api_client_for, rep, django_assert_num_queries):
    customer = CustomerFactory(owner=rep)
    contact = ContactPersonFactory(customer=customer)
    for interaction in InteractionFactory.create_batch(5, customer=customer):
        interaction.contacts.set([contact])
    client = api_client_for(rep)
    # token + user, the user's role groups, the customer, count, page, contacts (prefetch)
    with django_assert_num_queries(6):
        response = client.get(timeline(customer.pk), {"channel": "phone"})
    assert response.json()["count"] == 5


# Follow-ups -----------------------------------------------------------------


def test_rep_plans_a_follow_up_for_themselves(api_client_for, rep):
    customer = CustomerFactory(owner=rep)
    due = today() + days(3)
    response = api_client_for(rep).post(
        FOLLOW_UPS, {"customer": customer.pk, "due_on": due.isoformat(), "what": " Call about the tender "}
    )
    assert response.status_code == 201
    follow_up = FollowUp.objects.get()
    assert response.json() == {
        "id": follow_up.pk,
        "customer": customer.pk,
        "assignee": rep.pk,
        "due_on": due.isoformat(),
        "what": "Call about the tender",
        "source": "manual",
        "source_interaction": None,
        "done": False,
        "done_at": None,
        "done_by": None,
    }
    assert (follow_up.assignee, follow_up.due_on, follow_up.history.get().history_user) == (rep, due, rep)


def test_a_follow_up_is_assigned_to_someone_who_works_with_the_customer(api_client_for, two_teams, rep, rm, rep2):
    mine, _theirs = two_teams
    client = api_client_for(rep)
    body = {"customer": mine.pk, "due_on": today().isoformat(), "what": "Bring samples"}
    assert client.post(FOLLOW_UPS, {**body, "assignee": rm.pk}).json()["assignee"] == rm.pk
    refused = client.post(FOLLOW_UPS, {**body, "assignee": rep2.pk})
    assert refused.status_code == 400
    assert refused.json() == {"assignee": ["Assign someone who works with this customer."]}
    assert list(FollowUp.objects.values_list("assignee", flat=True)) == [rm.pk]


def test_follow_up_is_rescheduled_reassigned_reworded_and_completed(api_client_for, two_teams, rep, rm):
    mine, _theirs = two_teams
    follow_up = FollowUpFactory(customer=mine, assignee=rep, due_on=today(), what="Send the price list")
    client = api_client_for(rep)
    url = detail(FOLLOW_UPS, follow_up.pk)
    snoozed = client.patch(url, {"due_on": (today() + days(7)).isoformat()})
    assert snoozed.status_code == 200
    assert snoozed.json()["due_on"] == (today() + days(7)).isoformat()
    put = client.put(
        url,
        {"customer": mine.pk, "due_on": (today() + days(7)).isoformat(), "what": "Send the new price list"},
    )
    assert put.status_code == 200
    assert (put.json()["what"], put.json()["assignee"]) == ("Send the new price list", rep.pk)
    moved = client.patch(url, {"assignee": rm.pk})
    assert moved.json()["assignee"] == rm.pk
    done = api_client_for(rm).patch(url, {"done": True})
    assert done.status_code == 200
    assert (done.json()["done"], done.json()["done_by"]) == (True, rm.pk)
    assert done.json()["done_at"] is not None
    follow_up.refresh_from_db()
    assert (follow_up.due_on, follow_up.what, follow_up.assignee, follow_up.done_by) == (
        today() + days(7),
        "Send the new price list",
        rm,
        rm,
    )
    assert follow_up.history.count() == 5
    assert client.delete(url).status_code == 405


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"due_on": "2020-01-01"}, {"due_on": ["Choose today or a later date."]}),
        ({"due_on": "someday"}, {"due_on": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}),
        ({"what": ""}, {"what": ["This field may not be blank."]}),
        ({"assignee": 987654}, {"assignee": ['Invalid pk "987654" - object does not exist.']}),
    ],
)
def test_bad_follow_up_changes_answer_field_errors(api_client_for, rep, change, errors):
    follow_up = FollowUpFactory(customer=CustomerFactory(owner=rep), due_on=today(), what="Call")
    response = api_client_for(rep).patch(detail(FOLLOW_UPS, follow_up.pk), change)
    assert response.status_code == 400
    assert response.json() == errors
    follow_up.refresh_from_db()
    assert (follow_up.due_on, follow_up.what, follow_up.assignee) == (today(), "Call", rep)


def test_a_done_follow_up_is_neither_reopened_nor_rescheduled(api_client_for, rep):
    follow_up = FollowUpFactory(customer=CustomerFactory(owner=rep), due_on=today())
    client = api_client_for(rep)
    url = detail(FOLLOW_UPS, follow_up.pk)
    assert client.patch(url, {"done": True}).status_code == 200
    reopened = client.patch(url, {"done": False})
    assert reopened.status_code == 400
    assert reopened.json() == {"done": ["A done follow-up is not reopened. Plan a new one."]}
    later = client.patch(url, {"due_on": (today() + days(1)).isoformat()})
    assert later.status_code == 400
    assert later.json() == {"due_on": ["This follow-up is already done."]}
    assert client.patch(url, {"done": True}).status_code == 200
    follow_up.refresh_from_db()
    assert (follow_up.is_done, follow_up.due_on) == (True, today())


def test_a_follow_up_is_changed_by_its_assignee_the_owner_or_a_manager(api_client_for, two_teams, rep, rm, gm, admin):
    mine, _theirs = two_teams
    follow_up = FollowUpFactory(customer=mine, assignee=rep, due_on=today())
    url = detail(FOLLOW_UPS, follow_up.pk)
    bystander = api_client_for(rm)
    assert bystander.get(url).status_code == 200
    refused = bystander.patch(url, {"due_on": (today() + days(1)).isoformat()})
    assert refused.status_code == 403
    assert refused.json() == {"detail": MAY_NOT_CHANGE}
    for user, shift in ((rep, 2), (gm, 3), (admin, 4)):
        assert api_client_for(user).patch(url, {"due_on": (today() + days(shift)).isoformat()}).status_code == 200
    FollowUp.objects.filter(pk=follow_up.pk).update(assignee=rm)
    assert bystander.patch(url, {"due_on": (today() + days(5)).isoformat()}).status_code == 200
    assert api_client_for(rep).patch(url, {"what": "Owner rewords it"}).status_code == 200
    follow_up.refresh_from_db()
    assert (follow_up.due_on, follow_up.what) == (today() + days(5), "Owner rewords it")


def test_another_teams_follow_up_answers_404(api_client_for, two_teams, rep):
    _mine, theirs = two_teams
    follow_up = FollowUpFactory(customer=theirs, due_on=today())
    url = detail(FOLLOW_UPS, follow_up.pk)
    client = api_client_for(rep)
    assert client.get(url).status_code == 404
    assert client.patch(url, {"done": True}).status_code == 404
    assert client.put(url, {"customer": theirs.pk, "due_on": today().isoformat(), "what": "x"}).status_code == 404
    created = client.post(FOLLOW_UPS, {"customer": theirs.pk, "due_on": today().isoformat(), "what": "x"})
    assert created.json() == {"customer": [f'Invalid pk "{theirs.pk}" - object does not exist.']}
    assert FollowUp.objects.get().is_done is False


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
def test_follow_up_list_shows_only_the_users_scope(api_client_for, two_teams, request, user, expected):
    mine, theirs = two_teams
    records = {
        "mine": FollowUpFactory(customer=mine, due_on=today()),
        "theirs": FollowUpFactory(customer=theirs, due_on=today() + days(1)),
    }
    body = api_client_for(request.getfixturevalue(user)).get(FOLLOW_UPS).json()
    assert [row["id"] for row in body["results"]] == [records[name].pk for name in expected]
    assert body["count"] == len(expected)


def test_follow_up_filters(api_client_for, two_teams, rep, rm):
    mine, _theirs = two_teams
    other = CustomerFactory(owner=rep)
    soon = FollowUpFactory(customer=mine, assignee=rep, due_on=today() + days(1))
    later = FollowUpFactory(customer=other, assignee=rep, due_on=today() + days(10))
    cadence = FollowUpFactory(customer=mine, assignee=rm, due_on=today(), source=FollowUp.Source.CADENCE)
    done = FollowUpFactory(customer=other, assignee=rep, due_on=today() - days(3), done_at=timezone.now())
    client = api_client_for(rep)

    def found(**params) -> list[int]:
        response = client.get(FOLLOW_UPS, params)
        assert response.status_code == 200, response.json()
        return ids(response)

    assert found() == [done.pk, cadence.pk, soon.pk, later.pk]
    assert found(customer=other.pk) == [done.pk, later.pk]
    assert found(assignee=rm.pk) == [cadence.pk]
    assert found(source="cadence") == [cadence.pk]
    assert found(open="true") == [cadence.pk, soon.pk, later.pk]
    assert found(open="false") == [done.pk]
    assert found(due_after=today().isoformat(), due_before=(today() + days(1)).isoformat()) == [cadence.pk, soon.pk]
    assert found(ordering="-due_on") == [later.pk, soon.pk, cadence.pk, done.pk]
    assert client.get(FOLLOW_UPS, {"due_before": "soon"}).status_code == 400
    assert client.get(FOLLOW_UPS, {"source": "robot"}).status_code == 400


def test_follow_up_idempotency_key(api_client_for, rep):
    customer = CustomerFactory(owner=rep)
    client = api_client_for(rep)
    body = {"customer": customer.pk, "due_on": today().isoformat(), "what": "Confirm the order"}
    first = client.post(FOLLOW_UPS, body, HTTP_IDEMPOTENCY_KEY="erp-task-17")
    second = client.post(FOLLOW_UPS, body, HTTP_IDEMPOTENCY_KEY="erp-task-17")
    assert (first.status_code, second.status_code, second.json()) == (201, 201, first.json())
    assert FollowUp.objects.count() == 1


def test_follow_up_list_query_budget(api_client_for, rep, django_assert_num_queries):
    for _n in range(3):
        customer = CustomerFactory(owner=rep)
        interaction = InteractionFactory(customer=customer)
        FollowUpFactory.create_batch(2, customer=customer, source_interaction=interaction)
        FollowUpFactory(customer=customer, done_at=timezone.now(), done_by=rep)
    client = api_client_for(rep)
    # token + user, the user's role groups, count, page (with customer, assignee, source interaction)
    with django_assert_num_queries(4):
        response = client.get(FOLLOW_UPS, {"ordering": "-due_on"})
    assert response.json()["count"] == 9


# Cadence: overdue and due soon ----------------------------------------------


@pytest.fixture
def cadence_customers(rep, rep2):
    """Default rules (seeded by migration): regular 60 days any contact; key 14 days any contact, 30 days visit."""
    regular_never = customer_of(rep, name="Regular, never contacted", created_days_ago=100)
    key_not_visited = customer_of(rep, tier=Customer.Tier.KEY, name="Key, called but not visited")
    call = InteractionFactory(customer=key_not_visited, channel="phone", occurred_at=at(today() - days(20)))
    due_soon = customer_of(rep, name="Regular, due in 2 days")
    last_email = InteractionFactory(customer=due_soon, channel="email", occurred_at=at(today() - days(58)))
    in_time = customer_of(rep, name="Regular, in time")
    InteractionFactory(customer=in_time, occurred_at=at(today() - days(10)))
    customer_of(rep, name="Regular, new", created_days_ago=5)
    theirs = customer_of(rep2, name="Rep2's regular", created_days_ago=200)
    return {
        "regular_never": regular_never,
        "key_not_visited": key_not_visited,
        "call": call,
        "due_soon": due_soon,
        "last_email": last_email,
        "theirs": theirs,
    }


def test_overdue_lists_the_users_customers_most_overdue_first(api_client_for, rep, cadence_customers):
    c = cadence_customers
    body = api_client_for(rep).get(OVERDUE).json()
    assert body["count"] == 3
    assert body["results"] == [
        {
            "customer": c["key_not_visited"].pk,
            "customer_name": "Key, called but not visited",
            "channel": "visit",
            "max_gap_days": 30,
            "last_contact_at": None,
            "due_on": (today() - days(400) + days(30)).isoformat(),
            "days_overdue": 370,
        },
        {
            "customer": c["regular_never"].pk,
            "customer_name": "Regular, never contacted",
            "channel": "",
            "max_gap_days": 60,
            "last_contact_at": None,
            "due_on": (today() - days(40)).isoformat(),
            "days_overdue": 40,
        },
        {
            "customer": c["due_soon"].pk,
            "customer_name": "Regular, due in 2 days",
            "channel": "",
            "max_gap_days": 60,
            "last_contact_at": timezone.localtime(c["last_email"].occurred_at).isoformat(),
            "due_on": (today() + days(2)).isoformat(),
            "days_overdue": -2,
        },
    ]


def test_overdue_of_another_rep_and_of_managers(api_client_for, rep2, gm, cadence_customers):
    c = cadence_customers
    theirs = api_client_for(rep2).get(OVERDUE).json()
    assert [(row["customer"], row["days_overdue"]) for row in theirs["results"]] == [(c["theirs"].pk, 140)]
    everyone = api_client_for(gm).get(OVERDUE, {"page_size": 2}).json()
    assert everyone["count"] == 4
    assert [row["days_overdue"] for row in everyone["results"]] == [370, 140]
    assert "page=2" in everyone["next"]


def test_overdue_query_budget(api_client_for, rep, cadence_customers, django_assert_num_queries):
    client = api_client_for(rep)
    # token + user, the user's role groups, default rules, customers' own rules,
    # one per default rule (key any contact, key visit, regular any contact)
    with django_assert_num_queries(7):
        response = client.get(OVERDUE)
    assert response.json()["count"] == 3


# Schema ---------------------------------------------------------------------


def test_every_operation_is_in_the_schema(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    for collection in (INTERACTIONS, FOLLOW_UPS):
        listing, item = paths[collection], paths[f"{collection}{{id}}/"]
        assert set(listing) == {"get", "post"}
        assert set(item) - {"parameters"} == {"get", "put", "patch"}
        assert {"ordering", "page", "page_size", "customer"} <= {p["name"] for p in listing["get"]["parameters"]}
        assert [p["name"] for p in listing["post"]["parameters"]] == ["Idempotency-Key"]
        assert {"201", "400", "422"} <= set(listing["post"]["responses"])
        assert {"403", "404"} <= set(item["patch"]["responses"])
    interaction_filters = {p["name"] for p in paths[INTERACTIONS]["get"]["parameters"]}
    assert {"user", "channel", "purpose", "direction", "occurred_after", "occurred_before", "search"} <= (
        interaction_filters
    )
    follow_up_filters = {p["name"] for p in paths[FOLLOW_UPS]["get"]["parameters"]}
    assert {"assignee", "source", "open", "due_before", "due_after"} <= follow_up_filters
    customer_timeline = paths["/api/v1/customers/{id}/timeline/"]
    assert set(customer_timeline) == {"get"}
    assert {"id", "channel", "purpose", "page", "page_size"} == {
        p["name"] for p in customer_timeline["get"]["parameters"]
    }
    assert set(paths[OVERDUE]) == {"get"}
