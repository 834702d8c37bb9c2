"""Settings shared by every environment. Everything that varies comes from the environment (12-factor).

See README "Configuration" for the variables. With none set, MeshPortal runs on SQLite, a filesystem
Celery broker (no server, still a real worker process) and the embedded AWS emulator.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from meshportal.settings.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("MESHPORTAL_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789abcdef")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "meshportal.core.admin.MeshPortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "mozilla_django_oidc",
    # Before identity: axes' login signal receivers must run first, so identity's login audit sees
    # whether this attempt locked the account or address (meshportal/identity/login_audit.py).
    "axes",
    "meshportal.identity",
    "meshportal.audit",
    "meshportal.aws",
    "catalog",
    "access_requests",
    "provisioning",
    "meshportal.notifications",
    "meshportal.demo",
]

MIDDLEWARE = [
    "meshportal.core.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: it turns a login refused by a lockout into the lockout response (settings.AXES_LOCKOUT_CALLABLE).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "meshportal.urls"
WSGI_APPLICATION = "meshportal.wsgi.application"

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
                "meshportal.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'meshportal.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file: WAL lets readers run beside a writer, and
    # IMMEDIATE transactions take the write lock up front instead of failing on lock upgrade.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
if test_db_name := env_str("MESHPORTAL_TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": test_db_name}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Identity ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "identity.User"
# AxesStandaloneBackend first: it refuses every login of a locked-out account or address before a password
# is even checked, on every path that calls authenticate() (portal login, Django admin, API token endpoint).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "identity:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling and lockout (django-axes). Failures are counted per user name and per client address
# separately; either reaching the limit locks for the cool-off. Per user name stops a slow guess at one
# account spread over many addresses; per address stops one address spraying passwords over many accounts.
# The pair (name AND address) would let a botnet guess one account forever, so it is not used. The cost: an
# attacker can lock a known account for the cool-off; the cool-off is short and the lock is audited.
AXES_FAILURE_LIMIT = env_int("MESHPORTAL_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("MESHPORTAL_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Attempts refused during a lockout do not restart the cool-off (the lock expires COOLOFF after the last
# counted failure), and a success does not wipe the failures (a spraying attacker could otherwise reset
# the address's count by logging in to an account of their own).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False
# Successful logins are in the audit log already (identity.login_audit); axes need not keep a second record.
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_CALLABLE = "meshportal.identity.throttling.lockout_response"
AXES_CLIENT_IP_CALLABLE = "meshportal.identity.throttling.client_address"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Behind a reverse proxy or load balancer, the client address comes from this header only (e.g.
# "X-Forwarded-For"), taking the address MESHPORTAL_TRUSTED_PROXY_COUNT hops from the right: the part the
# proxies appended, which a client cannot forge. Unset: the TCP peer address (REMOTE_ADDR).
MESHPORTAL_TRUSTED_PROXY_HEADER = env_str("MESHPORTAL_TRUSTED_PROXY_HEADER")
MESHPORTAL_TRUSTED_PROXY_COUNT = env_int("MESHPORTAL_TRUSTED_PROXY_COUNT", 1)
# API tokens (meshportal/identity/tokens.py): lifetime when the client names none, and the longest allowed.
MESHPORTAL_API_TOKEN_DEFAULT_DAYS = env_int("MESHPORTAL_API_TOKEN_DEFAULT_DAYS", 90)
MESHPORTAL_API_TOKEN_MAX_DAYS = env_int("MESHPORTAL_API_TOKEN_MAX_DAYS", 365)

# OpenID Connect single sign-on (mozilla-django-oidc): off unless OIDC_ENABLED=1.
OIDC_ENABLED = env_bool("OIDC_ENABLED", False)
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET")
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT")
OIDC_RP_IDP_SIGN_KEY = env_str("OIDC_RP_IDP_SIGN_KEY") or None
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "single sign-on")
# Claim that lists the IdP groups; groups named here map onto portal roles.
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
OIDC_ADMIN_GROUPS = env_list("OIDC_ADMIN_GROUPS", [])
OIDC_AUDITOR_GROUPS = env_list("OIDC_AUDITOR_GROUPS", [])
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("meshportal.identity.oidc.MeshPortalOIDCBackend")
    LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "meshportal.identity.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "meshportal.core.api.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "meshportal.core.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies only: no endpoint takes files, and the HTML pages post to their own views, never to the
    # API. With DRF's default form and multipart parsers every write body was advertised under three
    # content types with one schema, which breaks generated clients (issue 18).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # The token endpoint (meshportal/identity/throttling.py): per client address and per user name asked for.
    "DEFAULT_THROTTLE_RATES": {
        "token_address": env_str("MESHPORTAL_TOKEN_RATE_PER_ADDRESS", "30/min"),
        "token_username": env_str("MESHPORTAL_TOKEN_RATE_PER_USERNAME", "10/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MeshPortal API",
    "DESCRIPTION": "Self-service data products, access requests and grants for a data mesh on AWS.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and Swagger UI map every endpoint and parameter: for signed-in users only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "meshportal.core.api.add_error_responses",
        "meshportal.notifications.api.schema.add_webhook_documentation",
    ],
}

# --- Celery ---------------------------------------------------------------------------------
# Default: kombu's filesystem transport, a broker that needs no server but still hands work to
# a real worker process. Set CELERY_BROKER_URL=redis://... for the full stack.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any]
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith("sqs://"):
    # Amazon SQS through kombu's SQS transport. Use a bare ``sqs://``: kombu then hands boto3 no keys and
    # boto3 takes its default credential chain (task role, instance profile); boto3's standard
    # AWS_ENDPOINT_URL_SQS points it elsewhere (the emulator in tests).
    # https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/sqs.html
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "region": env_str("MESHPORTAL_SQS_REGION") or env_str("AWS_DEFAULT_REGION", "eu-west-1"),
        "queue_name_prefix": env_str("MESHPORTAL_SQS_QUEUE_PREFIX", "meshportal-"),
        # A received message stays invisible this long: it must outlast the longest task, the job lease
        # and the longest countdown (job retries, checked below; webhook retries, capped at 3600 s in
        # meshportal/notifications/services.py), or SQS hands the message to a second worker.
        "visibility_timeout": env_int("MESHPORTAL_SQS_VISIBILITY_TIMEOUT", 7200),
        "wait_time_seconds": env_int("MESHPORTAL_SQS_WAIT_TIME_SECONDS", 10),  # long polling, at most 20
        "client-config": {
            "connect_timeout": env_int("MESHPORTAL_AWS_CONNECT_TIMEOUT", 5),
            "retries": {"mode": "standard", "max_attempts": env_int("MESHPORTAL_AWS_MAX_ATTEMPTS", 5)},
        },
    }
    # "celery=https://sqs.<region>.amazonaws.com/<account>/meshportal-celery,…": queues made beforehand (by
    # CloudFormation), so the portal needs neither sqs:ListQueues nor sqs:CreateQueue.
    if _predefined := env_list("MESHPORTAL_SQS_QUEUE_URLS"):
        CELERY_BROKER_TRANSPORT_OPTIONS["predefined_queues"] = {
            name.strip(): {"url": url.strip()} for name, url in (item.split("=", 1) for item in _predefined)
        }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}

# --- AWS ------------------------------------------------------------------------------------
# "emulator": the embedded moto-based emulator (default); "aws": real AWS with the per-account
# role ARNs from the account registry. boto3's standard AWS_ENDPOINT_URL overrides the endpoint.
MESHPORTAL_AWS_MODE = env_str("MESHPORTAL_AWS_MODE", "emulator")
MESHPORTAL_EMULATOR_HOST = env_str("MESHPORTAL_EMULATOR_HOST", "127.0.0.1")
MESHPORTAL_EMULATOR_PORT = env_int("MESHPORTAL_EMULATOR_PORT", 5005)
AWS_ENDPOINT_URL = env_str(
    "AWS_ENDPOINT_URL",
    f"http://{MESHPORTAL_EMULATOR_HOST}:{MESHPORTAL_EMULATOR_PORT}" if MESHPORTAL_AWS_MODE == "emulator" else "",
)
AWS_DEFAULT_REGION = env_str("AWS_DEFAULT_REGION", "eu-west-1")
MESHPORTAL_EMULATOR_STATE = env_str("MESHPORTAL_EMULATOR_STATE", str(VAR_DIR / "emulator-state.pickle"))

# --- E-mail ---------------------------------------------------------------------------------
MAILERS: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": env_str("MESHPORTAL_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")},
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "MeshPortal <meshportal@localhost>")

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "meshportal.core.request_id.RequestIdLogFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "botocore": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
    },
}

# --- Security defaults that hold in every environment -----------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (Django's own middleware): only the portal's own scripts, styles, fonts and
# connections; images from the portal or data: URLs (product documentation keeps no external images, see
# catalog/markdown.py); no plugins, no framing, forms post to the portal only. Templates hold no inline
# script, style or event-handler attribute; htmx's indicator style is off (<meta name="htmx-config">) and
# lives in static/css/app.css.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
MESHPORTAL_AUDIT_HEAD_FILE = env_str("MESHPORTAL_AUDIT_HEAD_FILE", str(VAR_DIR / "audit-head.jsonl"))
OIDC_CALLBACK_CLASS = "meshportal.identity.oidc.MeshPortalOIDCCallbackView"
MESHPORTAL_DEFAULT_ROLE_NAME = env_str("MESHPORTAL_DEFAULT_ROLE_NAME", "MeshPortal")
MESHPORTAL_AWS_RETRY_MODE = env_str("MESHPORTAL_AWS_RETRY_MODE", "standard")
MESHPORTAL_AWS_MAX_ATTEMPTS = env_int("MESHPORTAL_AWS_MAX_ATTEMPTS", 5)
MESHPORTAL_AWS_CONNECT_TIMEOUT = env_int("MESHPORTAL_AWS_CONNECT_TIMEOUT", 5)
MESHPORTAL_AWS_READ_TIMEOUT = env_int("MESHPORTAL_AWS_READ_TIMEOUT", 30)
CSRF_FAILURE_VIEW = "meshportal.core.views.csrf_failure"
CELERY_BEAT_SCHEDULE["audit-export-chain-head"] = {
    "task": "audit.export_chain_head",
    "schedule": env_int("MESHPORTAL_AUDIT_EXPORT_SECONDS", 300),
}
CELERY_IMPORTS = ["meshportal.core.tasks"]


def _outbox_timing(prefix: str, *, lease: float, requeue: float, base: float, cap: float, attempts: int) -> dict:
    """One kind of outbox work's timing (meshportal/core/outbox): each knob an environment variable."""
    return {
        "lease_seconds": env_float(f"{prefix}_LEASE_SECONDS", lease),
        "requeue_seconds": env_float(f"{prefix}_REQUEUE_SECONDS", requeue),
        "retry_base_seconds": env_float(f"{prefix}_RETRY_BASE_SECONDS", base),
        "retry_max_seconds": env_float(f"{prefix}_RETRY_MAX_SECONDS", cap),
        "max_attempts": env_int(f"{prefix}_MAX_ATTEMPTS", attempts),
    }


