from django.urls import include, path

from . import views

app_name = "communications"

urlpatterns = [
    path("log/", views.quick_log, name="quick_log"),
    path("customers/options/", views.customer_options, name="customer_options"),
    path("customers/<int:pk>/timeline/", views.customer_timeline, name="customer_timeline"),
    path("customers/<int:pk>/last-contact/", views.customer_last_contact, name="customer_last_contact"),
    path("interactions/<int:pk>/", views.interaction_detail, name="interaction_detail"),
    path("interactions/<int:pk>/edit/", views.interaction_edit, name="interaction_edit"),
    path("", include("communications.urls_day")),
]
