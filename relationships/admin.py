from django.contrib import admin

from .models import RelationshipManagerProfile


@admin.register(RelationshipManagerProfile)
class RelationshipManagerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "reports_to", "capacity", "start_date", "languages"]
    list_select_related = ["user", "reports_to"]
    list_filter = ["reports_to"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "reports_to"]
