"""Laser OS settings: one module, read from the environment through django-environ.

Every variable read here is listed, with its default and meaning, in `.env.example`.
Production differs from development only by environment.
"""

from decimal import Decimal
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from laseros.secret_key import read_or_create_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env file is read when it exists; real environment variables win over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEV_SECRET_KEY = "dev-insecure-laseros-change-me"

# DEBUG is on for `make dev`, tests and a bare manage.py; `make run` (scripts/serve.sh) turns it off.
DEBUG = env.bool("DEBUG", default=True)
DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "data")))
# SECRET_KEY from the environment; else the one kept in DATA_DIR/secret-key, made on first use
# (mode 0600). Every process shares it, whatever its DEBUG: the web, the worker and manage.py
# commands (django-q2 signs queued tasks with it; a worker drops a task signed with another key).
# With DEBUG on and DATA_DIR not writable, the development key.
SECRET_KEY = env.str("SECRET_KEY", default="") or read_or_create_secret_key(
    DATA_DIR / "secret-key", fallback=DEV_SECRET_KEY if DEBUG else None
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "Laser OS refuses to start with DEBUG off and the development SECRET_KEY. "
        "Set SECRET_KEY in the environment (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

# --- applications ------------------------------------------------------------------------------

INSTALLED_APPS = [
    "laseros.apps.LaserOSAdminConfig",  # the branded admin site replaces django.contrib.admin
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    # Laser OS, lowest layer first (ARCHITECTURE.md, "Layers")
    "laseros.apps.LaserOSConfig",
    # After laseros: its `qcluster` command (heartbeats, recovery after a dead cluster) wraps
    # django-q2's, and the first app listed wins a command's name.
    "django_q",
    "clients",
    "inventory",
    "projects",
    "ingest",
    "comms",
    "production",
    "finance",
    "laseros.site.apps.SiteConfig",  # the top wiring: urls, API url list, the demo shop
    "laseros.site.flask_import.apps.FlaskImportConfig",  # import_flask_db's old → new records
]

MIDDLEWARE = [
    # First: every log line of a request, the others' included, carries its id (X-Request-ID).
    "laseros.request_ids.RequestIdMiddleware",
    # Behind a trusted proxy, the client's own address (TRUSTED_PROXIES), before anyone reads it.
    "laseros.proxy.ProxiedClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "laseros.audit.middleware.AuditRequestMiddleware",
    # AxesMiddleware must be last: it turns a lockout into a clear response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "laseros.site.urls"
WSGI_APPLICATION = "laseros.wsgi.application"
ASGI_APPLICATION = "laseros.asgi.application"

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
                "laseros.context_processors.shop",
            ],
        },
    },
]

# --- database ----------------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'laseros.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; a busy timeout instead of
    # "database is locked"; IMMEDIATE transactions so concurrent writers queue, not fail.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    # Tests use an in-memory database (Django's default): fast, and private to each test run.
# A connection is kept for the next requests (SQLite too: opening one, with its PRAGMAs and
# Django's SQL functions, cost each request more CPU than reading a page of 50 jobs).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache -------------------------------------------------------------------------------------

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://laseros")}

# --- authentication and login protection --------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "/"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=30) / 60  # hours
# An account is locked from the address the failures came from, not everywhere: by username
# alone, five requests from a stranger would lock a manager out; by address alone, five typos on
# one shop-floor tablet would lock out every operator behind the shop's one public address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# --- internationalisation: South Africa ----------------------------------------------------------

LANGUAGE_CODE = "en-za"
TIME_ZONE = env.str("TIME_ZONE", default="Africa/Johannesburg")
# Off: the site speaks one language, and Django has no en-ZA catalogue (its English is the
# msgids), so every page reads the same either way, while translation lookups (the active
# language, each month name) were a tenth of the time of an admin list. Dates and numbers are
# still formatted for en-ZA (laseros/formats).
USE_I18N = False
USE_TZ = True
FORMAT_MODULE_PATH = ["laseros.formats"]
# 12 500 and 12 345.50: thousands grouped by a (non-breaking) space, as South African standards
# (SANS / SI) and CLDR's en-ZA write them; the point before decimals is what the shop and its
# prices use (CLDR's en-ZA has a comma there). Ids and codes are not grouped (laseros.admin_site);
# number boxes in forms show and take the plain number.
USE_THOUSAND_SEPARATOR = True

