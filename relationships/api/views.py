"""REST endpoints of the key-account programme (DESIGN.md "API conventions", issue 6).

Visibility is the pages': a key account or plan is seen where its customer is seen
(reps read the plans of their accounts), anything else is a 404 and in no list.
Every write goes through relationships.services, which holds the rules: only GMs
and admins nominate, assign, retire, approve and return; an RM writes the plans of
the key accounts they manage. A refused write on a visible record is a 403; a
service's ValidationError answers 400 with its field messages.

Relationship-manager profiles and job descriptions are RM matters: GMs and admins
see all, an RM their own, a rep none (empty lists, 404). Trainings: GMs and admins
all, everyone else their own.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, negotiation, parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.fields import get_error_detail
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.serializers import IdempotencyConflictSerializer
from accounts.models import SEES_ALL
from crm_project.api.permissions import HasRole
from crm_project.idempotency import IDEMPOTENCY_PARAMETER, IdempotentCreateMixin
from crm_project.roles import role_of

from .. import selectors, services
from ..models import (
    Action,
    JobDescription,
    KeyAccount,
    RelationshipManagerProfile,
    RelationshipPlan,
    Training,
)
from . import filters
from .serializers import (
    ActionSerializer,
    AssignInputSerializer,
    CommentSerializer,
    CopyFromPreviousSerializer,
    EvidenceSerializer,
    JobDescriptionSerializer,
    KeyAccountOutcomeSerializer,
    KeyAccountSerializer,
    NominateSerializer,
    ObjectiveSerializer,
    PlanCreateSerializer,
    PlanSerializer,
    PlanUpdateSerializer,
    ReorderSerializer,
    ResourceSerializer,
    RetireSerializer,
    ReturnSerializer,
    RMProfileSerializer,
    StrategySerializer,
    TrainingSerializer,
)

PROFILE_FIELDS = ("reports_to", "capacity", "start_date", "languages", "notes")
READ_CREATE_PATCH = ["get", "post", "patch", "head", "options"]
IDEMPOTENCY_CONFLICT = OpenApiResponse(
    IdempotencyConflictSerializer, description=_("The Idempotency-Key was used for another request.")
)


def _idempotent_create(serializer: Any) -> Any:
    return extend_schema(parameters=[IDEMPOTENCY_PARAMETER], responses={201: serializer, 422: IDEMPOTENCY_CONFLICT})


class IsManager(permissions.BasePermission):
    message = _("Only general managers and admins may do this.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return role_of(request.user) in SEES_ALL


class ManagersWrite(permissions.BasePermission):
    """Everyone reads what they may see; only general managers and admins write.
    On one record the check waits for the lookup, so that an unseen record stays a 404."""

    message = IsManager.message

    def has_permission(self, request: Any, view: Any) -> bool:
        return request.method in permissions.SAFE_METHODS or view.detail or role_of(request.user) in SEES_ALL

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return request.method in permissions.SAFE_METHODS or role_of(request.user) in SEES_ALL


class ProgrammeViewSet(viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, HasRole]
    filter_backends = [DjangoFilterBackend]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Query parameters shape lists only; one record is found by its id alone.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def input(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


# --- key accounts --------------------------------------------------------------------------------


class KeyAccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProgrammeViewSet):
    """Key accounts (nominations, active and retired) of the customers the user may see.

    Nominating, assigning the RM and retiring are for general managers and admins.
    """

    serializer_class = KeyAccountSerializer
    filterset_class = filters.KeyAccountFilter

    def get_queryset(self) -> QuerySet[KeyAccount]:
        return selectors.api_key_accounts(user=self.request.user)

    def _answer(self, key_account: KeyAccount, serializer: type, **extra: Any) -> Response:
        key_account = self.get_queryset().get(pk=key_account.pk)
        for name, value in extra.items():
            setattr(key_account, name, value)
        return Response(serializer(key_account, context=self.get_serializer_context()).data)

    @extend_schema(request=RetireSerializer, responses={200: KeyAccountSerializer})
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, pk: str) -> Response:
        """End the key account: tier back to regular, the RM's assignment closed, history kept."""
        key_account = self.get_object()
        data = self.input(RetireSerializer)
        key_account = services.key_account_retire(key_account=key_account, by=request.user, reason=data["reason"])
        return self._answer(key_account, KeyAccountSerializer)

    @extend_schema(request=AssignInputSerializer, responses={200: KeyAccountOutcomeSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        """Give the key account its RM; refused (400) when the RM is full unless raise_capacity is true."""
        key_account = self.get_object()
        data = self.input(AssignInputSerializer)
        outcome = services.key_account_assign(key_account=key_account, by=request.user, **data)
        return self._answer(outcome.key_account, KeyAccountOutcomeSerializer, warnings=outcome.warnings)


class NominateMixin:
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = NominateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        outcome = services.key_account_nominate(by=request.user, **serializer.validated_data)
        key_account = selectors.api_key_accounts(user=request.user).get(pk=outcome.key_account.pk)
        key_account.warnings = outcome.warnings
        answer = KeyAccountOutcomeSerializer(key_account, context={"request": request})
        return Response(answer.data, status=status.HTTP_201_CREATED)


class KeyAccountNominateView(IdempotentCreateMixin, NominateMixin, generics.CreateAPIView):
    # IdempotentCreateMixin first, so that it wraps the create.
    """Nominate a customer (general managers and admins): its tier becomes key; the RM optionally assigned.

    A customer on the candidates list keeps the list's reason and numbers.
    """

    serializer_class = NominateSerializer
    permission_classes = [permissions.IsAuthenticated, HasRole, IsManager]

    @extend_schema(
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: KeyAccountOutcomeSerializer, 422: IDEMPOTENCY_CONFLICT},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


# --- relationship managers -----------------------------------------------------------------------


@extend_schema_view(create=_idempotent_create(RMProfileSerializer))
class RMProfileViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    ProgrammeViewSet,
):
    """Relationship-manager profiles with their load against capacity.

    General managers and admins see and write all; an RM sees their own; reps none.
    """

    serializer_class = RMProfileSerializer
    filterset_class = filters.RMProfileFilter
    permission_classes = [*ProgrammeViewSet.permission_classes, ManagersWrite]
    http_method_names = READ_CREATE_PATCH

    def get_queryset(self) -> QuerySet[RelationshipManagerProfile]:
        return selectors.api_rm_profiles(user=self.request.user)

    @transaction.atomic
    def perform_create(self, serializer: RMProfileSerializer) -> None:
        data = dict(serializer.validated_data)
        job_description = data.pop("job_description", None)
        profile = services.rm_profile_save(**data)
        self._finish(serializer, profile, job_description, assign=job_description is not None)

    @transaction.atomic
    def perform_update(self, serializer: RMProfileSerializer) -> None:
        profile, data = serializer.instance, serializer.validated_data
        kept = {name: data.get(name, getattr(profile, name)) for name in PROFILE_FIELDS}
        profile = services.rm_profile_save(user=profile.user, **kept)
        self._finish(serializer, profile, data.get("job_description"), assign="job_description" in data)

    def _finish(self, serializer: Any, profile: Any, job_description: Any, *, assign: bool) -> None:
        if assign:
            services.job_description_assign(profile=profile, job_description=job_description, by=self.request.user)
        serializer.instance = self.get_queryset().get(pk=profile.pk)


# --- trainings -----------------------------------------------------------------------------------


class JSONErrorsNegotiation(negotiation.BaseContentNegotiation):
    """For a download: the file is the answer whatever the client accepts; errors are JSON."""

    def select_parser(self, request: Request, parsers: list) -> Any:
        return parsers[0]

    def select_renderer(self, request: Request, renderers: list, format_suffix: str | None = None) -> tuple:
        return renderers[0], renderers[0].media_type


@extend_schema_view(create=_idempotent_create(TrainingSerializer), destroy=extend_schema(responses={204: None}))
class TrainingViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    """Training records; the certificate is uploaded as multipart and downloaded from its own URL.

    General managers and admins see and write all; reps and RMs their own.
    """

    serializer_class = TrainingSerializer
    filterset_class = filters.TrainingFilter
    permission_classes = [permissions.IsAuthenticated, HasRole]
    filter_backends = [DjangoFilterBackend]
    parser_classes = [parsers.JSONParser, parsers.MultiPartParser]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Training]:
        return Training.objects.visible_to(self.request.user).order_by("-completed_on", "-id")

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def perform_create(self, serializer: TrainingSerializer) -> None:
        data = dict(serializer.validated_data)
        user = data.pop("user", self.request.user)
        serializer.instance = services.training_save(by=self.request.user, user=user, **data)

    def perform_update(self, serializer: TrainingSerializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("user", None)
        serializer.instance = services.training_save(by=self.request.user, training=serializer.instance, **data)

    def perform_destroy(self, instance: Training) -> None:
        services.training_delete(training=instance, by=self.request.user)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], content_negotiation_class=JSONErrorsNegotiation)
    def certificate(self, request: Request, pk: str) -> FileResponse:
        """The certificate file, as an attachment; 404 when none was uploaded."""
        training = self.get_object()
        if not training.certificate:
            raise NotFound(_("No certificate was uploaded for this training."))
        name = training.certificate.name.rsplit("/", 1)[-1]
        return FileResponse(
            training.certificate.open("rb"),
            as_attachment=True,
            filename=name,
            content_type="application/octet-stream",
        )


