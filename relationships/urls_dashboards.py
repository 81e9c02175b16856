"""The GM's dashboards under /programme/dashboards/ (views in views_dashboards.py)."""

from django.urls import path

from . import views_dashboards as views

urlpatterns = [
    path("scorecards/", views.scorecards, name="scorecards"),
    path("scorecards/<int:user_id>/", views.scorecard_rm, name="scorecard_rm"),
    path("programme/", views.programme_dashboard, name="programme_dashboard"),
    path("profitability/", views.profitability, name="profitability"),
    path("periods/", views.period_list, name="period_list"),
    path("periods/compute/", views.period_compute, name="period_compute"),
    path("contact-costs/", views.contact_costs, name="contact_costs"),
]
