"""API of the GM's dashboards: /api/v1/dashboards/... and /api/v1/period-computations/.

The same reads as the pages (selectors/dashboard_*.py) and the same filters as query parameters
(`period`, `relationship_manager`, `segment`, `industry`, `city`); a value the page would not
offer is a 400 with a message at its parameter. Scorecards: general managers and admins see
every RM, an RM only themselves, a sales rep nothing (403). Programme health, profitability and
the period computations are for general managers and admins (403 for everyone else).
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from accounts.models import SEES_ALL
from crm_project.api.pagination import PageNumberPagination
from crm_project.api.permissions import HasRole
from crm_project.roles import Role, role_of
from insights.segments import segment_info

from .. import selectors
from ..forms_dashboards import parse_period
from ..models import PeriodComputation, RelationshipPlan
from ..periods import Period
from ..services.figures import period_request
from .dashboard_serializers import (
    DashboardQuerySerializer,
    PeriodComputationRequestSerializer,
    PeriodComputationSerializer,
    ProfitabilityQuerySerializer,
    ProfitabilitySerializer,
    ProgrammeSerializer,
    ScorecardsQuerySerializer,
    ScorecardsSerializer,
)


class IsManager(permissions.BasePermission):
    message = _("Only general managers and admins may use this.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return role_of(request.user) in SEES_ALL


class ReadsScorecards(permissions.BasePermission):
    message = _("Only relationship managers, general managers and admins have scorecards.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return role_of(request.user) in (*SEES_ALL, Role.RELATIONSHIP_MANAGER)


def _label(segment: str) -> str:
    info = segment_info(segment) if segment else None
    return str(info.label) if info else str(_("No segment"))


def _period_figures(period: Period) -> dict[str, Any]:
    computation = selectors.period_computation_get(period)
    return {
        "key": period.key,
        "label": period.label,
        "kind": period.kind,
        "start": period.start,
        "end": period.end,
        "computed": computation is not None and computation.data_until is not None,
        "status": computation.status if computation else None,
        "computed_at": computation.finished_at if computation else None,
        "data_until": computation.data_until if computation else None,
    }


class DashboardView(APIView):
    """Reads the filters (three queries: the offered RMs, industries and cities)."""

    permission_classes = [permissions.IsAuthenticated, HasRole, IsManager]
    query_serializer = DashboardQuerySerializer

    def query(self, request: Request) -> tuple[selectors.DashboardFilters, DashboardQuerySerializer]:
        default = selectors.dashboard_default_period()
        try:
            period = parse_period(request.query_params.get("period") or default.key)
        except ValueError:
            period = default
        choices = selectors.dashboard_filter_choices(user=request.user, period=period)
        query = self.query_serializer(data=request.query_params, choices=choices)
        query.is_valid(raise_exception=True)
        return query.filters(default), query


# The scorecards are paginated as the API's lists are (crm_project.api.pagination): `page` and
# `page_size` (at most API_PAGE_SIZE_MAX), answered with count, next, previous and results.
PAGE_PARAMETERS = [
    OpenApiParameter(
        PageNumberPagination.page_query_param, int, description=str(PageNumberPagination.page_query_description)
    ),
    OpenApiParameter(
        PageNumberPagination.page_size_query_param,
        int,
        description=str(PageNumberPagination.page_size_query_description),
    ),
]


def _scorecard(card: selectors.Scorecard) -> dict[str, Any]:
    return {
        "relationship_manager": card.user_id,
        "name": card.name,
        "username": card.username,
        "weighted_score": card.score,
        "basis": card.basis,
        "evaluation": card.evaluation_id,
        "evaluation_status": card.evaluation_status or None,
        "key_accounts": card.accounts,
        "load": card.load,
        "capacity": card.capacity,
        "full": card.is_full,
        "criteria": [
            {
                "name": c.name,
                "kind": c.kind,
                "metric": c.metric,
                "weight": c.weight,
                "score": c.score,
                "source": c.source,
                "measured_value": c.value,
            }
            for c in card.criteria
        ],
        "trend": [{"period": p.period.key, "weighted_score": p.score, "basis": p.basis} for p in card.trend],
    }


class ScorecardsView(DashboardView):
    """Every RM's weighted score for the period (the evaluation's total when there is one you may
    see, else measured criteria only), each criterion's score, the trend over the last 6 periods
    and the load against the capacity; best score first (or `sort=name`), a page at a time."""

    permission_classes = [permissions.IsAuthenticated, HasRole, ReadsScorecards]
    query_serializer = ScorecardsQuerySerializer

    @extend_schema(parameters=[ScorecardsQuerySerializer, *PAGE_PARAMETERS], responses={200: ScorecardsSerializer})
    def get(self, request: Request) -> Response:
        filters, query = self.query(request)
        cards = selectors.scorecard_list(user=request.user, filters=filters, order=query.validated_data["sort"])
        paginator = PageNumberPagination()
        shown = paginator.paginate_queryset(cards, request, view=self)
        selectors.scorecard_details(user=request.user, cards=shown, filters=filters)
        data = {
            "period": _period_figures(filters.period),
            "count": paginator.page.paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "results": [_scorecard(card) for card in shown],
        }
        return Response(ScorecardsSerializer(data).data)


def _rm_figures(rm: selectors.RMProgramme) -> dict[str, Any]:
    return {
        "relationship_manager": rm.user_id,
        "name": rm.name,
        "key_accounts": rm.key_accounts,
        "cadence_met": rm.cadence_met,
        "cadence_due": rm.cadence_due,
        "cadence_adherence": rm.adherence,
        "actions_due": rm.actions_due,
        "actions_done": rm.actions_done,
        "actions_overdue": rm.actions_overdue,
        "plan_budget": rm.plan_budget,
        "plan_spent": rm.plan_spent,
        "budget_used": rm.budget_used,
    }


class ProgrammeView(DashboardView):
    """Key accounts by segment at the period's end and how they moved since its start, cadence
    adherence (sum of min(contacts, expected) / sum of expected), actions and plan budget per RM,
    and the latest versions of the plans covering the period's year by status."""

    @extend_schema(parameters=[DashboardQuerySerializer], responses={200: ProgrammeSerializer})
    def get(self, request: Request) -> Response:
        filters, _query = self.query(request)
        health = selectors.programme_health(user=request.user, filters=filters)
        data = {
            "period": _period_figures(filters.period),
            "key_accounts": health.key_accounts,
            "by_segment": [{"segment": key, "label": _label(key), "key_accounts": n} for key, n in health.by_segment],
            "movement": {
                "improved": health.improved,
                "same": health.same,
                "worsened": health.worsened,
                "unknown": health.unknown,
            },
            "transitions": [
                {"segment_start": t.start, "segment_end": t.end, "movement": t.move, "key_accounts": t.key_accounts}
                for t in health.transitions
            ],
            "total": {**_rm_figures(health.total), "name": ""},
            "by_relationship_manager": [_rm_figures(rm) for rm in health.rms],
            "plans": [
                {"kind": kind, "status": state, "plans": health.plans[kind].get(state, 0)}
                for kind in RelationshipPlan.Kind.values
                for state in RelationshipPlan.Status.values
            ],
        }
        return Response(ProgrammeSerializer(data).data)


