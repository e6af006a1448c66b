"""LeadHub settings, read from the environment (twelve-factor style).

Every value a deployment changes comes from an environment variable; the defaults give a
working development setup on SQLite under ``var/``.
"""

import ipaddress
import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and os.environ.get("LEADHUB_REQUIRE_SECRET_KEY"):
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    # Development fallback only; `manage.py check --deploy` flags it.
    SECRET_KEY = "django-insecure-leadhub-development-key-change-me"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "leadhub.admin_site.LeadHubAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "campaigns",
    "leads",
    "callbacks",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out admin login into its refusal page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "leadhub.urls"
WSGI_APPLICATION = "leadhub.wsgi.application"
ASGI_APPLICATION = "leadhub.asgi.application"

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

# --- Database -------------------------------------------------------------------------------
(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'leadhub.sqlite3'}"
CONN_MAX_AGE = int(os.environ.get("CONN_MAX_AGE", "60"))
# A health check costs a round trip per request; without it, a connection the database
# dropped fails one request and is then replaced. Turn it on where connections die often.
CONN_HEALTH_CHECKS = env_bool("CONN_HEALTH_CHECKS", False)
_db = dj_database_url.parse(
    DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=CONN_HEALTH_CHECKS
)
_engine = _db["ENGINE"]
if _engine == "django.db.backends.sqlite3":
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        # Writers queue instead of failing; IMMEDIATE makes check-then-insert race-free (D11).
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif _engine == "django.db.backends.mysql":
    _db["OPTIONS"] = {
        "charset": "utf8mb4",
        "init_command": "SET sql_mode='STRICT_TRANS_TABLES', "
        "collation_connection='utf8mb4_unicode_ci'",
        "isolation_level": "read committed",
    }
    _db["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
elif _engine == "django.db.backends.postgresql":
    _db.setdefault("OPTIONS", {})
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        # The API's hot path (leadhub/db/cursors.py) prepares its few fixed statements on their
        # second use per connection; the ORM keeps client-side binding and never prepares.
        # Turn off behind a pooler that cannot keep prepared statements (PgBouncer in
        # transaction mode before 1.21).
        _db["OPTIONS"].setdefault("prepare_threshold", 1)
        # Plan every execution for its own values: a generic plan made while the leads table
        # was small (a new install) would keep scanning it whole once it has grown.
        # Parsing is still saved.
        _db["OPTIONS"]["options"] = " ".join(
            filter(None, [_db["OPTIONS"].get("options"), "-c plan_cache_mode=force_custom_plan"])
        )
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# django-axes checks and counts every password login (the admin's) before Django's own backend.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- I18N / time ----------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

# --- Static files (whitenoise) --------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not os.environ.get("PYTEST_VERSION")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = "media/"

# --- File storage: uploads, import result files, exports (README, "File storage") --------
# Local disk (MEDIA_ROOT) unless LEADHUB_S3_BUCKET names a bucket on S3-compatible storage
# (AWS S3, MinIO, Ceph...), which every app server and worker then shares. Credentials: the
# standard AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance
# role...), or LEADHUB_S3_ACCESS_KEY_ID / LEADHUB_S3_SECRET_ACCESS_KEY for this bucket only.
LEADHUB_S3_BUCKET = os.environ.get("LEADHUB_S3_BUCKET", "")
if LEADHUB_S3_BUCKET:
    from leadhub.s3_settings import s3_storage

    STORAGES["default"] = s3_storage(os.environ)

API_LOGINS_CACHE = "api-logins"
CACHES = {
    "default": {
        "BACKEND": "leadhub.cache.LocalMemoryCache",
        "LOCATION": "leadhub",
    },
    # Remembered API logins (leads/api/passwords.py), read only when a worker does not know a
    # check yet (its first call per user, a refresh): files every worker of the box shares,
    # so a password is hashed once per period for the box, not once per worker, and a
    # restarted server remembers what it verified. Redis replaces it with REDIS_URL.
    API_LOGINS_CACHE: {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(BASE_DIR / "var" / "cache" / "api-logins"),
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}

# --- Security (production values when DEBUG is off) -----------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- LeadHub --------------------------------------------------------------------------------
# D4: which line forms the legacy API prints: "documented" (the product sheet) or "vicidial".
LMAPI_WIRE_PROFILE = os.environ.get("LMAPI_WIRE_PROFILE", "documented")
if LMAPI_WIRE_PROFILE not in {"documented", "vicidial"}:
    raise ImproperlyConfigured("LMAPI_WIRE_PROFILE must be 'documented' or 'vicidial'")
# D6: how long a successful API password check is remembered.
LMAPI_AUTH_CACHE_SECONDS = int(os.environ.get("LMAPI_AUTH_CACHE_SECONDS", "300"))
# The largest request body the legacy API reads; larger ones get HTTP 413 before the login
# (leads/api/body.py). Its callers send a few hundred bytes of form fields.
LMAPI_MAX_BODY_BYTES = int(os.environ.get("LMAPI_MAX_BODY_BYTES", str(64 * 1024)))

# Proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDRs, e.g.
# "127.0.0.1,10.0.0.0/8"). The client address used by IP lists, lockouts and the API log is
# then the right-most forwarded address that is not one of them (leadhub/client_address.py).
# Empty (the default): the connection's own address, and X-Forwarded-For is ignored.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as error:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from error

# D7 for the admin's login page (django-axes, counted in the database, so every worker and
# host sees the same counts): ADMIN_LOGIN_FAILURE_LIMIT failures for one user name, or from
# one address, lock further attempts for ADMIN_LOGIN_LOCK_MINUTES; a success resets them.
AXES_FAILURE_LIMIT = int(os.environ.get("ADMIN_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("ADMIN_LOGIN_LOCK_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "leadhub.client_address.client_address"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"

# Background tasks (spreadsheet imports): Django's Tasks API backport with the database backend;
# `manage.py db_worker` runs them (README, "Imports and the worker").
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "webhooks"],
    }
}

# --- Many boxes (README, "Production": from one box to many) ---------------------------------
# REDIS_URL (e.g. redis://10.0.0.5:6379/0) makes Django's Redis cache the default cache, shared
# by every worker of every box: the configuration generation (leadhub/db/config_cache.py),
# remembered API logins, per-caller throttles. API and admin lockouts stay in the database
# (read on every login, under the user's row lock: a lock holds on every box at once).
# RQ_REDIS_URL (REDIS_URL unless set; empty keeps the database queue) moves the task queues to
# RQ, run by `manage.py rqworker` (deploy/leadhub-worker@.service); a Redis database of its own
# is advised, so that the cache's eviction policy never drops a queued job.
REDIS_URL = os.environ.get("REDIS_URL", "")
RQ_REDIS_URL = os.environ.get("RQ_REDIS_URL", REDIS_URL)
if REDIS_URL:
    _redis_cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "leadhub"),
    }
    CACHES = {"default": _redis_cache, API_LOGINS_CACHE: _redis_cache}
