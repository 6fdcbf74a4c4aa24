"""Root URLs: a landing page, the API under /api/v1/, its schema and docs, health, metrics,
the admin."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularSwaggerSplitView

from oms_project import health
from oms_project.api_root import ApiRootView
from oms_project.metrics import metrics
from oms_project.problems import problem_view
from oms_project.schema_view import SchemaView

urlpatterns = [
    path("", TemplateView.as_view(template_name="landing.html"), name="landing"),
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("api/v1/", ApiRootView.as_view(), name="api-root"),
    path("api/v1/auth/", include("integrations.urls")),
    # Before the others: a branch name may hold slashes, and /branches/{b}/validate/ exists.
    path("api/v1/", include("actions.api.urls")),
    path("api/v1/", include("ontology.api.urls")),
    path("api/v1/", include("history.api.urls")),
    path("api/v1/", include("branches.api.urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema"),
        name="swagger-ui",
    ),
    path("admin/", admin.site.urls),
    path("metrics", metrics, name="prometheus-django-metrics"),
]

handler400 = problem_view(400, "bad_request", "Bad request")
handler403 = problem_view(403, "permission_denied", "Permission denied")
handler404 = problem_view(404, "not_found", "Not found")
handler500 = problem_view(500, "internal_error", "Internal error")
