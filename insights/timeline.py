"""Purchases on the customer's timeline (registered with accounts.panels from apps.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Customer
from accounts.panels import TimelineEvent
from crm_project.formatting import format_money

from .models import Purchase


def purchase_events(
    *, customer: Customer, user: Any, after: dt.datetime | None, before: dt.datetime | None, limit: int
) -> list[TimelineEvent]:
    """One query: the customer's purchases in the time range, newest first.

    The customer was loaded through the visibility rule by the timeline view.
    """
    purchases = Purchase.objects.filter(customer=customer)
    if after is not None:
        purchases = purchases.filter(purchased_at__gt=after)
    if before is not None:
        purchases = purchases.filter(purchased_at__lte=before)
    url = reverse("insights:purchase_list") + f"?customer={customer.pk}"
    return [
        TimelineEvent(
            occurred_at=purchase.purchased_at,
            kind="purchase",
            icon="bag-check",
            title=_("Purchase %(amount)s") % {"amount": format_money(purchase.amount)},
            detail=" · ".join(part for part in (purchase.product, purchase.category, purchase.external_id) if part),
            url=url,
        )
        for purchase in purchases.order_by("-purchased_at", "-id")[:limit]
    ]
