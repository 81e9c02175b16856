from django.urls import path

from crm_project.urls import handler500  # noqa: F401  (the handler under test)
from crm_project.urls import urlpatterns as project_urlpatterns


def explode(request):
    raise RuntimeError("secret internal detail")


urlpatterns = [
    path("explode/", explode),
    path("api/explode/", explode),
    *project_urlpatterns,
]
