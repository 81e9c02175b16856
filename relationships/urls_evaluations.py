"""Pages of the RM evaluations under /programme/evaluations/."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
