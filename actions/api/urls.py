"""Routes of the action service."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from actions.api.views import ActionTypeServiceViewSet, SubmissionViewSet
from ontology.storage.base import REF_URL_PATTERN

ACTION = rf"^branches/(?P<branch>{REF_URL_PATTERN})/action-types/(?P<api_name>[^/]+)"

app_name = "actions"
router = SimpleRouter()
router.register("action-submissions", SubmissionViewSet, basename="action-submission")
urlpatterns = [
    re_path(rf"{ACTION}/validate/$", ActionTypeServiceViewSet.as_view({"post": "validate"}),
            name="action-validate"),
    re_path(rf"{ACTION}/preview/$", ActionTypeServiceViewSet.as_view({"post": "preview"}),
            name="action-preview"),
    re_path(rf"{ACTION}/submissions/$", ActionTypeServiceViewSet.as_view({"post": "submit"}),
            name="action-submit"),
    *router.urls,
]  # fmt: skip
