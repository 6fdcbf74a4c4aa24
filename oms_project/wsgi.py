"""WSGI entry point (gunicorn oms_project.wsgi).

A worker is ready when it is loaded: every URL pattern (and so every view, serializer and
schema module) is imported here, not by the first request, which would otherwise wait for
it (cold start: ``docs/benchmarks.md``, "Scale").
"""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms_project.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 - imports every view module now
