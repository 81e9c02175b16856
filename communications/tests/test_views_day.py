import csv
import datetime
import io
import json
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Customer
from accounts.tests.factories import AccountTeamMemberFactory, ContactPersonFactory, CustomerFactory
from communications.models import CadenceRule, Channel, FollowUp, Interaction, Purpose
from communications.summary import summary_weeks
from communications.tests.factories import FollowUpFactory, InteractionFactory
from crm_project.roles import Role

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
MY_DAY = reverse("communications:my_day")
LIST = reverse("communications:interaction_list")
EXPORT = reverse("communications:interaction_export")
SUMMARY = reverse("communications:rep_summary")


def _today() -> datetime.date:
    return timezone.localdate()


def _days(n: int) -> datetime.date:
    return _today() + datetime.timedelta(days=n)


def _at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _customer(owner, *, tier=Customer.Tier.REGULAR, name=None, created_days_ago=400) -> Customer:
    customer = CustomerFactory(owner=owner, **({"name": name} if name else {}))
    Customer.objects.filter(pk=customer.pk).update(tier=tier, created_at=_at(_days(-created_days_ago)))
    customer.refresh_from_db()
    return customer


def _cadence(regular_days=10, key_days=7):
    """Replace the shipped defaults with two plain rules so that the numbers are easy to follow."""
    CadenceRule.objects.all().delete()
    CadenceRule.objects.create(tier=Customer.Tier.REGULAR, max_gap_days=regular_days)
    CadenceRule.objects.create(tier=Customer.Tier.KEY, max_gap_days=key_days)


def _action(name: str, follow_up: FollowUp) -> str:
    return reverse(f"communications:{name}", args=[follow_up.pk])


def _whats(follow_ups) -> list[str]:
    return [follow_up.what for follow_up in follow_ups]


# --- my day -------------------------------------------------------------------


def test_my_day_groups_my_open_follow_ups_and_never_shows_a_colleagues(rep_client, rep2_client, rep, rep2, rm):
    mine = _customer(rep, tier=Customer.Tier.KEY, name="PT Mine")
    theirs = _customer(rep2, name="PT Theirs")
    AccountTeamMemberFactory(customer=mine, user=rep2)
    FollowUpFactory(customer=mine, assignee=rep, due_on=_days(-3), what="Overdue call")
    FollowUpFactory(customer=mine, assignee=rep, due_on=_days(-1), what="Late quote")
    FollowUpFactory(customer=mine, assignee=rep, due_on=_days(0), what="Today visit")
    FollowUpFactory(customer=mine, assignee=rep, due_on=_days(2), what="Soon proposal")
    FollowUpFactory(customer=mine, assignee=rep, due_on=_days(7), what="Week edge")
    FollowUpFactory(customer=mine, assignee=rep, due_on=_days(8), what="Too far ahead")
    FollowUpFactory(customer=mine, assignee=rep, due_on=_days(-5), what="Done already", done_at=timezone.now())
    FollowUpFactory(customer=mine, assignee=rep2, due_on=_days(-2), what="Rep2 on my customer")
    FollowUpFactory(customer=theirs, assignee=rep2, due_on=_days(0), what="Rep2 own")

    response = rep_client.get(MY_DAY)
    assert response.status_code == 200
    assert _whats(response.context["overdue"]) == ["Overdue call", "Late quote"]
    assert _whats(response.context["due_today"]) == ["Today visit"]
    assert _whats(response.context["upcoming"]) == ["Soon proposal", "Week edge"]
    html = response.content.decode()
    assert "3 days overdue" in html
    assert "PT Mine" in html and 'class="badge tier-key"' in html
    for hidden in ("Too far ahead", "Done already", "Rep2 on my customer", "Rep2 own", "PT Theirs"):
        assert hidden not in html

    response = rep2_client.get(MY_DAY)
    assert _whats(response.context["overdue"]) == ["Rep2 on my customer"]
    assert _whats(response.context["due_today"]) == ["Rep2 own"]
    assert response.context["upcoming"] == []
    assert "Overdue call" not in response.content.decode()


