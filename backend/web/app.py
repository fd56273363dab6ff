"""Flask application factory."""

from __future__ import annotations

from flask import Flask

from backend.bootstrap import Container, bootstrap
from backend.config import Settings


def create_app(settings: Settings | None = None, container: Container | None = None) -> Flask:
    """Build the web app; tests pass ``settings`` (or a whole ``container``) instead of
    touching the environment."""
    if container is None:
        container = bootstrap(settings or Settings.from_env())
    settings = container.settings
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key or "dev-only"
    app.config["RENTFLOW_SETTINGS"] = settings
    app.extensions["rentflow"] = container

    from backend.web import (
        amocrm,
        amocrm_settings,
        amocrm_widget,
        attention,
        bitrix24,
        documents,
        home,
        onec,
        payments,
        runs,
    )

    app.register_blueprint(home.bp)
    app.register_blueprint(attention.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(amocrm.bp)
    app.register_blueprint(amocrm_widget.bp)
    app.register_blueprint(amocrm_settings.bp)
    app.register_blueprint(payments.bp)
    app.register_blueprint(onec.bp)
    app.register_blueprint(bitrix24.bp)
    app.register_blueprint(runs.bp)

    from backend.web import api_v1, feeds

    app.register_blueprint(feeds.bp)
    app.register_blueprint(api_v1.bp)
    return app
