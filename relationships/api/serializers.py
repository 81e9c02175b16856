"""The shape of the key-account programme over the API.

Serializers only read and check input; the views hand `validated_data` to the
services in relationships/services.py, which hold every rule and write. Write
serializers answer with the full read shape (`to_representation`), so that a
create or an action returns the record as a GET would.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import VisibleCustomerField
from accounts.models import Customer
from communications.api.serializers import InteractionSerializer
from communications.models import Channel, Interaction

from .. import selectors
from ..models import (
    Action,
    EvaluationCriterion,
    JobDescription,
    KeyAccount,
    Metric,
    Objective,
    PlanEvent,
    RelationshipManagerProfile,
    RelationshipPlan,
    Resource,
    RMAssignment,
    Strategy,
    Training,
)

User = get_user_model()

CERTIFICATE_MAX_BYTES = 10 * 1024 * 1024


def _request_user(field: serializers.Field) -> Any:
    request = field.context.get("request")
    return getattr(request, "user", None)


def _name(user: Any) -> str | None:
    return None if user is None else user.get_full_name() or user.get_username()


@cache
def _enum_field_class(component: str, values: tuple[str, ...]) -> type[serializers.ChoiceField]:
    schema = {"type": "string", "enum": list(values)}
    return extend_schema_field(schema, component_name=component)(type(component, (serializers.ChoiceField,), {}))


def enum_field(component: str, choices: list[tuple[str, Any]], **kwargs: Any) -> serializers.ChoiceField:
    """A choice field whose values are a named schema component of their own.

    Names like `kind`, `status` and `metric` mean different choice sets on different
    models; naming each set keeps the generated enums from colliding.
    """
    values = tuple(value for value, _label in choices)
    if kwargs.get("allow_blank"):
        values = ("", *values)
    return _enum_field_class(component, values)(choices=choices, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class ActiveUserField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> QuerySet:
        return User.objects.filter(is_active=True)


@extend_schema_field(OpenApiTypes.INT)
class VisibleKeyAccountField(serializers.PrimaryKeyRelatedField):
    """A key account id among those the user may see: any other id reads as "does not exist"."""

    def get_queryset(self) -> QuerySet[KeyAccount]:
        return KeyAccount.objects.visible_to(_request_user(self))


@extend_schema_field(OpenApiTypes.INT)
class VisiblePlanField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> QuerySet[RelationshipPlan]:
        return RelationshipPlan.objects.visible_to(_request_user(self))


@extend_schema_field(OpenApiTypes.INT)
class CustomerIdField(VisibleCustomerField):
    """A customer id among those the user may see (in a serializer without a model)."""


# --- key accounts --------------------------------------------------------------------------------


class RMAssignmentSerializer(serializers.ModelSerializer):
    relationship_manager_name = serializers.SerializerMethodField()

    class Meta:
        model = RMAssignment
        fields = [
            "relationship_manager",
            "relationship_manager_name",
            "previous_manager",
            "reason",
            "assigned_by",
            "started_at",
            "ended_at",
        ]
        read_only_fields = fields

    def get_relationship_manager_name(self, assignment: RMAssignment) -> str:
        return _name(assignment.relationship_manager)


class KeyAccountSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    source = enum_field("KeyAccountSourceEnum", KeyAccount.Source.choices, read_only=True)
    candidate_numbers = serializers.JSONField(
        read_only=True,
        help_text=_(
            "What the candidates list said at nomination: rank, revenue_12m, revenue_prev_12m, growth, as_of; "
            "empty for a customer picked by hand."
        ),
    )
    relationship_manager_name = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(read_only=True)
    assignments = RMAssignmentSerializer(
        many=True, read_only=True, help_text=_("Who managed the key account when, newest first.")
    )

    class Meta:
        model = KeyAccount
        fields = [
            "id",
            "customer",
            "customer_name",
            "source",
            "candidate_reason",
            "candidate_numbers",
            "reason",
            "review_on",
            "nominated_by",
            "nominated_at",
            "relationship_manager",
            "relationship_manager_name",
            "is_active",
            "retired_at",
            "retired_by",
            "retire_reason",
            "assignments",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_relationship_manager_name(self, key_account: KeyAccount) -> str | None:
        return _name(key_account.relationship_manager)


class KeyAccountOutcomeSerializer(KeyAccountSerializer):
    warnings = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=_("What the GM should know, e.g. the RM has no valid relationship-marketing training."),
    )

    class Meta(KeyAccountSerializer.Meta):
        fields = [*KeyAccountSerializer.Meta.fields, "warnings"]
        read_only_fields = fields


class AssignInputSerializer(serializers.Serializer):
    relationship_manager = ActiveUserField(help_text=_("User id of a relationship manager with a profile."))
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    raise_capacity = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("true: when the RM is at capacity, raise it to make room instead of refusing."),
    )


class NominateSerializer(serializers.Serializer):
    customer = CustomerIdField(help_text=_("Id of the customer to nominate."))
    reason = serializers.CharField(max_length=5000, help_text=_("Why this customer should be a key account."))
    review_on = serializers.DateField(help_text=_("When to look at the nomination again; in the future."))
    relationship_manager = ActiveUserField(
        required=False, allow_null=True, help_text=_("User id of the RM to assign right away (optional).")
    )
    assign_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    raise_capacity = serializers.BooleanField(
        required=False, default=False, help_text=_("true: raise the RM's capacity when they are full.")
    )


class RetireSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True, max_length=5000, help_text=_("Why the customer is no longer a key account; required.")
    )


# --- relationship managers -----------------------------------------------------------------------


class RMProfileSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    reports_to = ActiveUserField(help_text=_("User id of the general manager this RM reports to."))
    load = serializers.IntegerField(read_only=True, help_text=_("Active key accounts the RM manages now."))
    has_valid_training = serializers.BooleanField(
        read_only=True, help_text=_("Whether the RM has a relationship-marketing training valid today.")
    )

    class Meta:
        model = RelationshipManagerProfile
        fields = [
            "id",
            "user",
            "name",
            "reports_to",
            "capacity",
            "load",
            "start_date",
            "languages",
            "notes",
            "job_description",
            "has_valid_training",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "user": {"help_text": _("User id of the relationship manager; it cannot change later.")},
            "job_description": {"help_text": _("Id of the current version of a job description; null: none.")},
        }

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["user"].queryset = User.objects.filter(is_active=True)
        if self.instance is not None and not isinstance(self.instance, list | QuerySet):
            fields["user"].read_only = True
        return fields

    def get_name(self, profile: RelationshipManagerProfile) -> str:
        return _name(profile.user)


# --- trainings -----------------------------------------------------------------------------------


class TrainingSerializer(serializers.ModelSerializer):
    user = ActiveUserField(
        required=False,
        help_text=_("User id of whose training it is. Left out: yours. Reps and RMs record only their own."),
    )
    topic = enum_field("TrainingTopicEnum", Training.Topic.choices, required=False)
    certificate = serializers.FileField(
        write_only=True,
        required=False,
        max_length=200,
        help_text=_("The certificate file (multipart upload, at most 10 MB). Download it from certificate_url."),
    )
    certificate_name = serializers.SerializerMethodField()
    certificate_url = serializers.SerializerMethodField(
        help_text=_("Where the certificate is downloaded (with your credentials); null: none uploaded.")
    )
    is_valid_today = serializers.SerializerMethodField()

    class Meta:
        model = Training
        fields = [
            "id",
            "user",
            "course",
            "topic",
            "provider",
            "completed_on",
            "valid_until",
            "certificate",
            "certificate_name",
            "certificate_url",
            "notes",
            "is_valid_today",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def validate_certificate(self, certificate: Any) -> Any:
        if certificate.size > CERTIFICATE_MAX_BYTES:
            raise serializers.ValidationError(_("The file is larger than 10 MB."))
        return certificate

    def validate_user(self, user: Any) -> Any:
        if self.instance is not None and user.pk != self.instance.user_id:
            raise serializers.ValidationError(_("A training cannot move to another person."))
        return user

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_certificate_name(self, training: Training) -> str | None:
        return training.certificate.name.rsplit("/", 1)[-1] if training.certificate else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_certificate_url(self, training: Training) -> str | None:
        if not training.certificate:
            return None
        url = reverse("api:training-certificate", args=[training.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def get_is_valid_today(self, training: Training) -> bool:
        return training.is_valid_on(timezone.localdate())


# --- job descriptions ----------------------------------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer):
    kind = enum_field("CriterionKindEnum", EvaluationCriterion.Kind.choices, required=False)
    metric = enum_field(
        "CriterionMetricEnum",
        Metric.choices,
        required=False,
        allow_blank=True,
        help_text=_("For a measured criterion: what measures it; empty for one scored by hand."),
    )

    class Meta:
        model = EvaluationCriterion
        fields = ["id", "name", "description", "weight", "kind", "metric"]
        read_only_fields = ["id"]
        extra_kwargs = {"weight": {"help_text": _("Percent; the weights of a description add up to 100.")}}


def criteria_errors(detail: Any, rows: int) -> dict[str, list]:
    """One shape for criteria errors, whoever finds them: `rows` aligned with the input rows
    ({} for a good row) and `total` for the list as a whole (e.g. the weights' sum)."""
    if isinstance(detail, list) and detail and all(isinstance(row, dict) for row in detail):
        detail = dict(enumerate(detail))
    if isinstance(detail, dict):  # DRF keys item errors by position
        return {"rows": [detail.get(i, {}) for i in range(rows)], "total": []}
    return {"rows": [], "total": detail if isinstance(detail, list) else [detail]}


class JobDescriptionSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(
        many=True,
        help_text=_(
            "The evaluation criteria, in order; weights add up to 100. Errors answer as "
            "{criteria: {rows: [per-row errors, aligned with the input], total: [messages]}}."
        ),
    )
    holders = serializers.SerializerMethodField(help_text=_("User ids of the RMs holding this version."))

    class Meta:
        model = JobDescription
        fields = [
            "id",
            "lineage",
            "version",
            "is_current",
            "title",
            "reports_to",
            "objectives",
            "responsibilities",
            "criteria",
            "holders",
            "written_by",
            "created_at",
        ]
        read_only_fields = ["lineage", "version", "is_current", "written_by", "created_at"]

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as invalid:
            if isinstance(invalid.detail, dict) and "criteria" in invalid.detail:
                given = data.get("criteria") if hasattr(data, "get") else None
                rows = len(given) if isinstance(given, list) else 0
                invalid.detail["criteria"] = criteria_errors(invalid.detail["criteria"], rows)
            raise

    def get_holders(self, job_description: JobDescription) -> list[int]:
        return [profile.user_id for profile in job_description.holders.all()]


# --- plans ---------------------------------------------------------------------------------------


class ObjectiveSerializer(serializers.ModelSerializer):
    metric = enum_field("ObjectiveMetricEnum", Objective.Metric.choices, required=False)
    actual = serializers.SerializerMethodField(
        help_text=_("Measured metrics: computed from purchases, contacts or share of wallet; manual: as entered.")
    )
    percent = serializers.SerializerMethodField(
        help_text=_("How far from the baseline to the target the actual has come (may exceed 100).")
    )

    class Meta:
        model = Objective
        fields = [
            "id",
            "position",
            "title",
            "metric",
            "unit",
            "baseline",
            "target",
            "manual_actual",
            "actual",
            "percent",
        ]
        read_only_fields = ["position"]
        extra_kwargs = {
            "manual_actual": {"help_text": _("The actual of a manual metric; it may change on an approved plan.")}
        }

    def _progress(self, objective: Objective) -> selectors.ObjectiveProgress | None:
        # Plans hand in their objectives' progress; an item endpoint computes its plan's once.
        known = self.context.setdefault("objective_progress", {})
        if objective.pk not in known:
            plan = self.context.get("plan") or objective.plan
            rows = selectors.plan_progress(plan).objectives
            known.update({row.objective.pk: row for row in rows})
        return known.get(objective.pk)

    @extend_schema_field(serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True))
    def get_actual(self, objective: Objective) -> str | None:
        progress = self._progress(objective)
        if progress is None or progress.actual is None:
            return None
        return str(Decimal(progress.actual).quantize(Decimal("0.01")))

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_percent(self, objective: Objective) -> int | None:
        progress = self._progress(objective)
        return None if progress is None else progress.percent


