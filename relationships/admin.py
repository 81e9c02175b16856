"""Admin of the key-account programme: for looking and fixing; the pages and services hold the rules."""

from django.contrib import admin

from .models import (
    Action,
    EvaluationCriterion,
    JobDescription,
    KeyAccount,
    Objective,
    PlanEvent,
    RelationshipManagerProfile,
    RelationshipPlan,
    Resource,
    RMAssignment,
    Strategy,
    Training,
)


@admin.register(RelationshipManagerProfile)
class RelationshipManagerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "reports_to", "capacity", "job_description", "start_date", "languages"]
    list_select_related = ["user", "reports_to", "job_description"]
    list_filter = ["reports_to"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "reports_to"]


class RMAssignmentInline(admin.TabularInline):
    model = RMAssignment
    fk_name = "key_account"
    extra = 0
    readonly_fields = ["relationship_manager", "previous_manager", "reason", "assigned_by", "started_at", "ended_at"]
    can_delete = False


@admin.register(KeyAccount)
class KeyAccountAdmin(admin.ModelAdmin):
    list_display = ["customer", "relationship_manager", "source", "nominated_at", "review_on", "retired_at"]
    list_select_related = ["customer", "relationship_manager"]
    list_filter = ["source", ("retired_at", admin.EmptyFieldListFilter)]
    search_fields = ["customer__name"]
    readonly_fields = ["customer", "nominated_by", "nominated_at", "relationship_manager", "retired_at", "retired_by"]
    inlines = [RMAssignmentInline]


@admin.register(Training)
class TrainingAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "topic", "provider", "completed_on", "valid_until"]
    list_select_related = ["user"]
    list_filter = ["topic"]
    search_fields = ["course", "provider", "user__username", "user__first_name", "user__last_name"]


class CriterionInline(admin.TabularInline):
    model = EvaluationCriterion
    extra = 0


@admin.register(JobDescription)
class JobDescriptionAdmin(admin.ModelAdmin):
    list_display = ["title", "version", "is_current", "written_by", "created_at"]
    list_filter = ["is_current"]
    search_fields = ["title"]
    inlines = [CriterionInline]


class ObjectiveInline(admin.TabularInline):
    model = Objective
    extra = 0


class StrategyInline(admin.TabularInline):
    model = Strategy
    extra = 0


class ActionInline(admin.TabularInline):
    model = Action
    extra = 0
    raw_id_fields = ["owner", "strategy"]
    exclude = ["evidence"]


class ResourceInline(admin.TabularInline):
    model = Resource
    extra = 0


class PlanEventInline(admin.TabularInline):
    model = PlanEvent
    extra = 0
    readonly_fields = ["kind", "by", "at", "comment"]
    can_delete = False


@admin.register(RelationshipPlan)
class RelationshipPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "start_year", "end_year", "version", "status", "is_latest"]
    list_select_related = ["customer"]
    list_filter = ["kind", "status", "is_latest", "start_year"]
    search_fields = ["title", "customer__name"]
    raw_id_fields = ["key_account", "long_term_plan", "revises", "superseded_by", "copied_from"]
    inlines = [ObjectiveInline, StrategyInline, ActionInline, ResourceInline, PlanEventInline]
