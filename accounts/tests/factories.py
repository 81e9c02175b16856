import datetime

import factory
from factory import fuzzy

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
from crm_project.roles import Role
from crm_project.tests.factories import UserFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"PT Contoh Sejahtera {n}")
    kind = Customer.Kind.COMPANY
    industry = fuzzy.FuzzyChoice(["Manufacturing", "Retail", "Logistics", "Hospitality"])
    city = fuzzy.FuzzyChoice(["Jakarta", "Surabaya", "Bandung", "Medan"])
    phone = factory.Sequence(lambda n: f"+62 21 555 {n:04d}")
    email = factory.Sequence(lambda n: f"info{n}@contoh.co.id")
    owner = factory.SubFactory(UserFactory, role=Role.SALES_REP)


class AccountTeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountTeamMember

    customer = factory.SubFactory(CustomerFactory)
    user = factory.SubFactory(UserFactory, role=Role.SALES_REP)
    role = "Support"
    can_edit = True


class ContactPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPerson

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Faker("name", locale="id_ID")
    job_title = "Purchasing Manager"
    phone = factory.Sequence(lambda n: f"+62 812 3000 {n:04d}")
    email = factory.Sequence(lambda n: f"contact{n}@contoh.co.id")
    decision_role = ContactPerson.DecisionRole.DECISION_MAKER
    birthday = datetime.date(1980, 5, 17)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Keluarga {n}")


class HouseholdMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HouseholdMember

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Faker("first_name", locale="id_ID")
    relation = HouseholdMember.Relation.SPOUSE
    birthday = datetime.date(1982, 9, 3)


class InterestTopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InterestTopic
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"topic {n}")


class InterestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interest

    customer = factory.SubFactory(CustomerFactory)
    topic = factory.SubFactory(InterestTopicFactory)
    sentiment = Interest.Sentiment.LIKE


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    customer = factory.SubFactory(CustomerFactory)
    asked_on = datetime.date(2026, 10, 1)
    wants = "Faster delivery to the Cikarang plant"
    sentiment = Feedback.Sentiment.POSITIVE
    recorded_by = factory.LazyAttribute(lambda feedback: feedback.customer.owner)


class CompetitorIntelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetitorIntel

    customer = factory.SubFactory(CustomerFactory)
    competitor_brand = "Brand X"
    product_category = "Packaging"
    estimated_annual_spend = 250_000_000
    last_confirmed_on = datetime.date(2026, 9, 1)
    recorded_by = factory.LazyAttribute(lambda intel: intel.customer.owner)
