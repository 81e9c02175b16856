"""Pages of the key-account programme under /programme/."""

from django.urls import include, path

app_name = "relationships"

urlpatterns = [
    path("plans/", include("relationships.urls_plans")),
    path("", include("relationships.urls_programme")),
]
