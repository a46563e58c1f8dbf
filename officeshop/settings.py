"""Settings for OfficeShop, read from the environment.

Every setting the contract names comes from an environment variable; unset
ones fall back to the embedded defaults that let ``make demo`` run with no
database or broker server at all.
"""

import os
import sys
import warnings
import zoneinfo
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("OFFICESHOP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "")
    return float(value) if value.strip() else default


DEBUG = env_bool("DEBUG", False)
# Sessions (and so carts) are signed with this key: anyone who knows it can
# forge them. Only the demo (DEBUG on) may run on the public fallback;
# `make run` makes and keeps a real one (scripts/run.sh).
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or "pytest" in sys.modules):
        raise ImproperlyConfigured("set SECRET_KEY (or DEBUG=1 for the demo)")
    SECRET_KEY = "officeshop-insecure-demo-key"
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if host.strip()
]
PORT = env_int("PORT", 8000)

RESERVATION_TTL_SECONDS = env_int("RESERVATION_TTL_SECONDS", 900)
# Idempotency keys are kept this long, then pruned by a beat job.
IDEMPOTENCY_KEY_TTL_SECONDS = env_int("IDEMPOTENCY_KEY_TTL_SECONDS", 86400)
# How often the beat job sweeps lapsed holds.
RESERVATION_SWEEP_SECONDS = env_int("RESERVATION_SWEEP_SECONDS", 5)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "catalog",
    "inventory",
    "orders",
    "integrations",
    "alerts",
    "graphapi",
    "forecasting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "officeshop.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "officeshop.middleware.StoreTimeZoneMiddleware",
]

