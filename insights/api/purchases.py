"""Purchases over the API: list and read (scoped like the pages), create one, and bulk.

Reads are scoped to the customers the user may see (a purchase of any other
customer is a 404). Creating needs the `insights.add_purchase` permission
(general managers, admins, integration users given it). One row and a bulk
row go through the same parser (`purchase_io.row_parse`), so they accept the
same formats and answer the same messages.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, mixins, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.filters import CustomerRecordFilter, StableOrderingFilter
from accounts.api.serializers import IdempotencyConflictSerializer
from accounts.models import Customer
from crm_project.api.permissions import HasRole
from crm_project.idempotency import IDEMPOTENCY_PARAMETER, IdempotentCreateMixin

from .. import purchase_io
from ..models import Purchase
from ..services import purchase_record


class MayAddPurchases(permissions.BasePermission):
    message = gettext_lazy("Only general managers and admins may record purchases.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return request.method in permissions.SAFE_METHODS or request.user.has_perm("insights.add_purchase")


# --- reading ------------------------------------------------------------------------------------


class PurchaseSerializer(serializers.ModelSerializer):
    customer_ref = serializers.CharField(
        source="customer.external_ref", read_only=True, help_text=gettext_lazy("The customer's external reference.")
    )
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = Purchase
        fields = [
            "id",
            "customer",
            "customer_ref",
            "customer_name",
            "purchased_at",
            "purchased_on",
            "amount",
            "quantity",
            "product",
            "category",
            "cost",
            "source",
            "external_id",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"purchased_on": {"help_text": gettext_lazy("The date of the purchase in the CRM's time zone.")}}


class PurchaseFilter(CustomerRecordFilter):
    customer_ref = filters.CharFilter(
        field_name="customer__external_ref",
        max_length=100,
        help_text=gettext_lazy("The customer's external reference."),
    )
    source = filters.CharFilter(max_length=50, help_text=gettext_lazy("Only purchases from this source system."))
    purchased_from = filters.DateFilter(
        field_name="purchased_on", lookup_expr="gte", help_text=gettext_lazy("Dated on or after this day.")
    )
    purchased_to = filters.DateFilter(
        field_name="purchased_on", lookup_expr="lte", help_text=gettext_lazy("Dated on or before this day.")
    )
    ordering = StableOrderingFilter(
        fields=("purchased_at", "amount", "created_at"),
        help_text=gettext_lazy("purchased_at, amount or created_at, - for descending; left out: newest first."),
    )

    class Meta:
        model = Purchase
        fields: list[str] = []


# --- writing ------------------------------------------------------------------------------------


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "number"}]})
class AmountField(serializers.Field):
    """Documents a number given as a JSON number or as text (1250000.50, 1.250.000,50)."""


class PurchaseInSerializer(serializers.Serializer):
    """One purchase to record; the row format of the bulk endpoint too."""

    customer = serializers.IntegerField(
        required=False, help_text=gettext_lazy("Id of the customer; give this or customer_ref.")
    )
    customer_ref = serializers.CharField(
        required=False, help_text=gettext_lazy("The customer's external reference; give this or customer.")
    )
    purchased_at = serializers.CharField(
        help_text=gettext_lazy(
            "ISO 8601 date or date-time (2025-12-31, 2025-12-31T14:05:00+07:00), or 31/12/2025 14:05; "
            "without an offset it is the CRM's time zone."
        )
    )
    amount = AmountField(help_text=gettext_lazy('Not negative; at most 2 decimals. 1250000.50 or "1.250.000,50".'))
    quantity = AmountField(required=False, help_text=gettext_lazy("Optional; at most 3 decimals."))
    product = serializers.CharField(required=False, allow_blank=True, max_length=200)
    category = serializers.CharField(required=False, allow_blank=True, max_length=100)
    cost = AmountField(required=False, help_text=gettext_lazy("Optional: what the goods cost us; not negative."))
    source = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=50,
        help_text=gettext_lazy("Source system, e.g. erp; left out: api."),
    )
    external_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text=gettext_lazy(
            "The purchase's id in its source system, unique per source. Left out: derived from the row's content, "
            "so that sending the same purchase twice records it once."
        ),
    )

    default_source = "api"

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": [_("Send one purchase as a JSON object.")]})
        writer = purchase_io.PurchaseWriter(
            user=self.context["request"].user, default_source=self.default_source, commit=False
        )
        parsed, errors = purchase_io.row_parse(data, key=0, default_source=self.default_source)
        if parsed is not None:
            errors = writer.resolve_one(parsed)
        if errors:
            detail: dict[str, list[str]] = {}
            for name, message in errors:
                detail.setdefault(name or "non_field_errors", []).append(message)
            raise serializers.ValidationError(detail)
        return {"row": parsed}


BulkResultSerializer = inline_serializer(
    name="PurchaseBulkResult",
    fields={
        "created": serializers.IntegerField(help_text=gettext_lazy("Rows recorded now.")),
        "existing": serializers.IntegerField(
            help_text=gettext_lazy("Valid rows whose (source, external_id) was already recorded; left unchanged.")
        ),
        "rejected": serializers.IntegerField(help_text=gettext_lazy("Rows refused; each has its reasons in errors.")),
        "errors": inline_serializer(
            name="PurchaseBulkError",
            many=True,
            fields={
                "row": serializers.IntegerField(help_text=gettext_lazy("Index of the row in rows, from 0.")),
                "field": serializers.CharField(help_text=gettext_lazy("The row's field, or empty for the whole row.")),
                "message": serializers.CharField(),
            },
        ),
    },
)

BulkRequestSerializer = inline_serializer(
    name="PurchaseBulkRequest",
    fields={
        "source": serializers.CharField(
            required=False, max_length=50, help_text=gettext_lazy("Source of rows that name none; left out: api.")
        ),
        "rows": PurchaseInSerializer(many=True, help_text=gettext_lazy("Up to 10,000 purchases.")),
    },
)


def _duplicate(row: purchase_io.ParsedRow) -> serializers.ValidationError:
    message = _("A purchase with this external id from source “%(source)s” is already recorded.")
    return serializers.ValidationError({"external_id": [message % {"source": row.source}]})


class PurchaseCreate:
    """`create` of one purchase, below IdempotentCreateMixin so that the mixin wraps it."""

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = PurchaseInSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        row: purchase_io.ParsedRow = serializer.validated_data["row"]
        # Said on external_id, where the client can act on it (the model would say it for the whole row).
        if Purchase.objects.filter(source=row.source, external_id=row.external_id).exists():
            raise _duplicate(row)
        try:
            purchase = purchase_record(
                customer=Customer.objects.get(pk=row.customer_id),
                purchased_at=row.purchased_at,
                amount=row.amount,
                external_id=row.external_id,
                source=row.source,
                quantity=row.quantity,
                product=row.product,
                category=row.category,
                cost=row.cost,
                by=request.user,
            )
        except IntegrityError as error:  # the same purchase was recorded in the meantime
            raise _duplicate(row) from error
        purchase = self.get_queryset().get(pk=purchase.pk)
        return Response(PurchaseSerializer(purchase, context=self.get_serializer_context()).data, status=201)


@extend_schema_view(
    list=extend_schema(tags=["purchases"]),
    retrieve=extend_schema(tags=["purchases"]),
    create=extend_schema(
        tags=["purchases"],
        request=PurchaseInSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: PurchaseSerializer,
            422: OpenApiResponse(
                IdempotencyConflictSerializer,
                description=gettext_lazy("The Idempotency-Key was used for another request."),
            ),
        },
    ),
)
class PurchaseViewSet(
    IdempotentCreateMixin,  # first, so that it wraps PurchaseCreate.create
    PurchaseCreate,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Purchases of the customers the user may see, newest first; `POST` records one (general managers, admins)."""

    serializer_class = PurchaseSerializer
    permission_classes = [permissions.IsAuthenticated, HasRole, MayAddPurchases]
    filter_backends = [DjangoFilterBackend]
    filterset_class = PurchaseFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Purchase]:
        return Purchase.objects.visible_to(self.request.user).select_related("customer")

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Query parameters shape the list only; one purchase is found by its id alone.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)


