"""The one settings module. Every knob comes from a LINLI_* environment variable.

The embedded defaults need no configuration at all: SQLite under var/, keys generated into var/
in demo or debug mode. Production (LINLI_DEBUG off, no LINLI_DEMO) must be given its secrets.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from linli.core.config import env_bool, env_float, env_int, env_list, env_str, secret

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("LINLI_VAR_DIR", str(BASE_DIR / "var"))).resolve()

DEBUG = env_bool("LINLI_DEBUG", False)
# Demo mode: the demo city and accounts, keys generated into var/, TOTP may be skipped.
DEMO = env_bool("LINLI_DEMO", False)
_may_generate_keys = DEBUG or DEMO

SECRET_KEY = secret("LINLI_SECRET_KEY", VAR_DIR, may_generate=_may_generate_keys)
# Key for personal data at rest. Several keys may be given as "id:key,id:key"; the first
# encrypts, all decrypt (rotation). A bare value is key id "k1".
DATA_KEY = secret("LINLI_DATA_KEY", VAR_DIR, may_generate=_may_generate_keys)
# Ed25519 private key signing e-ID codes (base64 of 32 bytes). Without it the e-ID is off: its
# API answers 503 and `check --deploy` fails (identity.E001); nothing else needs it.
try:
    EID_KEY = secret("LINLI_EID_KEY", VAR_DIR, may_generate=_may_generate_keys)
except ImproperlyConfigured:
    EID_KEY = ""

ALLOWED_HOSTS = env_list("LINLI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("LINLI_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "linli.people.admin_config.LinliAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "linli.core",
    "linli.places",
    "linli.cases",
    "linli.booking",
    "linli.payments",
    "linli.identity",
    "linli.hall",
    "linli.people",
    "linli.gateways",
    "linli.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "linli.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "linli.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "linli.urls"
WSGI_APPLICATION = "linli.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "linli.web.context_processors.linli",
            ],
        },
    },
]

_default_db = f"sqlite:///{VAR_DIR / 'linli.sqlite3'}"
# Connections are kept for a minute on both databases: opening a SQLite file costs about a
# millisecond per request (the pragmas, Django's SQL functions, the schema read again), more
# than a catalogue search itself (bench/hall.py, docs/decisions.md).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("LINLI_DATABASE_URL", _default_db) or _default_db, conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Statements sent this often on one connection are prepared (parsed and planned once).
    # Only cursors binding on the server are ever prepared, and only core.rows.prepared_cursor
    # makes those: the ORM's binds on the client and is unaffected.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env_str("LINLI_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "linli" / "locale"]
TIME_ZONE = env_str("LINLI_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("LINLI_MEDIA_ROOT", str(VAR_DIR / "media")))
# Behind nginx: case photos are sent by nginx (X-Accel-Redirect to its internal /media/).
LINLI_MEDIA_ACCEL = env_bool("LINLI_MEDIA_ACCEL", False)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "linli_cache",
    }
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("LINLI_SESSION_SECONDS", 8 * 3600)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Behind TLS (the production deployment) these must be on; the embedded demo serves plain HTTP.
_https = env_bool("LINLI_HTTPS", not (DEBUG or DEMO))
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_SSL_REDIRECT = env_bool("LINLI_SSL_REDIRECT", _https)
SECURE_HSTS_SECONDS = env_int("LINLI_HSTS_SECONDS", 31536000 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_HSTS_PRELOAD = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = ["security.W021"]  # HSTS preload is a per-domain policy decision.

# --- Linli's own knobs -----------------------------------------------------------------
LINLI_PORT = env_int("LINLI_PORT", 8000)
# Reverse proxies whose X-Forwarded-For is believed (their last hop is the client).
LINLI_TRUSTED_PROXIES = frozenset(env_list("LINLI_TRUSTED_PROXIES", []))
LINLI_MAP_TILES = env_str("LINLI_MAP_TILES", "")
LINLI_MAP_ATTRIBUTION = env_str("LINLI_MAP_ATTRIBUTION", "")
# Staff must use TOTP. Only demo mode may waive it, and every page then says so.
LINLI_REQUIRE_TOTP = env_bool("LINLI_REQUIRE_TOTP", not DEMO)
LINLI_OFFICE_HOURS = env_str("LINLI_OFFICE_HOURS", "08:30-12:00,13:30-17:30")
LINLI_SMS_BACKEND = env_str("LINLI_SMS_BACKEND", "linli.people.sms.OutboxBackend")
LINLI_LOGIN_RATE = env_str("LINLI_LOGIN_RATE", "10/15m")
LINLI_CODE_RATE = env_str("LINLI_CODE_RATE", "5/h")
# Cases reported without an account or token, per client address.
LINLI_INTAKE_RATE = env_str("LINLI_INTAKE_RATE", "20/h")
# Below this classifier confidence a case goes to the human triage queue.
LINLI_TRIAGE_MIN_CONFIDENCE = env_float("LINLI_TRIAGE_MIN_CONFIDENCE", 0.45)
# Share of a deadline's working time after which the handling unit is warned.
LINLI_WARN_FRACTION = env_float("LINLI_WARN_FRACTION", 0.75)
# The WeChat Official Account channel (/gateways/wechat/): off (404) unless a token is set.
# Demo mode uses public demo values, so `python -m linli.gateways.wechat_sim` works at once.
LINLI_WECHAT_TOKEN = env_str("LINLI_WECHAT_TOKEN", "linli-demo-wechat" if DEMO else "")
LINLI_WECHAT_APPID = env_str("LINLI_WECHAT_APPID", "wxlinlidemo0000000" if DEMO else "")
LINLI_WECHAT_AES_KEY = env_str(
    "LINLI_WECHAT_AES_KEY", "TGlubGkgZGVtbyBrZXkgZm9yIFdlQ2hhdCBzYWZlIG0" if DEMO else ""
)
if LINLI_WECHAT_AES_KEY and len(LINLI_WECHAT_AES_KEY) != 43:
    raise ImproperlyConfigured("LINLI_WECHAT_AES_KEY must be the 43-character EncodingAESKey.")
if LINLI_WECHAT_TOKEN and LINLI_WECHAT_AES_KEY and not LINLI_WECHAT_APPID:
    raise ImproperlyConfigured("LINLI_WECHAT_APPID is required with LINLI_WECHAT_AES_KEY.")
# The service hall's postage for results sent by post (EMS government mail), in fen.
LINLI_HALL_POSTAGE_FEN = env_int("LINLI_HALL_POSTAGE_FEN", 1200)
# Fees (docs/payments.md). The merchant key is generated on first use when missing.
LINLI_PAYMENT_PROVIDER = env_str("LINLI_PAYMENT_PROVIDER", "localpay")
LINLI_PAYMENT_MERCHANT_ID = env_str("LINLI_PAYMENT_MERCHANT_ID", "linli-demo")
LINLI_PAYMENT_KEY = env_str("LINLI_PAYMENT_KEY", str(VAR_DIR / "payments" / "merchant_key.pem"))
LINLI_PAYMENT_EXPIRE_MINUTES = env_int("LINLI_PAYMENT_EXPIRE_MINUTES", 15)
# Where the provider reaches Linli (notify URL) and sends the payer back (return page).
LINLI_PAYMENT_CALLBACK_BASE = env_str(
    "LINLI_PAYMENT_CALLBACK_BASE", f"http://127.0.0.1:{LINLI_PORT}"
)
LINLI_LOCALPAY_URL = env_str("LINLI_LOCALPAY_URL", "http://127.0.0.1:8011")
LINLI_LOCALPAY_PUBLIC_KEY = env_str(
    "LINLI_LOCALPAY_PUBLIC_KEY", str(VAR_DIR / "localpay" / "provider_key.pub.pem")
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LINLI_LOG_LEVEL", "INFO")},
    # The task worker logs two lines per idle poll at INFO; keep its warnings only.
    "loggers": {"django_tasks_db": {"level": "WARNING"}},
}
