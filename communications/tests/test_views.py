import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import ContactPersonFactory, CustomerFactory
from communications.forms import customer_label
from communications.models import FollowUp, Interaction
from communications.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(name, *args):
    return reverse(f"communications:{name}", args=args)


def _now_local():
    return timezone.localtime().replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")


def test_quick_log_needs_only_four_fields(rep_client, rep):
    customer = CustomerFactory(owner=rep, name="PT Cepat", city="Bekasi")
    response = rep_client.post(
        _url("quick_log"),
        {
            "customer_text": customer_label(customer),
            "channel": "phone",
            "occurred_at": _now_local(),
            "subject": "Called",
        },
    )
    interaction = Interaction.objects.get()
    assert response["Location"] == f"{customer.get_absolute_url()}#timeline"
    assert (interaction.customer, interaction.channel, interaction.subject, interaction.logged_by) == (
        customer,
        "phone",
        "Called",
        rep,
    )


def test_quick_log_reports_each_missing_field(rep_client):
    response = rep_client.post(_url("quick_log"), {"customer_text": "", "channel": "", "subject": ""})
    assert set(response.context["form"].errors) == {"customer_text", "channel", "occurred_at", "subject"}


def test_quick_log_refuses_a_customer_of_another_team(rep_client, rep2):
    theirs = CustomerFactory(owner=rep2)
    form = rep_client.post(
        _url("quick_log"),
        {"customer_text": customer_label(theirs), "channel": "phone", "occurred_at": _now_local(), "subject": "x"},
    ).context["form"]
    assert form.errors["customer_text"] == ["Choose a customer from the list."]
    assert rep_client.get(_url("quick_log"), {"customer": theirs.pk}).status_code == 404


def test_htmx_quick_log_returns_a_fresh_form_and_announces_the_new_entry(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    contact = ContactPersonFactory(customer=customer)
    follow_up_day = timezone.localdate() + datetime.timedelta(days=6)
    response = rep_client.post(
        _url("quick_log"),
        {
            "customer": customer.pk,
            "channel": "phone",
            "occurred_at": _now_local(),
            "subject": "10-minute call",
            "duration_minutes": "10",
            "contacts": [contact.pk],
            "follow_up_on": follow_up_day.isoformat(),
            "next_step": "Send the quotation",
            "purpose": "relationship",
            "direction": "outbound",
        },
        **HTMX,
    )
    assert json.loads(response["HX-Trigger"]) == {"interactionLogged": {}}
    assert "Logged “10-minute call”" in response.content.decode()
    interaction = Interaction.objects.get()
    assert interaction.duration_minutes == 10 and list(interaction.contacts.all()) == [contact]
    assert FollowUp.objects.get().due_on == follow_up_day


def test_a_future_contact_is_a_field_error(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    tomorrow = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    form = rep_client.post(
        _url("quick_log"), {"customer": customer.pk, "channel": "visit", "occurred_at": tomorrow, "subject": "x"}
    ).context["form"]
    assert form.errors["occurred_at"] == ["An interaction that took place cannot be in the future."]


def test_customer_options_offer_only_visible_customers(rep_client, rep, rep2):
    CustomerFactory(owner=rep, name="PT Sumber Air", city="Bogor")
    CustomerFactory(owner=rep2, name="PT Sumber Api")
    html = rep_client.get(_url("customer_options"), {"customer_text": "sumber"}).content.decode()
    assert "PT Sumber Air · Bogor (#" in html
    assert "Sumber Api" not in html


@pytest.mark.parametrize(("rows", "page", "queries"), [(2, 1, 9), (25, 1, 9), (45, 2, 10)])
def test_timeline_query_budget(rep_client, rep, rows, page, queries, django_assert_num_queries):
    customer = CustomerFactory(owner=rep)
    contact = ContactPersonFactory(customer=customer)
    for n in range(rows):
        InteractionFactory(
            customer=customer, occurred_at=timezone.now() - datetime.timedelta(hours=n + 1)
        ).contacts.add(contact)
    # session, user, role, customer, count, page (+customer, logged_by), contacts, quick-log contacts,
    # one per timeline source (insights: purchases), and after page 1 the previous page's last time
    with django_assert_num_queries(queries):
        response = rep_client.get(_url("customer_timeline", customer.pk), {"page": page}, **HTMX)
    assert response.status_code == 200


def test_timeline_is_newest_first_and_filters(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    InteractionFactory(
        customer=customer, subject="Old visit", channel="visit", occurred_at=timezone.now() - datetime.timedelta(days=9)
    )
    InteractionFactory(
        customer=customer, subject="New call", channel="phone", occurred_at=timezone.now() - datetime.timedelta(days=1)
    )
    page = rep_client.get(_url("customer_timeline", customer.pk)).context["page"]
    assert [i.subject for i in page.object_list] == ["New call", "Old visit"]
    visits = rep_client.get(_url("customer_timeline", customer.pk), {"channel": "visit"}).context["page"]
    assert [i.subject for i in visits.object_list] == ["Old visit"]


def test_last_contact_names_when_how_and_who(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    assert "No contact logged yet" in rep_client.get(_url("customer_last_contact", customer.pk)).content.decode()
    InteractionFactory(customer=customer, channel="visit", occurred_at=timezone.now() - datetime.timedelta(days=3))
    html = rep_client.get(_url("customer_last_contact", customer.pk)).content.decode()
    assert "Last contact 3\xa0days ago · Visit · " + rep.get_full_name() in html


def test_other_teams_interactions_and_timeline_are_404(rep2_client, rep):
    interaction = InteractionFactory(customer=CustomerFactory(owner=rep))
    for url in (
        _url("interaction_detail", interaction.pk),
        _url("interaction_edit", interaction.pk),
        _url("customer_timeline", interaction.customer.pk),
        _url("customer_last_contact", interaction.customer.pk),
    ):
        assert rep2_client.get(url).status_code == 404, url


def test_only_the_author_corrects_and_the_history_keeps_the_original(rep_client, gm_client, rep):
    interaction = InteractionFactory(customer=CustomerFactory(owner=rep), logged_by=rep, subject="Typo")
    assert gm_client.get(_url("interaction_edit", interaction.pk)).status_code == 403
    response = rep_client.post(
        _url("interaction_edit", interaction.pk),
        {
            "channel": "phone",
            "occurred_at": timezone.localtime(interaction.occurred_at).strftime("%Y-%m-%dT%H:%M"),
            "subject": "Fixed",
            "purpose": "order",
            "direction": "inbound",
        },
    )
    assert response.status_code == 302
    assert [h.subject for h in interaction.history.order_by("history_date")] == ["Typo", "Fixed"]
