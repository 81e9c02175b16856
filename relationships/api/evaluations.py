"""API of the RM evaluations: /api/v1/evaluations/."""

urlpatterns: list = []
