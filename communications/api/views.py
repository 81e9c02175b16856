"""REST endpoints of the communication loop (DESIGN.md "API conventions").

Reads go through communications.selectors, scoped like the pages: a record of a
customer outside the user's scope is a 404 and never in a list. Writes go through
communications.services. Anyone who sees a customer may log contacts and plan
follow-ups for it; only the author corrects an interaction (within 48 hours), and
a follow-up is changed by its assignee, the customer's owner or a manager.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, permissions, serializers, viewsets
from rest_framework.exceptions import ValidationError

from accounts.api.serializers import IdempotencyConflictSerializer
from accounts.models import SEES_ALL, Customer
from crm_project.api.permissions import HasRole
from crm_project.idempotency import IDEMPOTENCY_PARAMETER, IdempotentCreateMixin
from crm_project.roles import role_of

from .. import selectors, services
from ..models import FollowUp, Interaction
from . import filters
from .serializers import (
    CadenceStatusSerializer,
    FollowUpSerializer,
    InteractionSerializer,
    TimelineQuerySerializer,
)

READ_AND_WRITE = ["get", "post", "put", "patch", "head", "options"]


class IsInteractionAuthorInTime(permissions.BasePermission):
    message = _("Only the author can correct an interaction, within 48 hours of logging it.")

    def has_object_permission(self, request: Any, view: Any, obj: Interaction) -> bool:
        return request.method in permissions.SAFE_METHODS or obj.editable_by(request.user)


class MayChangeFollowUp(permissions.BasePermission):
    message = _("Only the assignee, the customer's owner or a general manager can change this follow-up.")

    def has_object_permission(self, request: Any, view: Any, obj: FollowUp) -> bool:
        if request.method in permissions.SAFE_METHODS or role_of(request.user) in SEES_ALL:
            return True
        return request.user.pk in (obj.assignee_id, obj.customer.owner_id)


def _documented(serializer: type[serializers.Serializer]) -> Any:
    """Creates answer 201, or 422 when the Idempotency-Key was used for another request."""
    return extend_schema_view(
        create=extend_schema(
            parameters=[IDEMPOTENCY_PARAMETER],
            responses={
                201: serializer,
                422: OpenApiResponse(
                    IdempotencyConflictSerializer, description=_("The Idempotency-Key was used for another request.")
                ),
            },
        )
    )


class LoopViewSet(
    IdempotentCreateMixin,  # first, so that it wraps CreateModelMixin.create
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """No DELETE: the communication log is a record of what happened."""

    filter_backends = [DjangoFilterBackend]
    http_method_names = READ_AND_WRITE

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Query parameters shape lists only; one record is found by its id alone.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)


@_documented(InteractionSerializer)
class InteractionViewSet(LoopViewSet):
    """Calls, visits, mail and web contacts with the customers the user may see, newest first.

    Logging one closes the customer's open cadence follow-up; `follow_up_on` plans a follow-up.
    """

    serializer_class = InteractionSerializer
    filterset_class = filters.InteractionFilter
    permission_classes = [permissions.IsAuthenticated, HasRole, IsInteractionAuthorInTime]

    def get_queryset(self) -> QuerySet[Interaction]:
        return selectors.interaction_list(user=self.request.user)

    def perform_create(self, serializer: InteractionSerializer) -> None:
        serializer.instance = services.interaction_log(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: InteractionSerializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("customer", None)
        serializer.instance = services.interaction_update(interaction=serializer.instance, by=self.request.user, **data)


@_documented(FollowUpSerializer)
class FollowUpViewSet(LoopViewSet):
    """Follow-ups at the customers the user may see, earliest due first.

    An update reschedules (`due_on`), reassigns (`assignee`), rewords (`what`) or completes (`done`).
    """

    serializer_class = FollowUpSerializer
    filterset_class = filters.FollowUpFilter
    permission_classes = [permissions.IsAuthenticated, HasRole, MayChangeFollowUp]

    def get_queryset(self) -> QuerySet[FollowUp]:
        return selectors.follow_up_list(user=self.request.user, open_only=False)

    @transaction.atomic
    def perform_create(self, serializer: FollowUpSerializer) -> None:
        data = dict(serializer.validated_data)
        by = self.request.user
        done = data.pop("is_done", False)
        follow_up = services.follow_up_create(by=by, assignee=data.pop("assignee", by), **data)
        if done:
            follow_up = services.follow_up_complete(follow_up=follow_up, by=by)
        serializer.instance = follow_up

    @transaction.atomic
    def perform_update(self, serializer: FollowUpSerializer) -> None:
        follow_up, data, by = serializer.instance, serializer.validated_data, self.request.user
        if data.get("is_done") is False and follow_up.is_done:
            raise ValidationError({"done": [_("A done follow-up is not reopened. Plan a new one.")]})
        if "assignee" in data and data["assignee"].pk != follow_up.assignee_id:
            services.follow_up_reassign(follow_up=follow_up, by=by, assignee=data["assignee"])
        if "due_on" in data and data["due_on"] != follow_up.due_on:
            services.follow_up_reschedule(follow_up=follow_up, by=by, due_on=data["due_on"])
        if "what" in data and data["what"] != follow_up.what:
            services.follow_up_reword(follow_up=follow_up, by=by, what=data["what"])
        if data.get("is_done") and not follow_up.is_done:
            services.follow_up_complete(follow_up=follow_up, by=by)


@extend_schema(
    parameters=[
        OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("Id of the customer.")),
        TimelineQuerySerializer,
    ]
)
class CustomerTimelineView(generics.ListAPIView):
    """The customer's contacts, newest first (purchases and plan events join in later)."""

    serializer_class = InteractionSerializer
    permission_classes = [permissions.IsAuthenticated, HasRole]
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Interaction]:
        if getattr(self, "swagger_fake_view", False):
            return Interaction.objects.none()
        customer = get_object_or_404(Customer.objects.visible_to(self.request.user), pk=self.kwargs["id"])
        query = TimelineQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.timeline(user=self.request.user, customer=customer, **query.validated_data)


class CadenceOverdueView(generics.ListAPIView):
    """The user's customers whose contact is overdue or due within 3 days, most overdue first."""

    serializer_class = CadenceStatusSerializer
    permission_classes = [permissions.IsAuthenticated, HasRole]
    filter_backends: list = []

    def get_queryset(self) -> list[selectors.CadenceStatus]:
        if getattr(self, "swagger_fake_view", False):
            return []
        return selectors.cadence_due_for(user=self.request.user)
