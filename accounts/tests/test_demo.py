"""The accounts part of `manage.py demo`: realistic, scoped per team, deterministic and idempotent."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts.demo import CUSTOMER_COUNT, PERSON_COUNT
from accounts.models import (
    AccountTeamMember,
    CompetitorIntel,
    ContactPerson,
    Customer,
    Feedback,
    Household,
    HouseholdMember,
    Interest,
    InterestTopic,
)

pytestmark = pytest.mark.django_db
User = get_user_model()

EXPECTED_CUSTOMERS = 200  # what the fixed seed produces


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo once for this module, inside a transaction that is rolled back afterwards.

    Each test still runs in its own savepoint (pytest-django's django_db), so nothing leaks
    into the next test or module; loading once keeps the module at one load instead of eight.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=StringIO())
        yield {user.username: user for user in User.objects.filter(username__in=["rm", "rm2", "rep", "rep2"])}
        transaction.set_rollback(True)


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_app_config("accounts").get_models()}


def _upcoming_birthdays(user, days: int = 30) -> list[str]:
    """People of the user's customers whose birthday (month and day) falls within the next `days` days."""
    today = timezone.localdate()
    window = {((today + timedelta(days=n)).month, (today + timedelta(days=n)).day) for n in range(days + 1)}
    if (2, 28) in window:
        window.add((2, 29))  # celebrated on 28 February or 1 March in a common year
    customers = Customer.objects.visible_to(user)
    people = [
        *ContactPerson.objects.filter(customer__in=customers, is_active=True).values_list("name", "birthday"),
        *HouseholdMember.objects.filter(household__customer__in=customers).values_list("name", "birthday"),
    ]
    return [name for name, born in people if born and (born.month, born.day) in window]


def test_demo_creates_about_200_customers_split_between_the_reps(demo):
    customers = Customer.objects.all()
    assert customers.count() == EXPECTED_CUSTOMERS == CUSTOMER_COUNT
    assert customers.filter(kind=Customer.Kind.PERSON).count() == PERSON_COUNT
    assert not customers.exclude(external_ref__startswith="DEMO-").exists()
    # The communications demo makes 8 of each rep's customers key accounts.
    assert Counter(customers.filter(tier=Customer.Tier.KEY).values_list("owner__username", flat=True)) == {
        "rep": 8,
        "rep2": 8,
    }
    owners = Counter(customers.values_list("owner__username", flat=True))
    assert owners["rep"] >= 80
    assert owners["rep2"] >= 80
    assert 1 <= owners["rm"] <= 10
    assert 1 <= owners["rm2"] <= 10
    assert set(owners) == {"rep", "rep2", "rm", "rm2"}
    assert set(customers.values_list("industry", flat=True)) >= {"Manufacturing", "Retail", "Logistics", "Mining"}
    assert customers.values("city").distinct().count() >= 15


def test_person_customers_have_an_occupation_ambitions_and_a_household(demo):
    for customer in Customer.objects.filter(kind=Customer.Kind.PERSON):
        assert customer.occupation
        assert customer.ambitions
        assert customer.households.filter(members__relation=HouseholdMember.Relation.SPOUSE).exists()


def test_reps_see_only_their_own_and_their_team_customers(demo):
    rep, rep2, rm, rm2 = demo["rep"], demo["rep2"], demo["rm"], demo["rm2"]
    for owner, other in ((rep, rep2), (rep2, rep)):
        seen_by_other = set(Customer.objects.visible_to(other).filter(owner=owner).values_list("pk", flat=True))
        other_on_team = set(
            AccountTeamMember.objects.filter(user=other, customer__owner=owner).values_list("customer_id", flat=True)
        )
        assert seen_by_other == other_on_team
        assert 0 < len(other_on_team) <= 5
        assert not AccountTeamMember.objects.filter(user=other, customer__owner=owner, can_edit=True).exists()
    for manager, rep_of_manager in ((rm, rep), (rm2, rep2)):
        seats = AccountTeamMember.objects.filter(user=manager, role="Relationship manager")
        assert seats.count() == 6
        assert {seat.customer.owner for seat in seats} == {rep_of_manager}
        team_ids = set(AccountTeamMember.objects.filter(user=manager).values_list("customer_id", flat=True))
        owned_ids = set(Customer.objects.filter(owner=manager).values_list("pk", flat=True))
        assert set(Customer.objects.visible_to(manager).values_list("pk", flat=True)) == team_ids | owned_ids
        assert Customer.objects.editable_by(manager).filter(pk__in=team_ids).count() == 6


