"""Query parameters of the customer knowledge base lists: filters, search and ordering."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.constants import EMPTY_VALUES

from .. import selectors
from ..models import CompetitorIntel, ContactPerson, Customer, Feedback, Household, Interest

User = get_user_model()


def _visible_customers(request: Any) -> QuerySet[Customer]:
    return Customer.objects.visible_to(getattr(request, "user", None))


def _visible_contacts(request: Any) -> QuerySet[ContactPerson]:
    return ContactPerson.objects.visible_to(getattr(request, "user", None))


class StableOrderingFilter(filters.OrderingFilter):
    """Ends every ordering on the id, so that pages neither repeat nor skip rows with equal keys."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        ordering = [self.get_ordering_value(param) for param in value or () if param not in EMPTY_VALUES]
        if not ordering:
            return qs
        return qs.order_by(*ordering, "id")


class CustomerFilter(filters.FilterSet):
    search = filters.CharFilter(
        method="filter_search",
        max_length=200,
        help_text=_("Part of the name, email, phone or city, or of a contact person's name, email or phone."),
    )
    owner = filters.ModelChoiceFilter(queryset=User.objects.all(), help_text=_("User id of the owner."))
    tier = filters.ChoiceFilter(choices=Customer.Tier.choices)
    kind = filters.ChoiceFilter(choices=Customer.Kind.choices)
    industry = filters.CharFilter(lookup_expr="iexact", max_length=100, help_text=_("Exact industry, any case."))
    city = filters.CharFilter(lookup_expr="iexact", max_length=100, help_text=_("Exact city, any case."))
    archived = filters.BooleanFilter(
        method="filter_archived",
        help_text=_("true: only archived customers; false or left out: only active ones."),
    )
    ordering = StableOrderingFilter(fields=("name", "city", "industry", "created_at", "updated_at"))

    class Meta:
        model = Customer
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[Customer]) -> QuerySet[Customer]:
        # Archived customers stay out of the list unless asked for, as on the page.
        if self.form.cleaned_data.get("archived") is None:
            queryset = queryset.filter(archived_at__isnull=True)
        return super().filter_queryset(queryset)

    def filter_search(self, queryset: QuerySet[Customer], name: str, value: str) -> QuerySet[Customer]:
        return selectors.customer_search(queryset, value)

    def filter_archived(self, queryset: QuerySet[Customer], name: str, value: bool) -> QuerySet[Customer]:
        return queryset.filter(archived_at__isnull=not value)


class CustomerRecordFilter(filters.FilterSet):
    """Base for the records of a customer: filter by the customer, search some text fields."""

    search_fields: tuple[str, ...] = ()

    customer = filters.ModelChoiceFilter(queryset=_visible_customers, help_text=_("Id of the customer."))

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value.strip()})
        return queryset.filter(condition)


class ContactPersonFilter(CustomerRecordFilter):
    search_fields = ("name", "email", "phone", "job_title", "department")

    search = filters.CharFilter(
        method="filter_search",
        max_length=200,
        help_text=_("Part of the name, email, phone, job title or department."),
    )
    decision_role = filters.ChoiceFilter(choices=ContactPerson.DecisionRole.choices)
    is_active = filters.BooleanFilter()
    ordering = StableOrderingFilter(fields=("name", "job_title", "created_at", "updated_at"))

    class Meta:
        model = ContactPerson
        fields: list[str] = []


class HouseholdFilter(CustomerRecordFilter):
    ordering = StableOrderingFilter(fields=("name", "created_at", "updated_at"))

    class Meta:
        model = Household
        fields: list[str] = []


class InterestFilter(CustomerRecordFilter):
    search_fields = ("topic__name", "note")

    search = filters.CharFilter(
        method="filter_search", max_length=200, help_text=_("Part of the topic's name or of the note.")
    )
    contact = filters.ModelChoiceFilter(queryset=_visible_contacts, help_text=_("Id of the contact person."))
    topic = filters.CharFilter(field_name="topic__name", lookup_expr="iexact", max_length=100)
    sentiment = filters.ChoiceFilter(choices=Interest.Sentiment.choices)
    ordering = StableOrderingFilter(fields=(("topic__name", "topic"), "sentiment", "created_at"))

    class Meta:
        model = Interest
        fields: list[str] = []


class FeedbackFilter(CustomerRecordFilter):
    search_fields = ("wants", "would_buy", "likes", "dislikes")

    search = filters.CharFilter(
        method="filter_search", max_length=200, help_text=_("Part of what they want, would buy, like or dislike.")
    )
    contact = filters.ModelChoiceFilter(queryset=_visible_contacts, help_text=_("Id of the contact person."))
    channel = filters.ChoiceFilter(choices=Feedback.Channel.choices)
    sentiment = filters.ChoiceFilter(choices=Feedback.Sentiment.choices)
    ordering = StableOrderingFilter(fields=("asked_on", "sentiment", "created_at", "updated_at"))

    class Meta:
        model = Feedback
        fields: list[str] = []


class CompetitorIntelFilter(CustomerRecordFilter):
    search_fields = ("competitor_brand", "product_category")

    search = filters.CharFilter(
        method="filter_search", max_length=200, help_text=_("Part of the competitor brand or product category.")
    )
    ordering = StableOrderingFilter(
        fields=(
            "competitor_brand",
            "product_category",
            "estimated_annual_spend",
            "last_confirmed_on",
            "created_at",
            "updated_at",
        )
    )

    class Meta:
        model = CompetitorIntel
        fields: list[str] = []
