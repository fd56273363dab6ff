"""Signing in and out, choosing a tenant, the language switcher.

The address typed in waits for the code in Flask's signed session cookie, never in a URL;
every answer to "send me a code" is the same page whether a landlord knows the address or
not. A sign-in link opens a page with one button: mail scanners that fetch links do not
spend it, and the token stays out of the Referer (``Referrer-Policy: no-referrer``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from backend.domain.cabinet import ContactInvalid, SignInRefused, TooManyRequests
from backend.domain.errors import NotFound
from backend.services import cabinet_auth as auth_service
from backend.web.cabinet.blueprint import bp
from backend.web.cabinet.session import (
    cabinet_auth,
    cabinet_view,
    check_csrf,
    clear_session_cookie,
    client_ip,
    current_person,
    set_session_cookie,
)
from backend.web.i18n import CABINET_LANGUAGES, LANG_COOKIE, cabinet_lang

PENDING_EMAIL = "cabinet_email"
PENDING_NEXT = "cabinet_next"  # the page asked for before signing in


def _local(target: str, default: str = "/cabinet/") -> str:
    """A path of the cabinet only (no open redirect)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/cabinet") or "\\" in target:
        return default
    return target


@bp.get("/login")
def sign_in_form() -> ResponseReturnValue:
    if current_person() is not None:
        return redirect(url_for("cabinet.home"))
    session[PENDING_NEXT] = _local(request.args.get("next", ""))
    return render_template("cabinet/sign_in.html", email="", error="")


def _signed_in(token: str) -> ResponseReturnValue:
    session.pop(PENDING_EMAIL, None)
    target = _local(str(session.pop(PENDING_NEXT, "") or ""))
    return set_session_cookie(redirect(target, code=303), token)


@bp.post("/login")
def send_code() -> ResponseReturnValue:
    check_csrf()
    email = request.form.get("email", "")[:300]
    try:
        auth_service.request_sign_in(cabinet_auth(), email, client_ip(), cabinet_lang())
    except ContactInvalid:
        error = _("Enter an e-mail address, like name@example.com.")
        return render_template("cabinet/sign_in.html", email=email, error=error), 400
    except TooManyRequests:
        error = _("Too many attempts. Wait 15 minutes and try again.")
        return render_template("cabinet/sign_in.html", email=email, error=error), 429
    session[PENDING_EMAIL] = email.strip().lower()
    return redirect(url_for("cabinet.code_form"), code=303)


@bp.get("/login/code")
def code_form() -> ResponseReturnValue:
    email = session.get(PENDING_EMAIL)
    if not isinstance(email, str):
        return redirect(url_for("cabinet.sign_in_form"))
    return render_template("cabinet/code.html", email=email, error="")


@bp.post("/login/code")
def check_code() -> ResponseReturnValue:
    check_csrf()
    email = session.get(PENDING_EMAIL)
    if not isinstance(email, str):
        return redirect(url_for("cabinet.sign_in_form"), code=303)
    try:
        opened = auth_service.sign_in_with_code(
            cabinet_auth(), email, request.form.get("code", "")[:20], client_ip()
        )
    except SignInRefused:
        error = _("Wrong or expired code. After 5 wrong codes, ask for a new one.")
        return render_template("cabinet/code.html", email=email, error=error), 400
    except TooManyRequests:
        error = _("Too many attempts. Wait 15 minutes and try again.")
        return render_template("cabinet/code.html", email=email, error=error), 429
    return _signed_in(opened.token)


@bp.get("/login/link/<token>")
def link_form(token: str) -> ResponseReturnValue:
    return render_template("cabinet/link.html", token=token, error="")


@bp.post("/login/link/<token>")
def use_link(token: str) -> ResponseReturnValue:
    check_csrf()
    try:
        opened = auth_service.sign_in_with_link(cabinet_auth(), token[:100], client_ip())
    except (SignInRefused, TooManyRequests):
        error = _("This link has expired or was used already.")
        return render_template("cabinet/link.html", token="", error=error), 400
    return _signed_in(opened.token)


@bp.get("/choose")
@cabinet_view(tenant=False)
def choose_form() -> ResponseReturnValue:
    return render_template("cabinet/choose.html")


@bp.post("/choose")
@cabinet_view(tenant=False)
def choose() -> ResponseReturnValue:
    person = current_person()
    if person is None:  # cabinet_view let only the signed-in through
        return redirect(url_for("cabinet.sign_in_form"))
    try:
        auth_service.choose_tenant(cabinet_auth(), person, request.form.get("tenant", ""))
    except NotFound:
        return render_template("cabinet/choose.html"), 404
    return redirect(url_for("cabinet.home"), code=303)


@bp.post("/logout")
@cabinet_view(tenant=False)
def sign_out() -> ResponseReturnValue:
    person = current_person()
    everywhere = request.form.get("everywhere") == "1"
    if person is not None:
        auth_service.sign_out(cabinet_auth(), person, everywhere=everywhere)
    return clear_session_cookie(redirect(url_for("cabinet.sign_in_form"), code=303))


@bp.get("/lang/<lang>")
def language(lang: str) -> ResponseReturnValue:
    """Remember the chosen language (a cookie, nothing stored) and go back."""
    response: Response = redirect(_local(request.args.get("next", "")))
    if lang in CABINET_LANGUAGES:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=365 * 86400, samesite="Lax", httponly=True,
            path="/cabinet",
        )  # fmt: skip
    return response