# --- static and media files ----------------------------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
FILE_UPLOAD_PERMISSIONS = 0o640
# Stored files go out only through views that check the user (laseros/files.py). Behind nginx or
# Apache the web server can send the bytes: "X-Accel-Redirect" (nginx: an `internal` location at
# FILES_SENDFILE_PREFIX aliased to MEDIA_ROOT) or "X-Sendfile" (the file's path); empty: Django
# streams them. Local storage only: S3 files are always streamed from the bucket.
FILES_SENDFILE_HEADER = env.str("FILES_SENDFILE_HEADER", default="")
FILES_SENDFILE_PREFIX = env.str("FILES_SENDFILE_PREFIX", default="/protected-media/")
if FILES_SENDFILE_HEADER not in ("", "X-Accel-Redirect", "X-Sendfile"):
    raise ImproperlyConfigured(
        "FILES_SENDFILE_HEADER must be empty, 'X-Accel-Redirect' or 'X-Sendfile', "
        f"not {FILES_SENDFILE_HEADER!r}."
    )

# File storage: local disk by default; S3/MinIO by setting STORAGE_BACKEND=s3 and the AWS_* vars.
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
if STORAGE_BACKEND == "s3":
    _default_storage = {
        # links lead to the app's permission check, not to a signed bucket address
        "BACKEND": "laseros.storage.ProtectedS3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME", default="laseros"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
elif STORAGE_BACKEND == "local":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', not {STORAGE_BACKEND!r}.")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# WhiteNoise's list plus source maps: only a browser's developer tools read them, and compressing
# them was two thirds of the compression time of `make run`'s first collectstatic.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    *["jpg", "jpeg", "png", "gif", "webp", "woff", "woff2", "swf", "flv"],
    *["zip", "gz", "tgz", "bz2", "tbz", "xz", "br"],
    *["3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4", "mpeg", "mpg", "webm", "wmv"],
    "map",
]

