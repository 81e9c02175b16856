from django.urls import path
from rest_framework import routers

from . import knowledge

router = routers.SimpleRouter()
router.register("rfm", knowledge.CustomerRFMViewSet, basename="rfm")
router.register("rfm-snapshots", knowledge.RFMSnapshotViewSet, basename="rfm-snapshot")
router.register("rollups", knowledge.RollupRunViewSet, basename="rollup")
router.register("key-account-candidates", knowledge.KeyAccountCandidateViewSet, basename="key-account-candidate")

urlpatterns = [
    path("segments/", knowledge.SegmentSummaryView.as_view(), name="segments"),
    *router.urls,
]
