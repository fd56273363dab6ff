"""What every cabinet page shares: template globals, security headers and error pages."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from backend.web.cabinet import nav
from backend.web.cabinet.blueprint import bp
from backend.web.cabinet.session import container, csrf_token, current_person
from backend.web.i18n import cabinet_lang

PURPOSES = {"rent": _("Rent"), "penalty": _("Late-payment penalty"), "utilities": _("Utilities"),
            "other": _("Other charges")}  # fmt: skip
LANGUAGE_NAMES = (("ru", "Русский"), ("uk", "Українська"), ("en", "English"))
# no inline script or style anywhere in the cabinet: the policy allows only its own files
POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@bp.context_processor
def _globals() -> dict[str, Any]:
    return {
        "person": current_person(),
        "csrf": csrf_token(),
        "cabinet_nav": nav.entries(),
        "cabinet_lang": cabinet_lang(),
        "cabinet_languages": LANGUAGE_NAMES,
        "purposes": PURPOSES,
    }


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    if container().settings.public_base_url.startswith("https://"):
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    response.vary.add("Cookie")
    return response


_TITLES = {
    400: (_("The form has expired"), _("Reload the page and try again.")),
    401: (_("Please sign in"), _("Your session has ended. Sign in again.")),
    403: (_("Not allowed"), _("This page is not available to you.")),
    404: (_("Not found"), _("There is nothing here, or it is not yours to see.")),
    413: (_("The file is too large"), _("Choose a smaller file.")),
    429: (_("Too many attempts"), _("Wait 15 minutes and try again.")),
}


@bp.errorhandler(HTTPException)
def _error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    title, text = _TITLES.get(code, (_("Something went wrong"), _("Try again later.")))
    if request.accept_mimetypes.best == "application/json":
        return {"error": str(title)}, code
    return render_template("cabinet/error.html", title=title, text=text), code
