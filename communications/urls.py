from django.urls import include, path

app_name = "communications"

urlpatterns = [
    path("", include("communications.urls_day")),
]
