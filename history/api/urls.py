"""Routes of the history API (element routes come before the branch routes: see urls.py)."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from history.api.views import AuditEventViewSet, CommitDetailViewSet, ElementHistoryViewSet
from ontology.kinds import KIND_PATTERN
from ontology.storage.base import REF_URL_PATTERN

router = SimpleRouter()
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("commits", CommitDetailViewSet, basename="commit")

ELEMENT = rf"^branches/(?P<branch>{REF_URL_PATTERN})/(?P<kind>{KIND_PATTERN})/(?P<api_name>[^/]+)"
app_name = "history"
urlpatterns = [
    re_path(
        rf"{ELEMENT}/history/$",
        ElementHistoryViewSet.as_view({"get": "history"}),
        name="element-history",
    ),
    re_path(
        rf"{ELEMENT}/blame/$", ElementHistoryViewSet.as_view({"get": "blame"}), name="element-blame"
    ),
    *router.urls,
]
