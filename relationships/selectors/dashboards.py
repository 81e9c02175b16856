"""Reads of the GM's dashboards: what the scorecards, programme health and profitability share.

The dashboards (`dashboard_scorecards.py`, `dashboard_programme.py`, `dashboard_profitability.py`)
read the tables `services.period_compute` writes (`KeyAccountPeriod`, `RMPeriodMetric`,
`SegmentPeriod`, `SegmentMovement`, `PeriodComputation`) plus small current lookups (RM profiles
and their job descriptions, evaluations, the latest plan versions), never purchases or
interactions, and in a fixed number of queries whatever the number of rows. This module holds
their filters, the periods they offer and the figures they share.

Definitions (README "Dashboards"):

- relationship cost = plan resources used in the period + contact effort (contacts x cost per channel);
- gain = margin - margin a year before when both are known, else revenue - revenue a year before;
- return on relationship cost = gain / relationship cost (none when the cost is 0);
  above 1 the relationship pays for itself;
- measured-only weighted score = sum(weight x measured score) / sum(weight of measured criteria with a score).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Case, DecimalField, ExpressionWrapper, F, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import SEES_ALL, Customer
from crm_project.roles import Role, role_of

from ..models import KeyAccountPeriod, PeriodComputation, RelationshipManagerProfile, SegmentPeriod
from ..periods import Period, PeriodKind, latest_closed

__all__ = [
    "DASHBOARD_PAGE_SIZE",
    "NO_SEGMENT",
    "TREND_PERIODS",
    "DashboardFilters",
    "FilterChoices",
    "dashboard_default_period",
    "dashboard_filter_choices",
    "dashboard_period_options",
    "key_account_gain",
    "period_computation_get",
    "period_computation_list",
    "periods_not_computed",
    "return_on_cost",
]

# Rows of a dashboard table (RMs, key accounts): what a page renders grows with them (a scorecard
# row is 7 criteria and a sparkline; 200 RMs on one page were 1.7 MB of HTML and 0.7 s of rendering),
# and so do its per-row charts. 1,000 key accounts are 40 pages, 200 RMs 8.
DASHBOARD_PAGE_SIZE = 25
TREND_PERIODS = 6
NO_SEGMENT = "none"  # the segment filter's value for "no segment" (no purchases, or not known)
QUARTERS_OFFERED = 8
YEARS_OFFERED = 3
TWO_PLACES = Decimal("0.01")
ZERO = Decimal("0")


# -- periods and filters ----------------------------------------------------------------------------


def dashboard_default_period(today: dt.date | None = None) -> Period:
    """The latest closed quarter: what a GM looks at on Monday."""
    return latest_closed(PeriodKind.QUARTER, today or timezone.localdate())


def dashboard_period_options(today: dt.date | None = None) -> list[Period]:
    """The last 8 quarters and the last 3 years, newest first (the running ones included)."""
    today = today or timezone.localdate()
    quarters = Period.of(PeriodKind.QUARTER, today).recent(QUARTERS_OFFERED)
    years = Period.of(PeriodKind.YEAR, today).recent(YEARS_OFFERED)
    return quarters[::-1] + years[::-1]


@dataclass(frozen=True)
class DashboardFilters:
    period: Period
    relationship_manager: int | None = None  # a user id
    segment: str = ""  # a segment key, NO_SEGMENT, or "" for every segment
    industry: str = ""
    city: str = ""

    @property
    def keys(self) -> dict[str, Any]:
        return {"period_kind": self.period.kind, "period_start": self.period.start}

    @property
    def narrows_accounts(self) -> bool:
        """Whether segment, industry or city narrow the key accounts (scorecards list the RMs
        who managed such accounts; their scores stay those of all their accounts)."""
        return bool(self.segment or self.industry or self.city)

    def query(self) -> dict[str, str]:
        """The filters as query parameters (links, CSV exports)."""
        query = {"period": self.period.key}
        if self.relationship_manager:
            query["relationship_manager"] = str(self.relationship_manager)
        for name in ("segment", "industry", "city"):
            if getattr(self, name):
                query[name] = getattr(self, name)
        return query


@dataclass
class FilterChoices:
    relationship_managers: list[tuple[int, str]]
    industries: list[str]
    cities: list[str]


def _sees_all(user: Any) -> bool:
    return role_of(user) in SEES_ALL


def _person(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def _person_name(first_name: str | None, last_name: str | None, username: str | None) -> str:
    """`_person` from the user's columns read as values (as `User.get_full_name` joins them)."""
    return f"{first_name or ''} {last_name or ''}".strip() or username or ""