# --- job descriptions ----------------------------------------------------------------------------


def _whole(weight: Decimal) -> Decimal:
    return weight.to_integral_value() if weight == weight.to_integral_value() else weight


def _row_errors(rows: list[dict[str, list[str]]]) -> list[dict[str, list[str]]]:
    return [{("non_field_errors" if name == NON_FIELD_ERRORS else name): m for name, m in row.items()} for row in rows]


@extend_schema_view(create=_idempotent_create(JobDescriptionSerializer))
class JobDescriptionViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    ProgrammeViewSet,
):
    """Versioned job descriptions with weighted evaluation criteria (general managers and admins write).

    An update publishes the next version and answers it (a new id, `version` one up);
    the old version stays as it was. RMs read the versions of their own description;
    reps see none. Criteria errors answer as {criteria: {rows, total}}: `rows` aligned
    with the input rows ({} for a good row), `total` for the list, e.g. weights not adding up to 100.
    """

    serializer_class = JobDescriptionSerializer
    filterset_class = filters.JobDescriptionFilter
    permission_classes = [*ProgrammeViewSet.permission_classes, ManagersWrite]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[JobDescription]:
        return selectors.api_job_descriptions(user=self.request.user)

    def perform_create(self, serializer: JobDescriptionSerializer) -> None:
        self._save(serializer, None, dict(serializer.validated_data))

    def perform_update(self, serializer: JobDescriptionSerializer) -> None:
        current, data = serializer.instance, dict(serializer.validated_data)
        for name in services.JOB_DESCRIPTION_FIELDS:
            data.setdefault(name, getattr(current, name))
        if "criteria" not in data:
            data["criteria"] = [
                {name: getattr(criterion, name) for name in services.CRITERION_FIELDS}
                for criterion in current.criteria.all()
            ]
        self._save(serializer, current, data)

    def _save(self, serializer: Any, current: JobDescription | None, data: dict[str, Any]) -> None:
        # Whole percents as integers, so that messages say 90% rather than 90.00%.
        criteria = [
            {**row, "weight": _whole(row["weight"])} if "weight" in row else dict(row) for row in data.pop("criteria")
        ]
        try:
            saved = services.job_description_save(
                by=self.request.user, fields=data, criteria=criteria, job_description=current
            )
        except services.CriteriaErrors as failed:
            raise ValidationError({"criteria": {"rows": _row_errors(failed.rows), "total": failed.total}}) from failed
        except DjangoValidationError as failed:
            detail = get_error_detail(failed)
            if isinstance(detail, dict) and "criteria" in detail:
                detail["criteria"] = {"rows": [], "total": detail["criteria"]}
            raise ValidationError(detail) from failed
        serializer.instance = self.get_queryset().get(pk=saved.pk)


