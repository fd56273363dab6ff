"""Flask application factory."""

from __future__ import annotations

from flask import Flask

from backend.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web app; tests pass ``settings`` instead of touching the environment."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key or "dev-only"
    app.config["RENTFLOW_SETTINGS"] = settings

    from backend.web import home, onec, payments

    app.register_blueprint(home.bp)
    app.register_blueprint(payments.bp)
    app.register_blueprint(onec.bp)
    return app