# --- security (production values come from the environment) -------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The proxies in front of gunicorn (their addresses; "unix" for one on gunicorn's unix socket):
# the client address they send in X-Real-IP is the one login lock-outs, throttles and the audit
# trail see (laseros.proxy). Empty: REMOTE_ADDR as gunicorn saw it, and X-Real-IP is ignored.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Is the site reached over HTTPS (TLS ended by a proxy in front)? Then http is redirected, the
# cookies are https-only and browsers are told to keep to https (HSTS). Production says yes by
# default; `make run` serves plain http (https-only cookies would make logging in impossible)
# and says no unless SITE_HTTPS is set.
SITE_HTTPS = env.bool("SITE_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SITE_HTTPS)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=SITE_HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=SITE_HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SITE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=SITE_HTTPS)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=SITE_HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # a view that must be framed says so with @xframe_options_sameorigin
# Content-Security-Policy (django-csp) for every page: scripts and style sheets only from this
# site (the admin, Swagger UI from drf-spectacular-sidecar, htmx: no inline script anywhere).
# Style *attributes* stay allowed (style-src-attr): the admin and our admin columns use them, and
# an attribute cannot carry a nonce or a hash; <style> elements need a file (style-src-elem).
# img-src data: is for the icons inside Swagger UI's CSS. Stored files carry a stricter policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-elem": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- e-mail ---------------------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Laser OS <laseros@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)  # seconds an SMTP conversation may take

# --- scheduled reports (laseros.site.reports) -----------------------------------------------------

# Who gets the scheduled reports by e-mail (empty: they are made and kept, and sent to nobody).
REPORT_RECIPIENTS = env.list("REPORT_RECIPIENTS", default=[])
# When each report is due, on the shop's clock (the worker makes it within 15 minutes after).
REPORT_DAILY_OPS_AT = env.str("REPORT_DAILY_OPS_AT", default="07:30")
# Weekly Client, Employee and Maintenance on Monday for the week before; Monthly Exec on the 1st.
REPORT_WEEKLY_AT = env.str("REPORT_WEEKLY_AT", default="07:45")
REPORT_MONTHLY_AT = env.str("REPORT_MONTHLY_AT", default="08:00")
# A report missed while the worker was down is made when it starts, back this many days at most.
REPORT_CATCH_UP_DAYS = env.int("REPORT_CATCH_UP_DAYS", default=7)
# The formats the schedule makes and sends.
REPORT_FORMATS = env.list("REPORT_FORMATS", default=["html", "pdf", "xlsx"])

# --- messages to clients (comms) ------------------------------------------------------------------

# The outbox: a message that fails is tried again after 1, 4, 16... minutes, then left failed.
COMMS_MAX_ATTEMPTS = env.int("COMMS_MAX_ATTEMPTS", default=5)
COMMS_RETRY_MINUTES = env.int("COMMS_RETRY_MINUTES", default=1)
# Payment reminders: days after an invoice's due date on which one is sent (one per day listed).
COMMS_PAYMENT_REMINDER_DAYS = env.list("COMMS_PAYMENT_REMINDER_DAYS", cast=int, default=[1, 7, 14])
# WhatsApp Business Cloud API; without a token and a phone-number id the outbox offers wa.me links.
WHATSAPP_TOKEN = env.str("WHATSAPP_TOKEN", default="")
WHATSAPP_PHONE_NUMBER_ID = env.str("WHATSAPP_PHONE_NUMBER_ID", default="")
WHATSAPP_API_URL = env.str("WHATSAPP_API_URL", default="https://graph.facebook.com/v21.0")
WHATSAPP_DEFAULT_COUNTRY_CODE = env.str("WHATSAPP_DEFAULT_COUNTRY_CODE", default="27")
# In-app notifications (the bell): how often the causes are evaluated, and the escalations of
# DOMAIN.md: a job that sits in a status longer than this many working days (weekends and public
# holidays are not counted). "Waiting on material": paid or queued, and no sheet of its material
# and thickness on hand.
NOTIFY_EVERY_MINUTES = env.int("NOTIFY_EVERY_MINUTES", default=5)
# Seconds a web process keeps a person's bell (count and newest) between pages: the query was a
# tenth of an admin page. What the person marks read shows at once (comms.bell); what others
# open or close shows within this time. 0: read on every page.
NOTIFY_BELL_SECONDS = env.int("NOTIFY_BELL_SECONDS", default=10)
ESCALATE_QUOTING_DAYS = env.int("ESCALATE_QUOTING_DAYS", default=4)
ESCALATE_MATERIAL_DAYS = env.int("ESCALATE_MATERIAL_DAYS", default=2)
ESCALATE_CUTTING_DAYS = env.int("ESCALATE_CUTTING_DAYS", default=1)
ESCALATE_READY_DAYS = env.int("ESCALATE_READY_DAYS", default=2)

# --- the client's tracking page (laseros.site.tracking) -------------------------------------------

# The address clients reach the site at: a tracking link in a message starts with it.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# A new tracking link works this many days (a manager may revoke it sooner).
TRACKING_LINK_DAYS = env.int("TRACKING_LINK_DAYS", default=60)
# Requests to tracking pages one address may make (n/s, n/min, n/hour); more answer 429.
TRACKING_RATE_LIMIT = env.str("TRACKING_RATE_LIMIT", default="30/min")

# --- REST API: laseros/settings_api.py (imported at the end) ---------------------------------

# --- background work: django-q2 -------------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
Q_CLUSTER = {
    "name": "laseros",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=600),  # seconds one task may run
    # Seconds before a task that was taken and not finished is handed out again. The last resort:
    # a starting cluster releases at once what a dead one had taken (laseros.workers).
    "retry": env.int("Q_RETRY", default=720),
    "max_attempts": env.int("Q_MAX_ATTEMPTS", default=3),
    "save_limit": 1000,
    "queue_limit": 50,
    "label": "Background tasks",
    "catch_up": False,
    "ack_failures": True,
    "poll": 1,
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
# Tests and `manage.py ... --sync` run background tasks in-process, after the commit.
TASKS_RUN_INLINE = env.bool("TASKS_RUN_INLINE", default=False)
# Each cluster's main process writes its heartbeat this often; silent for STALE seconds, it is taken
# for dead: /healthz says 503 and another cluster puts back its work. It also looks for dead
# clusters' work every WORKER_SWEEP_SECONDS (and when it starts).
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=15)
WORKER_HEARTBEAT_STALE_SECONDS = env.int("WORKER_HEARTBEAT_STALE_SECONDS", default=45)
WORKER_SWEEP_SECONDS = env.int("WORKER_SWEEP_SECONDS", default=30)
if not 0 < 2 * WORKER_HEARTBEAT_SECONDS <= WORKER_HEARTBEAT_STALE_SECONDS:
    raise ImproperlyConfigured(
        "WORKER_HEARTBEAT_STALE_SECONDS must be at least twice WORKER_HEARTBEAT_SECONDS (and both "
        "above 0), or live workers are taken for dead and their work is done twice."
    )

