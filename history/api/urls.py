"""Routes of the history API."""

from rest_framework.routers import SimpleRouter

from history.api.views import AuditEventViewSet

router = SimpleRouter()
router.register("audit-events", AuditEventViewSet, basename="audit-event")
urlpatterns = router.urls
