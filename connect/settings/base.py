"""All Django settings, driven by the environment (see env.py for the two modes)."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from connect.settings.env import (
    BASE_DIR,
    PRODUCTION,
    VAR_DIR,
    env,
    local_secret,
    mandatory,
    new_fernet_key,
    new_secret_key,
    optional,
)

# Off in both modes: DEBUG pages list URLs, settings and the environment. Only when asked for.
DEBUG = env.bool("DJANGO_DEBUG", default=False)

if PRODUCTION:
    SECRET_KEY = mandatory("SECRET_KEY")
    CREDENTIAL_ENCRYPTION_KEYS = [
        k.strip() for k in mandatory("CREDENTIAL_ENCRYPTION_KEYS").split(",") if k.strip()
    ]
    DATABASES = {"default": env.db_url_config(mandatory("DATABASE_URL"))}
    REDIS_URL: str | None = mandatory("REDIS_URL")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
else:
    SECRET_KEY = optional("SECRET_KEY") or local_secret("secret_key", new_secret_key)
    CREDENTIAL_ENCRYPTION_KEYS = env.list("CREDENTIAL_ENCRYPTION_KEYS", default=[]) or [
        local_secret("credential_key", new_fernet_key)
    ]
    DATABASES = {
        "default": env.db_url_config(
            optional("DATABASE_URL", f"sqlite:///{VAR_DIR / 'connect.sqlite3'}")
        )
    }
    REDIS_URL = optional("REDIS_URL") or None
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one SQLite file: wait for locks, write-ahead log.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "connect.apps.ConnectConfig",
    "integrations.apps.IntegrationsConfig",
    "tooling.apps.ToolingConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "connect.middleware.NoStoreApiMiddleware",
    "connect.request_context.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "connect.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns lockouts raised by authenticate() into responses.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_USER_MODEL = "connect.User"

ROOT_URLCONF = "connect.urls"
WSGI_APPLICATION = "connect.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "connect.context_processors.portal",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Every upload streams to a temporary file; the ERP upload limit is enforced while receiving.
FILE_UPLOAD_HANDLERS = ["connect.uploads.LimitedUploadHandler"]
MEDIA_URL = "media/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "login"

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Installations sharing one Redis database keep their run locks and cached
            # settings apart (they are keyed by run and customer ids of their own database).
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default=""),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Two-factor login (django-otp): when on, customer admins, support and operators must use it.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=False)
OTP_TOTP_ISSUER = "Connect · facilioo"

# Login throttling (django-axes): per user name and address, for the portal and the API alike.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
# Failures count per user name and per address (across user names: password spraying).
AXES_LOCKOUT_PARAMETERS = "connect.request_context.lockout_parameters"
AXES_CLIENT_IP_CALLABLE = "connect.request_context.client_ip"
# Behind a reverse proxy: the header it sets with the client's address (e.g. X-Forwarded-For),
# how many proxies append to it, and (optionally) the proxies' own addresses. Unset: the
# address of the connection, and no header is believed.
TRUSTED_PROXY_HEADER = env.str("TRUSTED_PROXY_HEADER", default="")
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
TRUSTED_PROXY_IPS = env.list("TRUSTED_PROXY_IPS", default=[])
AXES_RESET_ON_SUCCESS = True
# A login refused during a lockout or delay is not counted again: the delay grows with the
# passwords actually checked (connect.throttling).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Failures of one user name from addresses it never logged in from: after AXES_FAILURE_LIMIT
# of them, every further one doubles a delay for such addresses (from LOGIN_DELAY_BASE_SECONDS
# up to LOGIN_DELAY_MAX_SECONDS). Addresses the user logged in from within
# LOGIN_KNOWN_ADDRESS_DAYS are never delayed by them (connect.throttling).
AXES_HANDLER = "connect.throttling.LoginThrottleHandler"
AXES_LOCKOUT_CALLABLE = "connect.throttling.lockout_response"
LOGIN_DELAY_BASE_SECONDS = env.int("LOGIN_DELAY_BASE_SECONDS", default=30)
LOGIN_DELAY_MAX_SECONDS = env.int("LOGIN_DELAY_MAX_SECONDS", default=900)
LOGIN_KNOWN_ADDRESS_DAYS = env.int("LOGIN_KNOWN_ADDRESS_DAYS", default=90)
# Password reset mails (django-ratelimit): per address and per account, per hour.
PASSWORD_RESET_PER_ADDRESS = env.int("PASSWORD_RESET_PER_ADDRESS", default=10)
PASSWORD_RESET_PER_ACCOUNT = env.int("PASSWORD_RESET_PER_ACCOUNT", default=3)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

REST_FRAMEWORK = {
    # Token first: an anonymous request gets 401 with "WWW-Authenticate: Token". Session
    # authentication (the portal's login) enforces CSRF on writes.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "connect.api.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Requests per client: anonymous ones per address, logged-in ones per user.
    "DEFAULT_THROTTLE_CLASSES": [
        "connect.api.throttling.AnonThrottle",
        "connect.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/minute"),
        "user": env.str("API_THROTTLE_USER", default="1200/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "connect.api.pagination.CheckedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "connect.api.exceptions.exception_handler",
    # Writes take JSON only, bounded in size and nesting (connect.api.parsers): one request
    # content type per operation, so clients generated from the OpenAPI document
    # (openapi-python-client) get one typed body per write.
    "DEFAULT_PARSER_CLASSES": ["connect.api.parsers.BoundedJSONParser"],
}
# API tokens (django-rest-knox): hashed at rest, expiring; see connect.api.auth.
# Live API tokens per user (connect.api.auth.token_issue refuses one more).
API_TOKEN_LIMIT = env.int("API_TOKEN_LIMIT", default=20)
KNOX_TOKEN_MODEL = "knox.AuthToken"  # noqa: S105 - a model name (knox's own)
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.int("API_TOKEN_TTL_HOURS", default=24 * 30)),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_LIMIT_PER_USER": API_TOKEN_LIMIT,
}
# Largest JSON body the API reads, and how deep it may nest.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1_048_576)
API_MAX_JSON_DEPTH = env.int("API_MAX_JSON_DEPTH", default=32)
SPECTACULAR_SETTINGS = {
    # In the reader's language (the schema and the documentation page follow the request's).
    "TITLE": _("Connect · facilioo API"),
    "DESCRIPTION": _("Kunden, die facilioo-Verbindung, Datenbereiche, Läufe und ihre Protokolle."),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No deep links in the operation summaries: a link inside Swagger UI's summary button is a
    # control nested in a control (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Error answers: the Problem component (RFC 9457) on every operation.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "connect.api.problems.document_problems",
    ],
    # Choice sets that share a field name get names of their own (stable client code).
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "connect.models.sync_logs.RunStatus",
        "UseCaseEnum": "integrations.usecases.UseCase",
        "ReconciliationStatusEnum": "integrations.models.ReconciliationStatus",
    },
}

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
if PRODUCTION:
    EMAIL_CONFIG = env.email_url("EMAIL_URL", default="smtp://localhost:25")
    vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="connect@localhost")
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="support@localhost")

# Security: on in production, where TLS ends at the proxy in front of gunicorn.
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SESSION_COOKIE_HTTPONLY = True
# Sessions end after this many idle minutes: every request moves the expiry forward.
SESSION_IDLE_TIMEOUT_MINUTES = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts only from our own static files, never inline.
# Inline style attributes stay allowed (progress bars); they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Permissions-Policy (django-permissions-policy): the portal needs no device or browser feature.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "fullscreen",
    )
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

from connect.settings.celery import *  # noqa: E402
from connect.settings.integrations import *  # noqa: E402

STATICFILES_DIRS = [BASE_DIR / "static"]

# The Stammdaten settings page keeps facilioo's projects and the ERP's WEs this long (seconds).
SETTINGS_PAGE_CACHE_SECONDS = env.int("SETTINGS_PAGE_CACHE_SECONDS", default=300)

# Schedules: the shortest time between two scheduled runs of one use case (connect.schedules).
SCHEDULE_MIN_INTERVAL_MINUTES = env.int("SCHEDULE_MIN_INTERVAL_MINUTES", default=60)

# Alerts and retention (see docs/operations.md).
ALERT_OVERDUE_GRACE_MINUTES = env.int("ALERT_OVERDUE_GRACE_MINUTES", default=30)
RETENTION_RECORD_LOG_DAYS = env.int("RETENTION_RECORD_LOG_DAYS", default=90)
RETENTION_RUN_DAYS = env.int("RETENTION_RUN_DAYS", default=400)
# A reconciliation (Abgleich) of each active Stammdaten activation every this many days.
RECONCILE_EVERY_DAYS = env.int("RECONCILE_EVERY_DAYS", default=7)
# Absolute links in alert e-mails, e.g. https://connect.example.de (empty: the mails carry paths).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="")
