from django.urls import include, path

from . import views

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("me/", views.MeView.as_view(), name="me"),
    path("", include("accounts.api.urls")),
    path("", include("communications.api.urls")),
    path("", include("insights.api.urls")),
    path("", include("relationships.api.urls")),
]
