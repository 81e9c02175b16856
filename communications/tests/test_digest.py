"""The daily digest: who gets which email, what it says, once a day, in a fixed number of queries."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Customer
from accounts.tests.factories import AccountTeamMemberFactory, CustomerFactory
from communications import services
from communications.digest import digests_send
from communications.models import FollowUp
from communications.tests.factories import FollowUpFactory, InteractionFactory
from crm_project.roles import Role

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 25)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _customer(owner, *, name: str, tier: str = "regular", last_contact_days_ago: int = 5) -> Customer:
    """A customer known for a year, last contacted `last_contact_days_ago` days before TODAY."""
    customer = CustomerFactory(owner=owner, name=name)
    Customer.objects.filter(pk=customer.pk).update(tier=tier, created_at=_at(TODAY - datetime.timedelta(days=400)))
    InteractionFactory(
        customer=customer, logged_by=owner, occurred_at=_at(TODAY - datetime.timedelta(days=last_contact_days_ago))
    )
    customer.refresh_from_db()
    return customer


@pytest.fixture
def day(rep, rep2, rm, gm, admin):
    """rep: one overdue and one due-today follow-up, one customer overdue on cadence; rep2: one due today.

    Not in any digest: done follow-ups, follow-ups due later, rm and gm (nothing due), admin (no digest role).
    """
    rep.first_name, rep2.first_name = "Eka", "Fajar"
    rep.save()
    rep2.save()
    sinar = _customer(rep, name="PT Sinar Baja")
    mitra = _customer(rep, name="PT Mitra Logam")
    karya = _customer(rep, name="CV Karya Abadi", last_contact_days_ago=75)
    bumi = _customer(rep2, name="PT Bumi Rasa")
    tunas = _customer(rep2, name="PT Tunas Kargo")
    FollowUpFactory(customer=sinar, assignee=rep, due_on=TODAY - datetime.timedelta(days=3), what="Send the quotation")
    FollowUpFactory(customer=mitra, assignee=rep, due_on=TODAY, what="Call Pak Budi about the tender")
    FollowUpFactory(customer=mitra, assignee=rep, due_on=TODAY + datetime.timedelta(days=1), what="Not yet")
    FollowUpFactory(customer=sinar, assignee=rep, due_on=TODAY, what="Already done", done_at=timezone.now())
    FollowUpFactory(customer=bumi, assignee=rep2, due_on=TODAY, what="Confirm the delivery date")
    FollowUpFactory(customer=tunas, assignee=admin, due_on=TODAY, what="Admins get no digest")
    return {"sinar": sinar, "mitra": mitra, "karya": karya, "bumi": bumi}


def _by_recipient() -> dict[str, mail.EmailMultiAlternatives]:
    return {message.to[0]: message for message in mail.outbox}


def test_each_user_gets_only_their_own_items(day, rep, rep2, rm, gm, admin):
    assert digests_send(as_of=TODAY) == 2
    messages = _by_recipient()
    assert set(messages) == {rep.email, rep2.email}
    assert messages[rep.email].subject == "Relasi: 2 follow-ups and 1 customer due today"
    assert messages[rep2.email].subject == "Relasi: 1 follow-up due today"
    assert "PT Bumi Rasa" not in messages[rep.email].body
    assert "PT Sinar Baja" not in messages[rep2.email].body
    assert "Not yet" not in messages[rep.email].body
    assert "Already done" not in messages[rep.email].body


def test_the_text_body_lists_follow_ups_and_customers_with_links(day, rep):
    digests_send(as_of=TODAY)
    body = _by_recipient()[rep.email].body
    sinar, mitra, karya = (day[name].pk for name in ("sinar", "mitra", "karya"))
    assert "Good morning, Eka," in body
    assert "This is what is due for you in Relasi on Nov. 25, 2026." in body
    assert (
        "Overdue follow-ups\n"
        "\n"
        "- PT Sinar Baja: Send the quotation (due Nov. 22, 2026)\n"
        f"  http://127.0.0.1:8000/customers/{sinar}/\n"
    ) in body
    assert (
        "Follow-ups due today\n"
        "\n"
        "- PT Mitra Logam: Call Pak Budi about the tender\n"
        f"  http://127.0.0.1:8000/customers/{mitra}/\n"
    ) in body
    assert (
        "Customers to contact\n"
        "\n"
        "- CV Karya Abadi: Contact overdue: no contact for 75 days (allowed: 60).\n"
        f"  http://127.0.0.1:8000/customers/{karya}/\n"
    ) in body
    assert "Open Relasi: http://127.0.0.1:8000/\n" in body


def test_the_html_body_links_to_the_customers(day, rep, settings):
    settings.SITE_URL = "https://relasi.example.com/"
    digests_send(as_of=TODAY)
    message = _by_recipient()[rep.email]
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'<a href="https://relasi.example.com/customers/{day["karya"].pk}/"' in html
    assert "Contact overdue: no contact for 75 days (allowed: 60)." in html
    assert "(due Nov. 22, 2026)" in html
    assert '<a href="https://relasi.example.com/"' in html
    assert f"https://relasi.example.com/customers/{day['sinar'].pk}/" in message.body


def test_the_digest_speaks_the_site_language(day, rep, settings):
    settings.LANGUAGE_CODE = "id"
    digests_send(as_of=TODAY)
    body = _by_recipient()[rep.email].body
    assert "25 Nov. 2026" in body  # the Indonesian date format; the words follow the catalogue
    assert "Nov. 25, 2026" not in body


def test_a_cadence_follow_up_is_not_listed_twice(day, rep):
    assert services.cadence_follow_ups_create(as_of=TODAY) == 1
    assert FollowUp.objects.get(source=FollowUp.Source.CADENCE).customer == day["karya"]
    digests_send(as_of=TODAY)
    message = _by_recipient()[rep.email]
    assert message.subject == "Relasi: 2 follow-ups and 1 customer due today"
    assert message.body.count("CV Karya Abadi") == 1


def test_follow_ups_of_customers_the_assignee_no_longer_sees_stay_out(rep, rep2):
    theirs = _customer(rep2, name="PT Lain")
    member = AccountTeamMemberFactory(customer=theirs, user=rep)
    FollowUpFactory(customer=theirs, assignee=rep, due_on=TODAY, what="Help with the branch order")
    assert digests_send(as_of=TODAY) == 1
    member.delete()
    mail.outbox.clear()
    assert digests_send(as_of=TODAY + datetime.timedelta(days=1)) == 0


def test_a_second_run_on_the_same_day_sends_nothing(day):
    assert digests_send(as_of=TODAY) == 2
    assert digests_send(as_of=TODAY) == 0
    assert len(mail.outbox) == 2
    assert digests_send(as_of=TODAY + datetime.timedelta(days=1)) == 2
    assert len(mail.outbox) == 4


def test_a_mail_server_failure_is_raised_after_the_others_and_retried_for_that_user_only(day, rep, rep2, monkeypatch):
    original = mail.EmailMultiAlternatives.send

    def send(message, fail_silently=False):
        if message.to == [rep2.email]:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return original(message, fail_silently)

    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", send)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        digests_send(as_of=TODAY)
    assert [message.to for message in mail.outbox] == [[rep.email]]
    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", original)
    assert digests_send(as_of=TODAY) == 1
    assert [message.to for message in mail.outbox] == [[rep.email], [rep2.email]]


def _busy_reps(make_user, count: int, start: int) -> None:
    for n in range(start, start + count):
        rep = make_user(Role.SALES_REP, username=f"busy{n}")
        customer = _customer(rep, name=f"PT Sibuk {n}")
        _customer(rep, name=f"PT Lupa {n}", last_contact_days_ago=90)
        FollowUpFactory(customer=customer, assignee=rep, due_on=TODAY)
        FollowUpFactory(customer=customer, assignee=rep, due_on=TODAY - datetime.timedelta(days=2))


def test_queries_do_not_grow_with_the_number_of_users(make_user, django_assert_max_num_queries):
    _busy_reps(make_user, 2, start=0)
    with CaptureQueriesContext(connection) as two:
        assert digests_send(as_of=TODAY) == 2
    _busy_reps(make_user, 4, start=2)
    # recipients, their due follow-ups, the cadence rules (2), one per default rule (3),
    # the key accounts' RMs (the programme's responsible resolver),
    # claiming the recipients (one insert) and reading back this run's claims
    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as six:
        assert digests_send(as_of=TODAY + datetime.timedelta(days=1)) == 6
    assert len(six) == len(two)
    assert len(mail.outbox) == 8
