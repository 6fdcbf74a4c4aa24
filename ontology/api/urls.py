"""Routes below ``/api/v1/branches/{branch}/``: elements of each kind, commits."""

from django.urls import re_path

from ontology.api.diff import DiffViewSet
from ontology.api.transfer import BranchExportViewSet
from ontology.api.views import ELEMENT_VIEWSETS, CommitViewSet
from ontology.storage.base import REF_URL_PATTERN

BRANCH = rf"^branches/(?P<branch>{REF_URL_PATTERN})"
API_NAME = r"(?P<api_name>[^/]+)"

app_name = "ontology"
urlpatterns = [
    re_path(r"^diff/$", DiffViewSet.as_view({"get": "retrieve"}), name="diff"),
    re_path(
        rf"{BRANCH}/export/$", BranchExportViewSet.as_view({"get": "export"}), name="branch-export"
    ),
    re_path(
        rf"{BRANCH}/commits/$",
        CommitViewSet.as_view({"get": "list", "post": "create"}),
        name="branch-commits",
    ),
]
for segment, viewset in ELEMENT_VIEWSETS.items():
    urlpatterns += [
        re_path(
            rf"{BRANCH}/{segment}/$",
            viewset.as_view({"get": "list", "post": "create"}),
            name=f"{segment}-list",
        ),
        re_path(
            rf"{BRANCH}/{segment}/{API_NAME}/$",
            viewset.as_view(
                {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
            ),
            name=f"{segment}-detail",
        ),
    ]
