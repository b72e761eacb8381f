"""Settings shared by every environment; each environment module overrides what differs."""

from datetime import timedelta

from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

from config.env import BASE_DIR, database, env

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "apps.users.admin_apps.WaymarkAdminConfig",  # Django admin, with an optional second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "simple_history",
    "apps.core",
    "apps.users",
    "apps.personas",
    "apps.journeys",
    "apps.accounts",
    "apps.pipeline",
    "apps.content",
    "apps.campaigns",
    "apps.engagement",
    "apps.fit",
    "apps.nurture",
    "apps.notifications",
    "apps.search",
    "apps.enablement",
    "apps.starter",
    "apps.imports",
    "apps.privacy",
    "apps.analytics",
    "apps.demo",
    "apps.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # The audit trail: who (the request's user) and which path (web, API or admin).
    "apps.core.audit.AuditPathMiddleware",
    "apps.users.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "apps.users.context_processors.role",
                "apps.web.navigation.main_menu",
                "apps.notifications.context_processors.unread_notifications",
            ],
        },
    },
]

DATABASES = {"default": database(f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
# django-axes first: it refuses a locked-out username + address before a password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "apps.users.backends.RoleBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login protection on every login path (pages, admin, API token): after LOGIN_FAILURE_LIMIT
# failures a username is locked out from that client address for LOGIN_LOCKOUT_MINUTES.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "apps.users.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "apps.users.lockout.client_ip"
# Axes announces itself on every start of manage.py otherwise.
AXES_VERBOSE = False
# Django admin asks staff for a code from their authenticator app (TOTP) after the password;
# they set the app up at /account/two-factor/. On by default in production.
ADMIN_REQUIRE_2FA = env.bool("ADMIN_REQUIRE_2FA", default=False)
OTP_TOTP_ISSUER = "Waymark"
# Cache for API throttles: set CACHE_URL to a shared Redis when several web processes run.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# The audit trail is read, never replayed: no "revert" from admin's history pages.
SIMPLE_HISTORY_REVERT_DISABLED = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# Front-end libraries come from npm packages installed by `make install`; nothing is vendored.
STATICFILES_DIRS = [
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
    # The accessibility checker the browser tests inject into each page they check.
    ("vendor/axe-core", BASE_DIR / "node_modules" / "axe-core"),
    BASE_DIR / "static",
]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Asset files (apps/content/files.py): the largest upload stored. Request bodies other than file
# uploads stay small in memory; an upload past this size is spooled to a temporary file.
CONTENT_MAX_UPLOAD_MB = env.int("CONTENT_MAX_UPLOAD_MB", default=25)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Waymark <waymark@localhost>")
# Enablement: a committee member counts as engaged after activity within this many days.
ENABLEMENT_ENGAGED_DAYS = env.int("ENABLEMENT_ENGAGED_DAYS", default=30)
# Campaign planning: the most touches a contact should get in a week, all campaigns together.
CAMPAIGN_WEEKLY_TOUCH_LIMIT = env.int("CAMPAIGN_WEEKLY_TOUCH_LIMIT", default=3)
# Attribution: touches this many days before a conversion count; time decay halves weight per
# half-life (days).
ATTRIBUTION_LOOKBACK_DAYS = env.int("ATTRIBUTION_LOOKBACK_DAYS", default=90)
ATTRIBUTION_HALF_LIFE_DAYS = env.float("ATTRIBUTION_HALF_LIFE_DAYS", default=7.0)
# Marketing–sales alignment: sales decides an MQL/MQA within this many hours; marketing
# delivers an enablement request within this many days; a stalled deal that moves stage within
# this many days has recovered.
HANDOFF_SLA_HOURS = env.float("HANDOFF_SLA_HOURS", default=24.0)
ENABLEMENT_SLA_DAYS = env.float("ENABLEMENT_SLA_DAYS", default=10.0)
STALL_RECOVERY_DAYS = env.int("STALL_RECOVERY_DAYS", default=30)
# Where Waymark is reached, for the links in its emails.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Nurture sequences (apps/nurture): steps run on these weekdays (Monday = 0) between these
# hours of the contact's own time zone, the rest are quiet hours; at most so many touches per
# contact in any seven days across all sequences (0: no cap).
NURTURE_SEND_DAYS = env.list("NURTURE_SEND_DAYS", cast=int, default=[0, 1, 2, 3, 4])
NURTURE_SEND_HOURS = (
    env.int("NURTURE_SEND_FROM_HOUR", default=9),
    env.int("NURTURE_SEND_UNTIL_HOUR", default=17),
)
NURTURE_TOUCHES_PER_WEEK = env.int("NURTURE_TOUCHES_PER_WEEK", default=2)
# A dispatcher holds the due steps it claimed this long; a dead worker's are claimed again after.
NURTURE_CLAIM_SECONDS = env.int("NURTURE_CLAIM_SECONDS", default=300)
# Due steps a dispatcher run claims and loads at a time: the batch's reads (the rows, their
# steps, owners, exit signals, recent touches) cost a few queries whatever its size.
NURTURE_DISPATCH_BATCH = env.int("NURTURE_DISPATCH_BATCH", default=500)
# Steps recorded, sent and committed together: one disk wait and two round trips a chunk. A
# worker killed mid-chunk sends that chunk's emails again (same Message-ID): at most this many.
NURTURE_DISPATCH_CHUNK = env.int("NURTURE_DISPATCH_CHUNK", default=25)
# Sequence emails may leave through their own sender (e.g. a bulk-mail provider); unset: EMAIL_URL.
NURTURE_EMAIL_CONFIG = (
    env.email_url("NURTURE_EMAIL_URL") if env("NURTURE_EMAIL_URL", default="") else {}
)
# What the mail provider reports back (apps/nurture/mail_events.py): the secret that signs the
# generic JSON webhook and Mailgun's HTTP webhook signing key; unset, that endpoint refuses all.
# A signature more than MAIL_EVENTS_TOLERANCE_SECONDS from our clock is refused (a replay); after
# MAIL_SOFT_BOUNCE_LIMIT soft bounces in a row an address is suppressed as if it hard-bounced.
MAIL_EVENTS_SECRET = env("MAIL_EVENTS_SECRET", default="")
MAILGUN_WEBHOOK_SIGNING_KEY = env("MAILGUN_WEBHOOK_SIGNING_KEY", default="")
MAIL_EVENTS_TOLERANCE_SECONDS = env.int("MAIL_EVENTS_TOLERANCE_SECONDS", default=300)
MAIL_SOFT_BOUNCE_LIMIT = env.int("MAIL_SOFT_BOUNCE_LIMIT", default=3)

# Email tracking (apps/nurture/tracking.py): a pixel or tracked link counts for this many days
# after sending; hits wait in Redis until judged (unset: the broker's, when it is Redis), under
# keys starting with NURTURE_TRACKING_KEY_PREFIX. The pixel and tracked links point at
# NURTURE_TRACKING_URL, a tracking server's own host (unset: SITE_URL).
NURTURE_TRACKING_URL = env("NURTURE_TRACKING_URL", default="")
NURTURE_TRACKING_MAX_AGE_DAYS = env.int("NURTURE_TRACKING_MAX_AGE_DAYS", default=365)
NURTURE_TRACKING_REDIS_URL = env("NURTURE_TRACKING_REDIS_URL", default="")
NURTURE_TRACKING_KEY_PREFIX = env("NURTURE_TRACKING_KEY_PREFIX", default="waymark:tracking:")

# Imports (apps/imports): the largest file taken, and from how many rows a commit runs on a
# Celery worker rather than in the request.
IMPORT_MAX_UPLOAD_MB = env.int("IMPORT_MAX_UPLOAD_MB", default=50)
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=2_000)
# Backtests of the scores (apps/engagement/backtest.py) over more contacts than this run on a
# Celery worker while their page polls.
BACKTEST_BACKGROUND_CONTACTS = env.int("BACKTEST_BACKGROUND_CONTACTS", default=20_000)
# How long a redelivered run (an import's commit, a backtest, a calibration) waits for the lock
# of a worker that died mid-statement before it leaves the run to that worker (run_locks.py).
RUN_LOCK_WAIT_SECONDS = env.float("RUN_LOCK_WAIT_SECONDS", default=30)
# A run waiting this long since it was sent to a worker, with no worker on it, lost its task (a
# Redis restart loses every queued task): the stranded-runs sweep sends it again.
RUN_STRANDED_MINUTES = env.int("RUN_STRANDED_MINUTES", default=30)
# Events (PostgreSQL: one partition a month, apps/engagement/partitions.py) older than this many
# whole months leave the table in the daily upkeep: "archive" detaches each such month and keeps
# it as its own table (engagement_event_YYYY_MM_archived, to dump and drop), "drop" deletes it.
# Unset: every event is kept.
EVENT_RETENTION_MONTHS = env.int("EVENT_RETENTION_MONTHS", default=None)
EVENT_RETENTION_ACTION = env("EVENT_RETENTION_ACTION", default="archive")
if EVENT_RETENTION_ACTION not in ("archive", "drop"):
    raise ImproperlyConfigured("EVENT_RETENTION_ACTION is either archive or drop.")
if EVENT_RETENTION_MONTHS is not None and EVENT_RETENTION_MONTHS < 1:
    raise ImproperlyConfigured("EVENT_RETENTION_MONTHS is a whole number of months, 1 or more.")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call gets 401 with a `WWW-Authenticate: Token` challenge.
        "apps.users.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.core.api.permissions.RoleModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "apps.core.api.filters.SearchFilter",
        "apps.core.api.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.StandardPagination",
    "DEFAULT_SCHEMA_CLASS": "apps.core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Per signed-in user and per anonymous client address; bulk intake (events bulk, webhooks)
    # has its own higher rate. Past it: 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.core.api.throttling.AnonThrottle",
        "apps.core.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="30/min"),
        "user": env("API_THROTTLE_USER", default="120/min"),
        "bulk": env("API_THROTTLE_BULK", default="600/min"),
    },
    # Proxies in front of Waymark that append to X-Forwarded-For: the client address (for
    # throttles and login lockouts) is the one they saw.
    "NUM_PROXIES": env.int("DJANGO_PROXY_COUNT", default=None),
}
# API tokens (django-rest-knox: the database keeps a SHA-512 digest, never the token) stop
# working this many days after they were issued. Revoked at POST /api/v1/auth/token/revoke/ or
# in the user admin.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
SPECTACULAR_SETTINGS = {
    "TITLE": "Waymark API",
    "DESCRIPTION": "B2B campaign planning around the buyer's journey.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # Swagger UI and ReDoc from the drf-spectacular-sidecar package through staticfiles: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "JourneyStatusEnum": "apps.journeys.models.Journey.Status",
        "BuyingRoleEnum": "apps.personas.models.BuyingRole",
        "AssetTypeEnum": "apps.content.models.AssetType",
        "EventKindEnum": "apps.engagement.models.EventKind",
        "HandoffKindEnum": "apps.engagement.models.Handoff.Kind",
        "CampaignStatusEnum": "apps.campaigns.models.Campaign.Status",
        "TierEnum": "apps.accounts.models.Account.Tier",
        "StepKindEnum": "apps.nurture.models.Step.Kind",
        "EnrollmentStatusEnum": "apps.nurture.models.Enrollment.Status",
        "BacktestOutcomeEnum": "apps.engagement.models.Backtest.Outcome",
        "RuleSetStatusEnum": "apps.engagement.models.RuleSet.Status",
        # Backtests and calibrations: queued, running, done, failed.
        "BacktestStatusEnum": "apps.engagement.models.Backtest.Status",
        "PipelineOutcomeEnum": "apps.pipeline.models.PipelineStage.Outcome",
    },
}

