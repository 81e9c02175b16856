import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import Customer, Interest, InterestTopic
from accounts.tests.factories import AccountTeamMemberFactory, ContactPersonFactory, CustomerFactory, HouseholdFactory

pytestmark = pytest.mark.django_db


def test_a_customer_a_rep_creates_is_theirs(rep):
    customer = services.customer_create(by=rep, name="PT Maju Jaya", email=" Beli@MajuJaya.co.id ", city="Bekasi")
    assert customer.owner == rep
    assert customer.tier == Customer.Tier.REGULAR
    assert customer.email == "beli@majujaya.co.id"
    assert customer.history.get().history_user == rep


def test_only_general_managers_assign_another_owner(rep, rep2, gm):
    with pytest.raises(ValidationError) as error:
        services.customer_create(by=rep, owner=rep2, name="PT Satu")
    assert error.value.message_dict == {"owner": ["Only a general manager or an admin can assign another owner."]}
    assert services.customer_create(by=gm, owner=rep2, name="PT Dua").owner == rep2


def test_same_email_is_refused_naming_the_customer_when_visible(rep):
    first = services.customer_create(by=rep, name="PT Satu", email="a@satu.id", tax_id="01.234.567.8-901.000")
    with pytest.raises(ValidationError) as error:
        services.customer_create(by=rep, name="PT Satu Lagi", email="A@satu.id", tax_id="01.234.567.8-901.000")
    assert error.value.message_dict == {
        "email": [f"A customer with this email already exists: PT Satu (#{first.pk})."],
        "tax_id": [f"A customer with this tax id already exists: PT Satu (#{first.pk})."],
    }


def test_duplicate_on_another_team_is_refused_without_leaking_its_name(rep, rep2):
    services.customer_create(by=rep, name="PT Rahasia", email="x@rahasia.id")
    with pytest.raises(ValidationError) as error:
        services.customer_create(by=rep2, name="PT Lain", email="x@rahasia.id")
    message = error.value.message_dict["email"][0]
    assert "another team" in message and "Rahasia" not in message


def test_visibility_owner_team_and_managers(rep, rep2, rm, gm, admin):
    mine = CustomerFactory(owner=rep)
    theirs = CustomerFactory(owner=rep2)
    AccountTeamMemberFactory(customer=theirs, user=rm)
    assert list(Customer.objects.visible_to(rep)) == [mine]
    assert list(Customer.objects.visible_to(rm)) == [theirs]
    assert set(Customer.objects.visible_to(gm)) == {mine, theirs}
    assert set(Customer.objects.visible_to(admin)) == {mine, theirs}


def test_read_only_team_members_cannot_edit(rep, rm):
    customer = CustomerFactory(owner=rep)
    AccountTeamMemberFactory(customer=customer, user=rm, can_edit=False)
    assert Customer.objects.visible_to(rm).filter(pk=customer.pk).exists()
    assert not Customer.objects.editable_by(rm).filter(pk=customer.pk).exists()


def test_interest_topics_are_a_shared_case_insensitive_vocabulary(rep):
    one, two = CustomerFactory(owner=rep), CustomerFactory(owner=rep)
    services.interest_save(by=rep, customer=one, topic="Golf", sentiment=Interest.Sentiment.LIKE)
    services.interest_save(by=rep, customer=two, topic="  golf ", sentiment=Interest.Sentiment.LIKE)
    assert list(InterestTopic.objects.values_list("name", flat=True)) == ["Golf"]


def test_household_member_must_relate_to_this_customers_contact(rep):
    household = HouseholdFactory(customer=CustomerFactory(owner=rep))
    stranger = ContactPersonFactory(customer=CustomerFactory(owner=rep))
    with pytest.raises(ValidationError) as error:
        services.household_member_save(by=rep, household=household, name="Ani", relation="spouse", relative_of=stranger)
    assert error.value.message_dict == {"relative_of": ["Choose a contact person of this customer."]}


def test_archive_is_a_soft_delete_kept_in_history(rep):
    customer = CustomerFactory(owner=rep)
    services.customer_archive(customer=customer, by=rep)
    customer.refresh_from_db()
    assert customer.is_archived
    assert customer.history.first().history_user == rep
    services.customer_restore(customer=customer, by=rep)
    assert Customer.objects.get(pk=customer.pk).archived_at is None
