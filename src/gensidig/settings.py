"""Gensidig's one settings module.

Every setting that differs between a laptop and production comes from an environment
variable with a safe default; README.md lists them all (tests/test_docs.py fails when one
is missing there). The defaults give a private, single-process demo: SQLite in ./data,
tasks run in process, email printed to the console.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict[str, object]:
    """Turn DATABASE_URL (sqlite:///path or postgres://user:pass@host:port/name) into
    Django's DATABASES entry; PostgreSQL gets persistent, health-checked connections."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:///relative/path and sqlite:////absolute/path, as most tools spell them.
        path = unquote(parsed.path[1:])
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            # WAL lets the web process read while a task worker writes.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        # PostgreSQL's JIT compiles a query whose estimated cost is high, which our aggregate
        # queries (insights, large lists) reach: on this 2-core machine it spent 5.1 s of a
        # 5.8 s health count compiling. Our queries are short; a URL's own "options" wins.
        options.setdefault("options", "-c jit=off")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "gensidig",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            # Persistent connections tripled throughput in our load runs; health checks
            # make a connection that the server dropped get replaced instead of failing.
            "CONN_MAX_AGE": int(env("GENSIDIG_CONN_MAX_AGE", "60")),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ValueError(f"DATABASE_URL has an unsupported scheme: {parsed.scheme!r}")


def secret_key(data_dir: Path) -> str:
    """Use GENSIDIG_SECRET_KEY, or make one once and keep it in the data folder, so a
    fresh install is never left with a well-known key."""
    configured = env("GENSIDIG_SECRET_KEY")
    if configured:
        return configured
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DATA_DIR = Path(env("GENSIDIG_DATA_DIR", str(Path.cwd() / "data"))).resolve()
SECRET_KEY = secret_key(DATA_DIR)
DEBUG = env_bool("GENSIDIG_DEBUG", False)
ALLOWED_HOSTS = env_list("GENSIDIG_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("GENSIDIG_CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env("GENSIDIG_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "gensidig.common",
    "gensidig.accounts",
    "gensidig.programs",
    "gensidig.matching",
    "gensidig.discoveries",
    "gensidig.meetings",
    "gensidig.insights",
    "gensidig.api",
    "gensidig.demo",
    "gensidig.ops",
    "gensidig.identity",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    # Only so that the API's docs page serves Swagger UI from our static files, not a CDN.
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
]

MIDDLEWARE = [
    # First: every response (static files and redirects too) gets a request id, an access-log
    # line and its metrics.
    "gensidig.ops.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "gensidig.identity.middleware.IdentityMiddleware",
    "gensidig.common.middleware.SessionIdleMiddleware",
    "gensidig.common.middleware.PrivateResponseMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into our cool-off page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gensidig.urls"
WSGI_APPLICATION = "gensidig.wsgi.application"
ASGI_APPLICATION = "gensidig.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gensidig.common.context_processors.navigation",
            ],
        },
    }
]

# Django's form renderer with <select> written in Python (same markup, no template per option).
FORM_RENDERER = "gensidig.common.renderers.FormRenderer"

