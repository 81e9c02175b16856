"""Read API of the knowledge tables, and rollup runs (DESIGN.md "API conventions").

RFM figures, snapshots and segment counts follow the customer visibility rule:
a customer outside the user's scope is a 404 and in no list or count. Rollup
runs and key-account candidates are for general managers and admins (403 for
everyone else, as the pages).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import IdempotencyConflictSerializer
from accounts.models import SEES_ALL, Customer
from crm_project.api.permissions import HasRole
from crm_project.idempotency import IDEMPOTENCY_PARAMETER, IdempotentCreateMixin
from crm_project.roles import role_of

from .. import selectors, services
from ..forms import as_of_errors
from ..models import CustomerRFM, KeyAccountCandidate, RFMSnapshot, RollupRun
from . import filters

INCREMENTAL_MAX_CUSTOMERS = 10_000

FIGURES = (
    "as_of",
    "last_purchase_on",
    "recency_days",
    "frequency",
    "monetary",
    "average_order_value",
    "revenue_12m",
    "revenue_prev_12m",
    "growth",
    "r_score",
    "f_score",
    "m_score",
    "segment",
    "segment_label",
    "competitor_spend",
    "share_of_wallet",
    "computed_at",
)


class IsManager(permissions.BasePermission):
    """General managers and admins (DESIGN.md: they run the programme)."""

    message = _("Only general managers and admins may use this.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return role_of(request.user) in SEES_ALL


# --- serializers ---------------------------------------------------------------------------------


class CustomerRFMSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    segment_label = serializers.CharField(read_only=True, help_text=_("The segment in words, in the active language."))
    growth = serializers.DecimalField(
        max_digits=20,
        decimal_places=6,
        read_only=True,
        allow_null=True,
        help_text=_("0.25 means +25%; null without revenue before."),
    )
    share_of_wallet = serializers.DecimalField(
        max_digits=7, decimal_places=6, read_only=True, allow_null=True, help_text=_("A ratio from 0 to 1.")
    )

    class Meta:
        model = CustomerRFM
        fields = ["customer", "customer_name", *FIGURES]
        read_only_fields = fields


class RFMSnapshotSerializer(CustomerRFMSerializer):
    class Meta:
        model = RFMSnapshot
        fields = ["id", "customer", "customer_name", "month", *FIGURES]
        read_only_fields = fields


class SegmentFiguresSerializer(serializers.Serializer):
    segment = serializers.CharField()
    label = serializers.CharField()
    customers = serializers.IntegerField()
    share = serializers.FloatField(help_text=_("This segment's share of the customers counted, 0 to 1."))
    revenue_12m = serializers.DecimalField(max_digits=24, decimal_places=2)
    monetary = serializers.DecimalField(max_digits=24, decimal_places=2)


class SegmentSummarySerializer(serializers.Serializer):
    month = serializers.DateField(
        allow_null=True, help_text=_("The snapshot month's first day; null for the current figures.")
    )
    customers = serializers.IntegerField()
    revenue_12m = serializers.DecimalField(max_digits=24, decimal_places=2)
    monetary = serializers.DecimalField(max_digits=24, decimal_places=2)
    results = SegmentFiguresSerializer(many=True, help_text=_("All ten segments, zeros included."))


class SegmentQuerySerializer(serializers.Serializer):
    month = serializers.CharField(
        required=False, max_length=10, help_text=_("A snapshot month as YYYY-MM (or a date in it); left out: now.")
    )

    def validate_month(self, value: str) -> dt.date | None:
        try:
            return filters.MonthField().clean(value)
        except Exception as invalid:
            raise serializers.ValidationError(filters.MonthField.default_error_messages["invalid"]) from invalid


class RollupRunSerializer(serializers.ModelSerializer):
    # A plain string here: one enum component for the kinds (RollupRequest's) keeps the schema free of
    # a naming collision with the customers' `kind`.
    kind = serializers.CharField(read_only=True, help_text=_("full, incremental or snapshot."))
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    duration_seconds = serializers.SerializerMethodField()

    class Meta:
        model = RollupRun
        fields = [
            "id",
            "kind",
            "kind_label",
            "as_of",
            "status",
            "status_label",
            "requested_by",
            "customer_ids",
            "shards",
            "shards_done",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "rows",
            "rows_changed",
            "error",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_duration_seconds(self, run: RollupRun) -> float | None:
        return run.duration.total_seconds() if run.duration else None


class RollupRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=RollupRun.Kind.choices,
        default=RollupRun.Kind.FULL,
        help_text=_(
            "full: every customer; snapshot: the figures at the end of as_of's month; "
            "incremental: only the customers in customer_ids (a full run when no current figures exist for as_of)."
        ),
    )
    as_of = serializers.DateField(required=False, help_text=_("Left out: today."))
    customer_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=INCREMENTAL_MAX_CUSTOMERS,
        help_text=_("Incremental runs only: the customers whose purchases changed."),
    )

    def validate_as_of(self, value: dt.date) -> dt.date:
        errors = as_of_errors(value)
        if errors:
            raise serializers.ValidationError(errors)
        return value

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        ids = set(data.get("customer_ids") or ())
        if data["kind"] == RollupRun.Kind.INCREMENTAL:
            if not ids:
                raise serializers.ValidationError({"customer_ids": [_("An incremental run needs customer ids.")]})
            if Customer.objects.filter(pk__in=ids).count() != len(ids):
                raise serializers.ValidationError({"customer_ids": [_("Some of these customers do not exist.")]})
        elif ids:
            raise serializers.ValidationError({"customer_ids": [_("Only an incremental run takes customer ids.")]})
        return data


class KeyAccountCandidateSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    reason_label = serializers.CharField(source="get_reason_display", read_only=True)
    tier = serializers.CharField(source="customer.tier", read_only=True)
    owner = serializers.IntegerField(source="customer.owner_id", read_only=True)
    segment = serializers.SerializerMethodField()

    class Meta:
        model = KeyAccountCandidate
        fields = [
            "id",
            "customer",
            "customer_name",
            "reason",
            "reason_label",
            "rank",
            "revenue_12m",
            "revenue_prev_12m",
            "growth",
            "segment",
            "tier",
            "owner",
            "as_of",
            "computed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_segment(self, candidate: KeyAccountCandidate) -> str | None:
        try:
            return candidate.customer.rfm.segment
        except CustomerRFM.DoesNotExist:
            return None


# --- views ---------------------------------------------------------------------------------------


class KnowledgeViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.IsAuthenticated, HasRole]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Query parameters shape lists only; one record is found by its key alone.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)


@extend_schema_view(
    retrieve=extend_schema(
        parameters=[
            OpenApiParameter(
                "customer_id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("Id of the customer.")
            )
        ]
    )
)
class CustomerRFMViewSet(KnowledgeViewSet):
    """The current RFM figures, scores and segment of the customers the user may see (one row per customer)."""

    serializer_class = CustomerRFMSerializer
    filterset_class = filters.CustomerRFMFilter
    # Through the customer's own id field: an id beyond the integer range is then simply not found.
    lookup_field = "customer__id"
    lookup_url_kwarg = "customer_id"
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[CustomerRFM]:
        return (
            CustomerRFM.objects.visible_to(self.request.user)
            .select_related("customer")
            .order_by("-monetary", "customer_id")
        )


class RFMSnapshotViewSet(KnowledgeViewSet):
    """Monthly snapshots of the figures (month = the month's first day, as_of = its last day)."""

    serializer_class = RFMSnapshotSerializer
    filterset_class = filters.RFMSnapshotFilter

    def get_queryset(self) -> QuerySet[RFMSnapshot]:
        return (
            RFMSnapshot.objects.visible_to(self.request.user)
            .select_related("customer")
            .order_by("customer_id", "month")
        )


class SegmentSummaryView(APIView):
    """Customers, 12-month revenue and all-time spend per segment, over the customers the user may see."""

    permission_classes = [permissions.IsAuthenticated, HasRole]

    @extend_schema(parameters=[SegmentQuerySerializer], responses={200: SegmentSummarySerializer})
    def get(self, request: Request) -> Response:
        query = SegmentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        summary = selectors.segment_summary(user=request.user, month=query.validated_data.get("month"))
        data = {
            "month": summary.month,
            "customers": summary.customers,
            "revenue_12m": summary.revenue_12m,
            "monetary": summary.monetary,
            "results": [
                {
                    "segment": row.key,
                    "label": str(row.segment.label),
                    "customers": row.customers,
                    "share": round(row.share, 6),
                    "revenue_12m": row.revenue_12m,
                    "monetary": row.monetary,
                }
                for row in summary.rows
            ],
        }
        return Response(SegmentSummarySerializer(data).data)


class AcceptedCreateMixin(mixins.CreateModelMixin):
    """Creating a run queues it: 202 Accepted with the run, whose URL tells its status."""

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = RollupRequestSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        run = services.rollup_request(
            kind=data["kind"], as_of=data.get("as_of"), by=request.user, customer_ids=data.get("customer_ids") or ()
        )
        answer = RollupRunSerializer(run, context=self.get_serializer_context())
        return Response(answer.data, status=status.HTTP_202_ACCEPTED)


class RollupRunViewSet(
    IdempotentCreateMixin,  # first, so that it wraps the create
    AcceptedCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Rollup runs, newest first (general managers and admins). POST queues one; poll its URL for the status."""

    serializer_class = RollupRunSerializer
    permission_classes = [permissions.IsAuthenticated, HasRole, IsManager]
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[RollupRun]:
        return selectors.rollup_run_list()

    @extend_schema(
        request=RollupRequestSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            202: RollupRunSerializer,
            422: OpenApiResponse(
                IdempotencyConflictSerializer, description=_("The Idempotency-Key was used for another request.")
            ),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)


class KeyAccountCandidateViewSet(KnowledgeViewSet):
    """Customers the key-account programme should consider: top by 12-month revenue and fast growers."""

    serializer_class = KeyAccountCandidateSerializer
    filterset_class = filters.KeyAccountCandidateFilter
    permission_classes = [permissions.IsAuthenticated, HasRole, IsManager]

    def get_queryset(self) -> QuerySet[KeyAccountCandidate]:
        return selectors.candidate_list(user=self.request.user)
