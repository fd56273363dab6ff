"""Flask application factory."""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from backend.bootstrap import Container, bootstrap
from backend.config import Settings, production_ready
from backend.web import i18n


class _CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; a request without the cookie (every webhook and event)
    gets an empty session without the signing serializer Flask builds anew for each request."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def create_app(settings: Settings | None = None, container: Container | None = None) -> Flask:
    """Build the web app; tests pass ``settings`` (or a whole ``container``) instead of
    touching the environment. From the environment (a WSGI server calling ``create_app()``)
    the production checks of ``rentflow serve`` apply: ``UnsafeSettings`` names the variable."""
    if container is None:
        container = bootstrap(settings or production_ready(Settings.from_env()))
    settings = container.settings
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key or "dev-only"
    app.session_interface = _CookieSessions()
    app.config["RENTFLOW_SETTINGS"] = settings
    app.extensions["rentflow"] = container
    i18n.init_app(app, settings.var_dir)

    from backend.web import (
        amocrm,
        amocrm_widget,
        amocrm_workspace,  # noqa: F401 - the workspace's door in amoCRM, on amocrm_widget.bp
        attention,
        bitrix24,
        bitrix24_app,  # noqa: F401 - the app page, the workspace's door in Bitrix24
        bitrix24_deal_tab,  # noqa: F401 - the deal tab, on the bitrix24 blueprint
        documents,
        home,
        onec,
        operator,
        payments,
        runs,
    )
    from backend.web.workspace import sections

    app.register_blueprint(home.bp)
    app.register_blueprint(operator.bp)
    app.register_blueprint(attention.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(amocrm.bp)
    app.register_blueprint(amocrm_widget.bp)
    app.register_blueprint(payments.bp)
    app.register_blueprint(onec.bp)
    app.register_blueprint(bitrix24.bp)
    app.register_blueprint(runs.bp)
    sections.register(app)

    from backend.web import api_v1, cabinet, feeds

    app.register_blueprint(feeds.bp)
    app.register_blueprint(api_v1.bp)

    from backend.web import request_files, telegram

    app.register_blueprint(telegram.bp)
    app.register_blueprint(request_files.bp)
    app.register_blueprint(cabinet.bp)
    return app