class StrategySerializer(serializers.ModelSerializer):
    class Meta:
        model = Strategy
        fields = ["id", "position", "title", "description"]
        read_only_fields = ["position"]


class PlanStrategyField(serializers.PrimaryKeyRelatedField):
    """A strategy of the plan in the URL."""

    def get_queryset(self) -> QuerySet[Strategy]:
        plan = self.context.get("plan")
        return Strategy.objects.filter(plan=plan) if plan is not None else Strategy.objects.none()


class ActionSerializer(serializers.ModelSerializer):
    status = enum_field("ActionStatusEnum", Action.Status.choices, required=False)
    owner = ActiveUserField(
        required=False,
        help_text=_("User id of who does it; someone who works with the customer. Left out: the plan's RM."),
    )
    strategy = PlanStrategyField(
        required=False, allow_null=True, help_text=_("Id of a strategy of the same plan it serves.")
    )
    evidence = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text=_("Ids of the interactions linked as evidence.")
    )

    class Meta:
        model = Action
        fields = ["id", "position", "what", "owner", "due_on", "status", "done_on", "strategy", "evidence"]
        read_only_fields = ["position"]
        extra_kwargs = {"done_on": {"help_text": _("Set with status done (left out: today); cleared otherwise.")}}


class ResourceSerializer(serializers.ModelSerializer):
    kind = enum_field("ResourceKindEnum", Resource.Kind.choices)

    class Meta:
        model = Resource
        fields = ["id", "position", "kind", "description", "amount", "spent"]
        read_only_fields = ["position"]
        extra_kwargs = {
            "amount": {"help_text": _("Planned amount in IDR.")},
            "spent": {"help_text": _("Used so far in IDR; it may change on an approved plan.")},
        }


