"""Settings for povertyrelief, read from the environment.

SQLite under var/ by default so a checkout just runs (``make run`` sets
DEBUG=1 for development); PostgreSQL when DATABASE_URL is set. Production is
the default: DEBUG off, SECRET_KEY required, ALLOWED_HOSTS, and DATABASE_URL
pointing at PostgreSQL.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent
# An empty variable counts as unset: Path("") would be the current directory.
VAR_DIR = Path(os.environ.get("VAR_DIR") or BASE_DIR / "var")


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Off unless the environment turns it on: the Makefile's development targets
# (run, test, e2e, bench, seed) set DEBUG=1. A pytest run (PYTEST_VERSION is
# set by pytest itself) imports the development settings as it always has,
# and pytest-django then runs the tests with DEBUG off; DEBUG=0 still wins.
DEBUG = env_bool("DEBUG", "PYTEST_VERSION" in os.environ)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError(
            "未设置 SECRET_KEY 环境变量：生产环境（DEBUG 未设置或 DEBUG=0）必须设置 SECRET_KEY；"
            "本机开发请用 make run，或设置 DEBUG=1。"
        )
    SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789abcdef"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "auditlog",
    "django_tasks_db",
    "povertyrelief",
    "villages",
    "households",
    "funds",
    "assessment",
    "dashboard",
]

MIDDLEWARE = [
    # /healthz answers first: no HTTPS redirect, host check, session or sign-in.
    "povertyrelief.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every response to a signed-in user: Cache-Control no-store.
    "povertyrelief.middleware.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "povertyrelief.middleware.IdleTimeoutMiddleware",
    "povertyrelief.middleware.ForcePasswordChangeMiddleware",
    "povertyrelief.two_factor.TwoFactorRequiredMiddleware",
    # django-auditlog's middleware, taking the address from client_ip().
    "povertyrelief.client_ip.AuditlogMiddleware",
    # Axes last: it turns lockouts raised by the backend into a response.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Serves collected, compressed static files under gunicorn.
    MIDDLEWARE.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")  # after SecurityMiddleware

ROOT_URLCONF = "povertyrelief.urls"
WSGI_APPLICATION = "povertyrelief.wsgi.application"

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
                "django.template.context_processors.csp",
                "povertyrelief.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'povertyrelief.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "povertyrelief.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after 30 minutes without a request (IdleTimeoutMiddleware),
# and the cookie dies with the browser. The session is saved only when it
# changes: the middleware refreshes its last-seen stamp (and so the stored
# expiry) at most once a minute.
IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30")))
SESSION_COOKIE_AGE = int(IDLE_TIMEOUT.total_seconds())
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Lockout: 5 consecutive failures (wrong passwords or wrong second-factor
# codes) lock that username from that address for 30 minutes; other users
# behind the same address, and the same user elsewhere, can still log in.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "povertyrelief.client_ip.client_ip"
AXES_SENSITIVE_PARAMETERS = ["code"]
AXES_VERBOSE = False

# Addresses (or networks, e.g. 10.0.0.0/24) of reverse proxies whose
# X-Forwarded-For is believed; empty: the peer address is the client.
# Behind the documented nginx on the same host: TRUSTED_PROXIES=127.0.0.1
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]

# Second factor (TOTP, django-otp): required for these roles, optional for the
# others; recovery codes are django-otp static tokens.
OTP_REQUIRED_ROLES = [r.strip() for r in os.environ.get("OTP_REQUIRED_ROLES", "county_admin").split(",") if r.strip()]
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "精准扶贫管理系统")
# A password-checked login waits this long for its code.
OTP_LOGIN_CODE_TIMEOUT = timedelta(minutes=5)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or VAR_DIR / "staticfiles")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "/media-not-public/"  # uploads are served only through scoped views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# The two CJK fonts (19 MB) would take minutes to compress at every
# collectstatic for a few MB saved once per browser (hashed names are cached
# for good); everything else is served gzip- and Brotli-compressed.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "otf", "ttf")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
FILTERS_EMPTY_CHOICE_LABEL = "全部"

# Everything the pages load comes from this server.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "script-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # SECURE_COOKIES=0 only for plain-HTTP load tests against 127.0.0.1
    # (with SECURE_SSL_REDIRECT=0); check --deploy then warns, as it should.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "povertyrelief.security": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # Django sends these only to ADMINS by e-mail when DEBUG is off, which
        # an intranet does not have: server errors (500, with the traceback)
        # and suspicious requests (bad Host header, CSRF failures) go to the
        # console, i.e. gunicorn's log under make serve.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
AXES_ENABLE_ACCESS_FAILURE_LOG = True

# Background jobs (imports, big exports, batch printing) go through Django's
# task framework; the database backend needs no broker (`manage.py task_worker`,
# which is db_worker plus the heartbeat /healthz reads).
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# Days a job's result file (exports with names and IDs) is kept after the job
# finished; the worker deletes older ones daily (`manage.py purge_job_files`).
JOB_RESULT_RETENTION_DAYS = int(os.environ.get("JOB_RESULT_RETENTION_DAYS", "7"))

# /healthz (povertyrelief/health.py): a task worker records a heartbeat every
# WORKER_HEARTBEAT_SECONDS; older than HEALTH_WORKER_MAX_AGE seconds, or less
# than HEALTH_MIN_FREE_DISK_MB free under var/, and the answer is 503.
WORKER_HEARTBEAT_SECONDS = int(os.environ.get("WORKER_HEARTBEAT_SECONDS", "30"))
HEALTH_WORKER_MAX_AGE_SECONDS = int(os.environ.get("HEALTH_WORKER_MAX_AGE", "300"))
HEALTH_MIN_FREE_DISK_MB = int(os.environ.get("HEALTH_MIN_FREE_DISK_MB", "1024"))

# The province whose poverty and monitoring lines apply (年度标准 rows are per
# year and province).
POVERTY_RELIEF_PROVINCE = os.environ.get("POVERTY_RELIEF_PROVINCE", "陕西省")
