"""The one settings module of piaops.

Every value that differs between machines comes from an environment variable; a wrong value raises
``ImproperlyConfigured`` at start-up instead of misbehaving later (healthchecks' ``envbool`` style).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

from piaops import secretkey

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("PIAOPS_HOME", Path.cwd()))
VAR_DIR = secretkey.var_dir()


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def envsecret(name: str) -> str | None:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE``."""
    if path := os.environ.get(f"{name}_FILE"):
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE names a file that cannot be read: {path!r} ({exc})") from exc
    return os.environ.get(name) or None


def envchoice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name) or default
    if value.upper() not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value.upper()


# Every transaction takes SQLite's write lock when it begins (BEGIN IMMEDIATE) and waits for it up to 20 s, so
# concurrent writers queue instead of failing with "database is locked" half-way, and two audit-trail appends
# can never read the same chain head.
SQLITE_OPTIONS: dict[str, object] = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def database_from_url(url: str) -> dict[str, object]:
    """``postgresql://user:pass@host:port/name`` or ``sqlite:///path`` → a Django DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql"}:
        name = parsed.path.lstrip("/")
        if not name:
            raise ImproperlyConfigured(f"DATABASE_URL has no database name: {url!r}")
        try:
            port = parsed.port
        except ValueError as exc:
            raise ImproperlyConfigured(f"DATABASE_URL has an invalid port: {url!r}") from exc
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(name),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(port or ""),
            # Each worker keeps its connection (None: no age limit) and checks it with a trivial statement before
            # a request's first query. A new connection costs a request ~12 ms on the bench machine (connect ~4 ms,
            # then the server's catalogue caches fill again); the check costs one round trip and turns a
            # connection the database dropped (restart, failover) into a new one instead of a failed request.
            "CONN_MAX_AGE": None,
            "CONN_HEALTH_CHECKS": True,
        }
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        path = path[1:] if path.startswith("//") else path
        if not path or path == "/":
            raise ImproperlyConfigured(f"DATABASE_URL has no database file: {url!r}")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path, "OPTIONS": SQLITE_OPTIONS}
    raise ImproperlyConfigured(f"DATABASE_URL must start with postgresql:// or sqlite://, not {url!r}")


DEBUG = envbool("PIAOPS_DEBUG", False)
# The key: PIAOPS_SECRET_KEY(_FILE), else the one `make run` generated once under var/ (piaops.secretkey).
SECRET_KEY = envsecret("PIAOPS_SECRET_KEY") or secretkey.read_key(VAR_DIR / secretkey.FILE_NAME) or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            f"PIAOPS_SECRET_KEY is required when PIAOPS_DEBUG is off (or PIAOPS_SECRET_KEY_FILE, or a key in "
            f"{VAR_DIR / secretkey.FILE_NAME}: `python -m piaops.secretkey` writes one)"
        )
    SECRET_KEY = "piaops-insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("PIAOPS_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("PIAOPS_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "piaops.core",
    "piaops.jobs",
    "piaops.audittrail",
    "piaops.tenancy",
    "piaops.assessments",
    "piaops.findings",
    "piaops.selfcheck",
    "piaops.audits",
    "piaops.training",
    "piaops.assurance",
    "piaops.incidents",
    "piaops.areas",
    "piaops.reviews",
    "piaops.reports",
    "piaops.accounts",
    "piaops.api",
    "piaops.calendarfeed",
    "piaops.manual",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "piaops.core.uploads.UploadLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "piaops.tenancy.rls.TenantSettingMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "piaops.core.middleware.AuditContextMiddleware",
    "piaops.core.security.ContentSecurityPolicyMiddleware",
    "piaops.accounts.middleware.AccountSecurityMiddleware",
    "piaops.accounts.throttle.IpThrottleMiddleware",
]

# Nothing of a user's state lives in a node's memory (README "複数ノード"): sessions (Django's default database
# engine), throttling counters, locks and this cache are in the database, so any node answers any request.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "piaops_cache"}}
# Background work (piaops.jobs): tasks are rows of the database, taken by `piaops worker` on any node.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Per-IP throttling (piaops.accounts.throttle): failures counted in the database, shared by every worker.
PIAOPS_THROTTLE_WINDOW_SECONDS = envint("PIAOPS_THROTTLE_WINDOW_SECONDS", 900)
PIAOPS_LOGIN_IP_FAILURES = envint("PIAOPS_LOGIN_IP_FAILURES", 30)
PIAOPS_API_IP_FAILURES = envint("PIAOPS_API_IP_FAILURES", 60)
# Addresses of the reverse proxies in front of piaops (comma-separated): behind them the client is X-Forwarded-For.
PIAOPS_TRUSTED_PROXIES = tuple(a.strip() for a in os.environ.get("PIAOPS_TRUSTED_PROXIES", "").split(",") if a.strip())


def _sections(name: str, default: str) -> tuple[str, ...]:
    roman = {"I": "Ⅰ", "II": "Ⅱ", "III": "Ⅲ", "IV": "Ⅳ", "V": "Ⅴ", "VI": "Ⅵ"}
    values = [v.strip() for v in (os.environ.get(name) or default).split(",") if v.strip()]
    sections = tuple(roman.get(v.upper(), v) for v in values)
    if not sections or any(s not in roman.values() for s in sections):
        raise ImproperlyConfigured(f"{name} must list sections I–VI (e.g. III,IV), not {values!r}")
    return sections


# The sections of an assessment report whose commitments become items of a unit's 自己点検票 (issue 18 §2).
PIAOPS_SELFCHECK_SECTIONS = _sections("PIAOPS_SELFCHECK_SECTIONS", "III,IV")

ROOT_URLCONF = "piaops.urls"
WSGI_APPLICATION = "piaops.wsgi.application"
AUTH_USER_MODEL = "tenancy.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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
                "piaops.core.context_processors.piaops",
                "piaops.manual.context_processors.manual",
            ],
            "builtins": ["piaops.core.templatetags.wareki"],
        },
    }
]

_database_url = os.environ.get("DATABASE_URL")
if _database_url:
    DATABASES = {"default": database_from_url(_database_url)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # A second connection to the same database: a background job's progress is written through it, so that
        # pages on every node see it while the job's own transaction is still open (piaops.jobs.progress).
        DATABASES["progress"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "piaops.sqlite3",
            "OPTIONS": SQLITE_OPTIONS,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "display_name", "first_name", "last_name", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "piaops.accounts.passwords.RepeatedCharactersValidator"},
    {"NAME": "piaops.accounts.passwords.ContainsUserNameValidator"},
]

# Japanese only (the UI strings stay marked for gettext; no catalogue and no switcher): LocaleMiddleware is not
# installed, so a browser set to English still gets Japanese, Django's own messages included.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Only production collects static files (README); in development the finders serve them.
STATIC_ROOT = os.environ.get("PIAOPS_STATIC_ROOT") or None
# Files (evidence, staged imports, generated reports): the filesystem under var/ (one node), or with
# PIAOPS_FILE_STORAGE=database chunks in the database, so that every node serves every file and backups carry them.
PIAOPS_FILE_STORAGE = envchoice("PIAOPS_FILE_STORAGE", "filesystem", ("FILESYSTEM", "DATABASE")).lower()
STORAGES = {
    "default": {
        "BACKEND": "piaops.core.storage.DatabaseStorage"
        if PIAOPS_FILE_STORAGE == "database"
        else "django.core.files.storage.FileSystemStorage"
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Served by the app itself: finders in development, so no collectstatic step is needed to run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "media"

# Uploaded evidence and import files: bigger ones are refused with a clear message.
# What a 個人番号 typed into a form or an API field does: REJECT (refused with a message naming the field) or MASK
# (replaced by a marker and saved). Uploaded files and imports are always refused (piaops.lib.filescan).
PIAOPS_MYNUMBER_POLICY = envchoice("PIAOPS_MYNUMBER_POLICY", "reject", ("REJECT", "MASK")).lower()
PIAOPS_MAX_UPLOAD_BYTES = envint("PIAOPS_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# Enforced before parsing by piaops.core.uploads.UploadLimitMiddleware (each file, and the whole body); a JSON body
# may hold a file at the limit in Base64.
DATA_UPLOAD_MAX_MEMORY_SIZE = PIAOPS_MAX_UPLOAD_BYTES * 4 // 3 + 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "piaops.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

EMAIL_HOST = os.environ.get("PIAOPS_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = envint("PIAOPS_SMTP_PORT", 25)
EMAIL_HOST_USER = os.environ.get("PIAOPS_SMTP_USER", "")
EMAIL_HOST_PASSWORD = envsecret("PIAOPS_SMTP_PASSWORD") or ""
EMAIL_USE_TLS = envbool("PIAOPS_SMTP_STARTTLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("PIAOPS_MAIL_FROM", "piaops@localhost")

SESSION_COOKIE_AGE = envint("PIAOPS_SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = envbool("PIAOPS_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Pages send the CSRF token themselves (hx-headers in base.html); no script needs to read the cookie.
CSRF_COOKIE_HTTPONLY = True

# A 個人番号 never reaches a log line: every record is masked when it is created (LOGGING_CONFIG installs a record
# factory), and every handler masks again before formatting.
LOGGING_CONFIG = "piaops.lib.mynumber.configure_logging"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_my_number": {"()": "piaops.lib.mynumber.MaskMyNumberFilter"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_my_number"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_my_number"],
        },
    },
    "root": {
        "handlers": ["console"],
        "level": envchoice("PIAOPS_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")),
    },
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # WeasyPrint logs every rendering step of every PDF at INFO ("Step 1 - Fetching and parsing HTML"...), and
        # fontTools its subsetting: noise in an operator's log. Their warnings still show.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Production hardening (README "本番運用 / Running in production"); `piaops check --deploy` is clean with DEBUG off.
# Behind the municipality's reverse proxy that terminates TLS, set PIAOPS_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO
# (the proxy must overwrite that header); then the app knows the request was HTTPS.
if _proxy_header := os.environ.get("PIAOPS_PROXY_SSL_HEADER", ""):
    SECURE_PROXY_SSL_HEADER = (_proxy_header, "https")
SECURE_SSL_REDIRECT = envbool("PIAOPS_SSL_REDIRECT", not DEBUG)
# The load balancer asks each node directly over plain HTTP (README "複数ノード").
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = envint("PIAOPS_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("PIAOPS_HSTS_INCLUDE_SUBDOMAINS", True)
# LGWAN host names can never be on the browsers' public HSTS preload list, so preload is meaningless here.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy sent on every response (piaops.core.security): nothing from outside, no inline script.
PIAOPS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# --- Accounts (piaops.accounts): idle timeout; SESSION_COOKIE_AGE above is the absolute lifetime of a log-in.
PIAOPS_SESSION_IDLE_SECONDS = envint("PIAOPS_SESSION_IDLE_SECONDS", 30 * 60)
# Lockout: this many failed log-ins for one user name within the window lock it for PIAOPS_LOCKOUT_SECONDS.
PIAOPS_LOCKOUT_FAILURES = envint("PIAOPS_LOCKOUT_FAILURES", 5)
PIAOPS_LOCKOUT_WINDOW_SECONDS = envint("PIAOPS_LOCKOUT_WINDOW_SECONDS", 15 * 60)
PIAOPS_LOCKOUT_SECONDS = envint("PIAOPS_LOCKOUT_SECONDS", 15 * 60)
# API: requests allowed per token per clock minute (fixed window counted in the database).
PIAOPS_API_RATE_LIMIT_PER_MINUTE = int(os.environ.get("PIAOPS_API_RATE_LIMIT_PER_MINUTE", "120"))

# --- Directory log-in (LDAP / Active Directory; README "ディレクトリでのログイン"): on when PIAOPS_LDAP_URI is set.
# Local accounts keep working either way; piaops.accounts.ldapconfig reads and checks the PIAOPS_LDAP_* variables.
if os.environ.get("PIAOPS_LDAP_URI"):
    from piaops.accounts.ldapconfig import ldap_settings

    globals().update(ldap_settings(os.environ))
