"""Settings of the investment-promotion CRM, read only from the environment.

Every variable is listed in README.md and ``.env.example``. Without any of them the project
runs for local use: a SQLite file, the ``filesystem://`` Celery broker and emails written to
files, all under ``var/``. With ``DEBUG`` off, a missing or weak ``SECRET_KEY`` or an empty
``ALLOWED_HOSTS`` stops start-up with a message naming the variable to set.
"""

from pathlib import Path

import environ
from corsheaders.defaults import default_headers as cors_default_headers
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from crm.storage import default_storage_from_env

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# Where local state lives: the SQLite file, the file broker, emails, uploads, the admin password.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var"))).resolve()

DEBUG = env.bool("DEBUG", default=True)

# The key used only when DEBUG is on and none is given: never valid in production.
_LOCAL_SECRET_KEY = "django-insecure-local-only-key-do-not-use-in-production-0123456789"
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])


def _secret_key_is_weak(key: str) -> bool:
    """The rule of Django's security.W009: long, varied and not the insecure placeholder."""
    return len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-")


if DEBUG:
    SECRET_KEY = SECRET_KEY or _LOCAL_SECRET_KEY
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off, set the SECRET_KEY environment variable "
            "to a random string of at least 50 characters."
        )
    if _secret_key_is_weak(SECRET_KEY):
        raise ImproperlyConfigured(
            "SECRET_KEY is too weak. With DEBUG off, set the SECRET_KEY environment variable "
            "to a random string of at least 50 characters with at least 5 distinct characters "
            "that does not start with 'django-insecure-'."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is empty. With DEBUG off, set the ALLOWED_HOSTS environment "
            "variable to the host names this site answers to, separated by commas."
        )

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Browsers on these origins (and no others) may call the API; only the API answers CORS at all.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_CREDENTIALS = True
# The defaults plus the precondition headers of writes and the language switch.
CORS_ALLOW_HEADERS = (*cors_default_headers, "if-match", "if-none-match", "accept-language")
# What a cross-origin page may read: the version to send back in If-Match, where a created record lives.
CORS_EXPOSE_HEADERS = ["ETag", "Location", "Content-Language"]

PORT = env.int("PORT", default=8000)
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{PORT}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "crm",
    # After crm, so that crm/templates/admin/ overrides the admin's and import-export's templates.
    "django.contrib.admin",
    "import_export",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # 503 at once for a request that waited too long in gunicorn's queue (LOAD_SHED_QUEUE_MS).
    "crm.middleware.LoadSheddingMiddleware",
    "crm.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.dashboard.admin_dashboard",
            ],
        },
    },
]

# Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'crm.sqlite3'}"),
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    if str(_db["NAME"]).startswith(str(VAR_DIR)):
        VAR_DIR.mkdir(parents=True, exist_ok=True)
    # The web server, the worker and beat share the file: WAL lets readers go on during a
    # write, IMMEDIATE transactions take the write lock up front instead of failing midway.
    _db.setdefault("OPTIONS", {})
    _db["OPTIONS"].setdefault("timeout", 20)
    _db["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    _db["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    # A file, not memory, so that a worker or server started by a test shares the test database.
    _db.setdefault("TEST", {"NAME": str(VAR_DIR / "test-crm.sqlite3")})
else:
    _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    _db["CONN_HEALTH_CHECKS"] = True
    if "postgresql" in _db["ENGINE"]:
        _db.setdefault("OPTIONS", {})
        # No request may hold the database longer than this (milliseconds). The reports group and
        # sort tens of thousands of rows: with PostgreSQL's default 4 MB they spill to disk, so each
        # sort or hash may take DB_WORK_MEM. The JIT compiler costs a report more than it saves
        # (its statements run in milliseconds), so it is off.
        _db["OPTIONS"].setdefault(
            "options",
            f"-c statement_timeout={env.int('DB_STATEMENT_TIMEOUT_MS', default=30000)}"
            f" -c work_mem={env.str('DB_WORK_MEM', default='32MB')} -c jit=off",
        )
        # Prepared statements (docs/decisions.md): values bound on the server, and a statement that
        # a connection has run five times is prepared there, so PostgreSQL parses and plans it once.
        # False behind a transaction-mode pooler that cannot keep them (PgBouncer before 1.22).
        if env.bool("DB_PREPARED_STATEMENTS", default=True):
            _db["OPTIONS"].setdefault("server_side_binding", True)
            _db["OPTIONS"].setdefault("prepare_threshold", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Authentication ---------------------------------------------------------------------------
AUTH_USER_MODEL = "crm.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# Languages and time ---------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "crm" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"

# Static and uploaded files ------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Uploaded files (attachments): a folder under var/ by default, an S3-compatible bucket shared by
# every machine when STORAGE_URL or AWS_STORAGE_BUCKET_NAME is set (see crm/storage.py).
STORAGES = {
    "default": default_storage_from_env(env.ENVIRON, str(MEDIA_ROOT)),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Attachments: the largest file accepted (bytes); its type is read from its content, not its name.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
# Uploads above this size are spooled to a temporary file rather than held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# One Celery beat in the cluster: the one holding this lease in the database (crm/beat.py). A
# beat that cannot renew it within BEAT_LOCK_TTL_SECONDS loses it to a standby beat.
BEAT_LOCK_TTL_SECONDS = env.int("BEAT_LOCK_TTL_SECONDS", default=60)
BEAT_LOCK_RENEW_SECONDS = env.int("BEAT_LOCK_RENEW_SECONDS", default=15)
# Sessions are rows in the database, never files on one machine (Django's default, said aloud).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Cache: throttle counters must be shared by every web process, so production points this at
# Redis (``redis://host:6379/1``); the local default is per process.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# Email ---------------------------------------------------------------------------------
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=15)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="常州招商CRM <crm@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_FOLDER = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER),
        "data_folder_out": str(CELERY_BROKER_FOLDER),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }
else:
    # Redis re-delivers an unacknowledged message after this many seconds. Our tasks finish
    # in well under a minute and never use an ETA, so one hour only matters for a dead worker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = env.str(
    "CELERY_RESULT_BACKEND",
    default=(
        f"file://{VAR_DIR / 'celery-results'}" if CELERY_BROKER_URL.startswith("filesystem://") else CELERY_BROKER_URL
    ),
)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Reminders ------------------------------------------------------------------------------
REMINDER_DAYS_BEFORE = [int(d) for d in env.list("REMINDER_DAYS_BEFORE", default=["7", "1", "0"])]
ESCALATE_AFTER_DAYS = env.int("ESCALATE_AFTER_DAYS", default=3)

# REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "crm.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["crm.api.permissions.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "crm.api.filters.DjangoFilterBackend",
        "crm.api.filters.SearchFilter",
        "crm.api.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "crm.api.lists.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "crm.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "crm.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "crm.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_RATES": {"token": env.str("TOKEN_THROTTLE_RATE", default="20/min")},
    # Whose address a throttle counts: with no proxy in front (0), the socket's peer, never the
    # client-supplied X-Forwarded-For (which would let anyone rotate it past the rate); behind N
    # proxies, the address the outermost trusted one saw. One knob for throttles and lockout.
    "NUM_PROXIES": env.int("AXES_IPWARE_PROXY_COUNT", default=0),
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "招商引资 CRM API",
    "DESCRIPTION": "Investment-promotion CRM: partners, delegations, agreements, projects, milestones.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RequestStatusEnum": "crm.models.choices.RequestStatus",
        "AgreementStatusEnum": "crm.models.choices.AgreementStatus",
        "TaskStatusEnum": "crm.models.choices.TaskStatus",
        "ProjectStageEnum": "crm.models.choices.ProjectStage",
        "CompanyKindEnum": "crm.models.choices.CompanyKind",
        "MeetingKindEnum": "crm.models.choices.MeetingKind",
        "AgreementKindEnum": "crm.models.choices.AgreementKind",
        "ProjectKindEnum": "crm.models.choices.ProjectKind",
        "MilestoneKindEnum": "crm.models.choices.MilestoneKind",
        "TaskPriorityEnum": "crm.models.choices.TaskPriority",
        "LanguageEnum": "crm.models.choices.Language",
    },
}

# Security (effective when DEBUG is off) ---------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
    },
}

# django-axes first: it refuses a locked-out sign-in before the password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "crm.auth.RoleModelBackend"]

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username from one
# address, that pair is refused for AXES_COOLOFF_TIME hours (429, JSON under /api/), on the API's
# token and session sign-in and the admin's login page alike. Keyed on the pair so that a whole
# office behind one NAT address is not locked out by one colleague's typos; the token throttle
# (TOKEN_THROTTLE_RATE, per address) bounds guessing across usernames. Behind a reverse proxy,
# set AXES_IPWARE_PROXY_COUNT so that the client's address, not the proxy's, is counted.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_TIME", default=1.0)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "crm.errors.locked_out"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)

# Reminder sweep (see docs/reminders.md) ------------------------------------------------------
REMINDER_SEND_HOUR = env.int("REMINDER_SEND_HOUR", default=8)  # local time of day reminders go out
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=6)
REMINDER_BACKOFF_SECONDS = [
    int(s) for s in env.list("REMINDER_BACKOFF_SECONDS", default=["60", "300", "900", "3600", "14400"])
]
REMINDER_LEASE_SECONDS = env.int("REMINDER_LEASE_SECONDS", default=300)
REMINDER_MAX_EMAILS_PER_SWEEP = env.int("REMINDER_MAX_EMAILS_PER_SWEEP", default=200)
REMINDER_LATE_AFTER_HOURS = env.int("REMINDER_LATE_AFTER_HOURS", default=12)

# A request that waited longer than this for a gunicorn worker is answered 503 (0: the guard is off).
LOAD_SHED_QUEUE_MS = env.int("LOAD_SHED_QUEUE_MS", default=3000)

# The most rows one file may hold in the admin's import. Its preview and its confirmation each run
# in one web request, at about 70 rows a second (docs/performance.md), under gunicorn's 60 s
# timeout: a larger file is refused with a message saying so, before any row is read.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=1000)

# Webhooks and chat robots (docs/webhooks.md). Targets on private, loopback, link-local or
# multicast addresses are refused unless WEBHOOK_ALLOW_PRIVATE_TARGETS (tests allow loopback).
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_BACKOFF_SECONDS = [
    int(s) for s in env.list("WEBHOOK_BACKOFF_SECONDS", default=["30", "120", "600", "1800", "3600", "7200"])
]
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=120)
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=10)
WEBHOOK_MAX_PER_SWEEP = env.int("WEBHOOK_MAX_PER_SWEEP", default=500)
WEBHOOK_DELIVER_ON_COMMIT = env.bool("WEBHOOK_DELIVER_ON_COMMIT", default=True)  # queue a delivery task at once
