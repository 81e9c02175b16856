"""API of the RM evaluations: /api/v1/evaluations/ (issue 7).

Visibility is the pages': general managers and admins see every evaluation, anyone else only
their own final ones (a rep none); anything else is a 404 and in no list. Only general
managers and admins write (403 for anyone else on an evaluation they see). A final evaluation
is read-only for good: a change to it answers 409 with a `detail` message.

Errors of criterion rows come as a list aligned with rows (`{}` for a good row): on PATCH
with the `scores` you sent, on finalise with the evaluation's `scores` in their order.
Messages about the evaluation as a whole are in `non_field_errors`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, routers, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.filters import StableOrderingFilter
from crm_project.idempotency import IDEMPOTENCY_PARAMETER, IdempotentCreateMixin

from .. import selectors, services
from ..forms_evaluations import COMMENT_MAX, SUMMARY_MAX
from ..models import Evaluation, EvaluationCriterion, EvaluationScore, Metric
from ..periods import Period, PeriodKind
from .serializers import ActiveUserField, enum_field
from .views import IDEMPOTENCY_CONFLICT, ManagersWrite, ProgrammeViewSet

User = get_user_model()

__all__ = ["EvaluationViewSet", "urlpatterns"]


class EvaluationFinalConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This evaluation is final: it can no longer be changed.")
    default_code = "final"


FINAL_CONFLICT = OpenApiResponse(
    {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]},
    description=_("The evaluation is final and can no longer be changed."),
)


# --- shapes ------------------------------------------------------------------------------------


class EvaluationScoreSerializer(serializers.ModelSerializer):
    kind = enum_field("CriterionKindEnum", EvaluationCriterion.Kind.choices, read_only=True)
    metric = enum_field("CriterionMetricEnum", Metric.choices, read_only=True, allow_blank=True)
    overridden = serializers.BooleanField(
        read_only=True, help_text=_("A measured criterion whose score the GM changed from the measured one.")
    )

    class Meta:
        model = EvaluationScore
        fields = [
            "id",
            "criterion",
            "name",
            "weight",
            "kind",
            "metric",
            "measured_value",
            "measured_numerator",
            "measured_denominator",
            "measured_score",
            "score",
            "comment",
            "overridden",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "criterion": {"help_text": _("The job description's criterion it was copied from (null once deleted).")},
            "weight": {"help_text": _("Percent; the weights of an evaluation add up to 100.")},
            "measured_value": {"help_text": _("numerator / denominator; null when there was nothing to measure.")},
            "measured_score": {"help_text": _("1-5 from the metric's bands; null without a measured value.")},
            "score": {"help_text": _("1-5, the score that counts; null while not scored.")},
        }


class EvaluationSerializer(serializers.ModelSerializer):
    relationship_manager_name = serializers.SerializerMethodField()
    period = serializers.SerializerMethodField(help_text=_("The period's key: 2026-Q3 for a quarter, 2026 for a year."))
    period_label = serializers.SerializerMethodField(help_text=_("The period in words, in the answer's language."))
    period_kind = enum_field("EvaluationPeriodKindEnum", PeriodKind.choices, read_only=True)
    status = enum_field("EvaluationStatusEnum", Evaluation.Status.choices, read_only=True)
    job_description_title = serializers.CharField(source="job_description.title", read_only=True)
    job_description_version = serializers.IntegerField(source="job_description.version", read_only=True)
    evaluator_name = serializers.SerializerMethodField()
    scores = EvaluationScoreSerializer(many=True, read_only=True)
    page_url = serializers.SerializerMethodField(help_text=_("The evaluation's page."))

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "relationship_manager",
            "relationship_manager_name",
            "period",
            "period_label",
            "period_kind",
            "period_start",
            "period_end",
            "job_description",
            "job_description_title",
            "job_description_version",
            "status",
            "total",
            "summary",
            "evaluator",
            "evaluator_name",
            "data_computed_at",
            "created_at",
            "updated_at",
            "finalised_at",
            "finalised_by",
            "scores",
            "page_url",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "total": {
                "help_text": _("sum(weight * score) / sum(weight), 1.00-5.00; null while a criterion is unscored.")
            },
            "data_computed_at": {"help_text": _("When the period's figures the measured criteria read were computed.")},
        }

    def get_relationship_manager_name(self, evaluation: Evaluation) -> str:
        return _name(evaluation.relationship_manager)

    def get_evaluator_name(self, evaluation: Evaluation) -> str:
        return _name(evaluation.evaluator)

    def get_period(self, evaluation: Evaluation) -> str:
        return evaluation.period.key

    def get_period_label(self, evaluation: Evaluation) -> str:
        return evaluation.period.label

    def get_page_url(self, evaluation: Evaluation) -> str:
        url = reverse("relationships:evaluation_detail", args=[evaluation.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


def _name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def _period(value: str) -> Period:
    try:
        return Period.parse(value)
    except ValueError as bad:
        raise ValidationError(str(bad)) from bad


class EvaluationCreateSerializer(serializers.Serializer):
    relationship_manager = ActiveUserField(help_text=_("User id of the relationship manager to evaluate."))
    period = serializers.CharField(max_length=20, help_text=_("A quarter (2026-Q3) or a year (2026)."))

    def validate_period(self, value: str) -> Period:
        return _period(value)


class ScoreInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("Id of the criterion score (from `scores`)."))
    score = serializers.IntegerField(
        min_value=1, max_value=5, allow_null=True, required=False, help_text=_("1-5, or null to clear; left out: kept.")
    )
    comment = serializers.CharField(
        allow_blank=True,
        required=False,
        max_length=COMMENT_MAX,
        help_text=_("Left out: kept. Needed when a measured criterion's score differs from its measured score."),
    )


class EvaluationUpdateSerializer(serializers.Serializer):
    summary = serializers.CharField(allow_blank=True, required=False, max_length=SUMMARY_MAX)
    scores = ScoreInputSerializer(many=True, required=False, help_text=_("Only the rows to change."))


# --- filters -----------------------------------------------------------------------------------


class PeriodFormField(forms.CharField):
    def clean(self, value: Any) -> Period | None:
        value = super().clean(value)
        if not value:
            return None
        try:
            return Period.parse(value)
        except ValueError as bad:
            raise forms.ValidationError(str(bad)) from bad


@extend_schema_field(OpenApiTypes.STR)
class PeriodFilter(filters.CharFilter):
    field_class = PeriodFormField

    def filter(self, queryset: QuerySet, value: Period | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(period_kind=value.kind, period_start=value.start)


class NullsLastOrdering(StableOrderingFilter):
    """Unscored totals and unfinalised dates last, on SQLite and PostgreSQL alike."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        ordering = [self.get_ordering_value(param) for param in value or () if param not in EMPTY_VALUES]
        if not ordering:
            return qs
        fields = [F(o[1:]).desc(nulls_last=True) if o.startswith("-") else F(o).asc(nulls_last=True) for o in ordering]
        return qs.order_by(*fields, "id")