DATABASES = {
    "default": database_from_url(env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'gensidig.sqlite3'}"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes refuses a locked-out account or address before any password is checked.
    "gensidig.identity.throttle.LoginThrottleBackend",
    "gensidig.accounts.backends.EmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "common:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
# How long an invitation link stays valid.
GENSIDIG_INVITATION_DAYS = int(env("GENSIDIG_INVITATION_DAYS", "14"))
# Retention (gensidig purge): security-log entries, and members removed by an administrator.
GENSIDIG_SECURITY_LOG_DAYS = int(env("GENSIDIG_SECURITY_LOG_DAYS", "365"))
GENSIDIG_REMOVED_MEMBER_DAYS = int(env("GENSIDIG_REMOVED_MEMBER_DAYS", "90"))
# After how many days without an answer `gensidig remind` reminds a proposed partner.
GENSIDIG_ACCEPT_REMINDER_DAYS = int(env("GENSIDIG_ACCEPT_REMINDER_DAYS", "3"))
# Figures over fewer people than this are withheld from insights; never below 3.
GENSIDIG_MIN_GROUP = max(int(env("GENSIDIG_MIN_GROUP", "5")), 3)

# Login throttling (django-axes, counted in the database so it holds across processes):
# after this many failed logins for one address, or from one IP address, within the cool-off,
# further attempts are refused until the cool-off has passed since the last failure.
AXES_FAILURE_LIMIT = int(env("GENSIDIG_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("GENSIDIG_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "gensidig.identity.throttle.login_username"
# Behind the proxy (GENSIDIG_BEHIND_PROXY) the client is the last X-Forwarded-For entry, not
# the proxy: otherwise 5 failures by anyone would pause logins for everybody.
AXES_CLIENT_IP_CALLABLE = "gensidig.identity.throttle.client_address"
AXES_LOCKOUT_CALLABLE = "gensidig.identity.throttle.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# No log of successful logins with IP address and browser in axes' own table: the security
# log (accounts.SecurityEvent) records logins, with its retention.
AXES_DISABLE_ACCESS_LOG = True
# Password-reset and activation requests per hour: per address (silently not sent beyond
# it, so the page never tells) and per IP address (refused with a page beyond it).
GENSIDIG_RESET_PER_ADDRESS = int(env("GENSIDIG_RESET_PER_ADDRESS", "3"))
GENSIDIG_RESET_PER_IP = int(env("GENSIDIG_RESET_PER_IP", "20"))
# The login page lists every organisation's single sign-on button; a shared, multi-tenant
# installation turns this off and uses the per-organisation login address instead.
GENSIDIG_SSO_BUTTONS = env_bool("GENSIDIG_SSO_BUTTONS", True)
# Two-factor codes name this issuer in the authenticator app.
OTP_TOTP_ISSUER = "Gensidig"
# Passkeys (django-otp-webauthn), a second factor only: never a login without the password.
# A passkey belongs to the relying party id, a domain: GENSIDIG_PASSKEY_RP_ID, else the host
# the browser asked for (vetted by ALLOWED_HOSTS). Changing it makes existing passkeys stop
# working. The name is what the browser shows while a passkey is made.
GENSIDIG_PASSKEY_RP_ID = env("GENSIDIG_PASSKEY_RP_ID").strip().lower()
GENSIDIG_PASSKEY_RP_NAME = env("GENSIDIG_PASSKEY_RP_NAME", "Gensidig")
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_RP_ID_CALLABLE = "gensidig.identity.passkeys.relying_party_id"
OTP_WEBAUTHN_RP_NAME_CALLABLE = "gensidig.identity.passkeys.relying_party_name"
# The origin a browser reports must be the request's own (gensidig.identity.passkeys), so
# the package's list of allowed origins stays empty and its check for one is silenced.
OTP_WEBAUTHN_HELPER_CLASS = "gensidig.identity.passkeys.PasskeyHelper"
SILENCED_SYSTEM_CHECKS = ["otp_webauthn.E030"]
# A passkey that fails is a security-log entry (passkey-failed), not an error with a trace.
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = ""

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env("GENSIDIG_TIME_ZONE", "Europe/Copenhagen")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Made up front so that whitenoise does not warn on a fresh data folder.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("GENSIDIG_MANIFEST_STATIC", False)
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
# Serve straight from the apps' static folders when collectstatic has not run (tests, dev).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Email (Django 6.1 mailers): printed to the console unless an SMTP host is configured.
EMAIL_SMTP_HOST = env("GENSIDIG_EMAIL_HOST")
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_SMTP_HOST,
                "port": int(env("GENSIDIG_EMAIL_PORT", "587")),
                "username": env("GENSIDIG_EMAIL_USER"),
                "password": env("GENSIDIG_EMAIL_PASSWORD"),
                "use_tls": env_bool("GENSIDIG_EMAIL_TLS", True),
                "timeout": 20,
            },
        }
        if EMAIL_SMTP_HOST
        else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
}
DEFAULT_FROM_EMAIL = env("GENSIDIG_FROM_EMAIL", "Gensidig <noreply@gensidig.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("Operator", address) for address in env_list("GENSIDIG_ADMINS", "")]

# Background tasks: in process by default; "database" hands them to `gensidig worker`.
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks_db.DatabaseBackend"
            if env("GENSIDIG_TASKS", "immediate") == "database"
            else "django.tasks.backends.immediate.ImmediateBackend"
        )
    }
}
# An email task that fails is tried again this many times before it is reported.
GENSIDIG_EMAIL_ATTEMPTS = int(env("GENSIDIG_EMAIL_ATTEMPTS", "4"))
# Task payloads that carry personal content (emails) are sealed with a key derived from this,
# or from SECRET_KEY when empty (see gensidig.common.sealed). The fallbacks still open
# payloads sealed with an older key, so a rotation loses no queued email.
GENSIDIG_TASK_KEY = env("GENSIDIG_TASK_KEY")
GENSIDIG_TASK_KEY_FALLBACKS = env_list("GENSIDIG_TASK_KEY_FALLBACKS", "")

