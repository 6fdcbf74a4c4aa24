"""OMS settings: everything comes from the environment (see ``.env.example``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from oms_project.env import (
    env_bool,
    env_float,
    env_int,
    env_json,
    env_list,
    env_secret,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("OMS_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("OMS_DEBUG", False)
# The key: OMS_SECRET_KEY or OMS_SECRET_KEY_FILE; else the key `make run` / `make migrate`
# wrote under OMS_VAR_DIR, so management commands work from a plain shell on that machine.
SECRET_KEY = env_secret("OMS_SECRET_KEY")
if not SECRET_KEY and (VAR_DIR / "secret_key").is_file():
    SECRET_KEY = (VAR_DIR / "secret_key").read_text(encoding="utf-8").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            f"No secret key: set OMS_SECRET_KEY (or OMS_SECRET_KEY_FILE), run `make migrate` "
            f"once (it writes {VAR_DIR / 'secret_key'}), or set OMS_DEBUG=true."
        )
    SECRET_KEY = "insecure-development-key-only-for-OMS_DEBUG"
# The key signs sessions and the local JWTs: the example's, or any short one, would let
# anyone who read the docs forge both.
if not DEBUG and (
    SECRET_KEY in {"change-me", "changeme", "secret", "insecure"}
    or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5
):  # fmt: skip
    raise ImproperlyConfigured(
        "OMS_SECRET_KEY is too weak: use at least 50 random characters, not the example "
        "(python3 -c 'import secrets; print(secrets.token_urlsafe(50))'), or run `make migrate`."
    )
ALLOWED_HOSTS = env_list("OMS_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("OMS_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "oms_project.apps.OMSAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
    "django_celery_beat",
    "ontology",
    "branches",
    "history",
    "actions",
    "integrations",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "oms_project.middleware.RequestIdMiddleware",
    "oms_project.handler.CharsetMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "oms_project.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oms_project.outages.DependencyOutageMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "oms_project.urls"
WSGI_APPLICATION = "oms_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# -- database ---------------------------------------------------------------------------------
# SQLite by default (zero set-up); PostgreSQL when DATABASE_URL points at one. Several
# processes (web, worker, beat) share the SQLite file: WAL, a busy timeout and IMMEDIATE
# transactions keep writers from meeting "database is locked".
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
    ),
}
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "oms.sqlite3"),
            "OPTIONS": SQLITE_OPTIONS,
        }
    }
# A PostgreSQL replica for reads of immutable rows (oms_project/routers.py, docs/scaling.md).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
OMS_READ_REPLICA = "replica" if DATABASE_REPLICA_URL else ""  # the alias the router reads from
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["oms_project.routers.ReplicaRouter"]
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# -- cache ------------------------------------------------------------------------------------
# Redis for the cache (rate limits, identity), the locks it holds and the Celery broker: one
# server (REDIS_URL) or a primary found through Sentinel (REDIS_SENTINELS, docs/deploy.md).
REDIS_URL = env_str("REDIS_URL")
REDIS_SENTINELS = [
    (host, int(port)) for host, _, port in (a.rpartition(":") for a in env_list("REDIS_SENTINELS"))
]
REDIS_SENTINEL_MASTER = env_str("REDIS_SENTINEL_MASTER", "mymaster")
REDIS_DB = env_int("REDIS_DB", 0)
REDIS_PASSWORD = env_secret("REDIS_PASSWORD", "")
REDIS_TIMEOUT = env_float("REDIS_TIMEOUT", 2.0)  # seconds, per connection and per command
_redis_options: dict[str, Any] = {
    "SOCKET_CONNECT_TIMEOUT": REDIS_TIMEOUT,
    "SOCKET_TIMEOUT": REDIS_TIMEOUT,
    **({"PASSWORD": REDIS_PASSWORD} if REDIS_PASSWORD else {}),
}
if REDIS_SENTINELS:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://{REDIS_SENTINEL_MASTER}/{REDIS_DB}",
            "OPTIONS": {
                **_redis_options,
                "CLIENT_CLASS": "django_redis.client.SentinelClient",
                "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
                "SENTINELS": REDIS_SENTINELS,
                "SENTINEL_KWARGS": {"socket_timeout": REDIS_TIMEOUT},
            },
            "KEY_PREFIX": "oms",
        }
    }
elif REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": _redis_options,
            "KEY_PREFIX": "oms",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# -- the versioned store ----------------------------------------------------------------------
TERMINUSDB_URL = env_str("TERMINUSDB_URL")
OMS_STORE_BACKEND = env_str("OMS_STORE_BACKEND", "sql")
if OMS_STORE_BACKEND == "terminusdb":
    if not TERMINUSDB_URL:
        raise ImproperlyConfigured("OMS_STORE_BACKEND=terminusdb needs TERMINUSDB_URL.")
    OMS_STORAGES = {
        "default": {
            "BACKEND": "ontology.storage.terminusdb.TerminusDBStore",
            "OPTIONS": {
                "url": TERMINUSDB_URL,
                "team": env_str("TERMINUSDB_TEAM", "admin"),
                "user": env_str("TERMINUSDB_USER", "admin"),
                "key": env_secret("TERMINUSDB_KEY", "root"),
                "db": env_str("TERMINUSDB_DB", "oms"),
                "cache_bytes": env_int("OMS_STORE_CACHE_BYTES", 16 << 20),
            },
        }
    }
elif OMS_STORE_BACKEND == "sql":
    OMS_STORAGES = {
        "default": {
            "BACKEND": "ontology.storage.sql.SQLStore",
            "OPTIONS": {
                "using": "default",
                "cache_size": env_int("OMS_STORE_CACHE_SIZE", 20000),
                "cache_bytes": env_int("OMS_STORE_CACHE_BYTES", 16 << 20),
            },
        }
    }
else:
    raise ImproperlyConfigured(f"OMS_STORE_BACKEND={OMS_STORE_BACKEND!r}: use sql or terminusdb.")

# The write pipeline's guard step (ontology.pipeline): who may change a branch, by which door.
OMS_WRITE_GUARD = "branches.services.write_guard"
# Its compatibility step: what a write may break under the branch's modes (docs/compatibility.md).
OMS_WRITE_GATE = "branches.compatibility.write_gate"
# Rules (e.g. OMS-C026) whose findings are reported but never block: trying a rule out.
OMS_COMPATIBILITY_SHADOW_RULES = env_list("OMS_COMPATIBILITY_SHADOW_RULES")
# The Python package of ontology migrations (manage.py ontology_migrate, docs/migrations.md).
OMS_ONTOLOGY_MIGRATIONS = env_str("OMS_ONTOLOGY_MIGRATIONS", "ontology_migrations")

# -- Celery -----------------------------------------------------------------------------------
# Redis when REDIS_URL is set; otherwise kombu's filesystem transport under var/, so that
# `make run` needs nothing external.
_auth = f":{quote(REDIS_PASSWORD, safe='')}@" if REDIS_PASSWORD else ""
_sentinel_broker = ";".join(f"sentinel://{_auth}{h}:{p}/{REDIS_DB}" for h, p in REDIS_SENTINELS)
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", _sentinel_broker or REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("sentinel://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "master_name": REDIS_SENTINEL_MASTER,
        "socket_timeout": REDIS_TIMEOUT,
        "socket_connect_timeout": REDIS_TIMEOUT,
        "sentinel_kwargs": {"socket_timeout": REDIS_TIMEOUT},
    }
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Schedules live in the database (django-celery-beat) and are edited in the admin; the
# entries below are installed when missing (oms_project/beat.py).
CELERY_BEAT_SCHEDULER = "oms_project.beat:Scheduler"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "store-verify": {
        "task": "ontology.store_verify",
        "schedule": env_float("OMS_STORE_VERIFY_INTERVAL", 24 * 3600.0),
    },
}
CELERY_BROKER_CONNECTION_TIMEOUT = env_float("CELERY_BROKER_CONNECTION_TIMEOUT", 2.0)

# -- auth, i18n, static -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("OMS_MAX_BODY_BYTES", 5 * 1024 * 1024)
# How deeply a JSON body may nest arrays and objects (an element needs about 8).
OMS_MAX_JSON_DEPTH = env_int("OMS_MAX_JSON_DEPTH", 64)
# Sizes (docs/ontology.md, "Bad input"): items of one element's lists (properties, parameters,
# rules, ...), changes in one batch, elements in one import, triples in one Turtle import,
# items on one page of a list.
OMS_MAX_ITEMS = env_int("OMS_MAX_ITEMS", 1000)
OMS_MAX_BATCH_CHANGES = env_int("OMS_MAX_BATCH_CHANGES", 5000)
OMS_MAX_IMPORT_ELEMENTS = env_int("OMS_MAX_IMPORT_ELEMENTS", 20000)
OMS_MAX_TURTLE_TRIPLES = env_int("OMS_MAX_TURTLE_TRIPLES", 500000)
OMS_MAX_PAGE_SIZE = env_int("OMS_MAX_PAGE_SIZE", 500)
# Rate limits on the shared cache (oms_project/throttles.py): N/second|minute|hour|day;
# an empty value turns one off.
OMS_THROTTLE_RATES = {
    "writes": env_str("OMS_THROTTLE_WRITES", "3000/minute"),
    "login-address": env_str("OMS_THROTTLE_LOGIN_ADDRESS", "30/minute"),
    "login-username": env_str("OMS_THROTTLE_LOGIN_USERNAME", "10/minute"),
}

# -- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "oms_project.schema.AutoSchema",
    "EXCEPTION_HANDLER": "oms_project.problems.problem_details_handler",
    "DEFAULT_RENDERER_CLASSES": ["oms_project.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["oms_project.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # The bearer class comes first: its WWW-Authenticate header makes 401s say "Bearer".
        "integrations.user_service.authentication.BearerAuthentication",
        "integrations.user_service.authentication.PrincipalSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["integrations.user_service.permissions.HasScope"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": ["oms_project.throttles.WriteThrottle"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OMS — Ontology Management Service",
    "DESCRIPTION": "The system of record for an organisation's ontology, on git-like branches.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Tags from the path after /api/v1 (branches, proposals, tags, ...), not "v1".
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Request and response components apart: read-only members (id, kind, version, a token
    # pair's access) are answered, never required in a request body.
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "oms_project.schema.document_server_limits",
        "oms_project.schema.patches_without_defaults",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ProposalStateEnum": "branches.models.Proposal.STATES",
        "AuditEventStateEnum": "history.models.AuditEvent.STATES",
        "CompatibilityModeEnum": "branches.models.BranchPolicy.COMPATIBILITY_MODES",
        "DiffModeEnum": "ontology.diff.MODES",
        "VersionBumpEnum": "ontology.diff.BUMPS",
        "ActionEditTypeEnum": "ontology.serializers.RULE_TYPES",
        "SubmissionStateEnum": "actions.models.Submission.STATES",
        "EffectStateEnum": ["pending", "succeeded", "failed"],
        "SideEffectTypeEnum": ["webhook", "notification"],
    },
}

# -- identity ---------------------------------------------------------------------------------
# Remote mode when USER_SERVICE_URL is set (tokens validated by the User Service); otherwise
# local mode: simplejwt tokens for Django users, roles from their groups.
USER_SERVICE_URL = env_str("USER_SERVICE_URL").rstrip("/")
# The admin: a User Service token signs a curator in (remote mode only), local passwords too.
AUTHENTICATION_BACKENDS = [
    "integrations.user_service.backend.UserServiceBackend",
    "django.contrib.auth.backends.ModelBackend",
]
OMS_USER_SERVICE_TIMEOUT = env_float("OMS_USER_SERVICE_TIMEOUT", 2.0)
OMS_AUTH_CACHE_TTL = env_int("OMS_AUTH_CACHE_TTL", 60)
OMS_JWT_LOCAL_VERIFY = env_bool("OMS_JWT_LOCAL_VERIFY", True)
OMS_JWT_ISSUER = env_str("OMS_JWT_ISSUER", "user-service")
OMS_JWT_AUDIENCE = env_str("OMS_JWT_AUDIENCE", "oms")
OMS_JWT_LEEWAY = env_int("OMS_JWT_LEEWAY", 30)
OMS_JWKS_CACHE_TTL = env_int("OMS_JWKS_CACHE_TTL", 300)
# At most one key-set fetch per this many seconds for key ids the cached set lacks.
OMS_JWKS_REFRESH_INTERVAL = env_int("OMS_JWKS_REFRESH_INTERVAL", 30)
OMS_SERVICE_CLIENT_ID = env_str("OMS_SERVICE_CLIENT_ID")
OMS_SERVICE_CLIENT_SECRET = env_secret("OMS_SERVICE_CLIENT_SECRET")
OMS_ROLE_SCOPES: dict[str, list[str]] = env_json(
    "OMS_ROLE_SCOPES",
    {
        "viewer": ["ontology:read"],
        "editor": ["ontology:read", "ontology:write", "actions:submit"],
        "reviewer": ["ontology:read", "proposals:approve"],
        "admin": [
            "ontology:read",
            "ontology:write",
            "proposals:approve",
            "branches:admin",
            "audit:read",
            "actions:submit",
        ],
    },
)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("OMS_LOCAL_ACCESS_TOKEN_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    # Each refresh answers a new refresh token and blacklists the one it used; a password
    # change blacklists them all (integrations/user_service/sessions.py).
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": False,
}

# -- audit events -----------------------------------------------------------------------------
# Events are always written to the outbox; they are delivered when AUDIT_SERVICE_URL is set.
AUDIT_SERVICE_URL = env_str("AUDIT_SERVICE_URL").rstrip("/")
OMS_AUDIT_SOURCE = env_str("OMS_AUDIT_SOURCE", "/oms")
OMS_AUDIT_MAX_ATTEMPTS = env_int("OMS_AUDIT_MAX_ATTEMPTS", 8)
OMS_AUDIT_BATCH_SIZE = env_int("OMS_AUDIT_BATCH_SIZE", 100)
OMS_AUDIT_TIMEOUT = env_float("OMS_AUDIT_TIMEOUT", 5.0)
OMS_AUDIT_BACKOFF_BASE = env_float("OMS_AUDIT_BACKOFF_BASE", 1.0)
OMS_AUDIT_BACKOFF_MAX = env_float("OMS_AUDIT_BACKOFF_MAX", 300.0)
OMS_AUDIT_SWEEP_INTERVAL = env_float("OMS_AUDIT_SWEEP_INTERVAL", 30.0)
OMS_TRUST_PROXY = env_bool("OMS_TRUST_PROXY", False)

# -- transport security (docs/deploy.md, "Production profile") ---------------------------------
# Off by default so `make run` serves plain HTTP on localhost; the production profile turns
# every one on and `manage.py check --deploy` then passes clean (a test runs it).
SECURE_SSL_REDIRECT = env_bool("OMS_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^health/"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env_int("OMS_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("OMS_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("OMS_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("OMS_SECURE_COOKIES", False)
if OMS_TRUST_PROXY:  # the proxy terminates TLS and says so
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
OMS_INTENT_GRACE = env_float("OMS_INTENT_GRACE", 60.0)
CELERY_BEAT_SCHEDULE["intents-reconcile"] = {
    "task": "history.intents_reconcile",
    "schedule": OMS_AUDIT_SWEEP_INTERVAL,
}
CELERY_BEAT_SCHEDULE["audit-sweep"] = {
    "task": "history.audit_deliver",
    "schedule": OMS_AUDIT_SWEEP_INTERVAL,
}
# -- the action service (docs/actions.md) -------------------------------------------------------
# Where webhooks may point: hosts, *.domains, URL prefixes, or * (any public host).
OMS_ACTION_WEBHOOK_ALLOW = env_list("OMS_ACTION_WEBHOOK_ALLOW", ["*"])
OMS_ACTION_SECRETS: dict[str, str] = env_json("OMS_ACTION_SECRETS", {})  # action apiName -> secret
OMS_ACTION_WEBHOOK_SECRET = env_secret("OMS_ACTION_WEBHOOK_SECRET")  # for actions not listed there
OMS_ACTION_WEBHOOK_TIMEOUT = env_float("OMS_ACTION_WEBHOOK_TIMEOUT", 5.0)
OMS_ACTION_MAX_ATTEMPTS = env_int("OMS_ACTION_MAX_ATTEMPTS", 5)
OMS_ACTION_BACKOFF_BASE = env_float("OMS_ACTION_BACKOFF_BASE", 1.0)
OMS_ACTION_BACKOFF_MAX = env_float("OMS_ACTION_BACKOFF_MAX", 300.0)
OMS_ACTION_NOTIFIER = env_str("OMS_ACTION_NOTIFIER", "actions.notifications.EmailNotifier")
EMAIL_BACKEND = env_str("OMS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("OMS_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("OMS_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("OMS_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_secret("OMS_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("OMS_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_float("OMS_EMAIL_TIMEOUT", 10.0)  # seconds; a notification's try ends then
DEFAULT_FROM_EMAIL = env_str("OMS_EMAIL_FROM", "oms@localhost")
CELERY_BEAT_SCHEDULE["actions-sweep"] = {
    "task": "actions.sweep",
    "schedule": OMS_AUDIT_SWEEP_INTERVAL,
}
# Scheduled validation of main and of every branch with an open proposal (docs/validation.md).
OMS_VALIDATION_INTERVAL = env_float("OMS_VALIDATION_INTERVAL", 3600.0)
OMS_VALIDATION_BUDGET = env_float("OMS_VALIDATION_BUDGET", 300.0)
CELERY_BEAT_SCHEDULE["validate-branches"] = {
    "task": "branches.validate_branches",
    "schedule": OMS_VALIDATION_INTERVAL,
}

# -- logging ----------------------------------------------------------------------------------
LOG_LEVEL = env_str("OMS_LOG_LEVEL", "INFO")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "oms_project.logging.RequestIdFilter"}},
    "formatters": {"json": {"()": "oms_project.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.server": {"level": "WARNING"}},
}
