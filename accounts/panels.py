"""Extension points of the customer page for the apps built on accounts.

accounts may not import the apps above it (communications, insights,
relationships), so those apps register what they add to the customer page here,
from their AppConfig.ready(). Each tab or fact is loaded from its own URL with
htmx, which keeps the customer page's query budget fixed whatever is registered.
"""

from __future__ import annotations

from dataclasses import dataclass

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
