"""Shapes of the dashboards API (/api/v1/dashboards/...) and of the period computations.

The dashboards answer one document per request (not a list of resources): the period and
when its figures were computed, then the figures. Money and ratios are decimals as strings,
as everywhere in the API; a ratio of 0.25 means 25 %.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from insights.segments import SEGMENT_ORDER

from ..forms_dashboards import parse_period
from ..models import PeriodComputation
from ..periods import Period
from ..selectors import NO_SEGMENT, SCORECARD_ORDERS, DashboardFilters, FilterChoices

MONEY = {"max_digits": 20, "decimal_places": 2}
RATIO = {"max_digits": 20, "decimal_places": 4}


class PeriodField(serializers.CharField):
    """A period key (`2026-Q3` or `2026`) that has started; answered as the key."""

    def to_internal_value(self, data: Any) -> Period:
        text = super().to_internal_value(data)
        try:
            return parse_period(text)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from error

    def run_validators(self, value: Any) -> None:
        # The length and blank checks are about the text; the value is a Period by now.
        super().run_validators(value.key if isinstance(value, Period) else value)

    def to_representation(self, value: Any) -> str:
        return value.key if isinstance(value, Period) else str(value)


# -- query parameters ----------------------------------------------------------------------------------


class DashboardQuerySerializer(serializers.Serializer):
    """The filters every dashboard takes; a value that is not offered is a 400 with its field."""

    period = PeriodField(
        required=False,
        max_length=7,
        help_text=_("A quarter (2026-Q3) or a year (2026); left out: the latest closed quarter."),
    )
    relationship_manager = serializers.IntegerField(
        required=False, min_value=1, help_text=_("User id of a relationship manager (GMs and admins: any RM).")
    )
    segment = serializers.ChoiceField(
        choices=[*SEGMENT_ORDER, NO_SEGMENT],
        required=False,
        help_text=_("An RFM segment at the period's end; `none`: customers without a segment (no purchases)."),
    )
    industry = serializers.CharField(required=False, max_length=100, help_text=_("An industry of the stored rows."))
    city = serializers.CharField(required=False, max_length=100, help_text=_("A city of the stored rows."))

    def __init__(self, *args: Any, choices: FilterChoices | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices = choices

    def validate_relationship_manager(self, value: int) -> int:
        if self.choices is not None and value not in {pk for pk, _name in self.choices.relationship_managers}:
            raise serializers.ValidationError(_("Not a relationship manager you can see."))
        return value

    def validate_industry(self, value: str) -> str:
        if self.choices is not None and value not in self.choices.industries:
            raise serializers.ValidationError(_("No stored figures of this period have this industry."))
        return value

    def validate_city(self, value: str) -> str:
        if self.choices is not None and value not in self.choices.cities:
            raise serializers.ValidationError(_("No stored figures of this period have this city."))
        return value

    def filters(self, default: Period) -> DashboardFilters:
        data = self.validated_data
        return DashboardFilters(
            period=data.get("period") or default,
            relationship_manager=data.get("relationship_manager"),
            segment=data.get("segment", ""),
            industry=data.get("industry", ""),
            city=data.get("city", ""),
        )


class ScorecardsQuerySerializer(DashboardQuerySerializer):
    sort = serializers.ChoiceField(
        choices=list(SCORECARD_ORDERS),
        required=False,
        default="-score",
        help_text=_("Order of the RMs: -score (best weighted score first, default) or name."),
    )


class ProfitabilityQuerySerializer(DashboardQuerySerializer):
    sort = serializers.ChoiceField(
        choices=["-return", "return", "-revenue", "-cost", "name"],
        required=False,
        default="-return",
        help_text=_("Order of the key accounts: -return (best first, default), return, -revenue, -cost, name."),
    )
    page = serializers.IntegerField(required=False, min_value=1, default=1, help_text=_("Page of the key accounts."))
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=200, default=50, help_text=_("Key accounts per page (at most 200).")
    )


# -- answers ---------------------------------------------------------------------------------------------


class DashboardPeriodSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("2026-Q3 or 2026."))
    label = serializers.CharField()
    kind = serializers.CharField(help_text=_("quarter or year."))
    start = serializers.DateField()
    end = serializers.DateField()
    computed = serializers.BooleanField(help_text=_("Whether figures were ever computed for this period."))
    status = serializers.CharField(allow_null=True, help_text=_("queued, running, done or failed; null: never."))
    computed_at = serializers.DateTimeField(allow_null=True)
    data_until = serializers.DateField(allow_null=True, help_text=_("The last day the figures count."))


class ScorecardCriterionSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField(help_text=_("manual or measured."))
    metric = serializers.CharField(help_text=_("The measured metric; empty for a manual criterion."))
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    score = serializers.IntegerField(allow_null=True, help_text=_("1 to 5; null: not scored yet."))
    source = serializers.CharField(
        help_text=_("evaluation: the GM's score; measured: from the data; empty: no score."),
    )
    measured_value = serializers.DecimalField(allow_null=True, **RATIO)


class ScorecardTrendPointSerializer(serializers.Serializer):
    period = serializers.CharField()
    weighted_score = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    basis = serializers.CharField(help_text=_("final, draft, measured or empty (no score)."))


class ScorecardSerializer(serializers.Serializer):
    relationship_manager = serializers.IntegerField(help_text=_("User id."))
    name = serializers.CharField()
    username = serializers.CharField()
    weighted_score = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    basis = serializers.CharField(
        help_text=_(
            "final or draft: the evaluation's total; measured: sum(weight x measured score) / "
            "sum(weight of measured criteria with a score); empty: no score."
        ),
    )
    evaluation = serializers.IntegerField(allow_null=True, help_text=_("Id of the evaluation, when you may see it."))
    evaluation_status = serializers.CharField(allow_null=True)
    key_accounts = serializers.IntegerField(help_text=_("Key accounts counted in the period's metrics."))
    load = serializers.IntegerField(help_text=_("Active key accounts now."))
    capacity = serializers.IntegerField()
    full = serializers.BooleanField()
    criteria = ScorecardCriterionSerializer(many=True)
    trend = ScorecardTrendPointSerializer(many=True, help_text=_("The last 6 periods of the same kind, oldest first."))


class ScorecardsSerializer(serializers.Serializer):
    period = DashboardPeriodSerializer()
    count = serializers.IntegerField(help_text=_("Relationship managers on every page."))
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ScorecardSerializer(many=True)


class ProgrammeSegmentCountSerializer(serializers.Serializer):
    segment = serializers.CharField(help_text=_("Empty: no segment."))
    label = serializers.CharField()
    key_accounts = serializers.IntegerField()


class ProgrammeTransitionSerializer(serializers.Serializer):
    segment_start = serializers.CharField()
    segment_end = serializers.CharField()
    movement = serializers.IntegerField(help_text=_("1 improved, 0 same or unknown, -1 worsened."))
    key_accounts = serializers.IntegerField()


class ProgrammeMovementSerializer(serializers.Serializer):
    improved = serializers.IntegerField()
    same = serializers.IntegerField()
    worsened = serializers.IntegerField()
    unknown = serializers.IntegerField(help_text=_("Without a segment at the start or the end."))


class ProgrammeRMSerializer(serializers.Serializer):
    relationship_manager = serializers.IntegerField(allow_null=True, help_text=_("Null: key accounts without an RM."))
    name = serializers.CharField()
    key_accounts = serializers.IntegerField()
    cadence_met = serializers.IntegerField(
        help_text=_("Cadence intervals (each key account's window cut into whole cadence gaps) that held a contact.")
    )
    cadence_due = serializers.IntegerField(help_text=_("Cadence intervals in the windows."))
    cadence_adherence = serializers.DecimalField(allow_null=True, **RATIO)
    actions_due = serializers.IntegerField()
    actions_done = serializers.IntegerField()
    actions_overdue = serializers.IntegerField()
    plan_budget = serializers.DecimalField(**MONEY)
    plan_spent = serializers.DecimalField(**MONEY)
    budget_used = serializers.DecimalField(allow_null=True, **RATIO)


class ProgrammePlanCountSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=_("long_term or annual."))
    status = serializers.CharField(help_text=_("draft, submitted, approved or returned."))
    plans = serializers.IntegerField()


class ProgrammeSerializer(serializers.Serializer):
    period = DashboardPeriodSerializer()
    key_accounts = serializers.IntegerField()
    by_segment = ProgrammeSegmentCountSerializer(many=True)
    movement = ProgrammeMovementSerializer()
    transitions = ProgrammeTransitionSerializer(many=True)
    total = ProgrammeRMSerializer()
    by_relationship_manager = ProgrammeRMSerializer(many=True)
    plans = ProgrammePlanCountSerializer(many=True)


class ProfitFiguresSerializer(serializers.Serializer):
    customers = serializers.IntegerField()
    revenue = serializers.DecimalField(**MONEY)
    revenue_prev = serializers.DecimalField(**MONEY, help_text=_("The same period a year before."))
    growth = serializers.DecimalField(allow_null=True, **RATIO)
    margin = serializers.DecimalField(allow_null=True, **MONEY, help_text=_("Null when no purchase has a cost."))
    margin_prev = serializers.DecimalField(allow_null=True, **MONEY)
    plan_spent = serializers.DecimalField(**MONEY)
    contact_cost = serializers.DecimalField(**MONEY)
    relationship_cost = serializers.DecimalField(**MONEY, help_text=_("plan_spent + contact_cost."))
    gain = serializers.DecimalField(**MONEY)
    gain_basis = serializers.CharField(
        help_text=_("margin: margin - margin_prev (both known); revenue: revenue - revenue_prev."),
    )
    return_on_cost = serializers.DecimalField(
        allow_null=True, **MONEY, help_text=_("gain / relationship_cost; null when the cost is 0.")
    )
    pays_off = serializers.BooleanField(help_text=_("return_on_cost > 1."))


class ProfitGroupSerializer(ProfitFiguresSerializer):
    group = serializers.CharField(help_text=_("key (key accounts) or regular (regular customers)."))


class ProfitSegmentSerializer(serializers.Serializer):
    segment = serializers.CharField(help_text=_("Empty: no purchases yet."))
    label = serializers.CharField()
    key = ProfitFiguresSerializer()
    regular = ProfitFiguresSerializer()


class ProfitMoveCountsSerializer(serializers.Serializer):
    customers = serializers.IntegerField()
    improved = serializers.IntegerField()
    same = serializers.IntegerField()
    worsened = serializers.IntegerField()
    improved_share = serializers.DecimalField(allow_null=True, **RATIO)
    same_share = serializers.DecimalField(allow_null=True, **RATIO)
    worsened_share = serializers.DecimalField(allow_null=True, **RATIO)


class ProfitBeforeAfterSerializer(serializers.Serializer):
    segment_before = serializers.CharField()
    label = serializers.CharField()
    key_accounts = ProfitMoveCountsSerializer()
    similar_customers = ProfitMoveCountsSerializer()


class ProfitKeyAccountSerializer(serializers.Serializer):
    key_account = serializers.IntegerField()
    customer = serializers.IntegerField()
    customer_name = serializers.CharField()
    relationship_manager = serializers.IntegerField(allow_null=True)
    revenue = serializers.DecimalField(**MONEY)
    revenue_prev = serializers.DecimalField(**MONEY)
    growth = serializers.DecimalField(allow_null=True, **RATIO)
    margin = serializers.DecimalField(allow_null=True, **MONEY)
    margin_prev = serializers.DecimalField(allow_null=True, **MONEY)
    plan_spent = serializers.DecimalField(**MONEY)
    contact_cost = serializers.DecimalField(**MONEY)
    relationship_cost = serializers.DecimalField(**MONEY)
    gain = serializers.DecimalField(**MONEY)
    gain_basis = serializers.CharField(help_text=_("margin or revenue."))
    return_on_cost = serializers.DecimalField(allow_null=True, **MONEY)
    pays_off = serializers.BooleanField()
    segment_start = serializers.CharField()
    segment_end = serializers.CharField()
    share_of_wallet_trend = serializers.ListField(
        child=serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True),
        help_text=_("Share of wallet at the end of the last 6 periods, oldest first (0 to 1; null: unknown)."),
    )


class ProfitKeyAccountPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = ProfitKeyAccountSerializer(many=True)


class ProfitabilitySerializer(serializers.Serializer):
    period = DashboardPeriodSerializer()
    groups = ProfitGroupSerializer(many=True, help_text=_("Key accounts and regular customers."))
    segments = ProfitSegmentSerializer(many=True, help_text=_("By RFM segment at the period's end."))
    before_after = ProfitBeforeAfterSerializer(
        many=True,
        help_text=_(
            "Per segment before nomination: how key accounts' segments moved over RELASI_EFFECT_MONTHS "
            "months, against customers that were never key accounts with the same segment at the same month end."
        ),
    )
    key_accounts = ProfitKeyAccountPageSerializer()


# -- period computations -----------------------------------------------------------------------------


class PeriodComputationSerializer(serializers.ModelSerializer):
    period = serializers.SerializerMethodField()
    period_label = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = PeriodComputation
        fields = [
            "id",
            "period",
            "period_label",
            "period_kind",
            "period_start",
            "period_end",
            "status",
            "status_label",
            "data_until",
            "requested_by",
            "started_at",
            "finished_at",
            "key_accounts",
            "error",
        ]
        read_only_fields = fields

    def get_period(self, computation: PeriodComputation) -> str:
        return computation.period.key

    def get_period_label(self, computation: PeriodComputation) -> str:
        return computation.period.label


class PeriodComputationRequestSerializer(serializers.Serializer):
    period = PeriodField(max_length=7, help_text=_("The period to (re)compute: 2026-Q3 or 2026."))