class PlanEventSerializer(serializers.ModelSerializer):
    kind = enum_field("PlanEventKindEnum", PlanEvent.Kind.choices, read_only=True)

    class Meta:
        model = PlanEvent
        fields = ["kind", "by", "at", "comment"]
        read_only_fields = fields


class PlanProgressSerializer(serializers.Serializer):
    actions_total = serializers.IntegerField(help_text=_("Actions, cancelled ones not counted."))
    actions_done = serializers.IntegerField()
    actions_open = serializers.IntegerField()
    actions_overdue = serializers.IntegerField()
    actions_due_soon = serializers.IntegerField(help_text=_("Open actions due within the next 14 days."))
    actions_percent = serializers.IntegerField(allow_null=True)
    budget_planned = serializers.DecimalField(max_digits=24, decimal_places=2)
    budget_spent = serializers.DecimalField(max_digits=24, decimal_places=2)
    budget_percent = serializers.IntegerField(allow_null=True)
    objectives_met = serializers.IntegerField()
    objectives_percent = serializers.IntegerField(
        allow_null=True, help_text=_("Mean progress of the objectives with an actual, each counted at most 100.")
    )


class PlanSerializer(serializers.ModelSerializer):
    """A plan with its items, workflow history and progress at a glance."""

    customer_name = serializers.CharField(source="customer.name", read_only=True)
    kind = enum_field("PlanKindEnum", RelationshipPlan.Kind.choices, read_only=True)
    status = enum_field("PlanStatusEnum", RelationshipPlan.Status.choices, read_only=True)
    relationship_manager = serializers.IntegerField(
        source="key_account.relationship_manager_id",
        read_only=True,
        allow_null=True,
        help_text=_("User id of the key account's RM."),
    )
    objectives = serializers.SerializerMethodField()
    strategies = StrategySerializer(many=True, read_only=True)
    actions = ActionSerializer(many=True, read_only=True)
    resources = ResourceSerializer(many=True, read_only=True)
    events = PlanEventSerializer(many=True, read_only=True, help_text=_("Workflow history, oldest first."))
    progress = serializers.SerializerMethodField()

    class Meta:
        model = RelationshipPlan
        fields = [
            "id",
            "key_account",
            "customer",
            "customer_name",
            "relationship_manager",
            "kind",
            "start_year",
            "end_year",
            "long_term_plan",
            "title",
            "vision",
            "summary",
            "status",
            "version",
            "is_latest",
            "revises",
            "superseded_by",
            "copied_from",
            "author",
            "submitted_at",
            "decided_at",
            "decided_by",
            "gm_comment",
            "created_at",
            "updated_at",
            "objectives",
            "strategies",
            "actions",
            "resources",
            "events",
            "progress",
        ]
        read_only_fields = fields

    def _progress(self, plan: RelationshipPlan) -> selectors.PlanProgress:
        # Lists hand in the progress of their page, computed in a fixed number of queries.
        computed = self.context.setdefault("plan_progress", {})
        if plan.pk not in computed:
            computed[plan.pk] = selectors.plan_progress(plan)
        return computed[plan.pk]

    @extend_schema_field(ObjectiveSerializer(many=True))
    def get_objectives(self, plan: RelationshipPlan) -> list[dict[str, Any]]:
        rows = self._progress(plan).objectives
        context = {**self.context, "objective_progress": {row.objective.pk: row for row in rows}}
        return ObjectiveSerializer([row.objective for row in rows], many=True, context=context).data

    @extend_schema_field(PlanProgressSerializer)
    def get_progress(self, plan: RelationshipPlan) -> dict[str, Any]:
        return PlanProgressSerializer(self._progress(plan)).data


