"""Who may open the operator pages, and the form tokens of their state-changing requests.

The operator proves knowing ``ADMIN_TOKEN`` by an ``Authorization: Bearer`` header (scripts)
or by the sign-in form at ``/operator/login``, which sets an http-only, SameSite=Strict cookie;
never by a query parameter, which would leave the token in URLs, logs and Referer headers.
In the sandbox with no token set, the one local user is the operator.

Every state-changing operator request made by a browser (anything but GET/HEAD, not signed by
a Bearer header) carries the session's form token, as the form field ``csrf`` or the header
``X-CSRF-Token``: a page of another site can make the browser post, but cannot read the token.
A small helper of our own rather than Flask-WTF: the operator pages post plain forms and
``fetch`` JSON, with no WTForms anywhere, and the token is one random value in the session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from itsdangerous import BadSignature, URLSafeTimedSerializer

from backend.config import Settings

bp = Blueprint("operator", __name__, url_prefix="/operator")

COOKIE = "rentflow_operator"
SIGNED_IN_FOR = 12 * 3600  # seconds; then the form again
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _settings() -> Settings:
    settings: Settings = current_app.extensions["rentflow"].settings
    return settings


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="rentflow-operator")


def _fingerprint(settings: Settings) -> str:
    """Stands for ADMIN_TOKEN in the cookie: a new token signs every operator out."""
    key = settings.secret_key.encode()
    return hmac.new(key, settings.admin_token.encode(), hashlib.sha256).hexdigest()


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    return header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _cookie_valid(settings: Settings) -> bool:
    value = request.cookies.get(COOKIE, "")
    if not value:
        return False
    try:
        claimed = _serializer(settings).loads(value, max_age=SIGNED_IN_FOR)
    except BadSignature:
        return False
    return isinstance(claimed, str) and _same(claimed, _fingerprint(settings))


def csrf_token() -> str:
    """The session's form token (made on first use)."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        session[CSRF_FIELD] = token
    return token


def check_csrf() -> None:
    """400 unless the request carries this session's form token."""
    expected = session.get(CSRF_FIELD)
    # the header first: reading the form of a statement upload would read the whole file
    given = request.headers.get(CSRF_HEADER, "") or request.form.get(CSRF_FIELD, "")
    if not isinstance(expected, str) or not given or not _same(given, expected):
        abort(400, "the form expired or did not come from this page; reload it")


def is_operator() -> bool:
    """Whether this request comes from the operator (the Bearer token or the sign-in cookie),
    for public pages that show the operator more; never aborts."""
    settings = _settings()
    if not settings.admin_token:
        return settings.sandbox
    if _bearer():
        return _same(_bearer(), settings.admin_token)
    return _cookie_valid(settings)


def require_operator() -> None:
    """Let the operator through, else 401/403; a browser's state-changing request must also
    carry its form token (400 without)."""
    settings = _settings()
    if not settings.admin_token:
        if not settings.sandbox:
            abort(403, "set ADMIN_TOKEN to open the operator pages")
    elif _bearer():
        if not _same(_bearer(), settings.admin_token):
            abort(401, "a valid operator token is required")
        return  # a header no other site can make a browser send: no form token needed
    elif not _cookie_valid(settings):
        abort(401, f"sign in at {url_for('operator.login')} (or send Authorization: Bearer)")
    if request.method not in SAFE_METHODS:
        check_csrf()


def _local_path(target: str) -> str:
    """Where to go after signing in: a path of this site only (no open redirect)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/attention"
    return target


@bp.get("/login")
def login() -> ResponseReturnValue:
    """The sign-in form."""
    next_path = _local_path(request.args.get("next", "/attention"))
    return render_template("operator_login.html", csrf=csrf_token(), next=next_path, failed=False)


@bp.post("/login")
def sign_in() -> ResponseReturnValue:
    """Check the token (constant time) and set the operator cookie."""
    check_csrf()
    settings = _settings()
    next_path = _local_path(request.form.get("next", "/attention"))
    given = request.form.get("token", "")
    if not settings.admin_token or not _same(given, settings.admin_token):
        page = render_template(
            "operator_login.html", csrf=csrf_token(), next=next_path, failed=True
        )
        return page, 401
    response = redirect(next_path, code=303)
    response.set_cookie(
        COOKIE,
        _serializer(settings).dumps(_fingerprint(settings)),
        max_age=SIGNED_IN_FOR,
        httponly=True,
        samesite="Strict",
        secure=settings.public_base_url.startswith("https://"),
        path="/",
    )
    return response


@bp.post("/logout")
def sign_out() -> ResponseReturnValue:
    check_csrf()
    response = redirect(url_for("operator.login"), code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Strict")
    return response
