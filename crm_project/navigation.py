"""The main navigation, per role. Later apps add their entries here."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .roles import Role

ALL_ROLES = frozenset(Role)
DASHBOARD_VIEWS = (
    "relationships:scorecard",
    "relationships:programme_dashboard",
    "relationships:profitability",
    "relationships:period_",
    "relationships:contact_costs",
)


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str
    roles: frozenset[Role] = ALL_ROLES
    # Other URL name prefixes that mark this entry as the current one.
    active_prefixes: tuple[str, ...] = ()

    def claim(self, view_name: str) -> int:
        """How specifically this entry names the view (the length of what matched), or 0."""
        if view_name == self.url_name:
            return len(view_name)
        return max((len(prefix) for prefix in self.active_prefixes if view_name.startswith(prefix)), default=0)


NAV_ITEMS: list[NavItem] = [
    NavItem(_("Home"), "home", "house-door"),
    NavItem(
        _("My day"),
        "communications:my_day",
        "calendar-check",
        roles=frozenset({Role.SALES_REP, Role.RELATIONSHIP_MANAGER}),
        active_prefixes=("communications:follow_up_",),
    ),
    NavItem(_("Customers"), "accounts:customer_list", "buildings", active_prefixes=("accounts:",)),
    # One entry for the whole programme: key accounts, plans, RMs, trainings, job descriptions
    # and evaluations; the dashboards have their own for the roles that see it (the entry naming
    # a page most specifically is the current one), and an RM's scorecard stays under this one.
    NavItem(
        _("Key accounts"),
        "relationships:key_account_list",
        "star",
        active_prefixes=("relationships:",),
    ),
    # The GM's Monday page first; the other dashboards are tabs on it. An RM's scorecard is a
    # tab of the programme's pages (one more top entry would not fit a 1280 px laptop).
    NavItem(
        _("Dashboards"),
        "relationships:profitability",
        "graph-up-arrow",
        roles=frozenset({Role.GENERAL_MANAGER, Role.ADMIN}),
        active_prefixes=DASHBOARD_VIEWS,
    ),
    NavItem(
        _("Interactions"),
        "communications:interaction_list",
        "chat-square-text",
        active_prefixes=("communications:interaction_",),
    ),
    NavItem(_("Summary"), "communications:rep_summary", "bar-chart-line"),
    # One entry for segments, purchases, rollups and candidates: the insights pages link to each other.
    NavItem(_("Insights"), "insights:segment_overview", "pie-chart", active_prefixes=("insights:",)),
    NavItem(_("API"), "api_docs", "braces", active_prefixes=("api_docs",)),
]


def nav_for(role: Role | None, view_name: str = "") -> list[tuple[NavItem, bool]]:
    """The entries this role sees, each with whether it is the current page: of the entries that
    claim the view, the one that names it most specifically."""
    if role is None:
        return []
    items = [item for item in NAV_ITEMS if role in item.roles]
    claims = [item.claim(view_name) if view_name else 0 for item in items]
    best = max(claims, default=0)
    return [(item, bool(best) and claim == best) for item, claim in zip(items, claims, strict=True)]
