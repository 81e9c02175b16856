"""Pages of the insights app under /insights/: knowledge pages and the purchase import."""

from django.urls import include, path

app_name = "insights"

urlpatterns = [
    path("purchases/import/", include("insights.urls_io")),
    path("", include("insights.urls_pages")),
]
