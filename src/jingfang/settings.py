"""Settings, read from the environment.

JINGFANG_DEBUG       "1" turns debug on (only `make run` does this); off by default.
JINGFANG_SECRET_KEY  the Django secret key; a fixed development key is used when unset and debug is on.
DATABASE_URL         e.g. postgres://user:pass@host:5432/jingfang; default: SQLite under var/.
JINGFANG_ALLOWED_HOSTS  comma-separated host names; default: localhost names.
JINGFANG_VAR_DIR     where the SQLite file and other local state live; default: ./var (created 0700, the
                     SQLite file and its -wal/-shm 0600)
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


VAR_DIR = Path(os.environ.get("JINGFANG_VAR_DIR", Path.cwd() / "var")).resolve()


def _private_dir(path: Path) -> None:
    """Create ``path`` readable by this user only (0700); an existing directory keeps its mode (nginx
    may need to pass through it to the static files, docs/deployment.md)."""
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o700)


def _private_file(path: Path) -> None:
    """Create ``path`` (e.g. the SQLite database) 0600, and take group and others' access away from it
    and its -wal/-shm files if they have any; SQLite creates those two with the database's mode."""
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for each in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if each.stat().st_mode & 0o077:
                each.chmod(0o600)
        except OSError:  # absent, or not ours: SQLite or the deploy check says so
            pass


_private_dir(VAR_DIR)

DEBUG = _env_bool("JINGFANG_DEBUG", False)

# Used only when no key is configured; `jingfang check --deploy` refuses it.
DEV_SECRET_KEY = "jingfang-development-key-not-for-production"
SECRET_KEY = os.environ.get("JINGFANG_SECRET_KEY") or DEV_SECRET_KEY

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("JINGFANG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "jingfang.core",
    "jingfang.regions",
    "jingfang.accounts",
    "jingfang.audit",
    "jingfang.registry",
    "jingfang.followups",
    "jingfang.screening",
    "jingfang.intake",
    "jingfang.care",
    "jingfang.support",
    "jingfang.stats",
    "jingfang.exchange",
    "jingfang.emergency",
    "jingfang.offline",
    "jingfang.exports",
    "jingfang.demo",
    "jingfang.ops",
    "django_tasks",
    "django_tasks_db",
    "jingfang.jobs",
    "jingfang.imports",
    "jingfang.mobile",
    # workforce (薛城区2016 一（二）4)
    "jingfang.workforce",
    # accountability measures and the joint consultation's record (齐云山镇2024 四、2–3; 平桥区2025 三（四）)
    "jingfang.accountability",
    # community rehabilitation (薛城区2016 一（二）2, 二（二）)
    "jingfang.rehab",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "jingfang.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jingfang.core.middleware.RequestHygieneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "jingfang.accounts.middleware.SessionPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "jingfang.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jingfang.accounts.context_processors.role",
            ],
        },
    },
]

