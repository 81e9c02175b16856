import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Customer
from accounts.tests.factories import ContactPersonFactory, CustomerFactory
from communications import selectors, services
from communications.models import FollowUp, Interaction
from communications.tests.factories import CadenceRuleFactory, FollowUpFactory, InteractionFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 25)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _customer(owner, *, tier="regular", created_days_ago=400, **kwargs):
    customer = CustomerFactory(owner=owner, **kwargs)
    Customer.objects.filter(pk=customer.pk).update(
        tier=tier, created_at=_at(TODAY - datetime.timedelta(days=created_days_ago))
    )
    customer.refresh_from_db()
    return customer


def test_logging_a_call_with_a_follow_up(rep):
    customer = _customer(rep)
    contact = ContactPersonFactory(customer=customer)
    next_tuesday = timezone.localdate() + datetime.timedelta(days=(1 - timezone.localdate().weekday()) % 7 or 7)
    interaction = services.interaction_log(
        by=rep,
        customer=customer,
        channel="phone",
        subject="Price check",
        contacts=[contact],
        duration_minutes=10,
        follow_up_on=next_tuesday,
        next_step="Send the quotation",
    )
    assert list(interaction.contacts.all()) == [contact]
    follow_up = FollowUp.objects.get()
    assert (follow_up.assignee, follow_up.due_on, follow_up.what, follow_up.source_interaction) == (
        rep,
        next_tuesday,
        "Send the quotation",
        interaction,
    )


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"occurred_at": timezone.now() + datetime.timedelta(days=2)}, "occurred_at"),
        (
            {
                "occurred_at": timezone.now() - datetime.timedelta(days=3),
                "follow_up_on": timezone.localdate() - datetime.timedelta(days=5),
            },
            "follow_up_on",
        ),
        ({"channel": "pigeon"}, "channel"),
        ({"location": "Hotel Mulia", "channel": "email"}, "location"),
    ],
)
def test_bad_interactions_are_field_errors(rep, fields, error_field):
    customer = _customer(rep)
    with pytest.raises(ValidationError) as error:
        services.interaction_log(by=rep, customer=customer, subject="x", **{"channel": "phone", **fields})
    assert error_field in error.value.message_dict
    assert not Interaction.objects.exists()


def test_contact_of_another_customer_is_refused(rep):
    customer = _customer(rep)
    stranger = ContactPersonFactory(customer=_customer(rep))
    with pytest.raises(ValidationError) as error:
        services.interaction_log(by=rep, customer=customer, channel="visit", subject="Visit", contacts=[stranger])
    assert error.value.message_dict == {"contacts": ["Choose contact persons of this customer."]}


def test_only_the_author_corrects_within_48_hours(rep, gm):
    interaction = InteractionFactory(customer=_customer(rep), logged_by=rep)
    services.interaction_update(interaction=interaction, by=rep, subject="Corrected summary")
    assert interaction.history.first().subject == "Corrected summary"
    assert interaction.history.last().subject == "Checked in on the Q4 delivery schedule"
    with pytest.raises(PermissionDenied):
        services.interaction_update(interaction=interaction, by=gm, subject="Not mine")
    Interaction.objects.filter(pk=interaction.pk).update(created_at=timezone.now() - datetime.timedelta(hours=49))
    interaction.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.interaction_update(interaction=interaction, by=rep, subject="Too late")


def _expected_due(customers, today):
    """Plain re-statement of the rule: default any-contact gaps 60 (regular) and 14 (key), visits 30 (key)."""
    rules = {"regular": [("", 60)], "key": [("", 14), ("visit", 30)]}
    result = {}
    for customer in customers:
        for channel, days in rules[customer.tier]:
            contacts = [i.occurred_at for i in customer.interactions.all() if not channel or i.channel == channel]
            since = timezone.localtime(max(contacts) if contacts else customer.created_at).date()
            late = (today - (since + datetime.timedelta(days=days))).days
            if late > 0 and late > result.get(customer.name, -(10**6)):
                result[customer.name] = late
    return result