# Operations (gensidig.ops; docs/deploy.md). A worker writes a heartbeat every few seconds;
# a task whose worker has not been seen for the lease is tried again, up to the attempts.
GENSIDIG_WORKER_HEARTBEAT = float(env("GENSIDIG_WORKER_HEARTBEAT", "10"))
GENSIDIG_WORKER_LEASE = float(env("GENSIDIG_WORKER_LEASE", "60"))
GENSIDIG_TASK_ATTEMPTS = int(env("GENSIDIG_TASK_ATTEMPTS", "3"))
# /readyz answers 503 when the oldest task ready to run has waited longer than this.
GENSIDIG_READY_QUEUE_AGE = int(env("GENSIDIG_READY_QUEUE_AGE", "300"))
# The local time (TIME_ZONE) at which the scheduler enqueues the daily jobs.
GENSIDIG_DAILY_AT = env("GENSIDIG_DAILY_AT", "06:00")
# Days a verified email domain may be without its TXT record before the verification is
# withdrawn (the daily `recheck_domains`).
GENSIDIG_DOMAIN_GRACE_DAYS = int(env("GENSIDIG_DOMAIN_GRACE_DAYS", "7"))
# Who may read /metrics: a bearer token, or clients in these networks (comma-separated CIDR).
GENSIDIG_METRICS_TOKEN = env("GENSIDIG_METRICS_TOKEN")
GENSIDIG_METRICS_NETWORKS = [
    ipaddress.ip_network(item, strict=False) for item in env_list("GENSIDIG_METRICS_NETWORKS", "")
]
# `gensidig serve`: processes and threads (0 = from the machine's cores).
GENSIDIG_WEB_WORKERS = int(env("GENSIDIG_WEB_WORKERS", "0"))
GENSIDIG_WEB_THREADS = int(env("GENSIDIG_WEB_THREADS", "4"))
# The public API (gensidig.api): calls a minute per token (0 switches the limit off), and
# whether webhooks may go to http://127.0.0.1 (development and tests only).
GENSIDIG_API_RATE_LIMIT = int(env("GENSIDIG_API_RATE_LIMIT", "600"))
# Test and development only, off unless set: webhooks may then go to a loopback address
# (127.0.0.1, ::1, or a name resolving to one), over plain http too. Never in production:
# everything else must resolve to public addresses only.
GENSIDIG_WEBHOOK_ALLOW_LOCAL_HTTP = env_bool("GENSIDIG_WEBHOOK_ALLOW_LOCAL_HTTP", False)
# Attempts per webhook delivery, and failed deliveries in a row that pause a subscription.
GENSIDIG_WEBHOOK_ATTEMPTS = int(env("GENSIDIG_WEBHOOK_ATTEMPTS", "5"))
GENSIDIG_WEBHOOK_PAUSE_AFTER = int(env("GENSIDIG_WEBHOOK_PAUSE_AFTER", "3"))

SESSION_COOKIE_HTTPONLY = True
# A session ends after this many minutes without a request (each request moves the end on,
# see gensidig.common.middleware.SessionIdleMiddleware), and at the latest this many hours
# after signing in.
GENSIDIG_SESSION_IDLE_MINUTES = max(int(env("GENSIDIG_SESSION_IDLE_MINUTES", "240")), 5)
GENSIDIG_SESSION_MAX_HOURS = max(int(env("GENSIDIG_SESSION_MAX_HOURS", "168")), 1)
SESSION_COOKIE_AGE = GENSIDIG_SESSION_IDLE_MINUTES * 60
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Behind TLS (production) everything below turns on with one switch.
HTTPS = env_bool("GENSIDIG_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("GENSIDIG_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("GENSIDIG_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env_bool("GENSIDIG_HSTS_PRELOAD", True)
BEHIND_PROXY = env_bool("GENSIDIG_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy: only our own origin, no inline script or style anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# GENSIDIG_LOG_FORMAT=json: one JSON object a line with the request id, user id and
# organisation (gensidig.ops.logging); "plain" is for a person reading a terminal.
LOG_FORMAT = env("GENSIDIG_LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "gensidig.ops.logging.RequestContext"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"},
        "json": {"()": "gensidig.ops.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request"],
        },
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR"},
    },
    "root": {"handlers": ["console"], "level": env("GENSIDIG_LOG_LEVEL", "INFO")},
    "loggers": {
        # Every task start and finish at INFO drowns the console; failures still show.
        "django.tasks": {"level": "WARNING"},
        # django-axes logs every failed login; lockouts are in our security log instead.
        "axes": {"level": "ERROR"},
        "gensidig.tasks": {
            "handlers": ["console", "mail_admins"],
            "level": "INFO",
            "propagate": False,
        },
        "django.request": {
            "handlers": ["console", "mail_admins"],
            "level": "ERROR",
            "propagate": False,
        },
    },
}