# Content-Security-Policy on every response (django-csp): scripts, styles, fonts and fetches from
# Waymark itself only, no inline script or style, no plugins, no framing. Bootstrap's CSS draws
# its icons from data: images. A download sets its own stricter policy (apps/content/files.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only when it finished, and redelivered if its worker died: tasks are
# written to be idempotent, so running one twice is safe, losing one is not.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Four queues, so a cluster can give each kind of work its own workers (README, "Scaling
# out"): a worker started without `-Q` takes all four, as `make run` and the tests do.
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in ("ingestion", "scoring", "dispatch", "housekeeping")
]
CELERY_TASK_DEFAULT_QUEUE = "housekeeping"
CELERY_TASK_ROUTES = {
    "imports.*": {"queue": "ingestion"},
    "engagement.event_partitions_upkeep": {"queue": "housekeeping"},
    "engagement.*": {"queue": "scoring"},
    "fit.*": {"queue": "scoring"},
    "nurture.dispatch_due_steps": {"queue": "dispatch"},
    "nurture.drain_tracking_hits": {"queue": "ingestion"},
    "nurture.record_tracking_hits": {"queue": "ingestion"},
    # Anything else (sweeps, reminders, alerts, snapshots) is housekeeping, the default queue.
}
# On Redis an unacknowledged task (its worker lost with the machine) goes back to its queue after
# this long; it must outlast the longest task (a nightly rescore, a calibration), or a task still
# running would be handed to a second worker. Tasks are idempotent, so a redelivery is safe.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 60 * 60)
}
# Periodic sweeps, synced into django-celery-beat's tables when beat starts.
CELERY_BEAT_SCHEDULE: dict = {
    # Daily; safe to run more often or twice at once: one email per journey and due date.
    "journeys-send-review-reminders": {
        "task": "journeys.send_review_reminders",
        "schedule": crontab(hour=7, minute=0),
        "options": {"expires": 12 * 60 * 60},
    },
    # Mark stalled deals, alert their owners, enrol their committees; safe twice at once.
    "nurture-stall-sweep": {
        "task": "nurture.stall_sweep",
        "schedule": crontab(minute=5),
        "options": {"expires": 30 * 60},
    },
    # Due steps wait as database rows, never as broker ETAs; a run claims them in batches.
    "nurture-dispatch": {
        "task": "nurture.dispatch_due_steps",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Opens and clicks waiting to be judged: each hit starts a drain when none is waiting; this
    # one catches what a lost drain left (its taken batch comes back after a while).
    "nurture-drain-tracking-hits": {
        "task": "nurture.drain_tracking_hits",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Imports, backtests and calibrations whose task the broker lost, sent to a worker again.
    "imports-resend-stranded-runs": {
        "task": "imports.resend_stranded_runs",
        "schedule": 10 * 60.0,
        "options": {"expires": 9 * 60},
    },
    "engagement-resend-stranded-runs": {
        "task": "engagement.resend_stranded_runs",
        "schedule": 10 * 60.0,
        "options": {"expires": 9 * 60},
    },
    # The active fit model's fits for records changed outside the services, before the rescore.
    "fit-apply-fit-model": {
        "task": "fit.apply_fit_model",
        "schedule": crontab(hour=2, minute=0),
        "options": {"expires": 6 * 60 * 60},
    },
    # Evidence decays even when no signal arrives: rescore everyone nightly (one set-based run).
    "engagement-recompute-all-scores": {
        "task": "engagement.recompute_all_scores",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 6 * 60 * 60},
    },
    # The events' monthly partitions: the coming months made ahead, old ones retired.
    "engagement-event-partitions-upkeep": {
        "task": "engagement.event_partitions_upkeep",
        "schedule": crontab(hour=1, minute=15),
        "options": {"expires": 12 * 60 * 60},
    },
    # The dashboards' daily snapshots: today so far, hourly; yesterday made final from the
    # stage history just after midnight. A second run of a day replaces its rows.
    "analytics-snapshot-today": {
        "task": "analytics.snapshot_day",
        "schedule": crontab(minute=20),
        "kwargs": {"days_ago": 0},
        "options": {"expires": 50 * 60},
    },
    "analytics-snapshot-yesterday": {
        "task": "analytics.snapshot_day",
        "schedule": crontab(hour=0, minute=10),
        "kwargs": {"days_ago": 1},
        "options": {"expires": 12 * 60 * 60},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
