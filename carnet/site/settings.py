"""Django settings of the Carnet platform. Everything an operator sets comes from the environment
(see docs/operations.md); with nothing set, Carnet runs on the embedded defaults: SQLite (WAL) and
files under ./data, emails written to files."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from carnet.site.env import (
    data_dir,
    env_bool,
    env_int,
    env_list,
    env_rate_limits,
    env_str,
    file_storage,
    key_encryption_key,
    proxy_ssl_header,
    secret_key,
    tasks,
    tasks_backend_name,
)
from carnet.site.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = data_dir()

SECRET_KEY = secret_key()
KEY_ENCRYPTION_KEY = key_encryption_key(SECRET_KEY)
# Who signs: the dotted path of a class with key_for(organisation) (carnet.issuing.keys.Signer);
# the default keeps the keys in the database, sealed with KEY_ENCRYPTION_KEY. A KMS or HSM signer
# goes here (docs/operators-guide.md, "Signing keys in a KMS or an HSM").
SIGNER = env_str("CARNET_SIGNER", "carnet.issuing.keys.DatabaseSigner")
DEBUG = env_bool("CARNET_DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("CARNET_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "carnet.accounts",
    "carnet.organisations",
    "carnet.frameworks",
    "carnet.catalogue",
    "carnet.audit",
    "carnet.issuing",
    "carnet.recognition",
    "carnet.inbox",
    "carnet.portfolio",
    "carnet.employers",
    "carnet.verification",
    "carnet.trust",
    "carnet.stacking",
    "carnet.webhooks",
    "carnet.api",
    "carnet.privacy",
    "carnet.insights",
    "carnet.site",
    "django_tasks_db",  # the database queue of background work (CARNET_TASKS_BACKEND=database)
    "oauth2_provider",  # the Open Badges 3.0 API's OAuth 2.0 (carnet.api.oauth)
]

MIDDLEWARE = [
    "carnet.site.observability.RequestMiddleware",  # request id, one log line, metrics
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "carnet.site.urls"
WSGI_APPLICATION = "carnet.site.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Carnet's own templates first, so that they can replace a library's (allauth's page layout).
        "DIRS": [BASE_DIR / "site" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "carnet.inbox.context.inbox",
                "carnet.site.context.other_language",
            ]
        },
    }
]

_sqlite = f"sqlite:///{DATA_DIR / 'carnet.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", _sqlite), conn_max_age=env_int("CONN_MAX_AGE", 60)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections are kept (CONN_MAX_AGE) as with PostgreSQL: with WAL, the last connection to close
    # checkpoints and deletes the -wal and -shm files, and the next one makes them again, so one
    # connection per request cost more than the page itself (bench/public_pages.py).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    # A file, not memory, for the test database: the browser tests' live server answers from
    # other threads, which must not share the test thread's in-memory connection.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-carnet.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Lets carnet.site.db prepare the one query of each hot page (Django's own cursors bind on the
    # client and never prepare, whatever this says; psycopg's default is 5).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
# The server's processes hear PostgreSQL's notices of changes instead of asking at each request
# whether a kept public page still holds (carnet.site.changes); 0 to turn off.
CHANGE_FEED = env_bool("CARNET_CHANGE_FEED", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The search index's covering columns (INCLUDE) are PostgreSQL's; SQLite uses the same index without them.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_FORMS = {"signup": "carnet.privacy.forms.SignupForm"}  # with the privacy notice to accept
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"

LANGUAGE_CODE = "fr-ca"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Toronto"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
# Uploaded files (badge images, evidence): MEDIA_ROOT by default; an S3-compatible bucket when
# AWS_STORAGE_BUCKET_NAME is set (see env.file_storage and docs/operations.md).
STORAGES = {
    "default": file_storage(),
    "public": file_storage(public=True),  # badge images: lasting addresses, written into credentials
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Email: files in the data folder by default (the demo shows them); SMTP when EMAIL_HOST is set.
if env_str("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST"),
                "port": env_int("EMAIL_PORT", 587),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(DATA_DIR / "emails")},
        }
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Carnet <no-reply@carnet.localhost>")

SESSION_COOKIE_SECURE = env_bool("CARNET_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind an HTTPS proxy the application is reached over http://: the header by which the proxy says the
# browser used https (CARNET_PROXY_SSL_HEADER=X-Forwarded-Proto), so that Django knows it too.
SECURE_PROXY_SSL_HEADER = proxy_ssl_header("CARNET_PROXY_SSL_HEADER")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# How often one address may verify, on the page and through the API (carnet.verification.limits):
# the defaults there, unless CARNET_VERIFICATION_RATE_LIMITS says otherwise (docs/operations.md).
VERIFICATION_RATE_LIMITS = env_rate_limits("CARNET_VERIFICATION_RATE_LIMITS")

# Background work (Django's tasks API: emails, bulk issuance, publication): CARNET_TASKS_BACKEND
# (carnet.site.env.tasks). Run at once, in the request, unless told otherwise: the `carnet` command
# and the WSGI entry point default to the database queue that `carnet worker` runs.
TASKS = tasks()
if tasks_backend_name() == "rq":  # Redis (docs/operations.md): django-rq's queues, run by `carnet worker`
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": env_str("CARNET_REDIS_URL", "redis://127.0.0.1:6379/0")}}
# A bulk issuance whose worker gave no sign of life for this long was cut short and is taken up again
# by `carnet worker` (carnet.issuing.recovery); its worker signs every sixth of it.
ISSUANCE_JOB_STALE_AFTER = env_int("CARNET_JOB_STALE_AFTER", 120)

# Logs on the standard error: text (default) or one JSON object per line (CARNET_LOG_FORMAT=json),
# each with its request's id (carnet.site.observability).
LOGGING = logging_config(env_str("CARNET_LOG_FORMAT", "text").lower(), env_str("CARNET_LOG_LEVEL", "INFO"))
# /metrics (Prometheus text format) answers only this bearer token; without one it does not exist (404).
METRICS_TOKEN = env_str("CARNET_METRICS_TOKEN")

# Bulk issuance from a CSV file (carnet.issuing.csv_import): the largest file and the most rows one
# upload may hold (a running job silent for longer than ISSUANCE_JOB_STALE_AFTER may be taken up again
# from its page, "Reprendre"), and a preview never confirmed is deleted after BULK_PREVIEW_HOURS.
BULK_CSV_MAX_BYTES = env_int("CARNET_BULK_CSV_MAX_BYTES", 5_000_000)
BULK_CSV_MAX_ROWS = env_int("CARNET_BULK_CSV_MAX_ROWS", 10_000)
BULK_PREVIEW_HOURS = env_int("CARNET_BULK_PREVIEW_HOURS", 48)

# The catalogue's quality (carnet.catalogue): the organisation's admins are emailed this many days
# before a micro-credential's yearly review is due (`carnet manage send_review_reminders`, daily), and
# before publishing, the author sees the published definitions at least this similar (in percent).
CATALOGUE_REVIEW_REMINDER_DAYS = env_int("CARNET_REVIEW_REMINDER_DAYS", 30)
CATALOGUE_SIMILARITY_PERCENT = env_int("CARNET_SIMILARITY_PERCENT", 35)
# How many days the single-use link asking a partner (employer, sector body) to endorse a definition works.
PARTNER_LINK_DAYS = env_int("CARNET_PARTNER_LINK_DAYS", 30)

# Rows of a bulk issuance issued per transaction (carnet.issuing.batch).
ISSUANCE_CHUNK = env_int("CARNET_ISSUANCE_CHUNK", 250)

# Processes that prepare the signatures of a bulk issuance's chunks beside the worker (the schema
# check, canonicalisation and hashing of each credential; the key signs in the worker:
# carnet.issuing.keys.sign_many). On PostgreSQL with two cores or more, 1: the worker writes the
# chunk's other rows while its credentials are being signed (10,000 credentials: 1,065–1,081 →
# 1,151–1,230/s, docs/operations.md). On SQLite, 0: the rows need their ids before anything refers to
# them, so the worker would only wait (1,314/s signing in the worker, 1,080/s with a signing process).
SIGNING_PROCESSES = env_int(
    "CARNET_SIGNING_PROCESSES",
    1 if (os.cpu_count() or 1) > 1 and DATABASES["default"]["ENGINE"].endswith("postgresql") else 0,
)

# The learners' emails of a bulk issuance go out at most this many a minute (carnet.issuing.notify):
# the rest waits for the next minute on a tasks backend that can defer. 0: no limit.
EMAIL_RATE_PER_MINUTE = env_int("CARNET_EMAIL_RATE_PER_MINUTE", 600)

# Webhooks (carnet.webhooks.sending): https:// addresses leading to public hosts only. Development and
# tests may allow http:// and loopback or private addresses; never turn these on in production.
WEBHOOKS_ALLOW_HTTP = env_bool("CARNET_WEBHOOKS_ALLOW_HTTP", False)
WEBHOOKS_ALLOW_PRIVATE = env_bool("CARNET_WEBHOOKS_ALLOW_PRIVATE", False)
# The Open Badges 3.0 API's OAuth 2.0 (django-oauth-toolkit; carnet.api.oauth): authorization code
# with PKCE S256 only, the specification's four scopes, short access tokens and rotating refresh
# tokens. Redirect URIs are https, or http on a loopback address (checked at registration and again
# at each authorization by carnet.api.oauth.Validator).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"  # named, for carnet.api's migrations
OB_SCOPE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
OAUTH2_PROVIDER = {
    "SCOPES": {
        OB_SCOPE + "credential.readonly": "Read your badges",
        OB_SCOPE + "credential.upsert": "Add badges to your carnet",
        OB_SCOPE + "profile.readonly": "Read your profile",
        OB_SCOPE + "profile.update": "Change your name",
    },
    "DEFAULT_SCOPES": [OB_SCOPE + "credential.readonly"],
    "SCOPES_BACKEND_CLASS": "carnet.api.oauth.RegisteredScopes",
    "OAUTH2_SERVER_CLASS": "carnet.api.oauth.Server",
    "OAUTH2_VALIDATOR_CLASS": "carnet.api.oauth.Validator",
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 90 * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REQUEST_APPROVAL_PROMPT": "force",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],
}
# The privacy policy the Open Badges API's service description names (x-imssf-privacyPolicyUrl);
# Carnet's privacy notice (/confidentialite/) when none is set.
PRIVACY_POLICY_URL = env_str("CARNET_PRIVACY_POLICY_URL", "")

# Privacy (carnet.privacy; docs/privacy.md, docs/operations.md): who answers privacy questions, and how
# long Carnet keeps what it no longer needs. Each period is in days (hours for the archives); 0 keeps
# that kind forever. ``carnet manage apply_retention`` applies them (daily, from cron or a timer).
PRIVACY_OFFICER_EMAIL = env_str("CARNET_PRIVACY_OFFICER_EMAIL", "")
PRIVACY_RETENTION = {
    "drafts": env_int("CARNET_RETAIN_DRAFTS_DAYS", 365),  # requests never submitted, untouched since
    "closed_evidence": env_int("CARNET_RETAIN_CLOSED_EVIDENCE_DAYS", 365),  # of declined/withdrawn requests
    "unverified_accounts": env_int("CARNET_RETAIN_UNVERIFIED_ACCOUNTS_DAYS", 30),  # email never confirmed
    "share_links": env_int("CARNET_RETAIN_SHARE_LINKS_DAYS", 90),  # after a link expired or was withdrawn
    "link_openings": env_int("CARNET_RETAIN_LINK_OPENINGS_DAYS", 365),  # when a share link was opened
    "notifications": env_int("CARNET_RETAIN_NOTIFICATIONS_DAYS", 365),  # read notifications
    "webhook_deliveries": env_int("CARNET_RETAIN_WEBHOOK_DELIVERIES_DAYS", 90),  # delivered or abandoned
    # the keyed hashes of network addresses and browsers kept to warn of self-endorsements
    "collusion_signals": env_int("CARNET_RETAIN_COLLUSION_SIGNALS_DAYS", 180),
    "exports_hours": env_int("CARNET_EXPORT_HOURS", 72),  # how long a "download my data" archive is offered
}
# The assessors' warnings about endorsements (carnet.recognition.collusion, docs/roles/assessor.md): an
# endorser of the requests of this many different people within this many days; learners endorsing
# one another in a ring within this many days.
ENDORSEMENT_BUSY_REQUESTS = env_int("CARNET_ENDORSER_MANY_REQUESTS", 5)
ENDORSEMENT_BUSY_DAYS = env_int("CARNET_ENDORSER_MANY_REQUESTS_DAYS", 7)
ENDORSEMENT_RING_DAYS = env_int("CARNET_ENDORSEMENT_RING_DAYS", 180)
# The largest "download all my data" archive: evidence files beyond it are left out (and listed).
PRIVACY_EXPORT_MAX_BYTES = env_int("CARNET_EXPORT_MAX_BYTES", 500 * 1024 * 1024)
