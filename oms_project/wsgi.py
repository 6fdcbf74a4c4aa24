"""WSGI entry point (gunicorn oms_project.wsgi).

A worker is ready when it is loaded: every URL pattern (and so every view, serializer and
schema module) and every cache backend (the Redis client) is imported, and the database
connection opened here, not by the first request, which would otherwise wait for them
(cold start: ``docs/benchmarks.md``, "Scale"). gunicorn loads this module in each worker
(no ``--preload``), so nothing opened here is shared across processes.
"""

import logging
import os

from django.conf import settings
from django.core.cache import caches
from django.core.wsgi import get_wsgi_application
from django.db import DatabaseError, connection
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms_project.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 - imports every view module now
for alias in settings.CACHES:
    caches[alias]  # noqa: B018 - builds the backend (imports its client), connects later
try:
    connection.ensure_connection()
except DatabaseError as exc:  # the readiness probe says so; the first request retries
    logging.getLogger("oms").warning("No database connection at start: %s", exc)