class PlanCreateSerializer(serializers.Serializer):
    key_account = VisibleKeyAccountField(help_text=_("Id of the key account; you must be its RM (or a GM)."))
    kind = enum_field("PlanKindEnum", RelationshipPlan.Kind.choices)
    start_year = serializers.IntegerField(min_value=2000, max_value=2100)
    end_year = serializers.IntegerField(
        min_value=2000, max_value=2100, required=False, help_text=_("Long-term plans: the last year.")
    )
    long_term_plan = VisiblePlanField(
        required=False,
        allow_null=True,
        help_text=_("Annual plans: id of the long-term plan it follows. Left out: the one covering its year."),
    )
    title = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text=_("Left out: named for you.")
    )
    vision = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10000)

    def to_representation(self, instance: RelationshipPlan) -> dict[str, Any]:
        return PlanSerializer(instance, context=self.context).data


class PlanUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    vision = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    start_year = serializers.IntegerField(
        min_value=2000, max_value=2100, required=False, help_text=_("Ignored on a revision (version 2 on).")
    )
    end_year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    long_term_plan = VisiblePlanField(required=False, allow_null=True)

    def to_representation(self, instance: RelationshipPlan) -> dict[str, Any]:
        return PlanSerializer(instance, context=self.context).data


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5000, help_text=_("The GM's comment (optional).")
    )


class ReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(
        allow_blank=True, max_length=5000, help_text=_("What the RM should change; required, not blank.")
    )


class CopyFromPreviousSerializer(serializers.Serializer):
    key_account = VisibleKeyAccountField(help_text=_("Id of the key account."))
    year = serializers.IntegerField(
        min_value=2000,
        max_value=2100,
        required=False,
        allow_null=True,
        help_text=_("The new plan's year. Left out: the year after the latest annual plan."),
    )


class ReorderSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        max_length=1000,
        help_text=_("Every item id of this list, in the new order."),
    )


class EvidenceLogSerializer(InteractionSerializer):
    """A new interaction with the plan's customer, logged as the action's evidence."""

    customer = None
    contacts = None
    editable = None
    # Named apart from the interaction's own enum, which one component alone may use unnamed.
    channel = enum_field("EvidenceChannelEnum", Channel.choices)

    class Meta(InteractionSerializer.Meta):
        fields = [
            "channel",
            "direction",
            "purpose",
            "occurred_at",
            "duration_minutes",
            "subject",
            "notes",
            "outcome",
            "next_step",
            "location",
        ]


@extend_schema_field(OpenApiTypes.INT)
class VisibleInteractionField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> QuerySet[Interaction]:
        return Interaction.objects.filter(customer__in=Customer.objects.visible_to(_request_user(self)))


class EvidenceSerializer(serializers.Serializer):
    interaction = VisibleInteractionField(
        required=False, help_text=_("Id of an interaction with the plan's customer to link.")
    )
    log = EvidenceLogSerializer(required=False, help_text=_("Or: a new interaction to log and link."))
    mark_done = serializers.BooleanField(
        required=False, default=True, help_text=_("Mark the action done (on the interaction's day); default true.")
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if ("interaction" in data) == ("log" in data):
            raise serializers.ValidationError(
                {"non_field_errors": [_("Give either an interaction id or a new interaction to log.")]}
            )
        return data
