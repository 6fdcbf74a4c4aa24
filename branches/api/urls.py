"""Routes of the branch and proposal API."""

from django.urls import path, re_path
from rest_framework.routers import DynamicRoute, SimpleRouter

from branches.api.imports import BranchImportViewSet
from branches.api.views import (
    BranchViewSet,
    CompatibilityViewSet,
    ProposalViewSet,
    TagViewSet,
    ValidationRunViewSet,
)
from ontology.storage.base import REF_URL_PATTERN


class ActionsFirstRouter(SimpleRouter):
    """Detail actions before the detail route: a branch name may contain "/", so
    ``branches/dev/merge/`` must reach the merge action, not a branch named "dev/merge"."""

    routes = sorted(
        SimpleRouter.routes, key=lambda r: 0 if isinstance(r, DynamicRoute) and r.detail else 1
    )


router = ActionsFirstRouter()
router.register("branches", BranchViewSet, basename="branch")
router.register("proposals", ProposalViewSet, basename="proposal")
router.register("tags", TagViewSet, basename="tag")
router.register("validation-runs", ValidationRunViewSet, basename="validation-run")
app_name = "branches"
urlpatterns = [
    re_path(  # before the router: a branch name may contain "/"
        rf"^branches/(?P<branch>{REF_URL_PATTERN})/import/$",
        BranchImportViewSet.as_view({"post": "create"}),
        name="branch-import",
    ),
    path(
        "compatibility/check/",
        CompatibilityViewSet.as_view({"post": "create"}),
        name="compatibility-check",
    ),
    *router.urls,
]
