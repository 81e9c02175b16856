from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import CadenceRule, FollowUp, Interaction


@admin.register(CadenceRule)
class CadenceRuleAdmin(SimpleHistoryAdmin):
    """Tier defaults (no customer) and customers' own rules (no tier)."""

    list_display = ["__str__", "customer", "tier", "channel", "max_gap_days"]
    list_filter = ["tier", "channel"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]


@admin.register(Interaction)
class InteractionAdmin(SimpleHistoryAdmin):
    list_display = ["subject", "customer", "channel", "purpose", "occurred_at", "logged_by"]
    list_filter = ["channel", "purpose", "direction"]
    list_select_related = ["customer", "logged_by"]
    search_fields = ["subject", "customer__name"]
    date_hierarchy = "occurred_at"
    autocomplete_fields = ["customer", "contacts"]
    raw_id_fields = ["logged_by"]


@admin.register(FollowUp)
class FollowUpAdmin(SimpleHistoryAdmin):
    list_display = ["what", "customer", "assignee", "due_on", "source", "done_at"]
    list_filter = ["source", ("done_at", admin.EmptyFieldListFilter)]
    list_select_related = ["customer", "assignee"]
    search_fields = ["what", "customer__name"]
    autocomplete_fields = ["customer"]
    raw_id_fields = ["assignee", "done_by", "source_interaction", "done_interaction"]