ROOT_URLCONF = "officeshop.urls"
CSRF_FAILURE_VIEW = "officeshop.errors.csrf_failure"
WSGI_APPLICATION = "officeshop.wsgi.application"
ASGI_APPLICATION = "officeshop.asgi.application"

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
                "orders.context_processors.cart_summary",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # A pool per process: under ASGI every request may run on another
        # thread, and persistent per-thread connections would pile up.
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": env_int("DATABASE_POOL_SIZE", 10),
            "timeout": 10,
        }
        # Django's cursors bind values client-side and are never prepared;
        # the one statement that binds server-side (a one-SKU hold,
        # inventory/quickhold.py) is prepared on its second run on each
        # pooled connection and planned once instead of on every hold.
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 1
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "officeshop.sqlite3",
            "OPTIONS": {
                # SQLite ignores FOR UPDATE; taking the write lock when a
                # transaction begins serializes every stock change instead.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL;",
            },
        }
    }
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("TEST", {})["NAME"] = None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # Shops sharing one Redis keep apart by database name.
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX")
            or DATABASES["default"]["NAME"].__str__().rsplit("/", 1)[-1],
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                # Shops sharing one Redis must not hear each other's groups.
                "prefix": os.environ.get("CHANNEL_LAYER_PREFIX")
                or "asgi:" + DATABASES["default"]["NAME"].__str__().rsplit("/", 1)[-1],
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Celery: Redis when there is one; otherwise a broker kept in files under
# var/, which lets the demo run a real worker and beat with no server.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "broker"
    (_queue_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_queue_dir / "processed"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
# Tests that start a worker give it a queue of its own.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE") or "celery"
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "expire-lapsed-reservations": {
        "task": "inventory.tasks.reservations_expire_lapsed",
        "schedule": float(RESERVATION_SWEEP_SECONDS),
    },
    "prune-idempotency-keys": {
        "task": "inventory.tasks.idempotency_keys_prune",
        "schedule": 3600.0,
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
USE_I18N = False
USE_TZ = True
# The store's own time zone: how times are shown on pages and in the
# admin (officeshop.middleware.StoreTimeZoneMiddleware). Timestamps are
# stored in UTC, the API and webhooks answer in UTC, and a restock ETA is a
# calendar date with no zone at all, so no setting here can move it a day.
STORE_TIME_ZONE = os.environ.get("STORE_TIME_ZONE") or "America/New_York"
try:
    zoneinfo.ZoneInfo(STORE_TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"STORE_TIME_ZONE={STORE_TIME_ZONE!r} is not a time zone name"
    ) from None
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True

SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_HTTPONLY = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "inventory.api.authentication.StrictTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "inventory.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Bodies larger than this are refused before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024

SPECTACULAR_SETTINGS = {
    "TITLE": "OfficeShop API",
    "DESCRIPTION": "Live stock, holds and orders for OfficeShop.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc come from drf-spectacular-sidecar's static files,
    # so the docs page loads nothing from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own console handler would print each error a second time.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.db.backends": {"level": "INFO"},
    },
}

# The demo's restock: a beat job puts units back where demand emptied a
# level (inventory.replenish), so a replayed catalog never runs dry.
AUTO_RESTOCK = env_bool("AUTO_RESTOCK", False)
if AUTO_RESTOCK:
    CELERY_BEAT_SCHEDULE["replenish-empty-stock"] = {
        "task": "inventory.tasks.stock_replenish",
        "schedule": 60.0,
    }

# Live updates (inventory.relay, inventory.consumers).
# Event rows older than this are pruned; a client asking `since` an older
# sequence gets one inventory_snapshot instead of the missed changes.
EVENT_HISTORY_SECONDS = env_int("EVENT_HISTORY_SECONDS", 86400)
# The relay publishes events still unpublished after this long; with a
# shared channel layer the committing process normally published them at
# once. In-process layers cannot be reached from other processes, so there
# the web process's relay publishes everything, at once.
RELAY_GRACE_SECONDS = float(
    os.environ.get("RELAY_GRACE_SECONDS") or (2 if REDIS_URL else 0)
)
RELAY_INTERVAL_SECONDS = float(
    os.environ.get("RELAY_INTERVAL_SECONDS") or (1 if REDIS_URL else 0.25)
)
LIVE_MAX_SKUS_PER_SOCKET = env_int("LIVE_MAX_SKUS_PER_SOCKET", 100)
LIVE_MAX_MESSAGE_BYTES = env_int("LIVE_MAX_MESSAGE_BYTES", 16384)
LIVE_MAX_BAD_MESSAGES = env_int("LIVE_MAX_BAD_MESSAGES", 5)
# Every so often a socket compares the sequences it sent with the
# database's, fills any gap (a message the channel layer dropped) and
# renews its group memberships before the channel layer's expiry.
LIVE_CHECK_SECONDS = float(os.environ.get("LIVE_CHECK_SECONDS") or 10)
# Sockets renew their groups every LIVE_CHECK_SECONDS, so a short expiry
# only clears the memberships of processes that died.
CHANNEL_GROUP_EXPIRY = env_int("CHANNEL_GROUP_EXPIRY", 120)
if REDIS_URL:
    CHANNEL_LAYERS["default"]["CONFIG"]["group_expiry"] = CHANNEL_GROUP_EXPIRY
    # A socket's queue; past it channels-redis drops messages (FINDINGS.md).
    # The consumer refills any gap from the database, but a deeper queue
    # rides out a burst on a busy SKU without that round trip.
    CHANNEL_LAYERS["default"]["CONFIG"]["capacity"] = env_int("CHANNEL_CAPACITY", 1000)
# Availability answers are cached only in a cache every process shares;
# a per-process cache could not be told of another process's commits.
AVAILABILITY_CACHE = bool(REDIS_URL)
AVAILABILITY_CACHE_SECONDS = env_int("AVAILABILITY_CACHE_SECONDS", 3600)
CELERY_BEAT_SCHEDULE["prune-stock-events"] = {
    "task": "inventory.tasks.stock_events_prune",
    "schedule": 3600.0,
}
# How often every figure and ledger chain is reconciled; problems raise an
# alert in the admin and e-mail the managers.
RECONCILE_INTERVAL_SECONDS = env_int("RECONCILE_INTERVAL_SECONDS", 3600)
CELERY_BEAT_SCHEDULE["reconcile-stock"] = {
    "task": "inventory.tasks.stock_reconcile",
    "schedule": float(RECONCILE_INTERVAL_SECONDS),
    # A run still queued when the next is due is dropped, not piled up.
    "options": {"expires": float(RECONCILE_INTERVAL_SECONDS)},
}

# WhiteNoise hands Django a file iterator that is synchronous; under ASGI
# Django reads it in a thread and warns about each static file served.
warnings.filterwarnings(
    "ignore",
    message="StreamingHttpResponse must consume synchronous iterators",
)

# How long a vendor's old secret stays valid after a rotation.
VENDOR_SECRET_GRACE_SECONDS = env_int("VENDOR_SECRET_GRACE_SECONDS", 86400)
CELERY_BEAT_SCHEDULE["retry-inbound-events"] = {
    "task": "integrations.tasks.inbound_events_retry",
    "schedule": 60.0,
}
# ERP feeds: files of stock counts the shop pulls from vendors. A failed
# pull is retried after FEED_RETRY_SECONDS, doubling each time up to the
# feed's interval; after FEED_BREAKER_FAILURES failures in a row the
# circuit opens and the feed is left alone for FEED_BREAKER_COOLDOWN_SECONDS.
FEED_MAX_BYTES = env_int("FEED_MAX_BYTES", 20 * 1024 * 1024)
FEED_MAX_LINES = env_int("FEED_MAX_LINES", 20000)
FEED_RETRY_SECONDS = env_int("FEED_RETRY_SECONDS", 30)
FEED_BREAKER_FAILURES = env_int("FEED_BREAKER_FAILURES", 5)
FEED_BREAKER_COOLDOWN_SECONDS = env_int("FEED_BREAKER_COOLDOWN_SECONDS", 600)
FEED_RUN_HISTORY_DAYS = env_int("FEED_RUN_HISTORY_DAYS", 30)
CELERY_BEAT_SCHEDULE["pull-due-feeds"] = {
    "task": "integrations.tasks.feeds_pull_due",
    "schedule": 30.0,
}
CELERY_BEAT_SCHEDULE["prune-feed-runs"] = {
    "task": "integrations.tasks.feed_runs_prune",
    "schedule": 3600.0,
}
# Tests send stock events to their own servers on 127.0.0.1; a shop never
# should, so private and local addresses are refused unless this is on.
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", False)

# Outbound stock events: how often the beat job hands new events to the
# endpoints and sends what is due, and how a failing endpoint is retried:
# delays double from the base up to the cap, each with random jitter, and an
# endpoint whose oldest unanswered delivery has failed for the whole window
# is paused until staff resume it.
WEBHOOK_DELIVERY_INTERVAL_SECONDS = env_float("WEBHOOK_DELIVERY_INTERVAL_SECONDS", 2.0)
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 10.0)
WEBHOOK_RETRY_BASE_SECONDS = env_float("WEBHOOK_RETRY_BASE_SECONDS", 10.0)
WEBHOOK_RETRY_MAX_SECONDS = env_float("WEBHOOK_RETRY_MAX_SECONDS", 3600.0)
WEBHOOK_RETRY_WINDOW_SECONDS = env_float("WEBHOOK_RETRY_WINDOW_SECONDS", 86400.0)
WEBHOOK_SEND_CONCURRENCY = env_int("WEBHOOK_SEND_CONCURRENCY", 8)
# Delivered deliveries and their log are kept this long.
WEBHOOK_LOG_DAYS = env_int("WEBHOOK_LOG_DAYS", 14)
CELERY_BEAT_SCHEDULE["send-stock-events"] = {
    "task": "integrations.tasks.stock_events_deliver",
    "schedule": WEBHOOK_DELIVERY_INTERVAL_SECONDS,
    # A run that waited longer than this is stale; the next one replaces it.
    "options": {"expires": max(WEBHOOK_DELIVERY_INTERVAL_SECONDS * 5, 10)},
}
CELERY_BEAT_SCHEDULE["prune-deliveries"] = {
    "task": "integrations.tasks.deliveries_prune",
    "schedule": 3600.0,
}