class EvaluationFilter(filters.FilterSet):
    relationship_manager = filters.ModelChoiceFilter(queryset=User.objects.all(), help_text=_("User id of the RM."))
    period = PeriodFilter(max_length=20, help_text=_("A quarter (2026-Q3) or a year (2026)."))
    period_kind = filters.ChoiceFilter(choices=PeriodKind.choices)
    status = filters.ChoiceFilter(choices=Evaluation.Status.choices)
    ordering = NullsLastOrdering(
        fields=(
            ("period_start", "period_start"),
            ("relationship_manager__username", "relationship_manager"),
            "status",
            "total",
            "updated_at",
            "finalised_at",
        ),
        help_text=_(
            "period_start, relationship_manager, status, total, updated_at or finalised_at; - for descending. "
            "Left out: newest period first."
        ),
    )

    class Meta:
        model = Evaluation
        fields: list[str] = []


# --- errors ------------------------------------------------------------------------------------


def _row_errors(error: DjangoValidationError, ids: list[int]) -> dict[str, Any]:
    """A service's errors as the API answers them: `score_<id>` / `comment_<id>` in a list aligned
    with `ids`, `scores` as messages about the whole evaluation."""
    messages = error.message_dict if hasattr(error, "error_dict") else {"scores": error.messages}
    rows: list[dict[str, list[str]]] = [{} for _id in ids]
    answer: dict[str, Any] = {}
    for key, texts in messages.items():
        field, _sep, pk = key.partition("_")
        if field in ("score", "comment") and pk.isdigit() and int(pk) in ids:
            rows[ids.index(int(pk))][field] = texts
        elif key in ("scores", "__all__"):
            answer.setdefault("non_field_errors", []).extend(texts)
        else:
            answer[key] = texts
    if any(rows):
        answer["scores"] = rows
    return answer


# --- endpoints ---------------------------------------------------------------------------------


class EvaluationCreateMixin:
    """Start an evaluation (a mixin after IdempotentCreateMixin, which wraps this create)."""

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input(EvaluationCreateSerializer)
        rm, period = data["relationship_manager"], data["period"]
        existing = selectors.evaluation_for(relationship_manager=rm, period=period)
        evaluation = services.evaluation_start(relationship_manager=rm, period=period, by=request.user)
        code = status.HTTP_200_OK if existing is not None else status.HTTP_201_CREATED
        return self.answer(evaluation, code)