if RQ_REDIS_URL:
    INSTALLED_APPS.append("django_rq")
    TASKS["default"]["BACKEND"] = "django_tasks_rq.RQBackend"
    RQ_QUEUES = {
        # RQ ends a job at its timeout (180 s by default): an import or export takes longer,
        # and a killed or timed-out one is resumed by `resume_imports` (deploy/leadhub-resume).
        "default": {
            "URL": RQ_REDIS_URL,
            "DEFAULT_TIMEOUT": int(os.environ.get("RQ_JOB_TIMEOUT", "86400")),
        },
        "webhooks": {"URL": RQ_REDIS_URL, "DEFAULT_TIMEOUT": 3600},
    }
# An import or export whose worker has not reported for this long (an import reports once per
# committed batch) is started again by `resume_imports` or a look at its progress page: an
# import after its last committed batch, an export from the start. Keep it well above the
# time a batch takes; a run taken over by mistake stops at its next batch (nothing doubled).
TASK_STALE_SECONDS = int(os.environ.get("TASK_STALE_SECONDS", "300"))

# Outgoing hooks (README, "Webhooks"; D19): the new-lead URL and signed events, sent by a
# worker on the "webhooks" queue (`manage.py db_worker --queue-name webhooks`).
# Hosts that may resolve to private or loopback addresses (refused otherwise).
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS")
# Doors whose leads fire the new-lead URL (the original: the API only); api, upload, manual.
NEW_LEAD_URL_DOORS = env_list("NEW_LEAD_URL_DOORS", "api")
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
# Waits before each retry; after the last, the delivery is failed (about 27 hours in all).
WEBHOOK_RETRY_DELAYS = [
    int(x) for x in env_list("WEBHOOK_RETRY_DELAYS", "5,300,1800,7200,18000,36000,36000")
]
# Deliveries sent at once by one worker, and how long a worker owns a claimed delivery.
WEBHOOK_CONCURRENCY = int(os.environ.get("WEBHOOK_CONCURRENCY", "16"))
WEBHOOK_LEASE_SECONDS = int(os.environ.get("WEBHOOK_LEASE_SECONDS", "60"))

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# The JSON door (/api/v1/): requests per API key, unless the key sets its own rate. Counted
# in the default cache (per process with the default memory cache: a shared cache such as
# Redis makes the limit hold across workers).
API_KEY_RATE = os.environ.get("API_KEY_RATE", "6000/min")
# The legacy door (lmapi.php): requests per API user, counted as above; empty (the default):
# no limit, and no cache access on the hot path.
LMAPI_USER_RATE = os.environ.get("LMAPI_USER_RATE", "")
for _name, _rate in (("API_KEY_RATE", API_KEY_RATE), ("LMAPI_USER_RATE", LMAPI_USER_RATE or "1/s")):
    if not re.fullmatch(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)", _rate):
        raise ImproperlyConfigured(f'{_name} must look like "6000/min"')