WSGI_APPLICATION = "jingfang.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'jingfang.sqlite3'}",
        conn_max_age=int(os.environ.get("JINGFANG_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if str(DATABASES["default"]["NAME"]) not in ("", ":memory:") and \
            not str(DATABASES["default"]["NAME"]).startswith("file:"):
        _private_dir(Path(DATABASES["default"]["NAME"]).parent)
        _private_file(Path(DATABASES["default"]["NAME"]))
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background jobs (imports, large exports, nightly recomputation; jingfang.jobs): django-tasks with
# its database backend, run by `jingfang worker`. JINGFANG_TASKS_BACKEND=immediate runs each job
# inside the request instead (no worker; only for trying things out). A running job whose worker
# stops reporting for JINGFANG_JOB_STALE_SECONDS is shown as failed; the worker queues the nightly
# recomputation at JINGFANG_NIGHTLY_AT (local time, HH:MM; empty: never).
TASKS = {
    "default": {
        "BACKEND": {"immediate": "django_tasks.backends.immediate.ImmediateBackend"}.get(
            os.environ.get("JINGFANG_TASKS_BACKEND", ""), "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}
JINGFANG_JOB_STALE_SECONDS = int(os.environ.get("JINGFANG_JOB_STALE_SECONDS", "120"))
JINGFANG_NIGHTLY_AT = os.environ.get("JINGFANG_NIGHTLY_AT", "02:30")
# Files of finished jobs (uploads, reports, exports) are deleted after this many days.
JINGFANG_JOB_FILE_DAYS = int(os.environ.get("JINGFANG_JOB_FILE_DAYS", "7"))
# Answers to API writes sent with an Idempotency-Key are kept this many days (a phone offline for days
# retries with the same key and gets the first answer); the worker's nightly run deletes older ones.
JINGFANG_IDEMPOTENCY_DAYS = int(os.environ.get("JINGFANG_IDEMPOTENCY_DAYS", "30"))
# While the database cannot be reached, pages and the API answer 503 with this Retry-After (seconds).
JINGFANG_RETRY_AFTER_SECONDS = int(os.environ.get("JINGFANG_RETRY_AFTER_SECONDS", "30"))
# A page export of more rows than this is produced by the worker and downloaded from the job's page.
JINGFANG_EXPORT_BACKGROUND_ROWS = int(os.environ.get("JINGFANG_EXPORT_BACKGROUND_ROWS", "2000"))
# A patient ledger (imports) may be bigger than other uploads: a county's, in one file.
JINGFANG_IMPORT_MAX_ROWS = int(os.environ.get("JINGFANG_IMPORT_MAX_ROWS", "100000"))
JINGFANG_IMPORT_MAX_BYTES = int(os.environ.get("JINGFANG_IMPORT_MAX_BYTES", str(40 * 1024 * 1024)))
# The worker reads a ledger in a forked child process while it checks and writes (imports.ledger.reading).
JINGFANG_IMPORT_READ_PROCESS = _env_bool("JINGFANG_IMPORT_READ_PROCESS", True)
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["jingfang.accounts.backends.UserBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "jingfang.accounts.passwords.ComplexityValidator", "OPTIONS": {"min_length": 8, "min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "registry:patient_list"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("JINGFANG_SESSION_SECONDS", str(8 * 3600)))
SESSION_COOKIE_SECURE = _env_bool("JINGFANG_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Login lockout: this many consecutive failures lock the account for the given minutes.
JINGFANG_LOCKOUT_FAILURES = int(os.environ.get("JINGFANG_LOCKOUT_FAILURES", "5"))
JINGFANG_LOCKOUT_MINUTES = int(os.environ.get("JINGFANG_LOCKOUT_MINUTES", "15"))
# Beside it, per client address: this many failed sign-ins from one address within the minutes pause
# signing in from that address until the window has passed (0 turns the address throttle off).
JINGFANG_SIGNIN_ADDRESS_FAILURES = int(os.environ.get("JINGFANG_SIGNIN_ADDRESS_FAILURES", "30"))
JINGFANG_SIGNIN_ADDRESS_MINUTES = int(os.environ.get("JINGFANG_SIGNIN_ADDRESS_MINUTES", "15"))
# 紧急查阅: look-ups by whole ID number one user may make within 24 hours (0: no limit).
JINGFANG_EMERGENCY_PER_DAY = int(os.environ.get("JINGFANG_EMERGENCY_PER_DAY", "10"))
# "Registered elsewhere?" (registry.disclosure): distinct ID numbers outside the jurisdiction a doctor may
# be told about per day (duplicate checks, registration, ledger check); past it "需县级核实" (0: no limit).
JINGFANG_DISCLOSURE_PER_DAY = int(os.environ.get("JINGFANG_DISCLOSURE_PER_DAY", "20"))
# Paper follow-up forms (offline.paper): codes a user may look up on the server per 24 hours without
# finding a form they may open (unknown, expired, outside the jurisdiction); past it every look-up is
# refused with 429 until the window has passed (0: no bound). Typing a code the package holds costs nothing.
JINGFANG_PAPER_MISSES_PER_DAY = int(os.environ.get("JINGFANG_PAPER_MISSES_PER_DAY", "20"))
# API bearer tokens expire after this many hours.
JINGFANG_TOKEN_HOURS = int(os.environ.get("JINGFANG_TOKEN_HOURS", "12"))
# Lists page at this size by default; the API caps page_size at the maximum (declared in the OpenAPI
# document as read at start).
JINGFANG_PAGE_SIZE = 50
JINGFANG_MAX_PAGE_SIZE = 100
# Uploaded xlsx (jingfang.core.uploads): file size, size once unzipped, per-member compression ratio,
# zip members, data rows and columns.
JINGFANG_UPLOAD_MAX_BYTES = int(os.environ.get("JINGFANG_UPLOAD_MAX_BYTES", str(5 * 1024 * 1024)))
JINGFANG_UPLOAD_MAX_UNZIPPED = int(os.environ.get("JINGFANG_UPLOAD_MAX_UNZIPPED", str(100 * 1024 * 1024)))
JINGFANG_UPLOAD_MAX_RATIO = int(os.environ.get("JINGFANG_UPLOAD_MAX_RATIO", "100"))
JINGFANG_UPLOAD_MAX_MEMBERS = int(os.environ.get("JINGFANG_UPLOAD_MAX_MEMBERS", "500"))
JINGFANG_UPLOAD_MAX_ROWS = int(os.environ.get("JINGFANG_UPLOAD_MAX_ROWS", "20000"))
JINGFANG_UPLOAD_MAX_COLS = int(os.environ.get("JINGFANG_UPLOAD_MAX_COLS", "50"))
# An export of more personal rows than this needs a supervisor's approval (jingfang.exports); an
# approval is good for one download within this many hours.
JINGFANG_EXPORT_APPROVAL_ROWS = int(os.environ.get("JINGFANG_EXPORT_APPROVAL_ROWS", "500"))
JINGFANG_EXPORT_APPROVAL_HOURS = int(os.environ.get("JINGFANG_EXPORT_APPROVAL_HOURS", "24"))
# The threshold caps the personal rows one user takes out without approval within this rolling
# window, summed over exports and API list pages (exports.volume).
JINGFANG_EXPORT_WINDOW_HOURS = int(os.environ.get("JINGFANG_EXPORT_WINDOW_HOURS", "24"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("JINGFANG_LOG_LEVEL", "INFO")},
    "loggers": {"faker": {"level": "WARNING"}},
}

# Accounts security policy (accounts/middleware.py, accounts/otp.py).
# Passwords older than this many days must be changed before anything else (0 turns this off).
JINGFANG_PASSWORD_MAX_DAYS = int(os.environ.get("JINGFANG_PASSWORD_MAX_DAYS", "90"))
# A signed-in session idle for this many minutes is ended; SESSION_COOKIE_AGE caps its whole life.
JINGFANG_IDLE_MINUTES = int(os.environ.get("JINGFANG_IDLE_MINUTES", "30"))
# Roles that must use a TOTP second factor. Enforced unless debug is on, where it needs
# JINGFANG_TOTP_ENFORCE=1 (so the demo logins of `make run` keep working).
JINGFANG_TOTP_REQUIRED_ROLES = [
    r.strip()
    for r in os.environ.get("JINGFANG_TOTP_REQUIRED_ROLES", "county_supervisor,admin,security_admin,audit_admin,township_office").split(",")
    if r.strip()
]
JINGFANG_TOTP_ENFORCE = _env_bool("JINGFANG_TOTP_ENFORCE", not DEBUG)
JINGFANG_TOTP_ISSUER = os.environ.get("JINGFANG_TOTP_ISSUER", "精防")
# Binding an authenticator needs a one-time enrolment code issued by an administrator; it expires
# this many hours after issue.
JINGFANG_TOTP_ENROL_CODE_HOURS = int(os.environ.get("JINGFANG_TOTP_ENROL_CODE_HOURS", "72"))

# HTTP hardening (security item 7). Content Security Policy by django-csp: scripts only from this
# site (no inline script, no eval: htmx runs with allowEval off, see core/base.html); inline styles
# are allowed because templates use style attributes and <style> blocks. The API docs page
# (/api/docs, Swagger UI from django-ninja's static files) works under the same policy.
from csp.constants import NONE, SELF, UNSAFE_INLINE  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# HSTS and the HTTPS redirect apply when debug is off. Behind nginx, which terminates TLS and
# usually redirects itself, so Django's redirect is off unless JINGFANG_SSL_REDIRECT=1; HSTS
# defaults to a year whenever cookies are marked secure (i.e. the site is served over HTTPS).
SECURE_HSTS_SECONDS = 0 if DEBUG else int(
    os.environ.get("JINGFANG_HSTS_SECONDS", "31536000" if SESSION_COOKIE_SECURE else "0")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("JINGFANG_HSTS_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = False
SECURE_SSL_REDIRECT = not DEBUG and _env_bool("JINGFANG_SSL_REDIRECT", False)
# Behind nginx (deploy/nginx): its X-Forwarded-Proto says whether the request came over HTTPS, and its
# X-Forwarded-For the client's address (audit.log.client_ip). Without a proxy both headers are ignored:
# any client could send them.
JINGFANG_BEHIND_PROXY = _env_bool("JINGFANG_BEHIND_PROXY", False)
# The proxy's own addresses (or networks, or *), as gunicorn's forwarded_allow_ips: X-Forwarded-For is
# believed only on a connection from one of them, so a client that reaches an app server directly cannot
# put another address in the audit log.
JINGFANG_PROXY_IPS = [a.strip() for a in os.environ.get("JINGFANG_PROXY_IPS", "127.0.0.1,::1").split(",") if a.strip()]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if JINGFANG_BEHIND_PROXY else None
# The load balancer's health check may call an app server over plain HTTP (ops/health.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Read replica (ops/routers.py, docs/deployment.md): when JINGFANG_REPLICA_URL names a PostgreSQL hot
# standby, report-only pages (statistics, the KPI API) read from it; everything else uses the primary.
if os.environ.get("JINGFANG_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["JINGFANG_REPLICA_URL"], conn_max_age=int(os.environ.get("JINGFANG_CONN_MAX_AGE", "60"))
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["jingfang.ops.routers.ReplicaRouter"]
    MIDDLEWARE.append("jingfang.ops.routers.ReplicaReadsMiddleware")
JINGFANG_REPLICA_MAX_LAG = float(os.environ.get("JINGFANG_REPLICA_MAX_LAG", "30"))
JINGFANG_REPLICA_STICKY_SECONDS = int(os.environ.get("JINGFANG_REPLICA_STICKY_SECONDS", "10"))

# Encryption at rest of ID numbers and phones (core/crypto.py; README, configuration). Keys are
# separate from SECRET_KEY: JINGFANG_FIELD_KEYS "k2=<base64 32 bytes>,k1=<…>" (first encrypts, all
# decrypt), JINGFANG_INDEX_KEY (blind index) and, while rotating it, JINGFANG_INDEX_KEY_OLD; or
# JINGFANG_KEY_FILE (TOML), default VAR_DIR/keys.toml when present. JINGFANG_DEV_KEYS (default: debug)
# generates VAR_DIR/keys.toml when nothing is configured; `jingfang check --deploy` refuses such keys.
JINGFANG_FIELD_KEYS = os.environ.get("JINGFANG_FIELD_KEYS", "")
JINGFANG_INDEX_KEY = os.environ.get("JINGFANG_INDEX_KEY", "")
JINGFANG_INDEX_KEY_OLD = os.environ.get("JINGFANG_INDEX_KEY_OLD", "")
JINGFANG_KEY_FILE = os.environ.get("JINGFANG_KEY_FILE", "")
JINGFANG_DEV_KEYS = _env_bool("JINGFANG_DEV_KEYS", DEBUG)
# The audit hash chains are keyed (HMAC) by JINGFANG_AUDIT_KEY (or audit_key in the key file); chain
# heads are checkpointed, with the same key, in JINGFANG_AUDIT_CHECKPOINT_FILE (append-only; default
# VAR_DIR/audit-checkpoints.log), by verify_audit, backups, purges and the worker every
# JINGFANG_AUDIT_CHECKPOINT_MINUTES (audit/checkpoints.py; README, configuration).
JINGFANG_AUDIT_KEY = os.environ.get("JINGFANG_AUDIT_KEY", "")
JINGFANG_AUDIT_CHECKPOINT_FILE = os.environ.get("JINGFANG_AUDIT_CHECKPOINT_FILE", "")
JINGFANG_AUDIT_CHECKPOINT_MINUTES = int(os.environ.get("JINGFANG_AUDIT_CHECKPOINT_MINUTES", "60"))
