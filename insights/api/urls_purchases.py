"""Purchases under /api/v1/: purchases/ (list, create), purchases/{id}/, purchases/bulk/."""

from django.urls import path
from rest_framework import routers

from . import purchases

# A SimpleRouter as in the other apps: they share the /api/v1/ root, so no router adds its own root view.
router = routers.SimpleRouter()
router.register("purchases", purchases.PurchaseViewSet, basename="purchase")

urlpatterns = [
    path("purchases/bulk/", purchases.PurchaseBulkView.as_view(), name="purchase-bulk"),
    *router.urls,
]
