"""Purchases on the customer's timeline, drawn by communications through accounts.panels."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import CustomerFactory
from communications.tests.factories import InteractionFactory
from insights.tests.factories import PurchaseFactory

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "timeline-entries-panel"}


def _kinds_and_times(response) -> list[str]:
    return [
        ("purchase" if kind == "event" else "contact", entry.occurred_at) for kind, entry in response.context["items"]
    ]


def test_purchases_interleave_with_contacts_newest_first(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    now = timezone.now()
    InteractionFactory(customer=customer, occurred_at=now - dt.timedelta(days=1))
    InteractionFactory(customer=customer, occurred_at=now - dt.timedelta(days=5))
    PurchaseFactory(customer=customer, purchased_at=now - dt.timedelta(days=3), amount=Decimal("12500000"))
    PurchaseFactory(customer=customer, purchased_at=now - dt.timedelta(days=9), product="Packaging A-100")
    PurchaseFactory(purchased_at=now - dt.timedelta(days=2))  # another customer's

    response = rep_client.get(reverse("communications:customer_timeline", args=[customer.pk]), **HTMX)

    kinds = [kind for kind, _at in _kinds_and_times(response)]
    assert kinds == ["contact", "purchase", "contact", "purchase"]
    html = response.content.decode()
    assert "Purchase IDR 12,500,000" in html
    assert "Packaging A-100" in html
    assert f"/insights/purchases/?customer={customer.pk}" in html


def test_each_purchase_shows_on_exactly_one_timeline_page(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    now = timezone.now()
    for hours in range(25):  # contacts 1..25 hours ago: page 1 holds 20, page 2 holds 5
        InteractionFactory(customer=customer, occurred_at=now - dt.timedelta(hours=hours + 1))
    for hours in (0.5, 10.5, 20.5, 22.5, 40):
        PurchaseFactory(customer=customer, purchased_at=now - dt.timedelta(hours=hours))
    url = reverse("communications:customer_timeline", args=[customer.pk])

    pages = [rep_client.get(url, {"page": n}, **HTMX) for n in (1, 2)]

    counts = [sum(1 for kind, _ in _kinds_and_times(page) if kind == "purchase") for page in pages]
    assert counts == [2, 3]  # 20.5 h ago is older than the 20th contact (20 h ago): page 2


def test_filtering_the_timeline_by_channel_shows_contacts_only(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    InteractionFactory(customer=customer, channel="phone")
    PurchaseFactory(customer=customer)

    response = rep_client.get(
        reverse("communications:customer_timeline", args=[customer.pk]), {"channel": "phone"}, **HTMX
    )

    assert [kind for kind, _ in _kinds_and_times(response)] == ["contact"]
