from django.urls import path
from rest_framework import routers

from . import views

router = routers.SimpleRouter()
router.register("interactions", views.InteractionViewSet, basename="interaction")
router.register("follow-ups", views.FollowUpViewSet, basename="follow-up")

urlpatterns = [
    # A plain path: the accounts router's customers/{pk}/ route does not match it.
    path("customers/<int:id>/timeline/", views.CustomerTimelineView.as_view(), name="customer-timeline"),
    path("cadence/overdue/", views.CadenceOverdueView.as_view(), name="cadence-overdue"),
    *router.urls,
]