# --- backups (laseros.backup; each setting is explained in .env.example) ----------------------

BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(DATA_DIR / "backups")))
BACKUP_STORAGE = env.str("BACKUP_STORAGE", default="")  # a STORAGES alias instead of BACKUP_DIR
BACKUP_STORAGE_PREFIX = env.str("BACKUP_STORAGE_PREFIX", default="backups")
BACKUP_ENCRYPTION_KEY = env.str("BACKUP_ENCRYPTION_KEY", default="")  # any passphrase
BACKUP_KEEP_DAILY = env.int("BACKUP_KEEP_DAILY", default=7)
BACKUP_KEEP_WEEKLY = env.int("BACKUP_KEEP_WEEKLY", default=4)
BACKUP_KEEP_MONTHLY = env.int("BACKUP_KEEP_MONTHLY", default=12)
BACKUP_AT = env.str("BACKUP_AT", default="02:15")  # the daily backup, on the shop's clock
BACKUP_STALE_HOURS = env.int("BACKUP_STALE_HOURS", default=26)  # the admin warns after this

# --- logging --------------------------------------------------------------------------------------

# plain: one line a person reads; json: one JSON object per line for a log collector. Both carry
# the request's id (laseros.request_ids), on the lines of the tasks it enqueued too.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'plain' or 'json', not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "laseros.log_format.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        },
        "json": {"()": "laseros.log_format.JSONFormatter"},
    },
    "filters": {
        "expected_responses": {"()": "laseros.log_filters.ExpectedResponses"},
        "request_id": {"()": "laseros.request_ids.RequestIdFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Everything goes to the root's one console handler, once: Django's own console handler
        # (DEBUG only) printed each line a second time. No ADMINS, so no mail_admins either.
        "django": {"handlers": [], "level": "INFO"},
        # A refusal (4xx) is one line, without its traceback; /healthz's 503 is a warning.
        "django.request": {"filters": ["expected_responses"]},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # ezdxf reports every repaired handle of a LightBurn R12 export; its summary is enough.
        "ezdxf": {"level": "ERROR"},
    },
}

# --- the shop (DOMAIN.md): every number a setting with the shop's default -------------------------