def test_my_day_lists_customers_overdue_or_due_soon_most_overdue_first(rep_client, rep, rep2):
    _cadence(regular_days=10, key_days=7)
    late = _customer(rep, name="PT Five Days Late")
    key = _customer(rep, tier=Customer.Tier.KEY, name="PT Key Two Late")
    soon = _customer(rep, name="PT Due In Two")
    fine = _customer(rep, name="PT Recently Called")
    never = _customer(rep, name="PT Brand New", created_days_ago=1)
    other = _customer(rep2, name="PT Rep2 Overdue")
    for customer, days_ago in ((late, 15), (key, 9), (soon, 8), (fine, 3), (other, 30)):
        InteractionFactory(customer=customer, occurred_at=_at(_days(-days_ago)))

    response = rep_client.get(MY_DAY)
    due = response.context["due_customers"]
    assert [(status.customer.name, status.days_overdue) for status in due] == [
        ("PT Five Days Late", 5),
        ("PT Key Two Late", 2),
        ("PT Due In Two", -2),
    ]
    html = response.content.decode()
    assert "5 days overdue" in html and "2 days overdue" in html
    assert f"Due {_days(2):%a} {_days(2).day} {_days(2):%b}" in html
    assert f"Last contact {_days(-15).day} {_days(-15):%b %Y}" in html
    assert 'class="due-customer due-key"' in html  # the key account stands out
    assert f"{reverse('communications:quick_log')}?customer={late.pk}&amp;next=" in html
    section = html.split('id="day-customers"')[1].split('id="day-recent"')[0]
    assert never.name not in section and fine.name not in section and other.name not in html


def test_my_day_recent_contacts_are_my_last_ten(rep_client, rep, rep2):
    customer = _customer(rep)
    AccountTeamMemberFactory(customer=customer, user=rep2)
    for n in range(12):
        InteractionFactory(customer=customer, logged_by=rep, subject=f"Call {n}", occurred_at=_at(_days(-n - 1)))
    InteractionFactory(customer=customer, logged_by=rep2, subject="Colleague call", occurred_at=_at(_days(0), 0, 1))

    recent = rep_client.get(MY_DAY).context["recent"]
    assert [interaction.subject for interaction in recent] == [f"Call {n}" for n in range(10)]


def test_empty_day_says_so(rep_client):
    CadenceRule.objects.all().delete()
    html = rep_client.get(MY_DAY).content.decode()
    assert "Nothing overdue. Good day to visit a key account without an order due." in html
    assert "Every customer has been contacted within their cadence." in html
    assert "You have not logged a contact yet." in html


def test_sales_rep_home_is_my_day_beside_their_customers(rep_client, rep):
    customer = _customer(rep)
    FollowUpFactory(customer=customer, assignee=rep, due_on=_days(-1), what="Call back about the tender")
    response = rep_client.get(reverse("home"))
    assert response.templates[0].name == "dashboards/sales_rep.html"
    html = response.content.decode()
    assert "Call back about the tender" in html
    assert 'id="day-follow-ups"' in html and 'id="day-customers"' in html and 'id="day-recent"' in html
    assert "Your customers" in html and "Birthdays in the next 14 days" in html
    # No-JS forms on the home page come back to it.
    assert '<input type="hidden" name="next" value="/">' in html


def test_relationship_manager_dashboard_shows_only_what_is_late(rm_client, rm):
    _cadence(regular_days=10, key_days=7)
    late = _customer(rm, tier=Customer.Tier.KEY, name="PT Late Key")
    soon = _customer(rm, name="PT Due Soon")
    InteractionFactory(customer=late, occurred_at=_at(_days(-9)))
    InteractionFactory(customer=soon, occurred_at=_at(_days(-8)))
    FollowUpFactory(customer=late, assignee=rm, due_on=_days(-4), what="Send the annual plan draft")
    FollowUpFactory(customer=late, assignee=rm, due_on=_days(0), what="Due today only")

    response = rm_client.get(reverse("home"))
    assert _whats(response.context["day_overdue"]) == ["Send the annual plan draft"]
    assert [s.customer.name for s in response.context["day_overdue_customers"]] == ["PT Late Key"]
    html = response.content.decode()
    assert "4 days overdue" in html and "2 days overdue" in html
    assert "Due today only" not in html and "PT Due Soon" not in html
    assert reverse("communications:my_day") in html


