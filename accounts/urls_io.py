"""CSV export and import of customers (see views_io.py)."""

urlpatterns: list = []