# The outbox engine's kinds of work. lease: a running row older than this counts as abandoned by a dead worker;
# requeue: a queued row not picked up for this long is sent again; retry base/max: full-jitter backoff;
# max attempts: when an error that could heal is given up on (revocations are never given up on).
# harvest: the lease keeps the former 30-minute takeover of a harvest left running. webhook: a 120 s lease is well
# above the 10 s request timeout (the former takeover waited 10 minutes); backoff and attempts as before.
MESHPORTAL_OUTBOX = {
    "provisioning": _outbox_timing("MESHPORTAL_JOB", lease=300.0, requeue=120.0, base=2.0, cap=600.0, attempts=8),
    "harvest": _outbox_timing("MESHPORTAL_HARVEST", lease=1800.0, requeue=120.0, base=5.0, cap=600.0, attempts=3),
    "webhook": _outbox_timing("MESHPORTAL_WEBHOOK", lease=120.0, requeue=120.0, base=30.0, cap=3600.0, attempts=6),
    # Central catalog registrations and schema syncs (provisioning/registration.py).
    "registration": _outbox_timing(
        "MESHPORTAL_REGISTRATION", lease=300.0, requeue=120.0, base=2.0, cap=600.0, attempts=8
    ),
}
# Grant jobs of one grantor account taken into one batch (BatchGrantPermissions takes 20 entries a call).
MESHPORTAL_GRANT_BATCH_JOBS = env_int("MESHPORTAL_GRANT_BATCH_JOBS", 10)
# Settlement reads that many grants share (a consumer's accepted RAM invitation, a resource link resolving) are
# reused by a worker for this long once they showed the access in place; 0 reads them for every batch.
MESHPORTAL_SETTLEMENT_SHARED_READ_SECONDS = env_float("MESHPORTAL_SETTLEMENT_SHARED_READ_SECONDS", 30.0)
# SQS hands a message that is not deleted within the visibility timeout to another worker: it must outlast
# every outbox kind's lease (a running task) and retry cap (a delayed task's countdown).
_longest_outbox_wait = max(
    max(timing["lease_seconds"], timing["retry_max_seconds"]) for timing in MESHPORTAL_OUTBOX.values()
)
if (
    CELERY_BROKER_URL.startswith("sqs://")
    and CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= _longest_outbox_wait
):
    raise ImproperlyConfigured(
        f"MESHPORTAL_SQS_VISIBILITY_TIMEOUT must be longer than every outbox lease and retry cap "
        f"({_longest_outbox_wait:g} s, settings.MESHPORTAL_OUTBOX), or SQS redelivers running and delayed "
        "tasks to a second worker."
    )