def _fill_day(rep, rows: int, *, gm, rm):
    _cadence()
    for n in range(rows):
        customer = _customer(rep, tier=Customer.Tier.KEY if n % 2 else Customer.Tier.REGULAR)
        AccountTeamMemberFactory(customer=customer, user=rm)
        source = InteractionFactory(customer=customer, logged_by=rep, occurred_at=_at(_days(-20)))
        FollowUpFactory(customer=customer, assignee=rep, due_on=_days(-2), source_interaction=source)
        FollowUpFactory(customer=customer, assignee=rep, due_on=_days(0))
        FollowUpFactory(customer=customer, assignee=rep, due_on=_days(3))


@pytest.mark.parametrize("rows", [2, 6])
def test_my_day_query_budget(rep_client, rep, gm, rm, rows, django_assert_num_queries):
    _fill_day(rep, rows, gm=gm, rm=rm)
    # session, user, groups (role), follow-ups (+customer, owner, assignee, source), their account
    # teams, general managers (reassign choices), cadence: default rules, customer rules, one per
    # default rule (2), my recent interactions (+customer)
    with django_assert_num_queries(11):
        response = rep_client.get(MY_DAY)
    assert len(response.context["overdue"]) == len(response.context["due_today"]) == rows
    assert len(response.context["due_customers"]) == rows
    assert len(response.context["recent"]) == rows


def test_reassign_choices_are_the_people_on_the_account(rep_client, rep, rep2, rm, gm):
    customer = _customer(rep)
    AccountTeamMemberFactory(customer=customer, user=rm, role="Key account lead")
    follow_up = FollowUpFactory(customer=customer, assignee=rep)
    (listed,) = rep_client.get(MY_DAY).context["due_today"]
    assert [(c.user, c.why) for c in listed.colleagues] == [(rm, "Key account lead"), (gm, "general manager")]
    html = rep_client.get(MY_DAY).content.decode()
    assert f'<option value="{rm.pk}">' in html and f'<option value="{rep2.pk}">' not in html
    assert f'action="{_action("follow_up_reassign", follow_up)}"' in html


# --- follow-up actions -----------------------------------------------------------


@pytest.fixture
def follow_up(rep):
    return FollowUpFactory(customer=_customer(rep, name="PT Action"), assignee=rep, due_on=_days(0), what="Ring Budi")


def test_mark_done_with_htmx_refreshes_the_follow_ups(rep_client, rep, follow_up):
    other = FollowUpFactory(customer=follow_up.customer, assignee=rep, due_on=_days(1), what="Still open")
    response = rep_client.post(_action("follow_up_done", follow_up), **HTMX)
    assert response.status_code == 200
    follow_up.refresh_from_db()
    assert follow_up.done_at is not None and follow_up.done_by == rep
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card shadow-sm mb-4 day-section" id="day-follow-ups"')
    assert "Done: Ring Budi" in html
    assert f'id="follow-up-{follow_up.pk}"' not in html and f'id="follow-up-{other.pk}"' in html


def test_mark_done_without_javascript_redirects_back(rep_client, follow_up):
    response = rep_client.post(_action("follow_up_done", follow_up), {"next": "/"}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "Done: Ring Budi" in response.content.decode()
    assert FollowUp.objects.get(pk=follow_up.pk).done_at is not None
    response = rep_client.post(_action("follow_up_done", follow_up), {"next": "https://evil.example/"})
    assert response["Location"] == MY_DAY


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"when": "tomorrow"}, lambda: _days(1)),
        ({"when": "next_week"}, lambda: _days(7)),
        ({"when": "next_monday"}, lambda: _days((7 - _today().weekday()) or 7)),
        ({"due_on": "2099-03-02"}, lambda: datetime.date(2099, 3, 2)),
    ],
)
def test_snooze_with_htmx(rep_client, follow_up, data, expected):
    response = rep_client.post(_action("follow_up_snooze", follow_up), data, **HTMX)
    assert response.status_code == 200
    follow_up.refresh_from_db()
    assert follow_up.due_on == expected()
    assert "Snoozed to" in response.content.decode()


