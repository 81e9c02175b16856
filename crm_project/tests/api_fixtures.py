"""A tiny API over auth groups, used only by the tests of the shared API plumbing
(pagination, idempotency) before the domain apps bring real endpoints."""

from django.contrib.auth.models import Group
from django.urls import include, path
from rest_framework import routers, serializers, viewsets

from crm_project.idempotency import IdempotentCreateMixin
from crm_project.urls import urlpatterns as project_urlpatterns


class GroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = Group
        fields = ["id", "name"]


class GroupViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    queryset = Group.objects.order_by("id")
    serializer_class = GroupSerializer
    ordering_fields = ["id", "name"]
    search_fields = ["name"]


router = routers.SimpleRouter()
router.register("groups", GroupViewSet)

urlpatterns = [path("api/test/", include(router.urls)), *project_urlpatterns]
