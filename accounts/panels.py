"""Extension points of the customer page for the apps built on accounts.

accounts may not import the apps above it (communications, insights,
relationships), so those apps register what they add to the customer page here,
from their AppConfig.ready(). Each tab or fact is loaded from its own URL with
htmx, which keeps the customer page's query budget fixed whatever is registered.
Timeline sources add their events (purchases, plan events) to the customer's
timeline, which communications draws.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class CustomerTab:
    key: str  # the tab's anchor: /customers/<id>/#<key>
    label: str | Promise
    url_name: str  # reversed with the customer's id; answers the tab's content
    order: int = 100


@dataclass(frozen=True)
class CustomerFact:
    """A small fact in the customer page's header, such as the last contact."""

    key: str
    url_name: str
    order: int = 100


CUSTOMER_TABS: list[CustomerTab] = []
CUSTOMER_FACTS: list[CustomerFact] = []


def register_tab(tab: CustomerTab) -> None:
    if all(existing.key != tab.key for existing in CUSTOMER_TABS):
        CUSTOMER_TABS.append(tab)
        CUSTOMER_TABS.sort(key=lambda t: (t.order, t.key))


def register_fact(fact: CustomerFact) -> None:
    if all(existing.key != fact.key for existing in CUSTOMER_FACTS):
        CUSTOMER_FACTS.append(fact)
        CUSTOMER_FACTS.sort(key=lambda f: (f.order, f.key))


@dataclass(frozen=True)
class TimelineEvent:
    """Something other than a contact shown on the customer's timeline, e.g. a purchase."""

    occurred_at: datetime
    kind: str  # a CSS hook: timeline-event-<kind>
    icon: str  # a Bootstrap icon name
    title: str | Promise
    detail: str | Promise = ""
    url: str = ""


# A source answers the customer's events with `after` < occurred_at <= `before` (None: open
# ended), newest first, at most `limit` of them. It costs one query.
TimelineSource = Callable[..., list[TimelineEvent]]
TIMELINE_SOURCES: dict[str, TimelineSource] = {}


def register_timeline_source(key: str, source: TimelineSource) -> None:
    TIMELINE_SOURCES.setdefault(key, source)


def timeline_events(
    *, customer: Any, user: Any, after: datetime | None, before: datetime | None, limit: int
) -> list[TimelineEvent]:
    """Events of every registered source inside one timeline page's time range, newest first."""
    events = [
        event
        for source in TIMELINE_SOURCES.values()
        for event in source(customer=customer, user=user, after=after, before=before, limit=limit)
    ]
    return sorted(events, key=lambda event: event.occurred_at, reverse=True)
