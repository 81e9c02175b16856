import datetime

import factory
from django.utils import timezone

from accounts.tests.factories import CustomerFactory
from communications.models import CadenceRule, Channel, FollowUp, Interaction, Purpose


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    customer = factory.SubFactory(CustomerFactory)
    channel = Channel.PHONE
    purpose = Purpose.RELATIONSHIP
    occurred_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    subject = "Checked in on the Q4 delivery schedule"
    logged_by = factory.LazyAttribute(lambda interaction: interaction.customer.owner)


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    customer = factory.SubFactory(CustomerFactory)
    assignee = factory.LazyAttribute(lambda follow_up: follow_up.customer.owner)
    due_on = factory.LazyFunction(timezone.localdate)
    what = "Send the revised price list"


class CadenceRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CadenceRule

    customer = factory.SubFactory(CustomerFactory)
    tier = ""
    channel = ""
    max_gap_days = 7
