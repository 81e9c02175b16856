from rest_framework import routers

router = routers.SimpleRouter()

urlpatterns = router.urls
