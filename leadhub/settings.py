"""LeadHub settings, read from the environment (twelve-factor style).

Every value a deployment changes comes from an environment variable; the defaults give a
working development setup on SQLite under ``var/``.
"""

import os
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
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "import_export",
    "django_tasks",
    "django_tasks_db",
    "campaigns",
    "leads",
    "callbacks",
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
        # The API's hot path (leads/fastsql.py) prepares its few fixed statements on their
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

CACHES = {
    "default": {
        "BACKEND": "leadhub.cache.LocalMemoryCache",
        "LOCATION": "leadhub",
    }
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

# Background tasks (spreadsheet imports): Django's Tasks API backport with the database backend;
# `manage.py db_worker` runs them (README, "Imports and the worker").
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
}

# Spreadsheet exports never carry a live formula: django-import-export drops a leading "=";
# the leads export also neutralises "+", "-", "@", tab and CR (leads/resources.py).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
SILENCED_SYSTEM_CHECKS = ["models.W043"]  # MariaDB: its _ci collation replaces expression indexes

# Uploaded lead files (README, "Uploading a spreadsheet"): the largest file accepted, what a
# workbook (XLSX, ODS: a zip archive) may unpack to, and the longest cell read.
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_MB", "256")) * 1024 * 1024
IMPORT_MAX_UNZIPPED_BYTES = int(os.environ.get("IMPORT_MAX_UNZIPPED_MB", "1024")) * 1024 * 1024
IMPORT_MAX_CELL_CHARS = int(os.environ.get("IMPORT_MAX_CELL_CHARS", "32767"))
FILE_UPLOAD_HANDLERS = [
    "leads.importing.limits.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
