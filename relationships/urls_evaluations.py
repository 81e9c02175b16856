"""Pages of the RM evaluations under /programme/evaluations/ (views in views_evaluations.py)."""

from django.urls import path

from . import views_evaluations as views

urlpatterns = [
    path("", views.evaluation_list, name="evaluation_list"),
    path("start/", views.evaluation_start, name="evaluation_start"),
    path("<int:pk>/", views.evaluation_detail, name="evaluation_detail"),
    path("<int:pk>/edit/", views.evaluation_edit, name="evaluation_edit"),
    path("<int:pk>/finalise/", views.evaluation_finalise, name="evaluation_finalise"),
    path("<int:pk>/refresh/", views.evaluation_refresh, name="evaluation_refresh"),
    path("<int:pk>/delete/", views.evaluation_delete, name="evaluation_delete"),
]