class BulkCreate:
    """`create` of the bulk endpoint, so that IdempotentCreateMixin can wrap it."""

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = request.data
        source = "api"
        if isinstance(data, dict):
            source_value = data.get("source", "api")
            try:
                source = purchase_io.parse_text(source_value, max_length=50) or "api"
            except purchase_io.RowProblem as problem:
                return Response({"source": [str(problem)]}, status=status.HTTP_400_BAD_REQUEST)
            data = data.get("rows")
        if not isinstance(data, list):
            return Response(
                {"rows": [_('Send {"source": ..., "rows": [...]} or a JSON list of purchases.')]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if len(data) > purchase_io.API_MAX_ROWS:
            message = _("At most %(max)d rows per request; this one has %(count)d. Send them in several requests.")
            return Response(
                {"rows": [message % {"max": purchase_io.API_MAX_ROWS, "count": len(data)}]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        rows = [
            purchase_io.RowIn(key=index, values=row)
            if isinstance(row, dict)
            else purchase_io.RowIn(key=index, values={}, problems=[("", _("Each row must be a JSON object."))])
            for index, row in enumerate(data)
        ]
        # Non-object rows are rejected for that reason alone, not also for missing fields.
        outcome = purchase_io.purchases_import_rows(
            (row for row in rows if not row.problems),
            user=request.user,
            default_source=source,
            commit=True,
            keys_are_lines=False,
        )
        errors = [{"row": row.key, "field": "", "message": row.problems[0][1]} for row in rows if row.problems]
        errors += [{"row": e["line"], "field": e["field"], "message": e["message"]} for e in outcome.errors]
        errors.sort(key=lambda error: error["row"])
        body = {
            "created": outcome.created,
            "existing": outcome.existing,
            "rejected": outcome.rejected + sum(1 for row in rows if row.problems),
            "errors": errors,
        }
        return Response(body, status=status.HTTP_200_OK)


class PurchaseBulkView(IdempotentCreateMixin, BulkCreate, generics.GenericAPIView):
    """Record up to 10,000 purchases in one request.

    The body is `{"source": "erp", "rows": [...]}` (or just the list of rows);
    each row is a purchase as for `POST /api/v1/purchases/`, naming its customer
    by `customer` (id) or `customer_ref`. Valid rows are recorded even when
    others are rejected; a row already recorded (same source and external_id)
    counts as `existing` and is left unchanged, so a retry never duplicates.
    The answer is 200 with the counts and every rejected row's reasons.
    """

    permission_classes = [permissions.IsAuthenticated, HasRole, MayAddPurchases]
    serializer_class = PurchaseSerializer  # for the schema generator only
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        operation_id="purchases_bulk_create",
        request=BulkRequestSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            200: BulkResultSerializer,
            422: OpenApiResponse(
                IdempotencyConflictSerializer,
                description=gettext_lazy("The Idempotency-Key was used for another request."),
            ),
        },
        examples=[
            OpenApiExample(
                "Two rows",
                request_only=True,
                value={
                    "source": "erp",
                    "rows": [
                        {
                            "customer_ref": "C-001",
                            "purchased_at": "2025-12-31T14:05:00+07:00",
                            "amount": "1250000.50",
                            "external_id": "INV-1",
                        },
                        {"customer": 42, "purchased_at": "2025-12-31", "amount": -5, "external_id": "INV-2"},
                    ],
                },
            ),
            OpenApiExample(
                "Answer",
                response_only=True,
                value={
                    "created": 1,
                    "existing": 0,
                    "rejected": 1,
                    "errors": [{"row": 1, "field": "amount", "message": "The amount cannot be negative."}],
                },
            ),
        ],
        tags=["purchases"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.create(request, *args, **kwargs)