# Restock suggestions (inventory.restock): demand over the last
# RESTOCK_DEMAND_DAYS, a supplier's lead time and the days between two
# reviews of the list decide how much each level should reorder. A beat
# job recomputes the list every RESTOCK_SUGGESTIONS_INTERVAL_SECONDS.
RESTOCK_DEMAND_DAYS = env_int("RESTOCK_DEMAND_DAYS", 28)
RESTOCK_LEAD_TIME_DAYS = env_int("RESTOCK_LEAD_TIME_DAYS", 7)
RESTOCK_REVIEW_DAYS = env_int("RESTOCK_REVIEW_DAYS", 7)
RESTOCK_SUGGESTIONS_INTERVAL_SECONDS = env_int(
    "RESTOCK_SUGGESTIONS_INTERVAL_SECONDS", 3600
)
CELERY_BEAT_SCHEDULE["refresh-restock-suggestions"] = {
    "task": "inventory.tasks.restock_suggestions_refresh",
    "schedule": float(RESTOCK_SUGGESTIONS_INTERVAL_SECONDS),
}

# Demand forecasts (forecasting/): the service level the reorder points
# are set for, the days ahead a stock-out is looked for, and the nightly
# refresh (at FORECAST_REFRESH_HOUR:15 UTC), which also runs after
# each import. Where a SKU has a forecast, the restock suggestions take
# its reorder point and order-up-to level.
FORECAST_SERVICE_LEVEL = env_float("FORECAST_SERVICE_LEVEL", 0.9885)
if not 0.5 <= FORECAST_SERVICE_LEVEL < 1:
    raise ImproperlyConfigured("FORECAST_SERVICE_LEVEL must be from 0.5 to below 1")
