"""Query parameters of the key-account programme's lists: filters and ordering."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from accounts.api.filters import CustomerRecordFilter, StableOrderingFilter

from ..models import JobDescription, KeyAccount, RelationshipManagerProfile, RelationshipPlan, Training

User = get_user_model()


class KeyAccountFilter(CustomerRecordFilter):
    relationship_manager = filters.ModelChoiceFilter(queryset=User.objects.all(), help_text=_("User id of the RM."))
    active = filters.BooleanFilter(
        method="filter_active",
        help_text=_("true: only active key accounts; false: only retired ones; left out: both."),
    )
    review_on_after = filters.DateFilter(
        field_name="review_on", lookup_expr="gte", help_text=_("Review due on or after this date.")
    )
    review_on_before = filters.DateFilter(
        field_name="review_on", lookup_expr="lte", help_text=_("Review due on or before this date.")
    )
    ordering = StableOrderingFilter(
        fields=(("customer__name", "customer_name"), "review_on", "nominated_at", "retired_at"),
        help_text=_("customer_name, review_on, nominated_at or retired_at; - for descending."),
    )

    class Meta:
        model = KeyAccount
        fields: list[str] = []

    def filter_active(self, queryset: QuerySet[KeyAccount], name: str, value: bool) -> QuerySet[KeyAccount]:
        return queryset.filter(retired_at__isnull=value)


class RMProfileFilter(filters.FilterSet):
    reports_to = filters.ModelChoiceFilter(queryset=User.objects.all(), help_text=_("User id of the general manager."))
    ordering = StableOrderingFilter(
        fields=(("user__username", "username"), "capacity", "load", "start_date"),
        help_text=_("username, capacity, load or start_date; - for descending."),
    )

    class Meta:
        model = RelationshipManagerProfile
        fields: list[str] = []


class TrainingFilter(filters.FilterSet):
    user = filters.ModelChoiceFilter(queryset=User.objects.all(), help_text=_("User id of whose training it is."))
    topic = filters.ChoiceFilter(choices=Training.Topic.choices)
    valid_on = filters.DateFilter(
        method="filter_valid_on", help_text=_("Only trainings valid on this date (completed, not expired).")
    )
    ordering = StableOrderingFilter(
        fields=("completed_on", "valid_until", "course"),
        help_text=_("completed_on, valid_until or course; left out: most recently completed first."),
    )

    class Meta:
        model = Training
        fields: list[str] = []

    def filter_valid_on(self, queryset: QuerySet[Training], name: str, value) -> QuerySet[Training]:
        return queryset.valid_on(value)


class JobDescriptionFilter(filters.FilterSet):
    current = filters.BooleanFilter(
        field_name="is_current", help_text=_("true: only current versions; false: only older ones; left out: all.")
    )
    lineage = filters.UUIDFilter(help_text=_("Only the versions of one job description."))
    ordering = StableOrderingFilter(
        fields=("title", "version", "created_at"), help_text=_("title, version or created_at; - for descending.")
    )

    class Meta:
        model = JobDescription
        fields: list[str] = []


class PlanFilter(CustomerRecordFilter):
    key_account = filters.ModelChoiceFilter(
        queryset=lambda request: KeyAccount.objects.visible_to(getattr(request, "user", None)),
        help_text=_("Id of the key account."),
    )
    relationship_manager = filters.ModelChoiceFilter(
        field_name="key_account__relationship_manager",
        queryset=User.objects.all(),
        help_text=_("User id of the key account's RM."),
    )
    kind = filters.ChoiceFilter(choices=RelationshipPlan.Kind.choices)
    status = filters.ChoiceFilter(choices=RelationshipPlan.Status.choices)
    year = filters.NumberFilter(
        method="filter_year", min_value=2000, max_value=2100, help_text=_("Plans covering this year.")
    )
    latest = filters.BooleanFilter(
        method="filter_latest",
        help_text=_(
            "true or left out: only the latest version of each plan (what people work on); "
            "false: every version, the older ones included."
        ),
    )
    ordering = StableOrderingFilter(
        fields=("start_year", "status", "version", "created_at", "updated_at"),
        help_text=_("start_year, status, version, created_at or updated_at; - for descending."),
    )

    class Meta:
        model = RelationshipPlan
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[RelationshipPlan]) -> QuerySet[RelationshipPlan]:
        if self.form.cleaned_data.get("latest") is None:
            queryset = queryset.latest()
        return super().filter_queryset(queryset)

    def filter_year(self, queryset: QuerySet[RelationshipPlan], name: str, value) -> QuerySet[RelationshipPlan]:
        return queryset.filter(Q(start_year__lte=value) & Q(end_year__gte=value))

    def filter_latest(self, queryset: QuerySet[RelationshipPlan], name: str, value: bool) -> QuerySet[RelationshipPlan]:
        return queryset.latest() if value else queryset
