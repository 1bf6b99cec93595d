"""Settings, read from the environment.

Two modes share this file. Embedded (the default): SQLite, an in-process channel layer,
Celery tasks run inline; nothing else needs to run. Production: PostgreSQL and Redis
from ``DATABASE_URL`` and ``REDIS_URL``; chosen when either is set, or by
``SERVER_MODE=production``. Production refuses to start with unsafe settings.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from server.checks import DEFAULT_SECRET_KEY, production_problems
from server.envutil import behind_proxy, embedded_secret_key, env_bool, env_int, env_list
from server.schedule import beat_schedule

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "var"))

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
# Naming either service means a deployment: production, with its safety checks.
SERVER_MODE = os.environ.get("SERVER_MODE") or (
    "production" if DATABASE_URL or REDIS_URL else "embedded"
)
if SERVER_MODE not in ("embedded", "production"):
    raise ImproperlyConfigured("SERVER_MODE must be 'embedded' or 'production'")
EMBEDDED = SERVER_MODE == "embedded"

SECRET_KEY = os.environ.get("SECRET_KEY") or (
    embedded_secret_key(DATA_DIR) if EMBEDDED else DEFAULT_SECRET_KEY
)
DEBUG = env_bool("DEBUG", default=EMBEDDED)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

if not EMBEDDED:
    _problems = production_problems(
        debug=DEBUG,
        secret_key=SECRET_KEY,
        allowed_hosts=ALLOWED_HOSTS,
        database_url=DATABASE_URL,
        redis_url=REDIS_URL,
    )
    if _problems:
        raise ImproperlyConfigured("Refusing to start in production mode: " + "; ".join(_problems))

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "ninja",  # the API docs use its own copies of Swagger UI, not a CDN (see the CSP)
    "accounts",
    "realtime",
    "profiles",
    "advice",
    "community",
    "events",
    "notifications",
    "analytics",
    "web",
    "server",  # the top floor: its seed_demo command fills every app with demo data
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "server.middleware.RefuseOversizedBodiesMiddleware",
    "server.middleware.RejectNulCharactersMiddleware",
    "server.middleware.BoundPathNumbersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionRevocationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

# Every page loads only its own scripts and styles (the API docs too: ninja serves its
# assets from here), so the policy can be strict: no inline script, nothing from elsewhere.
# 'self' in connect-src covers the page's own WebSocket origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Origins besides this site's own (scheme, host and port) whose pages may open a socket.
WS_ALLOWED_ORIGINS = env_list("WS_ALLOWED_ORIGINS", CSRF_TRUSTED_ORIGINS)

ROOT_URLCONF = "server.urls"
ASGI_APPLICATION = "server.asgi.application"

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
                "web.navigation.shell",
            ],
        },
    },
]

if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # A bounded pool per process: daphne runs each request and the gateway its queries
        # in many short-lived threads, and per-thread connections would exhaust the server.
        DATABASES["default"]["OPTIONS"] = {
            "pool": {
                "min_size": env_int("DB_POOL_MIN", 2),
                "max_size": env_int("DB_POOL_MAX", 30),
                "timeout": 10,
            }
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "db.sqlite3"),
            # Several daphne threads write at once; wait for the lock instead of failing.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "edt:layer"},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "edt",
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
SESSION_ENGINE = "accounts.sessions"
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login"
LOGIN_REDIRECT_URL = "/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Every request comes through our own proxy, which writes X-Forwarded-For (the shipped
# nginx overwrites it with the address it saw). Only then is the header believed: by
# daphne (scripts/serve passes --proxy-headers) and by the sign-in and sign-up limits
# (accounts.signin.client_address). BEHIND_TLS_PROXY implies it.
BEHIND_PROXY = behind_proxy()
# With BEHIND_PROXY: the proxies in front that write X-Forwarded-For; the client is the
# address the outermost of them saw (an entry further left is the client's own word).
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 1)

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Embedded mode serves static files straight from the apps, without collectstatic.
WHITENOISE_USE_FINDERS = EMBEDDED
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Local access tokens for apps (HS256, signed with a key derived from SECRET_KEY).
ACCESS_TOKEN_SECONDS = env_int("ACCESS_TOKEN_SECONDS", 15 * 60)
REFRESH_TOKEN_SECONDS = env_int("REFRESH_TOKEN_SECONDS", 30 * 24 * 3600)
LOCAL_TOKEN_ISSUER = os.environ.get("LOCAL_TOKEN_ISSUER", "edietitian-community")

# Sign-in limits (accounts.signin): failed sign-ins counted per client address and per
# account in windows of SIGN_IN_WINDOW_SECONDS. A client that signed in to an account
# before (its cookie, or the address of the account's last sign-in) passes the account's
# limit, so an attacker cannot lock the owner out; it is still held to its own limit.
SIGN_IN_WINDOW_SECONDS = env_int("SIGN_IN_WINDOW_SECONDS", 15 * 60)
SIGN_IN_CLIENT_FAILURES = env_int("SIGN_IN_CLIENT_FAILURES", 30)
SIGN_IN_ACCOUNT_FAILURES = env_int("SIGN_IN_ACCOUNT_FAILURES", 10)
SIGN_IN_KNOWN_CLIENT_DAYS = env_int("SIGN_IN_KNOWN_CLIENT_DAYS", 90)

# Account mail: the site's address in links, how long a verification link works, and how
# many account mails (verification, "you already have an account") one address gets.
SITE_URL = (
    os.environ.get("SITE_URL")
    or (
        f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
        if EMBEDDED
        else f"https://{ALLOWED_HOSTS[0].lstrip('.')}"
    )
).rstrip("/")
EMAIL_VERIFICATION_DAYS = env_int("EMAIL_VERIFICATION_DAYS", 3)
ACCOUNT_MAILS_PER_HOUR = env_int("ACCOUNT_MAILS_PER_HOUR", 3)
# Sign-ups and requests for a new verification link one client (its address) may make in
# an hour, whatever the addresses: fresh accounts and account mail are not free to make.
SIGN_UPS_PER_HOUR = env_int("SIGN_UPS_PER_HOUR", 10)

# How often a member may change their own region (staff may set anyone's at any time).
REGION_CHANGE_DAYS = env_int("REGION_CHANGE_DAYS", 30)
# The regions a member may choose (code, label): regional forums, events and classes are
# for the people of their region. A member's region is one of these or blank.
REGIONS: tuple[tuple[str, str], ...] = (
    ("ca-ab", "Alberta"),
    ("ca-bc", "British Columbia"),
    ("ca-mb", "Manitoba"),
    ("ca-nb", "New Brunswick"),
    ("ca-nl", "Newfoundland and Labrador"),
    ("ca-ns", "Nova Scotia"),
    ("ca-nt", "Northwest Territories"),
    ("ca-nu", "Nunavut"),
    ("ca-on", "Ontario"),
    ("ca-pe", "Prince Edward Island"),
    ("ca-qc", "Quebec"),
    ("ca-sk", "Saskatchewan"),
    ("ca-yt", "Yukon"),
)

# AWS Cognito: bearer JWTs from an existing user pool. Off unless a pool is named.
COGNITO_REGION = os.environ.get("COGNITO_REGION", "")
COGNITO_USER_POOL_ID = os.environ.get("COGNITO_USER_POOL_ID", "")
COGNITO_APP_CLIENT_IDS = env_list("COGNITO_APP_CLIENT_IDS", [])
COGNITO_JWKS_URL = os.environ.get("COGNITO_JWKS_URL", "")
COGNITO_TOKEN_USE = env_list("COGNITO_TOKEN_USE", ["access"])
COGNITO_GROUP_ROLES = os.environ.get(
    "COGNITO_GROUP_ROLES",
    "admins:admin,moderators:moderator,analysts:analyst,dietitians:dietitian,"
    "medical-providers:medical_provider,customers:customer",
)
COGNITO_JWKS_REFETCH_SECONDS = env_int("COGNITO_JWKS_REFETCH_SECONDS", 60)

# WebSocket gateway and the real-time core.
WS_AUTH_TIMEOUT_SECONDS = float(os.environ.get("WS_AUTH_TIMEOUT_SECONDS", "5"))
WS_ACCESS_SWEEP_SECONDS = float(os.environ.get("WS_ACCESS_SWEEP_SECONDS", "30"))
# Unsent bytes a socket may have queued before it is closed (4500) to resume later.
WS_SEND_QUEUE_BYTES = env_int("WS_SEND_QUEUE_BYTES", 1024 * 1024)
# How long a replay waits for a slow reader to take what was sent before giving up.
WS_DRAIN_TIMEOUT_SECONDS = float(os.environ.get("WS_DRAIN_TIMEOUT_SECONDS", "20"))
WS_MAX_SUBSCRIPTIONS = env_int("WS_MAX_SUBSCRIPTIONS", 200)
# Threads that run the gateway's queries and Redis calls (DB_POOL_MAX should be larger).
REALTIME_WORKER_THREADS = env_int("REALTIME_WORKER_THREADS", 16)
# PostgreSQL connections the event loop keeps for the hottest actions (sending a message)
# on top of DB_POOL_MAX; 0 sends those through the worker threads too.
REALTIME_ASYNC_DB_POOL = env_int("REALTIME_ASYNC_DB_POOL", 8)
REALTIME_RETENTION_DAYS = env_int("REALTIME_RETENTION_DAYS", 30)
REALTIME_TAIL_CHECK_SECONDS = float(os.environ.get("REALTIME_TAIL_CHECK_SECONDS", "5"))
REALTIME_SUBSCRIBE_TIMEOUT_SECONDS = 5.0
PRESENCE_TTL_SECONDS = env_int("PRESENCE_TTL_SECONDS", 60)
# How often at most a process tells a room how many are in it.
PRESENCE_COUNT_SECONDS = float(os.environ.get("PRESENCE_COUNT_SECONDS", "1"))
# The token bucket of each user's actions (typing signals have their own, smaller one).
RATE_ACTIONS_PER_SECOND = float(os.environ.get("RATE_ACTIONS_PER_SECOND", "10"))
RATE_ACTIONS_BURST = float(os.environ.get("RATE_ACTIONS_BURST", "30"))


# Direct messages.
DM_MAX_GROUP_SIZE = env_int("DM_MAX_GROUP_SIZE", 20)
DM_EDIT_WINDOW_SECONDS = env_int("DM_EDIT_WINDOW_SECONDS", 15 * 60)
DM_EMAIL_QUIET_MINUTES = env_int("DM_EMAIL_QUIET_MINUTES", 30)
# Per member: contact searches a minute and attempts to start a conversation an hour
# (each answer tells something about who is here; neither is needed often).
CONTACT_SEARCHES_PER_MINUTE = env_int("CONTACT_SEARCHES_PER_MINUTE", 30)
# The forum's @mention autocomplete asks as one types (a letter or more).
HANDLE_SEARCHES_PER_MINUTE = env_int("HANDLE_SEARCHES_PER_MINUTE", 60)
# A dietitian offering customers their care, or an admin adding to care teams (each
# offer or addition tells the customer).
CARE_TEAM_ADDS_PER_HOUR = env_int("CARE_TEAM_ADDS_PER_HOUR", 30)
CONVERSATIONS_PER_HOUR = env_int("CONVERSATIONS_PER_HOUR", 30)
# Care requests a member makes a day: a customer asking dietitians to take them on, and
# a dietitian handing customers over (each tells the dietitian asked).
CARE_REQUESTS_PER_DAY = env_int("CARE_REQUESTS_PER_DAY", 20)
# Care plans: the most customers one send to a group reaches (a class of hundreds), and
# sends to a group a dietitian makes an hour (each tells every customer reached).
CARE_PLAN_GROUP_MAX = env_int("CARE_PLAN_GROUP_MAX", 1000)
CARE_PLAN_SENDS_PER_HOUR = env_int("CARE_PLAN_SENDS_PER_HOUR", 20)
# Advice writes one dietitian or medical provider may make in an hour (plans, templates,
# goals, alert rules, alert answers, notes): far more than a day's work, and a bound on a
# script's. A customer is mailed about one plan at most once in this many minutes (a
# publish loop updates the notice in the app, and sends no more mail).
CARE_WRITES_PER_HOUR = env_int("CARE_WRITES_PER_HOUR", 300)
PLAN_MAIL_QUIET_MINUTES = env_int("PLAN_MAIL_QUIET_MINUTES", 30)
# Result imports (a FHIR bundle or a CSV lab file, a preview or a commit) a member may
# make in an hour: each reads and checks up to 5,000 rows, far more than one request.
RESULT_IMPORTS_PER_HOUR = env_int("RESULT_IMPORTS_PER_HOUR", 30)
# Analytics (ADR 0016): no number shown comes from fewer than this many people (the CMS
# threshold by default). Never below 5: a lower setting refuses to start.
ANALYTICS_MIN_CELL = env_int("ANALYTICS_MIN_CELL", 11)
if ANALYTICS_MIN_CELL < 5:
    raise ImproperlyConfigured("ANALYTICS_MIN_CELL must be 5 or more")
# Check-ins: a customer logs quickly (a habit tapped several times in a row), so the limit
# is generous; a check-in may be a few minutes ahead of the server's clock (a phone's
# clock), and no older than this many days (a late log of last week, not of last year).
CHECK_INS_PER_MINUTE = env_int("CHECK_INS_PER_MINUTE", 120)
CHECK_IN_AHEAD_MINUTES = env_int("CHECK_IN_AHEAD_MINUTES", 5)
CHECK_IN_MAX_AGE_DAYS = env_int("CHECK_IN_MAX_AGE_DAYS", 31)
# Ticks of a care plan's tasks (done or not) one customer may make in a minute: each
# change a care team hears live and reads again, so a script toggling is held back.
PLAN_TICKS_PER_MINUTE = env_int("PLAN_TICKS_PER_MINUTE", 60)
# A habit goal with a due date is achieved when at least this share of its check-ins
# (per period, up to ``times`` each) were done.
HABIT_ACHIEVED_ADHERENCE = float(os.environ.get("HABIT_ACHIEVED_ADHERENCE", "0.8"))

# Surveys: results of fewer responses than this are not shown, to anyone.
SURVEY_MIN_GROUP = env_int("SURVEY_MIN_GROUP", 5)
# Only respondents who could not have been made for a survey count toward that group (and
# appear in its results and CSV): a verified address, and an account made at least this
# many days before the survey was.
SURVEY_MIN_ACCOUNT_AGE_DAYS = env_int("SURVEY_MIN_ACCOUNT_AGE_DAYS", 7)
# Free-text answers go into the author's CSV only from this many counted responses.
SURVEY_MIN_GROUP_FREE_TEXT = env_int("SURVEY_MIN_GROUP_FREE_TEXT", 10)

# The forum.
# Flags from different members that hide a post until a moderator reviews it.
FORUM_FLAGS_TO_HIDE = env_int("FORUM_FLAGS_TO_HIDE", 3)
FORUM_PAGE_SIZE = env_int("FORUM_PAGE_SIZE", 30)
# Trust levels, as Discourse has them: a member moves up a level once their account is
# old enough and they have enough posts shown (and, for level 2, none hidden by
# moderation lately). Staff and care professionals have no limits.
FORUM_TRUST_LEVELS: list[dict[str, int]] = [
    {
        "min_days": 0, "min_posts": 0,
        "posts_per_hour": 5, "links_per_post": 1, "mentions_per_post": 2,
    },
    {
        "min_days": 2, "min_posts": 3,
        "posts_per_hour": 20, "links_per_post": 5, "mentions_per_post": 5,
    },
    {
        "min_days": 14, "min_posts": 20, "no_hidden_posts_days": 30,
        "posts_per_hour": 60, "links_per_post": 20, "mentions_per_post": 10,
    },
]  # fmt: skip

# Downloads of all a member's data ("download all my data"): how long a zip is kept, and
# how many a member may ask for in a day (one at a time).
DATA_EXPORT_DAYS = env_int("DATA_EXPORT_DAYS", 7)
DATA_EXPORTS_PER_DAY = env_int("DATA_EXPORTS_PER_DAY", 3)

# Alert rules: how long a process keeps the default rules before reading them again (a
# change an admin makes elsewhere reaches every process within this many seconds).
ALERT_DEFAULTS_SECONDS = env_int("ALERT_DEFAULTS_SECONDS", 30)

# Celery: tasks run inline in embedded mode; Redis is the broker in production.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=EMBEDDED)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE = beat_schedule()

# Email: printed to the console in embedded mode unless a server is configured.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "eDietitian <no-reply@localhost>")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
