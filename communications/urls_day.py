"""My day, the interactions list and the per-rep summary (see views_day.py)."""

urlpatterns: list = []
