"""Routes of the branch API."""

from rest_framework.routers import SimpleRouter

from branches.api.views import BranchViewSet

router = SimpleRouter()
router.register("branches", BranchViewSet, basename="branch")
urlpatterns = router.urls