def test_cadence_due_matches_the_rule_written_plainly(rep):
    calm = _customer(rep, name="Calm")
    InteractionFactory(customer=calm, channel="email", occurred_at=_at(TODAY - datetime.timedelta(days=10)))
    late_regular = _customer(rep, name="Late regular")
    InteractionFactory(customer=late_regular, occurred_at=_at(TODAY - datetime.timedelta(days=75)))
    never = _customer(rep, name="Never contacted", created_days_ago=90)
    key_no_visit = _customer(rep, tier="key", name="Key, called but not visited")
    InteractionFactory(customer=key_no_visit, channel="phone", occurred_at=_at(TODAY - datetime.timedelta(days=2)))
    InteractionFactory(customer=key_no_visit, channel="visit", occurred_at=_at(TODAY - datetime.timedelta(days=45)))
    key_on_the_edge = _customer(rep, tier="key", name="Key on the edge")
    InteractionFactory(customer=key_on_the_edge, channel="visit", occurred_at=_at(TODAY - datetime.timedelta(days=14)))
    statuses = selectors.cadence_due(customers=Customer.objects.all(), as_of=TODAY)
    got = {s.customer.name: s.days_overdue for s in statuses if s.is_overdue}
    customers = Customer.objects.prefetch_related("interactions")
    assert (
        got
        == _expected_due(customers, TODAY)
        == {"Late regular": 15, "Never contacted": 30, "Key, called but not visited": 15}
    )
    assert [s.customer.name for s in statuses if s.is_overdue] == [
        "Never contacted",
        "Key, called but not visited",
        "Late regular",
    ]
    assert never.pk in {s.customer.pk for s in statuses}


def test_customer_rule_replaces_the_tier_default(rep):
    customer = _customer(rep, name="Weekly")
    CadenceRuleFactory(customer=customer, channel="", max_gap_days=7)
    InteractionFactory(customer=customer, occurred_at=_at(TODAY - datetime.timedelta(days=9)))
    [status] = selectors.cadence_due(customers=Customer.objects.all(), as_of=TODAY)
    assert (status.max_gap_days, status.days_overdue) == (7, 2)


def test_due_soon_shows_customers_within_the_horizon(rep):
    customer = _customer(rep, name="Soon")
    InteractionFactory(customer=customer, occurred_at=_at(TODAY - datetime.timedelta(days=58)))
    assert selectors.cadence_due(customers=Customer.objects.all(), as_of=TODAY) == []
    [status] = selectors.cadence_due(customers=Customer.objects.all(), as_of=TODAY, horizon_days=3)
    assert (status.days_overdue, status.due_on) == (-2, TODAY + datetime.timedelta(days=2))


def test_cadence_job_is_idempotent_and_a_contact_closes_the_need(rep, rep2):
    late = _customer(rep, name="Late")
    InteractionFactory(customer=late, occurred_at=_at(TODAY - datetime.timedelta(days=70)))
    other = _customer(rep2, name="Other late", created_days_ago=100)
    assert services.cadence_follow_ups_create(as_of=TODAY) == 2
    assert services.cadence_follow_ups_create(as_of=TODAY) == 0
    follow_ups = FollowUp.objects.filter(source="cadence").order_by("customer__name")
    assert [(f.customer, f.assignee, f.due_on) for f in follow_ups] == [(late, rep, TODAY), (other, rep2, TODAY)]
    assert follow_ups[0].what == "Contact overdue: no contact for 70 days (allowed: 60)."
    interaction = services.interaction_log(by=rep, customer=late, channel="phone", subject="Caught up")
    closed = FollowUp.objects.get(customer=late)
    assert (closed.done_by, closed.done_interaction) == (rep, interaction)
    assert selectors.cadence_due(customers=Customer.objects.filter(pk=late.pk)) == []


def test_follow_up_snooze_reassign_and_complete(rep, rep2, gm):
    customer = _customer(rep)
    follow_up = FollowUpFactory(customer=customer, assignee=rep)
    later = timezone.localdate() + datetime.timedelta(days=7)
    services.follow_up_reschedule(follow_up=follow_up, by=rep, due_on=later)
    assert follow_up.due_on == later
    with pytest.raises(ValidationError) as error:
        services.follow_up_reassign(follow_up=follow_up, by=rep, assignee=rep2)
    assert error.value.message_dict == {"assignee": ["Assign someone who works with this customer."]}
    services.follow_up_reassign(follow_up=follow_up, by=rep, assignee=gm)
    services.follow_up_complete(follow_up=follow_up, by=gm)
    follow_up.refresh_from_db()
    assert (follow_up.assignee, follow_up.done_by) == (gm, gm)
    assert follow_up.history.count() == 4
