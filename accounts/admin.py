from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AccountTeamMember,
    CompetitorIntel,
    ContactPerson,
    Customer,
    CustomerImport,
    Feedback,
    Household,
    HouseholdMember,
    Interest,
    InterestTopic,
)


class TeamInline(admin.TabularInline):
    model = AccountTeamMember
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "city", "industry", "owner", "tier", "archived_at"]
    list_filter = ["tier", "kind", "industry"]
    list_select_related = ["owner"]
    search_fields = ["name", "email", "tax_id", "external_ref"]
    raw_id_fields = ["owner"]
    inlines = [TeamInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(ContactPerson)
class ContactPersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "customer", "job_title", "decision_role", "is_active"]
    list_select_related = ["customer"]
    search_fields = ["name", "email", "phone", "customer__name"]
    autocomplete_fields = ["customer"]


@admin.register(InterestTopic)
class InterestTopicAdmin(admin.ModelAdmin):
    search_fields = ["name"]


for model in (Household, HouseholdMember, Interest, Feedback, CompetitorIntel):
    admin.site.register(model, SimpleHistoryAdmin)


@admin.register(CustomerImport)
class CustomerImportAdmin(admin.ModelAdmin):
    """Imports are read-only records of who imported what."""

    list_display = ["__str__", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
