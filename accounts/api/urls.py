from rest_framework import routers

from . import views

router = routers.SimpleRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("contacts", views.ContactPersonViewSet, basename="contact")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("interests", views.InterestViewSet, basename="interest")
router.register("feedback", views.FeedbackViewSet, basename="feedback")
router.register("competitor-intel", views.CompetitorIntelViewSet, basename="competitor-intel")

urlpatterns = router.urls
