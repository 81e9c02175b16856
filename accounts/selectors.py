"""Reads of the customer knowledge base, one per screen or endpoint, scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import ExtractDay, ExtractMonth
from django.utils import timezone

from .models import (
    AccountTeamMember,
    CompetitorIntel,
    ContactPerson,
    Customer,
    Feedback,
    Household,
    HouseholdMember,
    Interest,
)

User = get_user_model()

CUSTOMER_ORDERINGS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "city": ("city", "name", "id"),
    "-city": ("-city", "name", "id"),
    "industry": ("industry", "name", "id"),
    "-industry": ("-industry", "name", "id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}


def customer_search(queryset: QuerySet[Customer], text: str) -> QuerySet[Customer]:
    """Name, email, phone, city, and the name, email or phone of a contact person."""
    text = text.strip()
    if not text:
        return queryset
    contact_match = ContactPerson.objects.filter(customer=OuterRef("pk")).filter(
        Q(name__icontains=text) | Q(phone__icontains=text) | Q(email__icontains=text)
    )
    return queryset.filter(
        Q(name__icontains=text)
        | Q(email__icontains=text)
        | Q(phone__icontains=text)
        | Q(city__icontains=text)
        | Q(external_ref__iexact=text)
        | Q(tax_id__iexact=text)
        | Exists(contact_match)
    )


def customer_list(
    *,
    user: Any,
    search: str = "",
    owner: Any = None,
    tier: str = "",
    industry: str = "",
    city: str = "",
    kind: str = "",
    archived: bool = False,
    ordering: str = "name",
) -> QuerySet[Customer]:
    customers = Customer.objects.visible_to(user)
    customers = customers.filter(archived_at__isnull=not archived)
    customers = customer_search(customers, search)
    if owner:
        customers = customers.filter(owner=owner)
    if tier:
        customers = customers.filter(tier=tier)
    if industry:
        customers = customers.filter(industry__iexact=industry)
    if city:
        customers = customers.filter(city__iexact=city)
    if kind:
        customers = customers.filter(kind=kind)
    return customers.select_related("owner").order_by(*CUSTOMER_ORDERINGS.get(ordering, CUSTOMER_ORDERINGS["name"]))


def customer_filter_choices(*, user: Any) -> dict[str, Any]:
    """Distinct industries and cities (two queries) and the owners (a lazy queryset) among the user's customers."""
    visible = Customer.objects.visible_to(user).filter(archived_at__isnull=True)
    industries = list(visible.exclude(industry="").order_by("industry").values_list("industry", flat=True).distinct())
    cities = list(visible.exclude(city="").order_by("city").values_list("city", flat=True).distinct())
    owners = User.objects.filter(pk__in=visible.values("owner")).order_by("first_name", "last_name", "username")
    return {"industries": industries, "cities": cities, "owners": owners}


def customer_get(*, user: Any, pk: int) -> Customer:
    """The customer if the user may see it; raises Customer.DoesNotExist otherwise (a 404)."""
    return Customer.objects.visible_to(user).select_related("owner").get(pk=pk)


def customer_detail(*, user: Any, pk: int) -> Customer:
    """A customer with everything its page shows, in a fixed number of queries."""
    interests = Interest.objects.select_related("topic", "contact").order_by("sentiment", "topic__name", "id")
    members = HouseholdMember.objects.select_related("relative_of", "linked_customer", "linked_contact")
    return (
        Customer.objects.visible_to(user)
        .select_related("owner")
        .prefetch_related(
            Prefetch("contacts", queryset=ContactPerson.objects.order_by("-is_active", "name", "id")),
            Prefetch("households", queryset=Household.objects.prefetch_related(Prefetch("members", queryset=members))),
            Prefetch("interests", queryset=interests),
            Prefetch("feedback", queryset=Feedback.objects.select_related("contact", "recorded_by")),
            Prefetch("competitor_intel", queryset=CompetitorIntel.objects.select_related("recorded_by")),
            Prefetch("team_members", queryset=AccountTeamMember.objects.select_related("user").order_by("added_at")),
        )
        .get(pk=pk)
    )


def customer_can_edit(*, user: Any, customer: Customer) -> bool:
    return Customer.objects.editable_by(user).filter(pk=customer.pk).exists()


def customer_duplicate(*, field: str, value: str, exclude_pk: int | None = None) -> Customer | None:
    """The customer already holding this unique email, tax id or external reference, if any (any team)."""
    if not value:
        return None
    found = Customer.objects.filter(**{f"{field}__iexact": value})
    if exclude_pk:
        found = found.exclude(pk=exclude_pk)
    return found.only("id", "name").first()


def customer_similar(*, user: Any, name: str, exclude_pk: int | None = None, limit: int = 5) -> list[Customer]:
    """Visible customers whose name contains the new name's longest word (a warning, not a refusal)."""
    words = sorted((w for w in name.split() if len(w) >= 4), key=len, reverse=True)
    if not words:
        return []
    found = Customer.objects.visible_to(user).filter(name__icontains=words[0])
    if exclude_pk:
        found = found.exclude(pk=exclude_pk)
    return list(found.order_by("name")[:limit])


def competitor_spend_total(customer: Customer) -> Decimal:
    """From the prefetched intel: what the customer spends a year with competitors."""
    return sum((i.estimated_annual_spend or Decimal(0) for i in customer.competitor_intel.all()), Decimal(0))