# --- plans ---------------------------------------------------------------------------------------


@extend_schema_view(
    create=_idempotent_create(PlanSerializer),
    partial_update=extend_schema(request=PlanUpdateSerializer, responses={200: PlanSerializer}),
)
class PlanViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    ProgrammeViewSet,
):
    """Long-term and annual relationship plans with objectives (actual and percent computed), strategies,
    actions, resources, workflow history and progress.

    Reps read the plans of their accounts; an RM writes the plans of the key accounts they manage and
    submits them; general managers and admins approve or return. Lists show the latest version of each
    plan unless `latest=false`. Items are written at /plans/{plan_pk}/objectives/ (strategies, actions,
    resources); an approved plan only takes action status, objective actuals and resources spent.
    """

    filterset_class = filters.PlanFilter
    http_method_names = READ_CREATE_PATCH

    def get_queryset(self) -> QuerySet[RelationshipPlan]:
        return selectors.api_plans(user=self.request.user)

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return {"create": PlanCreateSerializer, "partial_update": PlanUpdateSerializer}.get(self.action, PlanSerializer)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        # The page's progress in a fixed number of queries, whatever the number of plans.
        context = {**self.get_serializer_context(), "plan_progress": selectors.plan_progress_many(page)}
        return self.get_paginated_response(PlanSerializer(page, many=True, context=context).data)

    def perform_create(self, serializer: PlanCreateSerializer) -> None:
        plan = services.plan_create(by=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=plan.pk)

    def perform_update(self, serializer: PlanUpdateSerializer) -> None:
        plan = services.plan_update(plan=serializer.instance, by=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=plan.pk)

    def _answer(self, plan: RelationshipPlan, code: int = status.HTTP_200_OK) -> Response:
        plan = self.get_queryset().get(pk=plan.pk)
        return Response(PlanSerializer(plan, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=None, responses={200: PlanSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Send a draft or returned plan to the general manager (its RM, or a GM)."""
        return self._answer(services.plan_submit(plan=self.get_object(), by=request.user))

    @extend_schema(request=CommentSerializer, responses={200: PlanSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        """Approve a submitted plan (general managers and admins), with an optional comment."""
        plan = self.get_object()
        comment = self.input(CommentSerializer)["comment"]
        return self._answer(services.plan_approve(plan=plan, by=request.user, comment=comment))

    @extend_schema(request=ReturnSerializer, responses={200: PlanSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: str) -> Response:
        """Return a submitted plan to its RM with a comment saying what to change (general managers and admins)."""
        plan = self.get_object()
        comment = self.input(ReturnSerializer)["comment"]
        return self._answer(services.plan_return(plan=plan, by=request.user, comment=comment))

    @extend_schema(request=None, responses={201: PlanSerializer})
    @action(detail=True, methods=["post"])
    def revise(self, request: Request, pk: str) -> Response:
        """Start a new draft version of the latest approved plan; the approved one stays in force."""
        revision = services.plan_revise(plan=self.get_object(), by=request.user)
        return self._answer(revision, status.HTTP_201_CREATED)

    @extend_schema(request=CopyFromPreviousSerializer, responses={201: PlanSerializer})
    @action(detail=False, methods=["post"], url_path="copy-from-previous", url_name="copy-from-previous")
    def copy_from_previous(self, request: Request) -> Response:
        """Start next year's annual plan from the latest one before it: objectives, strategies, open actions
        (due a year on) and resources."""
        data = self.input(CopyFromPreviousSerializer)
        plan = services.plan_copy_from_previous(key_account=data["key_account"], by=request.user, year=data.get("year"))
        return self._answer(plan, status.HTTP_201_CREATED)


# --- plan items ----------------------------------------------------------------------------------

PLAN_PK = OpenApiParameter("plan_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("Id of the plan."))


class PlanItemViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProgrammeViewSet,
):
    """Base of a plan's objectives, strategies, actions and resources: seen with the plan,
    written by who may write the plan (on an approved plan only its progress)."""

    item_type = ""
    filter_backends: list = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @cached_property
    def plan(self) -> RelationshipPlan:
        visible = RelationshipPlan.objects.visible_to(self.request.user).select_related("key_account")
        return get_object_or_404(visible, pk=self.kwargs["plan_pk"])

    def get_queryset(self) -> QuerySet:
        model = services.ITEM_MODELS[self.item_type]
        if getattr(self, "swagger_fake_view", False):
            return model.objects.none()
        return model.objects.filter(plan=self.plan).order_by("position", "id")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and "plan_pk" in self.kwargs:
            context["plan"] = self.plan
        return context

    def perform_create(self, serializer: serializers.ModelSerializer) -> None:
        serializer.instance = services.plan_item_save(
            plan=self.plan, by=self.request.user, item_type=self.item_type, **self.item_data(serializer)
        )

    def perform_update(self, serializer: serializers.ModelSerializer) -> None:
        serializer.instance = services.plan_item_save(
            plan=self.plan,
            by=self.request.user,
            item_type=self.item_type,
            item=serializer.instance,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance: Any) -> None:
        services.plan_item_delete(plan=self.plan, by=self.request.user, item=instance)

    def item_data(self, serializer: serializers.ModelSerializer) -> dict[str, Any]:
        return dict(serializer.validated_data)

    @extend_schema(request=ReorderSerializer, responses={204: None})
    @action(detail=False, methods=["post"])
    def reorder(self, request: Request, plan_pk: str) -> Response:
        """Put the items in this order: send every id of the list exactly once."""
        ids = self.input(ReorderSerializer)["ids"]
        services.plan_items_reorder(plan=self.plan, by=request.user, item_type=self.item_type, ids=ids)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _item_schema(serializer: type[serializers.Serializer]) -> Any:
    def decorate(viewset: type[PlanItemViewSet]) -> type[PlanItemViewSet]:
        viewset = extend_schema(parameters=[PLAN_PK])(viewset)
        return extend_schema_view(create=_idempotent_create(serializer), destroy=extend_schema(responses={204: None}))(
            viewset
        )

    return decorate


@_item_schema(ObjectiveSerializer)
class ObjectiveViewSet(PlanItemViewSet):
    """The plan's objectives with their actual (measured metrics computed from the data) and percent."""

    item_type = "objective"
    serializer_class = ObjectiveSerializer


@_item_schema(StrategySerializer)
class StrategyViewSet(PlanItemViewSet):
    """The plan's strategies."""

    item_type = "strategy"
    serializer_class = StrategySerializer


@_item_schema(ActionSerializer)
class ActionViewSet(PlanItemViewSet):
    """The plan's actions; interactions linked as evidence mark them done and move the plan's progress."""

    item_type = "action"
    serializer_class = ActionSerializer

    def get_queryset(self) -> QuerySet[Action]:
        return super().get_queryset().prefetch_related("evidence")

    def item_data(self, serializer: serializers.ModelSerializer) -> dict[str, Any]:
        data = dict(serializer.validated_data)
        data.setdefault("owner", self.plan.key_account.relationship_manager or self.request.user)
        return data

    @extend_schema(request=EvidenceSerializer, responses={200: ActionSerializer})
    @action(detail=True, methods=["post"])
    def evidence(self, request: Request, plan_pk: str, pk: str) -> Response:
        """Link an interaction with the plan's customer as evidence, or log a new one (`log`) and link it."""
        item = self.get_object()
        data = self.input(EvidenceSerializer)
        if "interaction" in data:
            services.action_link_interaction(
                action=item, interaction=data["interaction"], by=request.user, mark_done=data["mark_done"]
            )
        else:
            services.action_log_interaction(action=item, by=request.user, mark_done=data["mark_done"], **data["log"])
        item = self.get_queryset().get(pk=item.pk)
        return Response(ActionSerializer(item, context=self.get_serializer_context()).data)


@_item_schema(ResourceSerializer)
class ResourceViewSet(PlanItemViewSet):
    """The plan's resources (people, budget, entertainment...) with planned and used amounts in IDR."""

    item_type = "resource"
    serializer_class = ResourceSerializer
