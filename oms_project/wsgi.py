"""WSGI entry point (gunicorn oms_project.wsgi).

A worker is ready when it is loaded: every URL pattern (and so every view, serializer and
schema module) is imported, and the connections to the database and the cache (Redis) are
opened here, not by the first request, which would otherwise wait for them
(cold start: ``docs/benchmarks.md``, "Scale"). gunicorn loads this module in each worker
(no ``--preload``), so nothing opened here is shared across processes.
"""

import gc
import logging
import os

import django
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.urls import get_resolver
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms_project.settings")
django.setup(set_prefix=False)  # what get_wsgi_application does, with our handler:
from oms_project.handler import CharsetCheckingHandler  # noqa: E402 - after setup

application = CharsetCheckingHandler()
get_resolver().url_patterns  # noqa: B018 - imports every view module now
logger = logging.getLogger("oms")
for alias in settings.CACHES:
    try:
        caches[alias].get("warm")  # imports the client and opens its connection (7 ms)
    except (ConnectionInterrupted, RedisError) as exc:  # the readiness probe says so
        logger.warning("No connection to cache %r at start: %s", alias, exc)
try:
    connection.ensure_connection()
except DatabaseError as exc:
    logger.warning("No database connection at start: %s", exc)
# Everything loaded so far lives as long as the worker: out of the cyclic collector's sight,
# so that a full collection walks what requests allocate, not the whole framework.
gc.freeze()
