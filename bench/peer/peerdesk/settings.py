"""Django settings for the benchmark's peer: django-helpdesk with its DRF API, nothing else.

The database comes from the environment (peer.py sets both):
  PEER_DB_ENGINE  sqlite | postgresql
  PEER_DB         SQLite: a file path. PostgreSQL: a database name (on 127.0.0.1:5432 as
                  postgres, or PGHOST/PGPORT/PGUSER/PGPASSWORD), or a postgresql:// URL.
  PEER_CONN_MAX_AGE  seconds a worker keeps its database connection (default 600; 0 opens
                  one per request, Django's default, which no production deployment keeps).
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("PEER_SECRET_KEY", "bench-peer-not-secret-" + "x" * 40)
DEBUG = False
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",  # helpdesk builds links in e-mails from the current Site
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "helpdesk",
]

# Django's startproject middleware, as a deployment keeps it.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "peerdesk.urls"
WSGI_APPLICATION = "peerdesk.wsgi.application"

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
            ],
        },
    },
]


def _database() -> dict:
    engine = os.environ.get("PEER_DB_ENGINE", "sqlite")
    name = os.environ.get("PEER_DB", str(BASE_DIR / "peer.db"))
    max_age = int(os.environ.get("PEER_CONN_MAX_AGE", "600"))
    if engine == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "CONN_MAX_AGE": max_age,
            # The same pragmas ticketd sets on its SQLite connections.
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
        }
    if engine == "postgresql":
        db = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
            "USER": os.environ.get("PGUSER", "postgres"),
            "PASSWORD": os.environ.get("PGPASSWORD", ""),
            "CONN_MAX_AGE": max_age,
        }
        if "://" in name:
            url = urlsplit(name)
            db["NAME"] = unquote(url.path.lstrip("/"))
            db["HOST"] = url.hostname or db["HOST"]
            db["PORT"] = str(url.port or db["PORT"])
            db["USER"] = unquote(url.username) if url.username else db["USER"]
            db["PASSWORD"] = unquote(url.password) if url.password else db["PASSWORD"]
        return db
    raise RuntimeError(f"PEER_DB_ENGINE must be sqlite or postgresql, not {engine!r}")


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SITE_ID = 1

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = str(BASE_DIR / "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = os.environ.get("PEER_MEDIA_ROOT", "/tmp/peerdesk-media")

# The API authenticates with a DRF token (`Authorization: Token <key>`): one indexed lookup
# per request. HTTP Basic would run Django's PBKDF2 (1,000,000 iterations) on every request
# and measure the password hasher, not the helpdesk. JSON in and out only: no browsable API.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}

# django-helpdesk: the DRF API (on by default, said here so it is plain), no pinax-teams
# (an optional extra), and no e-mail to a real server. Creating a ticket still renders the
# "new ticket" e-mail to the submitter; the dummy backend then drops it. (locmem would keep
# every message in a list for the life of the worker.)
HELPDESK_API_ENABLED = True
HELPDESK_TEAMS_MODE_ENABLED = False
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@example.com"

# Quiet: warnings and errors to stderr, nothing per request.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
    },
}
