"""Django settings, read from the environment that `portal web` sets (see README「编辑审核工作台」).

PORTAL_WEB_DATA     folder for the database, the mirror and the people's clones (required)
PORTAL_WEB_SERVER   the server repository (path of the bare repository, or its URL)
PORTAL_WEB_SITE_URL where the published site is read (links to published items)
PORTAL_WEB_SITE_DIR a published site directory the workbench may show under /site/ (the demo)
DATABASE_URL        sqlite:///path (default: <data>/workbench.sqlite3) or postgres://user:pass@host:port/name
PORTAL_WEB_SECRET_KEY or PORTAL_WEB_SECRET_KEY_FILE (default: <data>/secret_key, made on first start)
PORTAL_WEB_SECURE   1 behind HTTPS: secure cookies, HSTS, X-Forwarded-Proto trusted from the proxy
PORTAL_WEB_HOSTS    allowed host names, comma-separated (default 127.0.0.1,localhost)
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

DATA = Path(os.environ.get("PORTAL_WEB_DATA", Path.cwd() / ".workbench")).resolve()
SERVER = os.environ.get("PORTAL_WEB_SERVER", "")
SITE_URL = os.environ.get("PORTAL_WEB_SITE_URL", "")
SITE_DIR = os.environ.get("PORTAL_WEB_SITE_DIR", "")
SECURE = os.environ.get("PORTAL_WEB_SECURE", "") == "1"
UPLOAD_MAX_BYTES = int(os.environ.get("PORTAL_WEB_UPLOAD_MAX_MB", "20")) * 1024 * 1024


def _secret_key() -> str:
    if os.environ.get("PORTAL_WEB_SECRET_KEY"):
        return os.environ["PORTAL_WEB_SECRET_KEY"]
    path = Path(os.environ.get("PORTAL_WEB_SECRET_KEY_FILE", DATA / "secret_key"))
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def _database(url: str) -> dict[str, object]:
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA / "workbench.sqlite3"),
                "OPTIONS": {"timeout": 20}}
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parsed.path), "OPTIONS": {"timeout": 20}}
    engines = {"postgres": "postgresql", "postgresql": "postgresql", "mysql": "mysql"}
    return {"ENGINE": f"django.db.backends.{engines[parsed.scheme]}", "NAME": parsed.path.lstrip("/"),
            "USER": unquote(parsed.username or ""), "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "", "PORT": str(parsed.port or "")}


SECRET_KEY = _secret_key()
DEBUG = False
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("PORTAL_WEB_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "workbench",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "workbench.middleware.content_security_policy",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "workbench.middleware.upload_names",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "workbench.middleware.roster_member",
]
ROOT_URLCONF = "workbench.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
WSGI_APPLICATION = "workbench.wsgi.application"
DATABASES = {"default": _database(os.environ.get("DATABASE_URL", ""))}
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
# an idle session ends after 30 minutes; every request moves the deadline on
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "workbench.views.csrf_failure"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE
if SECURE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_SSL_REDIRECT = True
    CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# a request body may be read whole (upload names are checked as sent, before Django strips paths from them)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
