"""The cabinet's blueprint, apart from the package so page modules import it without cycles."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cabinet", __name__, url_prefix="/cabinet")