@dataclass(frozen=True)
class Birthday:
    name: str
    relation: str
    customer: Customer
    birthday: date
    next_on: date
    turns: int

    @property
    def days_away(self) -> int:
        return (self.next_on - timezone.localdate()).days


def _next_occurrence(birthday: date, today: date) -> date:
    year = today.year
    for candidate_year in (year, year + 1):
        try:
            candidate = birthday.replace(year=candidate_year)
        except ValueError:  # 29 February in a common year
            candidate = date(candidate_year, 3, 1)
        if candidate >= today:
            return candidate
    return candidate


def _month_day_window(field: str, today: date, days: int) -> tuple[dict, Q]:
    """Dates whose month and day fall within `days` from today, across the year's end (in SQL)."""
    end = today + timedelta(days=days)
    key = f"{field}_md"
    start_key, end_key = today.month * 100 + today.day, end.month * 100 + end.day
    annotation = {key: ExtractMonth(field) * 100 + ExtractDay(field)}
    if start_key <= end_key:
        return annotation, Q(**{f"{key}__gte": start_key, f"{key}__lte": end_key})
    return annotation, Q(**{f"{key}__gte": start_key}) | Q(**{f"{key}__lte": end_key})


def _birthday(name: str, relation: str, customer: Customer, born: date, today: date) -> Birthday:
    next_on = _next_occurrence(born, today)
    return Birthday(name, relation, customer, born, next_on, next_on.year - born.year)


def upcoming_birthdays(*, user: Any, days: int = 30, today: date | None = None) -> list[Birthday]:
    """Birthdays of contact persons and household members of the user's customers in the next `days` days.

    Two queries whatever the number of people; the window is applied in SQL.
    """
    today = today or timezone.localdate()
    visible = Customer.objects.visible_to(user).filter(archived_at__isnull=True)
    annotation, condition = _month_day_window("birthday", today, days)
    contacts = (
        ContactPerson.objects.filter(customer__in=visible, is_active=True, birthday__isnull=False)
        .annotate(**annotation)
        .filter(condition)
        .select_related("customer")
    )
    members = (
        HouseholdMember.objects.filter(household__customer__in=visible, birthday__isnull=False)
        .annotate(**annotation)
        .filter(condition)
        .select_related("household__customer", "relative_of")
    )
    found = [
        _birthday(c.name, c.job_title or str(c.get_decision_role_display()), c.customer, c.birthday, today)
        for c in contacts
    ]
    for m in members:
        relation = str(m.get_relation_display())
        if m.relative_of:
            relation = f"{relation} · {m.relative_of.name}"
        found.append(_birthday(m.name, relation, m.household.customer, m.birthday, today))
    return sorted(found, key=lambda b: (b.next_on, b.name))


def team_candidates(*, customer: Customer) -> QuerySet:
    from crm_project.roles import Role

    roles = [Role.SALES_REP.value, Role.RELATIONSHIP_MANAGER.value, Role.GENERAL_MANAGER.value]
    return (
        User.objects.filter(is_active=True, groups__name__in=roles)
        .exclude(pk=customer.owner_id)
        .exclude(pk__in=customer.team_members.values("user"))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def customer_counts(*, user: Any) -> dict[str, int]:
    visible = Customer.objects.visible_to(user).filter(archived_at__isnull=True)
    return visible.aggregate(total=Count("id"), key=Count("id", filter=Q(tier=Customer.Tier.KEY)))


def competitor_spend_by_customer(customers: QuerySet[Customer]) -> dict[int, Decimal]:
    rows = (
        CompetitorIntel.objects.filter(customer__in=customers)
        .values("customer")
        .annotate(total=Sum("estimated_annual_spend"))
    )
    return {row["customer"]: row["total"] or Decimal(0) for row in rows}


def owner_candidates() -> QuerySet:
    """Users a manager may make the owner of a customer."""
    from crm_project.roles import Role

    roles = [Role.SALES_REP.value, Role.RELATIONSHIP_MANAGER.value, Role.GENERAL_MANAGER.value]
    return (
        User.objects.filter(is_active=True, groups__name__in=roles)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def customer_duplicates_for_form(*, user: Any, form: Any, exclude: Customer | None = None) -> list[Customer]:
    """After a refused save: the existing customers the user may open, to link from the form."""
    if not form.is_bound or not form.errors:
        return []
    found: dict[int, Customer] = {}
    for field in ("email", "tax_id", "external_ref"):
        if field not in form.errors:
            continue
        existing = customer_duplicate(
            field=field, value=str(form.data.get(field, "")).strip(), exclude_pk=exclude.pk if exclude else None
        )
        if existing is not None and Customer.objects.visible_to(user).filter(pk=existing.pk).exists():
            found[existing.pk] = existing
    return list(found.values())


def customer_vocabulary(*, user: Any) -> dict[str, list[str]]:
    """Industries and cities already in use, offered as suggestions in the customer form."""
    choices = customer_filter_choices(user=user)
    return {"industries": choices["industries"], "cities": choices["cities"]}


def interest_topic_names(limit: int = 300) -> list[str]:
    from .models import InterestTopic

    return list(InterestTopic.objects.order_by("name").values_list("name", flat=True)[:limit])
