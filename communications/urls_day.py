"""My day, the interactions list and the per-rep summary (see views_day.py)."""

from django.urls import path

from . import views_day

urlpatterns = [
    path("my-day/", views_day.my_day, name="my_day"),
    path("follow-ups/<int:pk>/done/", views_day.follow_up_done, name="follow_up_done"),
    path("follow-ups/<int:pk>/snooze/", views_day.follow_up_snooze, name="follow_up_snooze"),
    path("follow-ups/<int:pk>/reassign/", views_day.follow_up_reassign, name="follow_up_reassign"),
    path("interactions/", views_day.interaction_list, name="interaction_list"),
    path("interactions/export.csv", views_day.interaction_export, name="interaction_export"),
    path("summary/", views_day.rep_summary_view, name="rep_summary"),
]
