"""The purchase upload under /insights/purchases/import/ (see views_io.py)."""

from django.urls import path

from . import views_io

urlpatterns: list = [
    path("", views_io.purchase_import, name="purchase_import"),
    path("<int:pk>/", views_io.purchase_import_detail, name="purchase_import_detail"),
    path("<int:pk>/progress/", views_io.purchase_import_progress, name="purchase_import_progress"),
    path("<int:pk>/rejects.csv", views_io.purchase_import_rejects, name="purchase_import_rejects"),
]
