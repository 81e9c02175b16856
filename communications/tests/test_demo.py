"""The communications part of `manage.py demo`: a realistic, deterministic and idempotent contact history."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Customer
from communications import selectors
from communications.demo import HISTORY_DAYS, KEY_ACCOUNTS_PER_REP
from communications.digest import digests_build
from communications.models import Channel, FollowUp, Interaction, Purpose

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo once for this module, inside a transaction that is rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=StringIO())
        yield {user.username: user for user in User.objects.filter(username__in=["gm", "rm", "rm2", "rep", "rep2"])}
        transaction.set_rollback(True)


def _counts() -> dict[str, int]:
    return {
        "interactions": Interaction.objects.count(),
        "contact links": Interaction.contacts.through.objects.count(),
        "interaction history": Interaction.history.count(),
        "follow-ups": FollowUp.objects.count(),
        "key accounts": Customer.objects.filter(tier=Customer.Tier.KEY).count(),
        "customer history": Customer.history.count(),
    }


def test_eighteen_months_of_contacts_for_both_reps(demo):
    today = timezone.localdate()
    total = Interaction.objects.count()
    assert 2_000 <= total <= 3_000
    by_owner = Counter(Interaction.objects.values_list("customer__owner__username", flat=True))
    assert by_owner["rep"] >= 900 and by_owner["rep2"] >= 900
    assert by_owner["rm"] > 0 and by_owner["rm2"] > 0
    loggers = set(Interaction.objects.values_list("logged_by__username", flat=True))
    assert loggers == {"rep", "rep2", "rm", "rm2"}  # the RMs join visits and dinners at their key accounts
    assert not Customer.objects.filter(interactions__isnull=True).exists()
    days = [timezone.localtime(at).date() for at in Interaction.objects.values_list("occurred_at", flat=True)]
    assert max(days) < today
    assert min(days) >= today - timedelta(days=HISTORY_DAYS + 2)
    assert min(days) <= today - timedelta(days=HISTORY_DAYS - 60)
    assert {day.weekday() for day in days} == {0, 1, 2, 3, 4}  # business days only


def test_channels_purposes_and_details_are_mixed_realistically(demo):
    total = Interaction.objects.count()
    channels = Counter(Interaction.objects.values_list("channel", flat=True))
    assert set(channels) == set(Channel.values)
    assert channels[Channel.PHONE] > channels[Channel.VISIT] > channels[Channel.EVENT]
    purposes = Counter(Interaction.objects.values_list("purpose", flat=True))
    assert set(purposes) == set(Purpose.values)
    assert 0.26 <= purposes[Purpose.RELATIONSHIP] / total <= 0.33  # the seed gives 29%
    assert Interaction.objects.filter(direction=Interaction.Direction.INBOUND).count() > total / 10
    assert not Interaction.objects.exclude(channel__in=[Channel.VISIT, Channel.EVENT]).exclude(location="").exists()
    assert not Interaction.objects.filter(channel=Channel.VISIT, location="").exists()
    assert not Interaction.objects.filter(channel=Channel.PHONE, duration_minutes__isnull=True).exists()
    assert Interaction.objects.filter(subject__startswith="Lunch at ").exists()
    assert Interaction.objects.exclude(next_step="").count() > total / 3
    assert Interaction.objects.exclude(outcome="").count() > total / 2
    for interaction in Interaction.objects.all()[::25]:
        interaction.full_clean()


def test_contacts_are_the_customers_own_contact_persons(demo):
    links = Interaction.contacts.through.objects
    assert links.count() > 0.8 * Interaction.objects.filter(customer__kind=Customer.Kind.COMPANY).count()
    assert not links.exclude(contactperson__customer=F("interaction__customer")).exists()
    assert not Interaction.objects.filter(customer__kind=Customer.Kind.PERSON, contacts__isnull=False).exists()


def test_history_names_who_logged_it_and_edit_windows_are_closed(demo):
    assert Interaction.history.count() == Interaction.objects.count()
    assert not Interaction.history.exclude(history_user=F("logged_by")).exists()
    # Logged half an hour after they happened (not today, as auto_now_add would say): a contact
    # older than the edit window can no longer be edited. Compared per row, so a contact from
    # just before the cut-off (logged just after it) does not make this depend on the clock.
    old = timezone.now() - timedelta(days=3)
    assert Interaction.objects.filter(occurred_at__lt=old).count() > 100
    late = Interaction.objects.filter(occurred_at__lt=old, created_at__gt=F("occurred_at") + timedelta(minutes=30))
    assert not late.exists()


def test_eight_key_accounts_per_rep_set_by_the_gm(demo):
    keys = Customer.objects.filter(tier=Customer.Tier.KEY)
    assert Counter(keys.values_list("owner__username", flat=True)) == {
        "rep": KEY_ACCOUNTS_PER_REP,
        "rep2": KEY_ACCOUNTS_PER_REP,
    }
    assert not keys.filter(kind=Customer.Kind.PERSON).exists()
    # The RM sits on the team of each rep's six biggest: those are key accounts.
    assert keys.filter(team_members__user__username__in=["rm", "rm2"]).count() == 12
    changes = Customer.history.filter(tier=Customer.Tier.KEY, history_type="~")
    assert changes.count() == 16
    assert set(changes.values_list("history_user__username", flat=True)) == {"gm"}


def test_both_reps_have_overdue_key_accounts_and_neglected_customers(demo):
    for username in ("rep", "rep2"):
        due = [s for s in selectors.cadence_due_for(user=demo[username], horizon_days=0) if s.is_overdue]
        owned = [s for s in due if s.customer.owner == demo[username]]
        late_keys = [s for s in owned if s.customer.tier == Customer.Tier.KEY]
        assert len(late_keys) >= 2, username
        last_contact = {
            s.customer.pk: timezone.localtime(selectors.last_contact(customer=s.customer).occurred_at).date()
            for s in late_keys
        }
        gaps = sorted((timezone.localdate() - day).days for day in last_contact.values())
        assert gaps[0] <= 14 < gaps[-1], username  # one is called but not visited, one hears nothing at all
        assert len([s for s in owned if s.customer.tier == Customer.Tier.REGULAR]) >= 5, username
        in_time_keys = Customer.objects.filter(owner=demo[username], tier=Customer.Tier.KEY).exclude(
            pk__in=[s.customer.pk for s in late_keys]
        )
        assert in_time_keys.count() >= 5, username


def test_cadence_follow_ups_exist_for_every_overdue_customer(demo):
    overdue = {s.customer.pk for s in selectors.cadence_due(customers=Customer.objects.all()) if s.is_overdue}
    cadence = FollowUp.objects.open().filter(source=FollowUp.Source.CADENCE)
    assert set(cadence.values_list("customer_id", flat=True)) == overdue
    assert not cadence.exclude(assignee=F("customer__owner")).exists()


def test_both_reps_have_overdue_today_and_upcoming_follow_ups(demo):
    today = timezone.localdate()
    for username in ("rep", "rep2"):
        planned = FollowUp.objects.open().filter(assignee=demo[username], source=FollowUp.Source.INTERACTION)
        assert planned.filter(due_on__lt=today).count() >= 3, username
        assert planned.filter(due_on=today).count() >= 2, username
        assert planned.filter(due_on__gt=today).count() >= 3, username
        for follow_up in planned.select_related("source_interaction"):
            source = follow_up.source_interaction
            assert source.logged_by == demo[username]
            assert (source.follow_up_on, source.next_step) == (follow_up.due_on, follow_up.what)
            assert follow_up.history.get().history_user == demo[username]


def test_the_morning_digest_has_something_for_both_reps(demo):
    digests = {digest.user.username: digest for digest in digests_build()}
    for username in ("rep", "rep2"):
        assert digests[username].follow_ups and digests[username].customers, username
    assert "gm" not in digests


def test_a_second_run_creates_nothing(demo):
    before = _counts()
    assert before["interactions"] > 2_000
    call_command("demo", stdout=StringIO())
    assert _counts() == before