SHOP_NAME = env.str("SHOP_NAME", default="Laser OS Demo Shop")
SHOP_CURRENCY = env.str("SHOP_CURRENCY", default="ZAR")
SHOP_CURRENCY_SYMBOL = env.str("SHOP_CURRENCY_SYMBOL", default="R")
# What the shop's documents (quotes, tax invoices, credit notes, statements) print about it;
# multi-line values take "\n" in the environment. A tax invoice needs the address and VAT number.
SHOP_ADDRESS = env.str(
    "SHOP_ADDRESS", multiline=True, default="Unit 4, 12 Demo Road\nPinetown\nKwaZulu-Natal 3610"
)
SHOP_VAT_NUMBER = env.str("SHOP_VAT_NUMBER", default="4000123456")
SHOP_REGISTRATION_NUMBER = env.str("SHOP_REGISTRATION_NUMBER", default="2020/123456/07")
SHOP_PHONE = env.str("SHOP_PHONE", default="031 000 0000")
SHOP_EMAIL = env.str("SHOP_EMAIL", default="accounts@laseros.example")
SHOP_BANK_DETAILS = env.str(
    "SHOP_BANK_DETAILS",
    multiline=True,
    default="Demo Bank, branch code 250655\nAccount: Laser OS Demo Shop\n"
    "Cheque account no. 62000000000",
)
SHOP_LOGO = Path(env.str("SHOP_LOGO", default=str(BASE_DIR / "static" / "img" / "shop-logo.svg")))
SHOP_QUOTE_TERMS = env.str(
    "SHOP_QUOTE_TERMS",
    multiline=True,
    default="This quotation is valid for 20 working days.\n"
    "No production until paid in full.\n"
    "Payment counts as approval of the profile (the drawing as quoted).",
)
VAT_RATE = env.get_value("VAT_RATE", cast=Decimal, default=Decimal("0.15"))
# Working hours per weekday (Monday=0): (start, end) in local time; absent days are closed.
SHOP_WORKING_HOURS = {
    0: ("07:00", "16:00"),
    1: ("07:00", "16:00"),
    2: ("07:00", "16:00"),
    3: ("07:00", "16:00"),
    4: ("07:00", "14:30"),
}
SHOP_HOLIDAY_COUNTRY = env.str("SHOP_HOLIDAY_COUNTRY", default="ZA")
QUOTE_VALID_WORKING_DAYS = env.int("QUOTE_VALID_WORKING_DAYS", default=20)
QUOTE_REMINDER_DAYS_BEFORE_EXPIRY = env.int("QUOTE_REMINDER_DAYS_BEFORE_EXPIRY", default=5)
POP_DUE_WORKING_DAYS = env.int("POP_DUE_WORKING_DAYS", default=3)
STOCK_THICKNESS_TOLERANCE_MM = env.get_value(
    "STOCK_THICKNESS_TOLERANCE_MM", cast=Decimal, default=Decimal("0.3")
)
SHEET_UTILISATION = env.get_value("SHEET_UTILISATION", cast=Decimal, default=Decimal("0.85"))
# Nesting (whole-sheets estimates): gap between parts, margin from the sheet's edge, units per nest.
NEST_PART_GAP_MM = env.get_value("NEST_PART_GAP_MM", cast=Decimal, default=Decimal("2.0"))
NEST_PART_GAP_ACRYLIC_MM = env.get_value(
    "NEST_PART_GAP_ACRYLIC_MM", cast=Decimal, default=Decimal("1.5")
)
NEST_EDGE_MARGIN_MM = env.get_value("NEST_EDGE_MARGIN_MM", cast=Decimal, default=Decimal("6"))
NEST_MAX_UNITS_PER_PART = env.int("NEST_MAX_UNITS_PER_PART", default=20)
# Offcuts at least this size (short side × long side) are kept as remnants; smaller is scrap.
OFFCUT_MIN_WIDTH_MM = env.int("OFFCUT_MIN_WIDTH_MM", default=150)
OFFCUT_MIN_LENGTH_MM = env.int("OFFCUT_MIN_LENGTH_MM", default=300)
# The machine paid jobs are queued on (a machine code); empty: the active machine with the
# lowest code.
PRODUCTION_DEFAULT_MACHINE = env.str("PRODUCTION_DEFAULT_MACHINE", default="")
# Minutes a queue item's estimate adds once for the job (loading the sheet and the program, the
# first cut check) to its cutting time (production.estimating.machine_minutes).
SHOP_SETUP_MINUTES = env.int("SHOP_SETUP_MINUTES", default=10)
# Accounting exports (finance.exports, manage.py export_accounts): the codes and tax names as
# they are in the bookkeeper's Xero or Sage. Defaults: Xero's demo chart (200 Sales, 090 bank)
# and its South African 15 % rate on sales; Sage's standard chart (4000 sales, 1200 bank).
ACCOUNTING_XERO_SALES_ACCOUNT_CODE = env.str("ACCOUNTING_XERO_SALES_ACCOUNT_CODE", default="200")
ACCOUNTING_XERO_TAX_TYPE = env.str("ACCOUNTING_XERO_TAX_TYPE", default="Standard Rate Sales")
ACCOUNTING_XERO_BANK_ACCOUNT_CODE = env.str("ACCOUNTING_XERO_BANK_ACCOUNT_CODE", default="090")
ACCOUNTING_SAGE_LEDGER_ACCOUNT = env.str("ACCOUNTING_SAGE_LEDGER_ACCOUNT", default="4000")
ACCOUNTING_SAGE_VAT_RATE = env.str("ACCOUNTING_SAGE_VAT_RATE", default="Standard")
ACCOUNTING_SAGE_BANK_ACCOUNT = env.str("ACCOUNTING_SAGE_BANK_ACCOUNT", default="1200")

# --- ingest ---------------------------------------------------------------------------------------