def dashboard_filter_choices(*, user: Any, period: Period) -> FilterChoices:
    """The RMs the user may filter by (GMs and admins: every RM with a profile; an RM: themselves),
    and the industries and cities found in the period's stored rows (an RM: of their key accounts).
    Two queries."""
    if _sees_all(user):
        profiles = RelationshipManagerProfile.objects.order_by(
            "user__first_name", "user__last_name", "user__username"
        ).values_list("user_id", "user__first_name", "user__last_name", "user__username")
        managers = [(user_id, _person_name(first, last, username)) for user_id, first, last, username in profiles]
        pairs = (
            SegmentPeriod.objects.filter(period_kind=period.kind, period_start=period.start)
            .order_by()
            .values_list("industry", "city")
            .distinct()
        )
    else:
        managers = [(user.pk, _person(user))] if role_of(user) is Role.RELATIONSHIP_MANAGER else []
        pairs = (
            KeyAccountPeriod.objects.filter(
                period_kind=period.kind, period_start=period.start, relationship_manager=user
            )
            .order_by()
            .values_list("customer__industry", "customer__city")
            .distinct()
        )
    pairs = list(pairs)
    industries = sorted({industry for industry, _city in pairs if industry}, key=str.casefold)
    cities = sorted({city for _industry, city in pairs if city}, key=str.casefold)
    return FilterChoices(relationship_managers=managers, industries=industries, cities=cities)


def period_computation_get(period: Period) -> PeriodComputation | None:
    return (
        PeriodComputation.objects.select_related("requested_by")
        .filter(period_kind=period.kind, period_start=period.start)
        .first()
    )


def period_computation_list() -> QuerySet[PeriodComputation]:
    return PeriodComputation.objects.select_related("requested_by").order_by("-period_start", "period_kind", "pk")


def periods_not_computed(*, today: dt.date | None = None) -> list[Period]:
    """The periods offered on the dashboards that have started but were never computed (one query)."""
    today = today or timezone.localdate()
    offered = [period for period in dashboard_period_options(today) if period.start <= today]
    done = set(
        PeriodComputation.objects.filter(period_start__gte=min(p.start for p in offered)).values_list(
            "period_kind", "period_start"
        )
    )
    return [period for period in offered if (period.kind, period.start) not in done]


def _key_account_rows(filters: DashboardFilters, *, user: Any = None) -> QuerySet[KeyAccountPeriod]:
    """The period's key-account rows narrowed by the filters (and, for anyone but GMs and admins,
    to the customers they see)."""
    rows = KeyAccountPeriod.objects.filter(**filters.keys)
    if user is not None and not _sees_all(user):
        rows = rows.filter(customer__in=Customer.objects.visible_to(user))
    if filters.relationship_manager:
        rows = rows.filter(relationship_manager_id=filters.relationship_manager)
    if filters.segment == NO_SEGMENT:
        rows = rows.filter(segment_end="")
    elif filters.segment:
        rows = rows.filter(segment_end=filters.segment)
    if filters.industry:
        rows = rows.filter(customer__industry=filters.industry)
    if filters.city:
        rows = rows.filter(customer__city=filters.city)
    return rows


# -- figures the dashboards share -----------------------------------------------------------------


def key_account_gain(row: Any) -> tuple[Decimal, str]:
    """(gain, basis): the margin's change when both margins are known, else the revenue's."""
    if row.margin is not None and row.margin_prev is not None:
        return row.margin - row.margin_prev, "margin"
    return row.revenue - row.revenue_prev, "revenue"


def return_on_cost(gain: Decimal, cost: Decimal) -> Decimal | None:
    if not cost:
        return None
    return (gain / cost).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _money(**kwargs: Any) -> dict[str, Any]:
    return {"output_field": DecimalField(max_digits=20, decimal_places=2), **kwargs}


def _with_return(rows: QuerySet[KeyAccountPeriod]) -> QuerySet[KeyAccountPeriod]:
    """Relationship cost, gain and return as annotations so that a page can sort by them; the
    return is a float for sorting only (SQLite divides integers as integers), the page shows the
    exact figures of `key_account_gain`/`return_on_cost`."""
    cost = ExpressionWrapper(F("plan_spent") + F("contact_cost"), **_money())
    gain = Case(
        When(Q(margin__isnull=False) & Q(margin_prev__isnull=False), then=F("margin") - F("margin_prev")),
        default=F("revenue") - F("revenue_prev"),
        **_money(),
    )
    return rows.annotate(cost_sort=cost, gain_sort=gain).annotate(
        return_sort=Case(
            When(cost_sort__gt=0, then=Cast("gain_sort", FloatField()) / Cast("cost_sort", FloatField())),
            default=Value(None),
            output_field=FloatField(),
        )
    )


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
