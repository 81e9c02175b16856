"""CSV export and import of customers (see views_io.py)."""

from django.urls import path

from . import views_io

urlpatterns: list = [
    path("export.csv", views_io.customer_export, name="customer_export"),
    path("import/", views_io.customer_import, name="customer_import"),
    path("import/<int:pk>/", views_io.customer_import_preview, name="customer_import_preview"),
    path("import/<int:pk>/rejects.csv", views_io.customer_import_rejects, name="customer_import_rejects"),
]