SPECTACULAR_SETTINGS = {
    "TITLE": "LeadHub API",
    "DESCRIPTION": "The JSON door of LeadHub: leads, lists, campaigns, DNC and imports. "
    "Refusals are RFC 9457 problem documents.",
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "DncModeEnum": "leads.services.request.DncMode",
        "DuplicateCheckEnum": "leads.outcomes.DuplicateCheck",
    },
    # Swagger UI and Redoc from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "no_api_password": {"()": "leads.api.log_filters.RequestLineWithoutPassword"},
    },
    "formatters": {
        # Django's own form for the development server's request lines.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "loggers": {
        # runserver logs every request line, query string included: never the API's pass= (D6).
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["no_api_password"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
SILENCED_SYSTEM_CHECKS = ["models.W043"]  # MariaDB: its _ci collation replaces expression indexes

# Uploaded lead files (README, "Uploading a spreadsheet"): the largest file accepted, what a
# workbook (XLSX, ODS: a zip archive) may unpack to, and the longest cell read.
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_MB", "256")) * 1024 * 1024
# Uploads nobody went on with (no import started) are deleted, with their files, after this
# many hours by ``manage.py expire_uploads``.
IMPORT_ABANDONED_HOURS = int(os.environ.get("IMPORT_ABANDONED_HOURS", "48"))
IMPORT_MAX_UNZIPPED_BYTES = int(os.environ.get("IMPORT_MAX_UNZIPPED_MB", "1024")) * 1024 * 1024
IMPORT_MAX_CELL_CHARS = int(os.environ.get("IMPORT_MAX_CELL_CHARS", "32767"))
FILE_UPLOAD_HANDLERS = [
    "leads.importing.limits.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