CELERY_BEAT_SCHEDULE["provisioning-relay-jobs"] = {
    "task": "provisioning.relay_jobs",
    "schedule": env_int("MESHPORTAL_RELAY_SECONDS", 30),
}
# The role of a central governance account that Lake Formation uses to read producers' registered S3 locations.
MESHPORTAL_LF_DATA_ACCESS_ROLE_NAME = env_str("MESHPORTAL_LF_DATA_ACCESS_ROLE_NAME", "MeshPortalDataAccess")
CELERY_BEAT_SCHEDULE["provisioning-relay-registrations"] = {
    "task": "provisioning.relay_registrations",
    "schedule": env_int("MESHPORTAL_RELAY_SECONDS", 30),
}
# Producer schema changes reach the central catalog's entries (central and line-of-business models).
CELERY_BEAT_SCHEDULE["provisioning-sync-registrations"] = {
    "task": "provisioning.sync_registrations",
    "schedule": env_int("MESHPORTAL_REGISTRATION_SYNC_SECONDS", 900),
}
CELERY_BEAT_SCHEDULE["provisioning-reconcile"] = {
    "task": "provisioning.reconcile",
    "schedule": env_int("MESHPORTAL_RECONCILE_SECONDS", 3600),
}
MESHPORTAL_BASE_URL = env_str("MESHPORTAL_BASE_URL", "http://localhost:8000")  # links in e-mails
CELERY_BEAT_SCHEDULE["access-requests-expire-grants"] = {
    "task": "access_requests.expire_grants",
    "schedule": env_int("MESHPORTAL_EXPIRE_GRANTS_SECONDS", 3600),
}
CELERY_BEAT_SCHEDULE["access-requests-remind-expiring"] = {
    "task": "access_requests.remind_expiring",
    "schedule": env_int("MESHPORTAL_REMIND_EXPIRING_SECONDS", 86400),
}
# Requests older than 90 days leave the products' popularity (the catalog's "popular" sort).
CELERY_BEAT_SCHEDULE["access-requests-refresh-popularity"] = {
    "task": "access_requests.refresh_popularity",
    "schedule": env_int("MESHPORTAL_POPULARITY_SECONDS", 86400),
}
CELERY_BEAT_SCHEDULE["notifications-relay"] = {
    "task": "notifications.relay",
    "schedule": env_int("MESHPORTAL_NOTIFICATIONS_RELAY_SECONDS", 60),
}
# drf-spectacular: several models have a "status"; name their enums after the model.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "DataProductStatusEnum": "catalog.models.DataProduct.Status",
    "AccessRequestStatusEnum": "access_requests.models.AccessRequest.Status",
    "GrantStatusEnum": "access_requests.models.Grant.Status",
    # Provisioning jobs, harvests and webhook deliveries share the outbox engine's statuses.
    "OutboxStatusEnum": "meshportal.core.outbox.OutboxStatus",
    # The governance settings, a model switch's from/to and its request share the governance model choices.
    "GovernanceModelEnum": "meshportal.aws.models.GovernanceSettings.Model",
    "DriftStatusEnum": "provisioning.models.DriftFinding.Status",
    "ClassificationEnum": "catalog.models.Classification",
    "SchemaProposalStatusEnum": "catalog.models.SchemaProposal.Status",
    "WebhookDeliveryStatusEnum": "meshportal.notifications.models.WebhookDeliveryAttempt.Status",
    "TeamKindEnum": "meshportal.identity.models.Team.Kind",
    "ConsumerRoleKindEnum": "meshportal.aws.models.ConsumerRole.Kind",
    "ConsumerRoleStatusEnum": "meshportal.aws.models.ConsumerRole.Status",
}
MESHPORTAL_WEBHOOK_ALLOW_PRIVATE = env_bool("MESHPORTAL_WEBHOOK_ALLOW_PRIVATE", False)
CELERY_BEAT_SCHEDULE["catalog-relay-harvests"] = {
    "task": "catalog.relay_harvests",
    "schedule": env_int("MESHPORTAL_HARVEST_RELAY_SECONDS", 120),
}