def test_every_company_has_an_active_decision_maker_and_unique_tax_ids(demo):
    companies = Customer.objects.filter(kind=Customer.Kind.COMPANY)
    without = companies.exclude(
        contacts__decision_role=ContactPerson.DecisionRole.DECISION_MAKER, contacts__is_active=True
    )
    assert not without.exists()
    per_company = Counter(ContactPerson.objects.filter(customer__in=companies).values_list("customer_id", flat=True))
    assert min(per_company.values()) >= 1
    assert max(per_company.values()) <= 4
    assert ContactPerson.objects.filter(is_active=False).exists()
    tax_ids = list(Customer.objects.values_list("tax_id", flat=True))
    assert len(set(tax_ids)) == len(tax_ids) == EXPECTED_CUSTOMERS
    assert all(len(tax_id) == 20 and tax_id[2] == "." and tax_id[12] == "-" for tax_id in tax_ids)
    assert all(phone.startswith("+62 ") for phone in Customer.objects.values_list("phone", flat=True))


def test_households_interests_feedback_and_competitor_intel_are_filled_in(demo):
    today = timezone.localdate()
    assert Household.objects.count() == PERSON_COUNT + 40
    assert HouseholdMember.objects.filter(relative_of__isnull=False).values("relative_of").distinct().count() == 40
    assert HouseholdMember.objects.filter(relation=HouseholdMember.Relation.CHILD).count() >= 60
    assert 25 <= InterestTopic.objects.count() <= 35
    interests = Counter(Interest.objects.values_list("customer_id", flat=True))
    assert len(interests) == EXPECTED_CUSTOMERS
    assert set(interests.values()) <= {1, 2, 3, 4, 5}
    assert Interest.objects.filter(contact__isnull=False).exists()
    assert Interest.objects.filter(sentiment=Interest.Sentiment.DISLIKE).exists()
    with_feedback = Feedback.objects.values("customer").distinct().count()
    assert 80 <= with_feedback <= 120
    assert not Feedback.objects.filter(asked_on__gt=today).exists()
    assert not Feedback.objects.filter(asked_on__lt=today - timedelta(days=550)).exists()
    with_intel = CompetitorIntel.objects.values("customer").distinct().count()
    assert 100 <= with_intel <= 140
    spends = sorted(CompetitorIntel.objects.values_list("estimated_annual_spend", flat=True), reverse=True)
    assert spends[-1] >= 50_000_000
    assert spends[0] <= 5_000_000_000
    assert sum(spends[: len(spends) // 10]) > sum(spends) / 3  # a few large customers dominate


def test_upcoming_birthdays_exist_for_both_reps(demo):
    for username in ("rep", "rep2"):
        assert len(_upcoming_birthdays(demo[username])) >= 5, username


def test_every_write_is_in_the_history_with_its_user(demo):
    for model in (Customer, AccountTeamMember, ContactPerson, Household, HouseholdMember, Interest, Feedback):
        history = model.history.all()
        assert history.filter(history_type="+").count() == model.objects.count() > 0
        assert not history.filter(history_user__isnull=True).exists()
    created_by = {h.history_user.username for h in Customer.history.filter(history_type="+")}
    assert created_by == {"rep", "rep2", "rm", "rm2"}
    # Later changes are the general manager's key-account nominations.
    assert {h.history_user.username for h in Customer.history.filter(history_type="~")} == {"gm"}
    assert set(AccountTeamMember.history.values_list("history_user__username", flat=True)) == {"gm"}
    assert not CompetitorIntel.history.filter(history_user__isnull=True).exists()


def test_a_second_run_creates_nothing(demo):
    before = _row_counts()
    assert before["accounts.Customer"] == EXPECTED_CUSTOMERS
    call_command("demo", stdout=StringIO())
    assert _row_counts() == before
