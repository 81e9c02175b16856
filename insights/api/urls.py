from django.urls import include, path

urlpatterns = [
    path("", include("insights.api.urls_purchases")),
    path("", include("insights.api.urls_knowledge")),
]