@extend_schema_view(
    create=extend_schema(
        request=EvaluationCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: EvaluationSerializer,
            200: OpenApiResponse(EvaluationSerializer, description=_("The RM already had one for the period.")),
            422: IDEMPOTENCY_CONFLICT,
        },
    ),
    partial_update=extend_schema(
        request=EvaluationUpdateSerializer, responses={200: EvaluationSerializer, 409: FINAL_CONFLICT}
    ),
    destroy=extend_schema(responses={204: None, 409: FINAL_CONFLICT}),
)
class EvaluationViewSet(
    IdempotentCreateMixin,
    EvaluationCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    ProgrammeViewSet,
):
    """Evaluations of relationship managers per quarter or year, with their criteria scores.

    Start one with `POST {"relationship_manager": id, "period": "2026-Q3"}` (general managers and
    admins): the RM's current job description gives one score row per criterion, measured ones
    pre-filled from the period's figures (computed first when they never were). An RM who already
    has one for the period gets it back (200). `PATCH {"summary": ..., "scores": [{"id", "score",
    "comment"}]}` scores a draft: a measured criterion scored otherwise than measured needs a
    comment. `finalise` makes it final (every criterion scored) and visible to its RM; `refresh`
    recomputes the period's figures and reads the measured criteria again.
    """

    filterset_class = EvaluationFilter
    permission_classes = [*ProgrammeViewSet.permission_classes, ManagersWrite]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    serializer_class = EvaluationSerializer

    def get_queryset(self) -> QuerySet[Evaluation]:
        if getattr(self, "swagger_fake_view", False):
            return Evaluation.objects.none()
        return selectors.api_evaluations(user=self.request.user)

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return {"create": EvaluationCreateSerializer, "partial_update": EvaluationUpdateSerializer}.get(
            self.action, EvaluationSerializer
        )

    def answer(self, evaluation: Evaluation, code: int = status.HTTP_200_OK) -> Response:
        evaluation = self.get_queryset().get(pk=evaluation.pk)
        return Response(EvaluationSerializer(evaluation, context=self.get_serializer_context()).data, status=code)

    def draft(self) -> Evaluation:
        evaluation = self.get_object()
        if evaluation.is_final:
            raise EvaluationFinalConflict()
        return evaluation

    def call(self, service: Any, ids: list[int], **kwargs: Any) -> Evaluation:
        try:
            return service(by=self.request.user, **kwargs)
        except services.EvaluationFinal as final:
            raise EvaluationFinalConflict() from final
        except DjangoValidationError as error:
            raise ValidationError(_row_errors(error, ids)) from error

    def update_input(self) -> dict[str, Any]:
        try:
            return self.input(EvaluationUpdateSerializer)
        except ValidationError as invalid:
            # DRF keys the errors of list items by position; answer them aligned with the rows sent.
            errors = invalid.detail.get("scores") if isinstance(invalid.detail, dict) else None
            sent = self.request.data.get("scores") if isinstance(self.request.data, dict) else None
            if isinstance(errors, dict) and isinstance(sent, list):
                invalid.detail["scores"] = [errors.get(index, errors.get(str(index), {})) for index in range(len(sent))]
            raise

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        evaluation = self.draft()
        data = self.update_input()
        rows = data.get("scores", [])
        current = {score.pk: score for score in evaluation.scores.all()}
        problems = [{} for _row in rows]
        seen: set[int] = set()
        for index, row in enumerate(rows):
            if row["id"] not in current:
                problems[index] = {"id": [gettext("No criterion score with this id in this evaluation.")]}
            elif row["id"] in seen:
                problems[index] = {"id": [gettext("This criterion score is listed twice.")]}
            seen.add(row["id"])
        if any(problems):
            raise ValidationError({"scores": problems})
        scores = {
            row["id"]: (row.get("score", current[row["id"]].score), row.get("comment", current[row["id"]].comment))
            for row in rows
        }
        ids = [row["id"] for row in rows]
        self.call(services.evaluation_save, ids, evaluation=evaluation, scores=scores, summary=data.get("summary"))
        return self.answer(evaluation)

    def perform_destroy(self, instance: Evaluation) -> None:
        if instance.is_final:
            raise EvaluationFinalConflict()
        self.call(services.evaluation_delete, [], evaluation=instance)

    @extend_schema(request=None, responses={200: EvaluationSerializer, 409: FINAL_CONFLICT})
    @action(detail=True, methods=["post"])
    def finalise(self, request: Request, pk: str) -> Response:
        """Make a draft final: every criterion scored, every changed measured score explained."""
        evaluation = self.draft()
        ids = [score.pk for score in evaluation.scores.all()]
        return self.answer(self.call(services.evaluation_finalise, ids, evaluation=evaluation))

    @extend_schema(request=None, responses={200: EvaluationSerializer, 409: FINAL_CONFLICT})
    @action(detail=True, methods=["post"])
    def refresh(self, request: Request, pk: str) -> Response:
        """Recompute the period's figures and read the measured criteria again (scores the GM
        changed with a comment stay; the other measured scores follow the new figures)."""
        evaluation = self.draft()
        return self.answer(self.call(services.evaluation_refresh, [], evaluation=evaluation))


router = routers.SimpleRouter()
router.register("evaluations", EvaluationViewSet, basename="evaluation")

urlpatterns = router.urls
