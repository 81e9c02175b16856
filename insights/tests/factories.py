import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.tests.factories import CustomerFactory
from insights.models import CustomerRFM, Purchase, RFMSnapshot, purchase_date


class PurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Purchase

    customer = factory.SubFactory(CustomerFactory)
    purchased_at = factory.LazyFunction(timezone.now)
    purchased_on = factory.LazyAttribute(lambda o: purchase_date(o.purchased_at))
    amount = Decimal("1000000.00")
    source = "test"
    external_id = factory.Sequence(lambda n: f"P{n:06d}")


class CustomerRFMFactory(factory.django.DjangoModelFactory):
    """Knowledge rows written directly, for pages and API tests that do not test the rollup."""

    class Meta:
        model = CustomerRFM

    customer = factory.SubFactory(CustomerFactory)
    as_of = factory.LazyFunction(timezone.localdate)
    last_purchase_on = factory.LazyAttribute(lambda o: o.as_of - dt.timedelta(days=o.recency_days))
    recency_days = 10
    frequency = 12
    monetary = Decimal("120000000.00")
    average_order_value = Decimal("10000000.00")
    revenue_12m = Decimal("60000000.00")
    revenue_prev_12m = Decimal("50000000.00")
    growth = Decimal("0.200000")
    r_score = 5
    f_score = 4
    m_score = 4
    segment = "champion"
    competitor_spend = Decimal("0")
    share_of_wallet = Decimal("1.000000")
    computed_at = factory.LazyFunction(timezone.now)


class RFMSnapshotFactory(CustomerRFMFactory):
    class Meta:
        model = RFMSnapshot

    month = factory.LazyAttribute(lambda o: o.as_of.replace(day=1))