def test_snooze_without_javascript_redirects_back(rep_client, follow_up):
    response = rep_client.post(_action("follow_up_snooze", follow_up), {"when": "tomorrow", "next": MY_DAY})
    assert (response.status_code, response["Location"]) == (302, MY_DAY)
    follow_up.refresh_from_db()
    assert follow_up.due_on == _days(1)


@pytest.mark.parametrize(
    ("data", "error"),
    [({"due_on": ""}, "Choose a date."), ({"due_on": "2020-01-01"}, "Choose today or a later date.")],
)
def test_snooze_errors_are_shown_at_the_follow_up(rep_client, follow_up, data, error):
    response = rep_client.post(_action("follow_up_snooze", follow_up), data, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert error in html and 'id="day-error"' in html
    assert '<details class="action-popover" open>' in html
    follow_up.refresh_from_db()
    assert follow_up.due_on == _today()
    page = rep_client.post(_action("follow_up_snooze", follow_up), data)
    assert page.templates[0].name == "communications/my_day.html"
    assert error in page.content.decode()


def test_reassign_to_a_team_member(rep_client, rm, follow_up):
    AccountTeamMemberFactory(customer=follow_up.customer, user=rm)
    response = rep_client.post(_action("follow_up_reassign", follow_up), {"assignee": rm.pk}, **HTMX)
    follow_up.refresh_from_db()
    assert follow_up.assignee == rm
    html = response.content.decode()
    assert "Handed to" in html and f'id="follow-up-{follow_up.pk}"' not in html


def test_reassign_without_javascript_redirects_back(rep_client, gm, follow_up):
    response = rep_client.post(_action("follow_up_reassign", follow_up), {"assignee": gm.pk, "next": "/"})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert FollowUp.objects.get(pk=follow_up.pk).assignee == gm


@pytest.mark.parametrize("htmx", [True, False])
def test_reassign_to_someone_who_cannot_see_the_customer_is_a_field_error(rep_client, rep, rep2, gm, follow_up, htmx):
    response = rep_client.post(
        _action("follow_up_reassign", follow_up), {"assignee": rep2.pk}, **(HTMX if htmx else {})
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Assign someone who works with this customer." in html
    assert 'class="form-select form-select-sm is-invalid"' in html
    assert FollowUp.objects.get(pk=follow_up.pk).assignee == rep


def test_follow_up_of_another_team_is_a_404(rep2_client, follow_up):
    for name, data in (("follow_up_done", {}), ("follow_up_snooze", {"when": "tomorrow"}), ("follow_up_reassign", {})):
        assert rep2_client.post(_action(name, follow_up), data).status_code == 404
    assert FollowUp.objects.get(pk=follow_up.pk).done_at is None


def test_only_assignee_owner_and_managers_may_act(client, rep, rm, gm, make_user):
    customer = _customer(rep)
    AccountTeamMemberFactory(customer=customer, user=rm)
    helper = make_user(Role.SALES_REP, username="t_helper")
    AccountTeamMemberFactory(customer=customer, user=helper)
    follow_up = FollowUpFactory(customer=customer, assignee=helper)
    client.force_login(rm)  # on the team, but neither assignee nor owner
    assert client.post(_action("follow_up_done", follow_up)).status_code == 403
    for user in (rep, helper, gm):  # owner, assignee, general manager
        follow_up = FollowUpFactory(customer=customer, assignee=helper)
        client.force_login(user)
        assert client.post(_action("follow_up_done", follow_up)).status_code == 302


def test_follow_up_actions_are_posts(rep_client, follow_up):
    assert rep_client.get(_action("follow_up_done", follow_up)).status_code == 405


def test_my_day_section_reloads_alone(rep_client, follow_up):
    response = rep_client.get(MY_DAY, {"section": "customers"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card shadow-sm mb-4 day-section" id="day-customers"')
    assert "<html" not in html


# --- interactions list --------------------------------------------------------------


@pytest.fixture
def logged(rep, rep2, rm):
    key = _customer(rep, tier=Customer.Tier.KEY, name="PT Kunci Utama")
    regular = _customer(rep, name="CV Biasa")
    AccountTeamMemberFactory(customer=key, user=rm)
    hidden = _customer(rep2, name="PT Lain Tim")
    return {
        "visit": InteractionFactory(
            customer=key,
            logged_by=rep,
            channel=Channel.VISIT,
            purpose=Purpose.RELATIONSHIP,
            occurred_at=_at(_days(-10)),
        ),
        "order": InteractionFactory(
            customer=regular, logged_by=rep, channel=Channel.PHONE, purpose=Purpose.ORDER, occurred_at=_at(_days(-3))
        ),
        "email": InteractionFactory(
            customer=key,
            logged_by=rm,
            channel=Channel.EMAIL,
            purpose=Purpose.PROPOSAL,
            direction=Interaction.Direction.INBOUND,
            occurred_at=_at(_days(-1)),
        ),
        "hidden": InteractionFactory(customer=hidden, logged_by=rep2, occurred_at=_at(_days(-2))),
    }


def _listed(client, **params) -> list[int]:
    return [interaction.pk for interaction in client.get(LIST, params).context["page"].object_list]


def test_interactions_list_filters(rep_client, rm, logged):
    visit, order, email = logged["visit"].pk, logged["order"].pk, logged["email"].pk
    assert _listed(rep_client) == [email, order, visit]
    assert _listed(rep_client, channel="visit") == [visit]
    assert _listed(rep_client, purpose="order") == [order]
    assert _listed(rep_client, user=rm.pk) == [email]
    assert _listed(rep_client, tier="key") == [email, visit]
    assert _listed(rep_client, direction="inbound") == [email]
    assert _listed(rep_client, customer="biasa") == [order]
    assert _listed(rep_client, date_from=_days(-5)) == [email, order]
    assert _listed(rep_client, date_to=_days(-5)) == [visit]
    assert _listed(rep_client, date_from=_days(-4), date_to=_days(-2)) == [order]
    assert _listed(rep_client, tier="key", channel="email", user=rm.pk) == [email]


def test_date_range_covers_whole_local_days(rep_client, rep):
    customer = _customer(rep)
    day = _days(-6)
    early = InteractionFactory(customer=customer, occurred_at=_at(day, 0, 5))
    late = InteractionFactory(customer=customer, occurred_at=_at(day, 23, 55))
    InteractionFactory(customer=customer, occurred_at=_at(day + datetime.timedelta(days=1), 0, 5))
    InteractionFactory(customer=customer, occurred_at=_at(day - datetime.timedelta(days=1), 23, 55))
    assert _listed(rep_client, date_from=day, date_to=day) == [late.pk, early.pk]


def test_reversed_date_range_is_a_field_error_and_keeps_the_start(rep_client, logged):
    response = rep_client.get(LIST, {"date_from": _days(-5), "date_to": _days(-8)})
    assert "The end date cannot be before the start date." in response.content.decode()
    assert [i.pk for i in response.context["page"].object_list] == [logged["email"].pk, logged["order"].pk]


def test_interactions_list_shows_only_visible_customers(rep_client, gm_client, logged):
    html = rep_client.get(LIST).content.decode()
    assert "PT Lain Tim" not in html
    assert "3 interactions" in html
    assert len(_listed(gm_client)) == 4


def test_interactions_list_columns(rep_client, rep, logged):
    contact = ContactPersonFactory(customer=logged["visit"].customer, name="Ibu Sari")
    logged["visit"].contacts.add(contact)
    html = rep_client.get(LIST).content.decode()
    for text in (
        "PT Kunci Utama",
        str(Channel.VISIT.label),
        str(Purpose.RELATIONSHIP.label),
        "Ibu Sari",
        rep.get_full_name(),
    ):
        assert text in html


def test_htmx_filter_returns_only_the_results(rep_client, logged):
    response = rep_client.get(LIST, {"channel": "visit"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html
    assert "1 interaction" in html
    assert f"{EXPORT}?channel=visit" in html


def _many_interactions(rep, rm, rows: int):
    customers = [_customer(rep, tier=Customer.Tier.KEY), _customer(rep)]
    for customer in customers:
        AccountTeamMemberFactory(customer=customer, user=rm)
    for n in range(rows):
        customer = customers[n % 2]
        interaction = InteractionFactory(
            customer=customer, logged_by=rm if n % 3 else rep, occurred_at=_at(_days(-n - 1))
        )
        interaction.contacts.add(ContactPersonFactory(customer=customer))


@pytest.mark.parametrize("rows", [3, 30])
def test_interactions_list_query_budget(rep_client, rep, rm, rows, django_assert_num_queries):
    _many_interactions(rep, rm, rows)
    # session, user, groups (role), count, the page (+customer, logged by), its contacts,
    # the people for the "logged by" filter
    with django_assert_num_queries(7):
        response = rep_client.get(LIST, {"tier": "", "date_from": _days(-60)})
    assert response.context["page"].paginator.count == rows


# --- CSV export -----------------------------------------------------------------------


def _csv_rows(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_export_is_the_filtered_visible_list_with_formulas_neutralised(rep_client, rep, logged):
    visit = logged["visit"]
    Interaction.objects.filter(pk=visit.pk).update(subject='=HYPERLINK("http://x")', outcome="+62 811 000")
    visit.contacts.add(ContactPersonFactory(customer=visit.customer, name="Ibu Sari"))
    visit.contacts.add(ContactPersonFactory(customer=visit.customer, name="Pak Budi"))

    response = rep_client.get(EXPORT)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="interactions-{_today():%Y-%m-%d}.csv"'
    rows = _csv_rows(response)
    assert [int(row["id"]) for row in rows] == [logged["email"].pk, logged["order"].pk, visit.pk]
    row = rows[2]
    assert row["subject"] == '\'=HYPERLINK("http://x")'
    assert row["outcome"] == "'+62 811 000"
    assert sorted(row["contacts"].split("; ")) == ["Ibu Sari", "Pak Budi"]
    assert (row["customer"], row["tier"], row["channel"], row["purpose"], row["logged_by"]) == (
        "PT Kunci Utama",
        "key",
        "visit",
        "relationship",
        rep.username,
    )
    assert row["occurred_at"] == timezone.localtime(visit.occurred_at).isoformat()

    filtered = _csv_rows(rep_client.get(EXPORT, {"channel": "phone"}))
    assert [int(row["id"]) for row in filtered] == [logged["order"].pk]


def test_export_neutralises_a_formula_at_the_start_of_the_contacts_cell(rep_client, logged):
    visit = logged["visit"]
    visit.contacts.add(ContactPersonFactory(customer=visit.customer, name="=cmd|' /C calc'!A0"))
    (row,) = [r for r in _csv_rows(rep_client.get(EXPORT)) if int(r["id"]) == visit.pk]
    assert row["contacts"] == "'=cmd|' /C calc'!A0"


@pytest.mark.parametrize("rows", [3, 30])
def test_export_query_budget(rep_client, rep, rm, rows, django_assert_num_queries):
    _many_interactions(rep, rm, rows)
    # session, user, groups (role), the interactions (+customer, logged by, contact names)
    with django_assert_num_queries(4):
        exported = _csv_rows(rep_client.get(EXPORT))
    assert len(exported) == rows
    assert all(row["contacts"] for row in exported)


def test_export_leaves_out_other_teams(rep2_client, logged):
    assert [int(row["id"]) for row in _csv_rows(rep2_client.get(EXPORT))] == [logged["hidden"].pk]


# --- per-rep summary ------------------------------------------------------------------------


def _this_monday() -> datetime.date:
    return _today() - datetime.timedelta(days=_today().weekday())


def _summary_specs() -> list[tuple[datetime.datetime, str, str]]:
    first_monday = _this_monday() - datetime.timedelta(weeks=11)
    specs = [
        (_at(first_monday, 0, 30), Channel.VISIT, Purpose.RELATIONSHIP),  # first minutes of the window
        (_at(first_monday + datetime.timedelta(days=6), 23, 30), Channel.PHONE, Purpose.ORDER),  # its last
        (_at(first_monday + datetime.timedelta(days=7), 0, 10), Channel.PHONE, Purpose.ORDER),  # next week
    ]
    for week, (channel, purpose) in enumerate(
        [
            (Channel.VISIT, Purpose.RELATIONSHIP),
            (Channel.EVENT, Purpose.RELATIONSHIP),
            (Channel.EMAIL, Purpose.PROPOSAL),
            (Channel.PHONE, Purpose.SERVICE),
            (Channel.WEB, Purpose.PROBLEM),
            (Channel.MAIL, Purpose.ORDER),
        ],
        start=2,
    ):
        monday = first_monday + datetime.timedelta(weeks=week)
        specs += [(_at(monday + datetime.timedelta(days=day), 9), channel, purpose) for day in range(week % 3 + 1)]
    return specs


def _expected(specs) -> dict[datetime.date, tuple[int, Counter, Counter]]:
    weeks: dict[datetime.date, tuple[int, Counter, Counter]] = {}
    for occurred_at, channel, purpose in specs:
        local = timezone.localtime(occurred_at).date()
        monday = local - datetime.timedelta(days=local.weekday())
        total, channels, purposes = weeks.get(monday, (0, Counter(), Counter()))
        channels[channel] += 1
        purposes[purpose] += 1
        weeks[monday] = (total + 1, channels, purposes)
    return weeks


def _log(user, customer, specs):
    for occurred_at, channel, purpose in specs:
        InteractionFactory(customer=customer, logged_by=user, channel=channel, purpose=purpose, occurred_at=occurred_at)


def test_summary_counts_per_week_channel_and_purpose(rep_client, rep, rep2):
    specs = _summary_specs()
    _log(rep, _customer(rep), specs)
    sunday_before = _this_monday() - datetime.timedelta(weeks=11, days=1)
    _log(rep, _customer(rep), [(_at(sunday_before, 23, 30), Channel.VISIT, Purpose.ORDER)])  # just before the window
    _log(rep2, _customer(rep2), specs[:4])

    response = rep_client.get(SUMMARY)
    summary = response.context["summary"]
    assert [week for week, _tally in summary.weeks] == summary_weeks(_today())
    assert summary.weeks[-1][0] == _this_monday() and len(summary.weeks) == 12
    expected = _expected(specs)
    got = {
        week: (
            tally.total,
            {k: v for k, v in tally.channels.items() if v},
            {k: v for k, v in tally.purposes.items() if v},
        )
        for week, tally in summary.weeks
        if tally.total
    }
    assert got == {
        week: (total, dict(channels), dict(purposes)) for week, (total, channels, purposes) in expected.items()
    }

    relationship = sum(1 for _at_, _channel, purpose in specs if purpose == Purpose.RELATIONSHIP)
    order = sum(1 for _at_, _channel, purpose in specs if purpose == Purpose.ORDER)
    assert summary.total.total == len(specs)
    assert summary.total.relationship_share == pytest.approx(relationship / (relationship + order))
    html = response.content.decode()
    assert (
        f'<div class="stat-value" id="stat-share">{round(100 * relationship / (relationship + order))}%</div>' in html
    )
    assert f'<div class="stat-value" id="stat-total">{len(specs)}</div>' in html
    chart = json.loads(html.split('<script id="summary-data" type="application/json">')[1].split("</script>")[0])
    visits = next(series["data"] for series in chart["channels"] if series["key"] == "visit")
    assert visits == [summary_tally.channels["visit"] for _week, summary_tally in summary.weeks]
    assert "chart.umd.js" in html and "js/rep_summary.js" in html and "<script>" not in html


def test_rep_sees_only_their_own_summary(rep_client, rep, rep2):
    _log(rep2, _customer(rep2), _summary_specs())
    _log(rep, _customer(rep), _summary_specs()[:2])
    response = rep_client.get(SUMMARY, {"user": rep2.pk})
    assert response.context["form"] is None
    assert [person for person, _tally in response.context["summary"].people] == [rep]
    assert response.context["summary"].total.total == 2
    assert 'id="summary-user"' not in response.content.decode()


def test_team_member_summary_leaves_out_interactions_they_can_no_longer_see(rep_client, rep, rep2):
    shared = _customer(rep2)
    _log(rep, shared, _summary_specs()[:3])  # logged while on the team, which they have since left
    assert rep_client.get(SUMMARY).context["summary"].total.total == 0
    assert "No contacts logged in the last 12 weeks" in rep_client.get(SUMMARY).content.decode()


@pytest.mark.parametrize("client_name", ["gm_client", "admin_client"])
def test_managers_see_every_rep_and_rm_and_can_pick_one(request, client_name, rep, rep2, rm, gm):
    client = request.getfixturevalue(client_name)
    specs = _summary_specs()
    _log(rep, _customer(rep), specs[:3])
    _log(rep2, _customer(rep2), specs[3:5])
    _log(rm, _customer(rm), specs[5:6])
    _log(gm, _customer(gm), specs[6:7])  # a general manager's own contacts are not in the reps' summary

    summary = client.get(SUMMARY).context["summary"]
    assert {person.username: tally.total for person, tally in summary.people} == {
        rep.username: 3,
        rep2.username: 2,
        rm.username: 1,
    }
    assert summary.total.total == 6
    picked = client.get(SUMMARY, {"user": rep2.pk})
    assert picked.context["summary"].total.total == 2
    assert [person for person, _tally in picked.context["summary"].people] == [rep2]
    html = picked.content.decode()
    assert f'<option value="{rep2.pk}" selected>' in html


@pytest.mark.parametrize("rows", [2, 12])
@pytest.mark.parametrize(
    ("client_name", "queries"),
    [
        # session, user, groups (role), the grouped counts
        ("rep_client", 4),
        # ... + the reps and relationship managers (filter and rows)
        ("gm_client", 5),
    ],
)
def test_summary_query_budget(request, client_name, queries, rows, rep, rm, django_assert_num_queries):
    specs = _summary_specs()
    for user in (rep, rm):
        _log(user, _customer(user), specs[:rows])
    client = request.getfixturevalue(client_name)
    with django_assert_num_queries(queries):
        response = client.get(SUMMARY)
    assert response.context["summary"].total.total == rows * (1 if client_name == "rep_client" else 2)


# --- navigation ---------------------------------------------------------------------------------


def test_navigation_entries_per_role(rep_client, gm_client):
    rep_html = rep_client.get(LIST).content.decode()
    for url in (MY_DAY, LIST, SUMMARY):
        assert f'href="{url}"' in rep_html
    assert 'aria-current="page" href="/contact/interactions/"' in rep_html
    gm_html = gm_client.get(SUMMARY).content.decode()
    assert f'href="{LIST}"' in gm_html and f'href="{SUMMARY}"' in gm_html
    assert f'href="{MY_DAY}"' not in gm_html


@pytest.mark.parametrize("url", [MY_DAY, LIST, EXPORT, SUMMARY])
def test_pages_need_a_login(client, url):
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, f"/login/?next={url}")


def test_relationship_manager_sees_their_own_summary(rm_client, rm, rep):
    _log(rep, _customer(rep), _summary_specs()[:3])
    _log(rm, _customer(rm), _summary_specs()[:1])
    response = rm_client.get(SUMMARY, {"user": rep.pk})
    assert [person for person, _tally in response.context["summary"].people] == [rm]
    assert response.context["summary"].total.total == 1
