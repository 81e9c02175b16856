from django.urls import path

from . import views

urlpatterns = [
    path("segments/", views.segment_overview, name="segment_overview"),
    path("segments/<slug:segment>/", views.segment_customers, name="segment_customers"),
    path("segments/<slug:segment>/export.csv", views.segment_export, name="segment_export"),
    path("purchases/", views.purchase_list, name="purchase_list"),
    path("rollups/", views.rollup_list, name="rollup_list"),
    path("candidates/", views.candidate_list, name="candidate_list"),
    path("customers/<int:pk>/rfm/", views.customer_rfm, name="customer_rfm"),
    path("customers/<int:pk>/segment/", views.customer_segment, name="customer_segment"),
]
