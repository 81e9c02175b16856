"""API of the GM's dashboards: /api/v1/dashboards/..."""

urlpatterns: list = []
