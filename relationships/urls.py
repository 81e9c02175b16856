"""Pages of the key-account programme under /programme/."""

from django.urls import include, path

app_name = "relationships"

urlpatterns = [
    path("plans/", include("relationships.urls_plans")),
    path("evaluations/", include("relationships.urls_evaluations")),
    path("dashboards/", include("relationships.urls_dashboards")),
    path("", include("relationships.urls_programme")),
]