FORECAST_HORIZON_DAYS = env_int("FORECAST_HORIZON_DAYS", 90)
FORECAST_REFRESH_HOUR = env_int("FORECAST_REFRESH_HOUR", 3)
CELERY_BEAT_SCHEDULE["refresh-forecasts"] = {
    "task": "forecasting.tasks.forecasts_refresh",
    "schedule": crontab(minute=15, hour=FORECAST_REFRESH_HOUR),
}

# E-mail: SMTP when EMAIL_HOST is set (production), else printed to the
# console (the demo and development).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = (
    os.environ.get("DEFAULT_FROM_EMAIL") or "OfficeShop <shop@localhost>"
)
# The shop's address as customers reach it, for links in e-mails.
SITE_URL = (os.environ.get("SITE_URL") or "http://127.0.0.1:8000").rstrip("/")

# Alerts (alerts/): back-in-stock e-mails to customers and a low-stock
# digest to the stock room. The digest reads stock events, so it must run
# well within the event history or changes would be pruned unseen.
LOW_STOCK_DIGEST_SECONDS = env_int("LOW_STOCK_DIGEST_SECONDS", 3600)
if not 0 < LOW_STOCK_DIGEST_SECONDS < EVENT_HISTORY_SECONDS:
    raise ImproperlyConfigured(
        "LOW_STOCK_DIGEST_SECONDS must be above 0 and below EVENT_HISTORY_SECONDS"
    )
BACK_IN_STOCK_INTERVAL_SECONDS = env_int("BACK_IN_STOCK_INTERVAL_SECONDS", 60)
# Back-in-stock alerts one address may have waiting or made in a day.
BACK_IN_STOCK_MAX_PER_ADDRESS = env_int("BACK_IN_STOCK_MAX_PER_ADDRESS", 20)
# Finished subscriptions and old digests are kept this long.
ALERTS_HISTORY_DAYS = env_int("ALERTS_HISTORY_DAYS", 90)
CELERY_BEAT_SCHEDULE["send-low-stock-digest"] = {
    "task": "alerts.tasks.low_stock_digest_send",
    "schedule": float(LOW_STOCK_DIGEST_SECONDS),
}
CELERY_BEAT_SCHEDULE["notify-back-in-stock"] = {
    "task": "alerts.tasks.back_in_stock_notify",
    "schedule": float(BACK_IN_STOCK_INTERVAL_SECONDS),
    "options": {"expires": max(BACK_IN_STOCK_INTERVAL_SECONDS, 10)},
}
CELERY_BEAT_SCHEDULE["prune-alerts"] = {
    "task": "alerts.tasks.alerts_prune",
    "schedule": 3600.0,
}
# The largest request body the shop reads; a larger announced one is
# refused with 413 before any of it is read (officeshop.bodylimit).
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 10 * 1024 * 1024)
