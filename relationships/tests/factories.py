"""Factories of the key-account programme. `KeyAccountFactory` makes an active key account
whose RM (with a profile) is on the customer's team, as the nomination service leaves it."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import AccountTeamMember, Customer
from accounts.tests.factories import CustomerFactory
from crm_project.roles import Role
from crm_project.tests.factories import UserFactory
from relationships.models import (
    Action,
    EvaluationCriterion,
    JobDescription,
    KeyAccount,
    Objective,
    RelationshipManagerProfile,
    RelationshipPlan,
    Resource,
    RMAssignment,
    Strategy,
    Training,
)


class RMProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RelationshipManagerProfile
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory, role=Role.RELATIONSHIP_MANAGER)
    reports_to = factory.SubFactory(UserFactory, role=Role.GENERAL_MANAGER)
    capacity = 3


class KeyAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyAccount
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory, tier=Customer.Tier.KEY)
    reason = "Largest buyer of the region"
    review_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=180))
    nominated_by = factory.SubFactory(UserFactory, role=Role.GENERAL_MANAGER)
    relationship_manager = factory.SubFactory(UserFactory, role=Role.RELATIONSHIP_MANAGER)

    @factory.post_generation
    def assignment(self, create: bool, extracted, **kwargs) -> None:
        if not create or self.relationship_manager is None:
            return
        RMProfileFactory(user=self.relationship_manager, reports_to=self.nominated_by)
        RMAssignment.objects.create(
            key_account=self, relationship_manager=self.relationship_manager, assigned_by=self.nominated_by
        )
        if self.customer.owner_id != self.relationship_manager.pk:
            AccountTeamMember.objects.get_or_create(
                customer=self.customer, user=self.relationship_manager, defaults={"role": "Relationship manager"}
            )


class TrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Training

    user = factory.SubFactory(UserFactory, role=Role.RELATIONSHIP_MANAGER)
    course = "Relationship marketing fundamentals"
    topic = Training.Topic.RELATIONSHIP_MARKETING
    provider = "Prasetiya Mulya Executive Learning"
    completed_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=100))
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=600))


class JobDescriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobDescription

    title = "Relationship manager"
    reports_to = "General manager"
    objectives = "Keep and grow the key accounts."
    responsibilities = "Plan, contact, report."
    written_by = factory.SubFactory(UserFactory, role=Role.GENERAL_MANAGER)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluationCriterion

    job_description = factory.SubFactory(JobDescriptionFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    weight = Decimal("25")
    kind = EvaluationCriterion.Kind.MANUAL


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RelationshipPlan

    key_account = factory.SubFactory(KeyAccountFactory)
    customer = factory.SelfAttribute("key_account.customer")
    kind = RelationshipPlan.Kind.ANNUAL
    start_year = factory.LazyFunction(lambda: timezone.localdate().year)
    end_year = factory.SelfAttribute("start_year")
    title = factory.LazyAttribute(lambda plan: f"{plan.key_account.customer.name} {plan.start_year}")
    author = factory.SelfAttribute("key_account.relationship_manager")


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    plan = factory.SubFactory(PlanFactory)
    title = "Grow revenue"
    metric = Objective.Metric.REVENUE
    baseline = Decimal("1000000")
    target = Decimal("2000000")


class StrategyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Strategy

    plan = factory.SubFactory(PlanFactory)
    title = "Meet the owner's family quarterly"


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    plan = factory.SubFactory(PlanFactory)
    what = "Visit the head office"
    owner = factory.SelfAttribute("plan.key_account.relationship_manager")
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    plan = factory.SubFactory(PlanFactory)
    kind = Resource.Kind.ENTERTAINMENT
    description = "Dinner with the directors"
    amount = Decimal("5000000")
