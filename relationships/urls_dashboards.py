"""The GM's dashboards under /programme/dashboards/."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