INGEST_MAX_UPLOAD_MB = env.int("INGEST_MAX_UPLOAD_MB", default=50)
DATA_UPLOAD_MAX_MEMORY_SIZE = INGEST_MAX_UPLOAD_MB * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
INGEST_CHAIN_TOLERANCE_MM = env.float("INGEST_CHAIN_TOLERANCE_MM", default=0.01)
INGEST_OCR_LANGUAGE = env.str("INGEST_OCR_LANGUAGE", default="eng")
INGEST_MAX_IMAGE_PIXELS = env.int("INGEST_MAX_IMAGE_PIXELS", default=89_478_485)
INGEST_EXCEL_MAX_ROWS = env.int("INGEST_EXCEL_MAX_ROWS", default=5000)
INGEST_MAX_BLOCK_DEPTH = env.int("INGEST_MAX_BLOCK_DEPTH", default=16)
# A DXF with more closed contours (counted before its blocks are exploded) is refused.
INGEST_MAX_CLOSED_CONTOURS = env.int("INGEST_MAX_CLOSED_CONTOURS", default=100_000)
# Memory one reading may take on top of what the worker (or manage.py inspect) holds; 0: no limit.
INGEST_MEMORY_LIMIT_MB = env.int("INGEST_MEMORY_LIMIT_MB", default=2048)
# DXF layers that hold drawing aids (centre lines, dimensions, notes), not cuts: fnmatch patterns.
INGEST_NON_CUT_LAYERS = tuple(
    env.list(
        "INGEST_NON_CUT_LAYERS",
        default=[
            "CENTER*",
            "CENTRE*",
            "DIM*",
            "DEFPOINTS",
            "NOTE",
            "NOTES",
            "ANNO*",
            "TITLE*",
            "CONSTRUCTION*",
        ],
    )
)
# A file stuck "processing" this long past the task timeout is retried or failed by the sweep.
INGEST_SWEEP_MARGIN_SECONDS = env.int("INGEST_SWEEP_MARGIN_SECONDS", default=120)
# /healthz names a file queued this long while no worker is alive.
INGEST_QUEUED_STUCK_SECONDS = env.int("INGEST_QUEUED_STUCK_SECONDS", default=120)
# E-mail intake (ingest.mail): an IMAP mailbox over SSL (empty host: none) and/or a folder of
# .eml files (read files move to its "read" subfolder), read every INGEST_MAIL_EVERY_MINUTES.
INGEST_MAIL_IMAP_HOST = env.str("INGEST_MAIL_IMAP_HOST", default="")
INGEST_MAIL_IMAP_PORT = env.int("INGEST_MAIL_IMAP_PORT", default=993)
INGEST_MAIL_IMAP_USER = env.str("INGEST_MAIL_IMAP_USER", default="")
INGEST_MAIL_IMAP_PASSWORD = env.str("INGEST_MAIL_IMAP_PASSWORD", default="")
INGEST_MAIL_IMAP_FOLDER = env.str("INGEST_MAIL_IMAP_FOLDER", default="INBOX")
# Where a stored message is moved; empty: it is only marked seen.
INGEST_MAIL_IMAP_DONE_FOLDER = env.str("INGEST_MAIL_IMAP_DONE_FOLDER", default="")
INGEST_MAIL_FOLDER = env.str("INGEST_MAIL_FOLDER", default="")
INGEST_MAIL_EVERY_MINUTES = env.int("INGEST_MAIL_EVERY_MINUTES", default=5)
# A whole message larger than this is left unread in the mailbox (each attachment: the upload
# limit). Reading one takes about 9 times its size in memory (bench/mail_intake.py): 75 MB holds
# a 50 MB attachment in base64.
INGEST_MAIL_MAX_MESSAGE_MB = env.int("INGEST_MAIL_MAX_MESSAGE_MB", default=75)
# An image the message's HTML shows (by Content-ID) up to this size is a logo, not an attachment.
INGEST_MAIL_INLINE_IMAGE_MAX_KB = env.int("INGEST_MAIL_INLINE_IMAGE_MAX_KB", default=100)
# A message that fails is tried again by the mail task until it has been tried this often.
INGEST_MAIL_MAX_ATTEMPTS = env.int("INGEST_MAIL_MAX_ATTEMPTS", default=5)
from .settings_api import *  # noqa: E402, F403 - the REST API: laseros/settings_api.py
from .settings_webhooks import *  # noqa: E402, F403 - webhooks out: laseros/settings_webhooks.py
