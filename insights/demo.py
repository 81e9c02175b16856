"""Demo purchase history (called by `manage.py demo` only, after accounts and communications).

Three years of ERP invoices for the demo customers, then the knowledge rolled up
from them: the current RFM table, a snapshot for every past month end and the
key-account candidates. Each customer follows a story so that every segment and
its movement have something to show:

- key accounts buy often and a lot, most of them steadily, one of each rep's is
  cooling off (its orders stopped about three months ago: it moves from loyal to
  at risk);
- regular customers are growers (fast-growing candidates for the programme),
  steady buyers, decliners, lapsed buyers who stopped a year or more ago, and
  new customers of the last few months; a few never bought at all (prospects).

Deterministic (one seeded random generator, dates counted back from today) and
idempotent (nothing is loaded when demo invoices exist). Purchases are
bulk-inserted; the rollup then runs as it would nightly.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.demo import REF_PREFIX
from accounts.models import Customer

from . import rollup, services
from .models import Purchase, RollupRun

SEED = 20261125
SOURCE = "erp"
ID_PREFIX = "DEMO-INV-"
HISTORY_DAYS = 3 * 365
JUTA = 1_000_000

CATEGORIES = {
    "Manufacturing": ["Raw materials", "Spare parts", "Packaging", "Lubricants"],
    "Retail": ["Packaging", "Store fixtures", "Cleaning supplies", "Printing"],
    "Logistics": ["Spare parts", "Tyres", "Lubricants", "Safety equipment"],
    "Hospitality": ["Cleaning supplies", "Linen", "Kitchen equipment", "Amenities"],
}
DEFAULT_CATEGORIES = ["Packaging", "Spare parts", "Cleaning supplies", "Safety equipment"]

# Story: (orders a year, yearly revenue in juta, trend over the three years, days since the last order).
STORIES = {
    "key_steady": ((30, 52), (2_000, 9_000), (0.95, 1.15), (0, 12)),
    "key_cooling": ((24, 36), (1_500, 4_000), (1.0, 1.1), (80, 110)),
    "grower": ((10, 20), (300, 1_200), (1.6, 2.4), (0, 20)),
    "steady": ((6, 14), (80, 400), (0.9, 1.1), (0, 45)),
    "occasional": ((2, 5), (30, 150), (0.8, 1.2), (20, 120)),
    "decliner": ((6, 12), (150, 500), (0.4, 0.6), (40, 150)),
    "lapsed": ((4, 10), (60, 300), (0.9, 1.1), (300, 700)),
    "new": ((4, 10), (80, 300), (1.0, 1.0), (0, 25)),
}
NEW_CUSTOMER_DAYS = (40, 150)  # how long ago a new customer's first order was


def load(*, users: dict) -> None:
    if Purchase.objects.filter(source=SOURCE, external_id__startswith=ID_PREFIX).exists():
        return
    customers = list(
        Customer.objects.filter(external_ref__startswith=REF_PREFIX)
        .order_by("external_ref")
        .only("pk", "tier", "industry", "owner_id")
    )
    if not customers:
        return
    rng = random.Random(SEED)
    today = timezone.localdate()
    with transaction.atomic():
        Purchase.objects.bulk_create(_purchases(customers, rng, today), batch_size=2000)
        for month_end in rollup.snapshot_months(last=today.replace(day=1) - dt.timedelta(days=1)):
            services.rollup_run_now(kind=RollupRun.Kind.SNAPSHOT, as_of=month_end)
        services.rollup_run_now(kind=RollupRun.Kind.FULL, as_of=today)


def _stories(customers: list[Customer], rng: random.Random) -> dict[int, str | None]:
    stories: dict[int, str | None] = {}
    cooling_owners: set[int] = set()
    for customer in customers:
        if customer.tier == Customer.Tier.KEY:
            if customer.owner_id not in cooling_owners:
                cooling_owners.add(customer.owner_id)
                stories[customer.pk] = "key_cooling"
            else:
                stories[customer.pk] = "key_steady"
            continue
        stories[customer.pk] = rng.choices(
            [None, "grower", "steady", "occasional", "decliner", "lapsed", "new"],
            weights=[8, 8, 30, 24, 12, 10, 8],
        )[0]
    return stories


def _purchases(customers: list[Customer], rng: random.Random, today: dt.date) -> list[Purchase]:
    purchases: list[Purchase] = []
    number = 0
    for customer, story in ((c, s) for c, s in zip(customers, _stories(customers, rng).values(), strict=True) if s):
        (orders_lo, orders_hi), (revenue_lo, revenue_hi), (trend_lo, trend_hi), (last_lo, last_hi) = STORIES[story]
        orders_a_year = rng.randint(orders_lo, orders_hi)
        yearly = rng.uniform(revenue_lo, revenue_hi) * JUTA
        trend = rng.uniform(trend_lo, trend_hi)  # revenue this year over the year before
        first = rng.randint(*NEW_CUSTOMER_DAYS) if story == "new" else HISTORY_DAYS
        last = rng.randint(last_lo, last_hi)
        categories = CATEGORIES.get(customer.industry, DEFAULT_CATEGORIES)
        days_ago = last
        while days_ago <= first:
            # Revenue grows (or shrinks) by `trend` a year: older orders are scaled back.
            scale = trend ** (-days_ago / 365)
            amount = yearly / orders_a_year * scale * rng.lognormvariate(0, 0.35)
            day = today - dt.timedelta(days=days_ago)
            at = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.choice([0, 15, 30, 45]))))
            number += 1
            amount_d = Decimal(round(amount / 1000) * 1000)
            has_cost = rng.random() < 0.75
            category = rng.choice(categories)
            purchases.append(
                Purchase(
                    customer=customer,
                    purchased_at=at,
                    purchased_on=day,
                    amount=amount_d,
                    quantity=Decimal(rng.randint(1, 400)),
                    product=f"{category} {rng.choice(['A', 'B', 'C'])}-{rng.randint(100, 999)}",
                    category=category,
                    cost=(amount_d * Decimal(str(round(rng.uniform(0.62, 0.82), 2)))).quantize(Decimal("1"))
                    if has_cost
                    else None,
                    source=SOURCE,
                    external_id=f"{ID_PREFIX}{number:06d}",
                )
            )
            days_ago += max(1, round(365 / orders_a_year * rng.uniform(0.5, 1.5)))
    return purchases
