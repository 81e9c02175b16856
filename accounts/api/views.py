"""REST endpoints of the customer knowledge base (DESIGN.md "API conventions").

Reads are scoped with the model vocabulary (`visible_to`): a record outside the
user's scope is a 404 and never in a list. Writes go through accounts.services;
changing anything needs edit rights on the customer (`editable_by`), else 403.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.fields import get_error_detail

from crm_project.api.permissions import HasRole
from crm_project.idempotency import IDEMPOTENCY_PARAMETER, IdempotentCreateMixin

from .. import selectors, services
from ..models import (
    AccountTeamMember,
    CompetitorIntel,
    ContactPerson,
    Customer,
    Feedback,
    Household,
    HouseholdMember,
    Interest,
)
from . import filters
from .serializers import (
    CompetitorIntelSerializer,
    ContactPersonSerializer,
    CustomerSerializer,
    FeedbackSerializer,
    HouseholdSerializer,
    IdempotencyConflictSerializer,
    InterestSerializer,
)


class CanEditCustomer(permissions.BasePermission):
    """Seeing follows visibility (the queryset); changing needs edit rights on the customer."""

    message = _("You can see this customer but not change it. Ask its owner for edit rights.")

    def has_object_permission(self, request: Any, view: Any, obj: models.Model) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        customer = obj if isinstance(obj, Customer) else obj.customer
        return selectors.customer_can_edit(user=request.user, customer=customer)


def _documented(serializer: type[serializers.Serializer]) -> Any:
    """The schema of a full CRUD viewset: 201 or 422 with an Idempotency-Key on create, 204 on delete."""
    return extend_schema_view(
        create=extend_schema(
            parameters=[IDEMPOTENCY_PARAMETER],
            responses={
                201: serializer,
                422: OpenApiResponse(
                    IdempotencyConflictSerializer, description=_("The Idempotency-Key was used for another request.")
                ),
            },
        ),
        destroy=extend_schema(responses={204: None}),
    )


class CustomerRecordViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    # IdempotentCreateMixin first, so that it wraps ModelViewSet.create.
    permission_classes = [permissions.IsAuthenticated, HasRole, CanEditCustomer]
    filter_backends = [DjangoFilterBackend]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Query parameters shape lists only; one record is found by its id alone.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def require_edit_rights(self, customer: Customer) -> None:
        if not selectors.customer_can_edit(user=self.request.user, customer=customer):
            raise PermissionDenied(CanEditCustomer.message)


@_documented(CustomerSerializer)
class CustomerViewSet(CustomerRecordViewSet):
    """Customers the user owns or is on the account team of (general managers and admins: all).

    DELETE archives the customer; archived customers are listed with `archived=true`.
    """

    serializer_class = CustomerSerializer
    filterset_class = filters.CustomerFilter

    def get_queryset(self) -> QuerySet[Customer]:
        team = AccountTeamMember.objects.order_by("added_at", "id")
        return (
            Customer.objects.visible_to(self.request.user)
            .prefetch_related(Prefetch("team_members", queryset=team))
            .order_by("name", "id")
        )

    def perform_create(self, serializer: CustomerSerializer) -> None:
        serializer.instance = services.customer_create(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: CustomerSerializer) -> None:
        serializer.instance = services.customer_update(
            customer=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance: Customer) -> None:
        services.customer_archive(customer=instance, by=self.request.user)


class CustomerChildViewSet(CustomerRecordViewSet):
    """Records of one customer: seen where the customer is seen, changed by who may change it."""

    def perform_create(self, serializer: serializers.ModelSerializer) -> None:
        data = dict(serializer.validated_data)
        customer = data.pop("customer")
        self.require_edit_rights(customer)
        serializer.instance = self.save_record(customer=customer, **data)

    def perform_update(self, serializer: serializers.ModelSerializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("customer", None)
        serializer.instance = self.save_record(instance=serializer.instance, **data)

    def perform_destroy(self, instance: models.Model) -> None:
        services.record_delete(record=instance, by=self.request.user)

    def save_record(self, *, customer: Customer | None = None, instance: Any = None, **data: Any) -> models.Model:
        raise NotImplementedError


@_documented(ContactPersonSerializer)
class ContactPersonViewSet(CustomerChildViewSet):
    """Contact persons at the customers the user may see."""

    serializer_class = ContactPersonSerializer
    filterset_class = filters.ContactPersonFilter

    def get_queryset(self) -> QuerySet[ContactPerson]:
        return ContactPerson.objects.visible_to(self.request.user).order_by("-is_active", "name", "id")

    def save_record(self, *, customer: Customer | None = None, instance: Any = None, **data: Any) -> ContactPerson:
        return services.contact_save(by=self.request.user, customer=customer, contact=instance, **data)


@_documented(HouseholdSerializer)
class HouseholdViewSet(CustomerChildViewSet):
    """Households with their members; writing `members` replaces them in one transaction."""

    serializer_class = HouseholdSerializer
    filterset_class = filters.HouseholdFilter

    def get_queryset(self) -> QuerySet[Household]:
        members = HouseholdMember.objects.order_by("relation", "name", "id")
        return (
            Household.objects.visible_to(self.request.user)
            .prefetch_related(Prefetch("members", queryset=members))
            .order_by("name", "id")
        )

    @transaction.atomic
    def save_record(
        self, *, customer: Customer | None = None, instance: Any = None, members: list | None = None, **data: Any
    ) -> Household:
        household = services.household_save(by=self.request.user, customer=customer, household=instance, **data)
        if members is not None:
            try:
                services.household_members_replace(household=household, members=members, by=self.request.user)
            except services.MemberErrors as failed:
                raise ValidationError(
                    {"members": {i: get_error_detail(e) for i, e in failed.errors.items()}}
                ) from failed
        return household


@_documented(InterestSerializer)
class InterestViewSet(CustomerChildViewSet):
    """Likes and dislikes of customers and their contact persons; topics are a shared vocabulary."""

    serializer_class = InterestSerializer
    filterset_class = filters.InterestFilter

    def get_queryset(self) -> QuerySet[Interest]:
        return (
            Interest.objects.visible_to(self.request.user)
            .select_related("topic")
            .order_by("sentiment", "topic__name", "id")
        )

    def save_record(self, *, customer: Customer | None = None, instance: Any = None, **data: Any) -> Interest:
        if instance is not None:
            current = {"topic": instance.topic, "sentiment": instance.sentiment, "note": instance.note}
            data = {**current, "contact": instance.contact, **data}
        return services.interest_save(by=self.request.user, customer=customer, interest=instance, **data)


@_documented(FeedbackSerializer)
class FeedbackViewSet(CustomerChildViewSet):
    """Voice of the customer: what they want, would buy, like and dislike."""

    serializer_class = FeedbackSerializer
    filterset_class = filters.FeedbackFilter

    def get_queryset(self) -> QuerySet[Feedback]:
        return Feedback.objects.visible_to(self.request.user).order_by("-asked_on", "-id")

    def save_record(self, *, customer: Customer | None = None, instance: Any = None, **data: Any) -> Feedback:
        return services.feedback_save(by=self.request.user, customer=customer, feedback=instance, **data)


@_documented(CompetitorIntelSerializer)
class CompetitorIntelViewSet(CustomerChildViewSet):
    """What customers buy from competitors and what would win it."""

    serializer_class = CompetitorIntelSerializer
    filterset_class = filters.CompetitorIntelFilter

    def get_queryset(self) -> QuerySet[CompetitorIntel]:
        return CompetitorIntel.objects.visible_to(self.request.user).order_by(
            "-estimated_annual_spend", "competitor_brand", "id"
        )

    def save_record(self, *, customer: Customer | None = None, instance: Any = None, **data: Any) -> CompetitorIntel:
        return services.competitor_intel_save(by=self.request.user, customer=customer, intel=instance, **data)
