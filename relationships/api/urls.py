from django.urls import path
from rest_framework import routers

from . import dashboards, evaluations, views

router = routers.SimpleRouter()
router.register("key-accounts", views.KeyAccountViewSet, basename="key-account")
router.register("relationship-managers", views.RMProfileViewSet, basename="relationship-manager")
router.register("trainings", views.TrainingViewSet, basename="training")
router.register("job-descriptions", views.JobDescriptionViewSet, basename="job-description")
router.register("plans", views.PlanViewSet, basename="plan")
router.register(r"plans/(?P<plan_pk>[0-9]+)/objectives", views.ObjectiveViewSet, basename="plan-objective")
router.register(r"plans/(?P<plan_pk>[0-9]+)/strategies", views.StrategyViewSet, basename="plan-strategy")
router.register(r"plans/(?P<plan_pk>[0-9]+)/actions", views.ActionViewSet, basename="plan-action")
router.register(r"plans/(?P<plan_pk>[0-9]+)/resources", views.ResourceViewSet, basename="plan-resource")

urlpatterns = [
    # Before the router, whose key-accounts/{pk}/ would take "nominate" for an id.
    path("key-accounts/nominate/", views.KeyAccountNominateView.as_view(), name="key-account-nominate"),
    *router.urls,
    *evaluations.urlpatterns,
    *dashboards.urlpatterns,
]
