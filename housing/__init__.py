"""housing: Dortmund's problem-property pipeline, Viertelwerk employment projects and housing access."""

import os
from pathlib import Path

from flask import Flask

from . import config as config_module
from .database import normalise_database_url
from .extensions import babel, csrf, db, login_manager, migrate
from .i18n import lazy_gettext as _l

CONFIGS = {
    "production": config_module.DefaultConfig,
    "development": config_module.DevelopmentConfig,
    "testing": config_module.DevelopmentConfig,
}


class ConfigurationError(RuntimeError):
    pass


def create_app(test_config: dict | None = None) -> Flask:
    from .database import IdConverter

    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = IdConverter  # before any route is added
    configure(app, test_config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def configure(app: Flask, test_config: dict | None) -> None:
    """Defaults for the environment, then ``instance/config.py``, then ``HOUSING_*``, then ``test_config``."""
    from .logs import install

    install()
    overrides = config_module.env_overrides()
    env = (test_config or {}).get("ENV") or overrides.get("ENV") or "production"
    if env not in CONFIGS:
        raise ConfigurationError(f"HOUSING_ENV must be one of {', '.join(CONFIGS)}, not {env!r}")
    app.config.from_object(CONFIGS[env])
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(overrides)
    if test_config:
        app.config.update(test_config)
    app.config["ENV"] = env
    app.testing = app.config.get("TESTING", False)
    app.json.ensure_ascii = False  # German text stays readable in JSON

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    url = app.config.get("DATABASE_URL") or f"sqlite:///{os.path.join(app.instance_path, 'housing.sqlite3')}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = config_module.engine_options(app.config)
    app.config["UPLOAD_DIR"] = app.config.get("UPLOAD_DIR") or os.path.join(app.instance_path, "uploads")

    if not app.config.get("SECRET_KEY"):
        if env == "production":
            raise ConfigurationError(
                "No SECRET_KEY: set HOUSING_SECRET_KEY or SECRET_KEY in instance/config.py "
                "(e.g. python -c 'import secrets; print(secrets.token_hex(32))'). "
                "For a local trial, HOUSING_ENV=development runs with a throwaway key."
            )
        app.config["SECRET_KEY"] = os.urandom(32).hex()
    from .auth.twofactor import data_keys

    if app.config.get("DATA_ENCRYPTION_KEYS") and any(len(key) < 32 for key in data_keys(app.config)):
        raise ConfigurationError(
            "DATA_ENCRYPTION_KEYS: each key needs at least 32 characters (e.g. python -c 'import secrets; "
            "print(secrets.token_hex(32))'); the first one seals, each one opens.")
    if app.config.get("TRUSTED_HOSTS") in ("*", ("*",), ["*"]):
        app.config["TRUSTED_HOSTS"] = None  # explicitly any host
    elif env == "production" and not app.config.get("TRUSTED_HOSTS"):
        raise ConfigurationError(
            "No TRUSTED_HOSTS: set HOUSING_TRUSTED_HOSTS to the host names users open (comma-separated, e.g. "
            "wohnen.dortmund.de), so requests for other hosts are refused; '*' accepts any host."
        )
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_extensions(app: Flask) -> None:
    from . import templating
    from .forms import install_html_params
    from .i18n import register_filters, select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    register_filters(app)
    templating.register(app)
    install_html_params()
    if app.config["QUERY_COUNT_HEADER"]:
        from .database import count_queries_per_request

        count_queries_per_request(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Bitte melden Sie sich an.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(identity: str):
        from .auth.sessions import load

        return load(identity)

    @app.before_request
    def load_user_at_start():
        """Resolve the login before the view runs, so the session's rare bookkeeping write (last seen, ended)
        commits on its own and never with a view's half-made changes."""
        from flask import request
        from flask_login import current_user

        if request.blueprint != "api" and request.endpoint != "static":
            current_user._get_current_object()


def register_blueprints(app: Flask) -> None:
    from flask_babel import get_locale

    from . import (
        api,
        attachments,
        audit,
        auth,
        documents,
        imports,
        jobs,
        main,
        placement,
        privacy,
        properties,
        renovation,
        rules,
    )
    from .api import reference as api_reference
    from .auth.panels import admin_panel
    from .auth.permissions import can
    from .auth.roles import Role
    from .forms import ShellForm
    from .i18n import LANGUAGE_NAMES
    from .jobs.notifications import unread_count
    from .main.registry import nav_for, register_admin_section, register_nav, register_panel
    from .reports.panels import management_panel
    from .security import refuse_nul_characters, set_security_headers

    for module in (main, auth, audit, api, rules, attachments, jobs, documents, properties, renovation, placement,
                   privacy, imports):
        app.register_blueprint(module.bp)
    app.register_blueprint(api_reference.bp)
    jobs.init_area(app)
    documents.init_area(app)
    properties.init_area(app)
    renovation.init_area(app)
    placement.init_area(app)
    imports.init_area(app)
    privacy.init_area(app)

    register_nav("main.admin", _l("Administration"), {Role.ADMIN}, order=900)
    register_admin_section("auth.users", _l("Benutzer"), _l("Konten, Rollen, Passwörter"), order=10)
    register_admin_section("rules.index", _l("Regeln und Richtwerte"),
                           _l("Mindestwohnfläche, Stundensatz und weitere Werte mit Gültigkeitsdatum"), order=20)
    register_admin_section("audit.events", _l("Audit-Log"), _l("Wer hat wann was gesehen oder geändert"),
                           order=90)
    register_panel({Role.ADMIN}, admin_panel, order=900)
    register_panel({Role.MANAGEMENT}, management_panel, order=5)

    @app.context_processor
    def shell_context():
        from flask_login import current_user

        def can_(rule, *args):
            return can(current_user, rule, *args)

        return {
            "nav_items": nav_for(current_user) if current_user.is_authenticated else [],
            "inbox_unread": unread_count(current_user) if current_user.is_authenticated else 0,
            "can": can_,
            "shell_form": ShellForm(),
            "language_names": LANGUAGE_NAMES,
            "get_locale": get_locale,
        }

    app.before_request(refuse_nul_characters)

    @app.after_request
    def headers(response):
        return set_security_headers(response)


def register_errorhandlers(app: Flask) -> None:
    from .errors import register_errorhandlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)
