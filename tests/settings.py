"""Test settings: the project's settings plus the real PostgreSQL and Redis of this machine.

PostgreSQL (``OMS_TEST_POSTGRES_URL``) becomes the ``postgres`` database alias and Redis
(``OMS_TEST_REDIS_URL``) the ``redis`` cache alias when they answer; under ``CI=true`` they
are configured even when they do not, so that the tests needing them fail instead of
skipping (see ``tests/services.py``).
"""

from __future__ import annotations

import os

os.environ.setdefault(
    "OMS_SECRET_KEY", "tests-only-secret-that-is-long-enough-for-hs256-and-django-checks"
)

import dj_database_url  # noqa: E402

from oms_project.settings import *  # noqa: E402,F403
from tests.services import postgres_available, redis_available  # noqa: E402

POSTGRES_URL = os.environ.get(
    "OMS_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
OMS_TEST_REDIS_URL = REDIS_TEST_URL = os.environ.get(
    "OMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"
)
CI = os.environ.get("CI", "").lower() == "true"

if CI or postgres_available(POSTGRES_URL):
    DATABASES["postgres"] = dj_database_url.parse(POSTGRES_URL)  # noqa: F405
    # A name per run, so that two test runs on one machine never drop each other's database.
    DATABASES["postgres"]["TEST"] = {"NAME": f"test_oms_{os.getpid()}"}  # noqa: F405
    # A read replica stands in as a second, read-only connection to the same database
    # (tests/storage/test_replica.py turns the router to it with OMS_READ_REPLICA).
    DATABASES["replica"] = {  # noqa: F405
        **dj_database_url.parse(POSTGRES_URL),
        "OPTIONS": {"options": "-c default_transaction_read_only=on"},
        "TEST": {"MIRROR": "postgres"},
    }

if CI or redis_available(REDIS_TEST_URL):
    CACHES["redis"] = {  # noqa: F405
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_TEST_URL,
        "KEY_PREFIX": "oms-test",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
    }

# Passwords hashed fast; logs quiet unless asked for.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING["root"]["level"] = os.environ.get("OMS_LOG_LEVEL", "WARNING")  # noqa: F405

# Rate limits off: the suite signs in and writes far faster than any person. The tests of
# the limits turn them on (tests/identity/test_throttling.py).
OMS_THROTTLE_RATES = dict.fromkeys(OMS_THROTTLE_RATES, "")  # noqa: F405