def _figures(figures: selectors.Figures) -> dict[str, Any]:
    return {
        "customers": figures.customers,
        "revenue": figures.revenue,
        "revenue_prev": figures.revenue_prev,
        "growth": figures.growth,
        "margin": figures.margin,
        "margin_prev": figures.margin_prev,
        "plan_spent": figures.plan_spent,
        "contact_cost": figures.contact_cost,
        "relationship_cost": figures.relationship_cost,
        "gain": figures.gain,
        "gain_basis": figures.gain_basis,
        "return_on_cost": figures.return_on_cost,
        "pays_off": figures.pays_off,
    }


def _moves(counts: selectors.MoveCounts) -> dict[str, Any]:
    return {
        "customers": counts.customers,
        "improved": counts.improved,
        "same": counts.same,
        "worsened": counts.worsened,
        "improved_share": counts.improved_share,
        "same_share": counts.same_share,
        "worsened_share": counts.worsened_share,
    }


def _key_account(row: Any, trend: list[Any]) -> dict[str, Any]:
    gain, basis = selectors.key_account_gain(row)
    cost = row.relationship_cost
    value = selectors.return_on_cost(gain, cost)
    return {
        "key_account": row.key_account_id,
        "customer": row.customer_id,
        "customer_name": row.customer.name,
        "relationship_manager": row.relationship_manager_id,
        "revenue": row.revenue,
        "revenue_prev": row.revenue_prev,
        "growth": (row.revenue - row.revenue_prev) / row.revenue_prev if row.revenue_prev else None,
        "margin": row.margin,
        "margin_prev": row.margin_prev,
        "plan_spent": row.plan_spent,
        "contact_cost": row.contact_cost,
        "relationship_cost": cost,
        "gain": gain,
        "gain_basis": basis,
        "return_on_cost": value,
        "pays_off": value is not None and value > 1,
        "segment_start": row.segment_start,
        "segment_end": row.segment_end,
        "share_of_wallet_trend": trend,
    }


