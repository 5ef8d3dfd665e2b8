"""Configuration in layers: these defaults, then ``instance/config.py``, then ``HOUSING_*`` variables."""

import os
from datetime import timedelta

ENV_PREFIX = "HOUSING_"


class DefaultConfig:
    # "production" unless told otherwise: a deployment that forgets the variable fails closed.
    ENV = "production"
    SECRET_KEY = None
    DATABASE_URL = None  # None: SQLite file in the instance folder
    UPLOAD_DIR = None  # None: instance/uploads
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # The connection pool of each process on PostgreSQL (a web worker, the scheduler): at most POOL_SIZE +
    # MAX_OVERFLOW connections; a request waits POOL_TIMEOUT seconds for a free one. POOL_RECYCLE replaces a
    # connection after that many seconds (-1: never; pool_pre_ping already tests each before use). See
    # docs/deployment.md for the sum against max_connections. Ignored on SQLite; an explicit
    # SQLALCHEMY_ENGINE_OPTIONS entry (instance/config.py) takes precedence.
    DATABASE_POOL_SIZE = 5
    DATABASE_MAX_OVERFLOW = 10
    DATABASE_POOL_TIMEOUT = 30
    DATABASE_POOL_RECYCLE = -1
    # PostgreSQL settings for the app's own connections (libpq "options"): no JIT compilation, which costs a
    # report query 100 ms and more before it starts, and random reads priced as on SSDs, so a few thousand index
    # lookups are not passed over for a full scan. Empty: the server's own settings.
    DATABASE_SESSION_OPTIONS = "-c jit=off -c random_page_cost=1.1"
    SQLALCHEMY_RECORD_QUERIES = False
    # The benchmark's switch: each response tells its number of SQL statements (X-Query-Count).
    QUERY_COUNT_HEADER = False

    BABEL_DEFAULT_LOCALE = "de"
    BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"
    LANGUAGES = ("de", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = True
    # A login lasts a working day at most, and ends after half an hour without a request.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=10)
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    # Failed logins within the window before further attempts are refused (429), per account and per address.
    LOGIN_THROTTLE_WINDOW = timedelta(minutes=15)
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    # Two-factor login is required for these roles (they see personal data); optional for the others.
    TWO_FACTOR_REQUIRED_ROLES = ("admin", "housing_officer", "supervisor", "tenant_advisor")
    # Host names the app answers to in production (None: any); behind a proxy, e.g. ["wohnen.dortmund.de"].
    TRUSTED_HOSTS = None
    # Reverse proxies in front of the app (e.g. 1 for one nginx) whose X-Forwarded-For and X-Forwarded-Proto are
    # believed: without it every user behind the proxy has the proxy's address, and the login throttle's limit per
    # address would lock everyone out. 0: the headers are ignored (anyone could forge them).
    TRUSTED_PROXIES = 0
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    # Keys that seal secrets kept in the database (the two-factor secrets), so a dump or backup alone cannot
    # make login codes. Empty: derived from SECRET_KEY. To change SECRET_KEY without re-enrolling everyone, put the
    # old SECRET_KEY here (comma-separated list: the first key seals, every key opens).
    DATA_ENCRYPTION_KEYS = ()

    MAX_CONTENT_LENGTH = 100 * 1024 * 1024  # a whole inspection with photos in one request
    MAX_UPLOAD_BYTES = 15 * 1024 * 1024  # one file
    # argon2id at the OWASP Password Storage Cheat Sheet's first recommendation (m=47 MiB, t=1, p=1).
    PASSWORD_HASH = {"time_cost": 1, "memory_cost": 47104, "parallelism": 1}

    API_PAGE_SIZE = 50
    API_MAX_PAGE_SIZE = 200
    ORGANISATION_NAME = "Stadt Dortmund"

    # A job run still "running" after this long was left by a scheduler that was killed or lost its machine: it is
    # marked failed and its slot is run again (reminders already delivered are not delivered twice). Far longer
    # than any job takes (the longest, at city scale, a few minutes).
    JOB_RUN_TIMEOUT = timedelta(hours=2)

    # E-mail copies of inbox messages; no MAIL_SERVER, no e-mail. BASE_URL makes the links in e-mails absolute.
    MAIL_SERVER = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_FROM = "housing@dortmund.example"
    BASE_URL = "http://127.0.0.1:5000"

    # Large documents: "thread" builds them in a worker thread of the web process, "inline" within the request.
    DOCUMENT_BUILDS = "thread"
    DOCUMENT_DIR = None  # None: instance/documents (shared between app hosts, like UPLOAD_DIR)


class DevelopmentConfig(DefaultConfig):
    ENV = "development"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    # A local trial (make run) logs in with the password alone; two-factor login stays available on the profile.
    TWO_FACTOR_REQUIRED_ROLES = ()


POOL_OPTIONS = {"pool_size": "DATABASE_POOL_SIZE", "max_overflow": "DATABASE_MAX_OVERFLOW",
                "pool_timeout": "DATABASE_POOL_TIMEOUT", "pool_recycle": "DATABASE_POOL_RECYCLE"}


def engine_options(config) -> dict:
    """``SQLALCHEMY_ENGINE_OPTIONS`` with the pool settings added for a server database (SQLite keeps the pool
    Flask-SQLAlchemy chooses for it)."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if not config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        for option, setting in POOL_OPTIONS.items():
            options.setdefault(option, config[setting])
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and config["DATABASE_SESSION_OPTIONS"]:
        options.setdefault("connect_args", {}).setdefault("options", config["DATABASE_SESSION_OPTIONS"])
    return options


def env_overrides(environ=os.environ):
    """Return the ``HOUSING_*`` variables as config keys (``HOUSING_SECRET_KEY`` -> ``SECRET_KEY``), typed like
    the defaults: "true"/"false" for switches, whole numbers, minutes for durations, commas for lists."""
    return {key[len(ENV_PREFIX):]: _typed(key[len(ENV_PREFIX):], value)
            for key, value in environ.items() if key.startswith(ENV_PREFIX)}


def _typed(key: str, value: str):
    default = getattr(DefaultConfig, key, None)
    if isinstance(default, bool):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(value)
    if isinstance(default, timedelta):
        return timedelta(minutes=float(value))
    if isinstance(default, tuple | list) or key in ("TRUSTED_HOSTS",):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value
