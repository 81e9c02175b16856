"""Relationship plans under /programme/plans/ (views in views_plans.py)."""

from django.urls import path

from . import views_plans as views

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("new/", views.plan_create, name="plan_create"),
    path("start-from-previous/", views.plan_copy_previous, name="plan_copy_previous"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/print/", views.plan_print, name="plan_print"),
    path("<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("<int:pk>/submit/", views.plan_submit, name="plan_submit"),
    path("<int:pk>/approve/", views.plan_decide, {"decision": "approve"}, name="plan_approve"),
    path("<int:pk>/return/", views.plan_decide, {"decision": "return"}, name="plan_return"),
    path("<int:pk>/revise/", views.plan_revise, name="plan_revise"),
    path("<int:pk>/<str:item_type>/new/", views.plan_item_form, name="plan_item_add"),
    path("<int:pk>/<str:item_type>/order/", views.plan_items_reorder, name="plan_items_reorder"),
    path("<int:pk>/<str:item_type>/<int:item_pk>/", views.plan_item_row, name="plan_item_row"),
    path("<int:pk>/<str:item_type>/<int:item_pk>/edit/", views.plan_item_form, name="plan_item_edit"),
    path("<int:pk>/<str:item_type>/<int:item_pk>/delete/", views.plan_item_delete, name="plan_item_delete"),
    path("<int:pk>/<str:item_type>/<int:item_pk>/move/", views.plan_item_move, name="plan_item_move"),
    path("<int:pk>/<str:item_type>/<int:item_pk>/progress/", views.plan_item_progress, name="plan_item_progress"),
    path("<int:pk>/actions/<int:action_pk>/log/", views.action_log, name="plan_action_log"),
    path("<int:pk>/actions/<int:action_pk>/link/", views.action_link, name="plan_action_link"),
]