class ProfitabilityView(DashboardView):
    """Key accounts against regular customers, per RFM segment: revenue, gross margin, growth,
    relationship cost (plan resources used + contact effort), gain and the return on the
    relationship cost (gain / cost; above 1 it pays off); the before/after segment movement
    against similar customers; and the key accounts, a page at a time."""

    query_serializer = ProfitabilityQuerySerializer

    @extend_schema(parameters=[ProfitabilityQuerySerializer], responses={200: ProfitabilitySerializer})
    def get(self, request: Request) -> Response:
        filters, query = self.query(request)
        result = selectors.profitability(filters=filters)
        rows = selectors.profitability_key_accounts(
            user=request.user, filters=filters, order=query.validated_data["sort"]
        )
        page = Paginator(rows, query.validated_data["page_size"]).get_page(query.validated_data["page"])
        trends = selectors.share_of_wallet_trends(
            key_account_ids=[row.key_account_id for row in page.object_list], period=filters.period
        )
        data = {
            "period": _period_figures(filters.period),
            "groups": [
                {"group": "key", **_figures(result.key)},
                {"group": "regular", **_figures(result.regular)},
            ],
            "segments": [
                {
                    "segment": s.segment,
                    "label": _label(s.segment),
                    "key": _figures(s.key),
                    "regular": _figures(s.regular),
                }
                for s in result.segments
            ],
            "before_after": [
                {
                    "segment_before": group.segment_before,
                    "label": _label(group.segment_before),
                    "key_accounts": _moves(group.key),
                    "similar_customers": _moves(group.similar),
                }
                for group in result.before_after
            ],
            "key_accounts": {
                "count": page.paginator.count,
                "page": page.number,
                "pages": page.paginator.num_pages,
                "results": [_key_account(row, trends[row.key_account_id]) for row in page.object_list],
            },
        }
        return Response(ProfitabilitySerializer(data).data)


class PeriodComputationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """When each period's figures were computed (newest period first). POST a period to compute
    it again from today's data: it is queued (202) and its URL tells the status. Figures of a
    past period change only when it is recomputed on purpose."""

    serializer_class = PeriodComputationSerializer
    permission_classes = [permissions.IsAuthenticated, HasRole, IsManager]
    filter_backends: list = []

    def get_queryset(self) -> Any:
        return selectors.period_computation_list()

    @extend_schema(request=PeriodComputationRequestSerializer, responses={202: PeriodComputationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = PeriodComputationRequestSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        computation = period_request(period=query.validated_data["period"], by=request.user)
        computation = PeriodComputation.objects.select_related("requested_by").get(pk=computation.pk)
        answer = self.get_serializer(computation)
        return Response(answer.data, status=status.HTTP_202_ACCEPTED)


router = SimpleRouter()
router.register("period-computations", PeriodComputationViewSet, basename="period-computation")

urlpatterns = [
    path("dashboards/scorecards/", ScorecardsView.as_view(), name="dashboard-scorecards"),
    path("dashboards/programme/", ProgrammeView.as_view(), name="dashboard-programme"),
    path("dashboards/profitability/", ProfitabilityView.as_view(), name="dashboard-profitability"),
    *router.urls,
]
