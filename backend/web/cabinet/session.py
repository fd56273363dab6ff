"""Who is signed in to the cabinet, for which tenant, and the form token of their posts.

``cabinet_view()`` wraps every cabinet page: no session → the sign-in page (a post gets 401);
a state-changing request without this session's form token → 400 before the view runs; with
``tenant=True`` (the default) a person who has not chosen a tenant goes to the chooser.
Inside a view, ``current_person()`` is the session (``CabinetSession``: the address, the
tenants it may act for, the chosen one) and ``current_tenant()`` the chosen ``TenantRef``;
every read goes through services that take that ref, never an id from the request alone.

The cookie holds a random value (the session row keeps its SHA-256): HttpOnly, SameSite=Lax
(a sign-in link opened from a mail client arrives signed in), Secure per
``Settings.cabinet_secure_cookie``.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, current_app, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from backend.bootstrap import Container
from backend.domain.cabinet import CabinetSession, TenantRef
from backend.services.cabinet_auth import LIFETIME, CabinetAuth, remember_language, session_for
from backend.web import operator
from backend.web.i18n import cabinet_lang

COOKIE = "rentflow_cabinet"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LANG_SAVED = "cabinet_lang_saved"  # "<tenant key>:<lang>" last stored for this browser
F = TypeVar("F", bound=Callable[..., ResponseReturnValue])


def container() -> Container:
    built: Container = current_app.extensions["rentflow"]
    return built


def cabinet_auth() -> CabinetAuth:
    """The sign-in service's ports, from the app's container."""
    c = container()
    base = c.settings.public_base_url

    def link_url(token: str) -> str:
        return f"{base}/cabinet/login/link/{token}"

    return CabinetAuth(
        uow=cast(Any, c.uow),
        clock=c.clock,
        pepper=c.settings.secret_key.encode(),
        link_url=link_url,
        deliver_mail=c.tasks.deliver_outbox,
        telegram=c.settings.telegram_ready,
    )


def client_ip() -> str:
    """The caller's address as the WSGI server saw it (behind a proxy, configure the proxy
    to set it: a client-supplied X-Forwarded-For is not trusted here)."""
    return (request.remote_addr or "")[:64]


def current_person() -> CabinetSession | None:
    """The signed-in person of this request (cached for the request), or None."""
    if "cabinet_person" not in g:
        token = request.cookies.get(COOKIE, "")
        g.cabinet_person = session_for(cabinet_auth(), token) if token else None
    person: CabinetSession | None = g.cabinet_person
    return person


def current_tenant() -> TenantRef:
    """The tenant the person acts for; 404 outside a view that made sure there is one."""
    person = current_person()
    if person is None or person.current is None:
        abort(404)
    return person.current


def csrf_token() -> str:
    """The form token of the session, or of the signed cookie before signing in."""
    person = current_person()
    return person.csrf if person is not None else operator.csrf_token()


def check_csrf() -> None:
    """400 unless the request carries the form token of this session."""
    person = current_person()
    if person is None:
        operator.check_csrf()
        return
    given = request.headers.get(CSRF_HEADER, "") or request.form.get(CSRF_FIELD, "")
    if not given or not hmac.compare_digest(given.encode(), person.csrf.encode()):
        abort(400, "the form expired or did not come from this page; reload it")


def cabinet_view(*, tenant: bool = True) -> Callable[[F], F]:
    """Decorate a cabinet view: signed in (else the sign-in page), form token on posts,
    and with ``tenant`` a chosen tenant (else the chooser)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            person = current_person()
            if person is None:
                if request.method not in SAFE_METHODS:
                    abort(401)
                return redirect(url_for("cabinet.sign_in_form", next=request.full_path))
            if request.method not in SAFE_METHODS:
                check_csrf()
            if tenant and person.current is None:
                return redirect(url_for("cabinet.choose_form"))
            if person.current is not None:
                _remember_language(person.current)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorate


def _remember_language(ref: TenantRef) -> None:
    """Store the page's language as the tenant's (their messages speak it), once per
    tenant and language in this browser: the signed cookie remembers what was stored."""
    lang = cabinet_lang()
    mark = f"{ref.key}:{lang}"
    if session.get(LANG_SAVED) != mark:
        remember_language(cabinet_auth(), ref, lang)
        session[LANG_SAVED] = mark


def set_session_cookie(response: Response, token: str) -> Response:
    response.set_cookie(
        COOKIE, token, max_age=int(LIFETIME.total_seconds()), httponly=True, samesite="Lax",
        secure=container().settings.cabinet_secure_cookie, path="/cabinet",
    )  # fmt: skip
    return response


def clear_session_cookie(response: Response) -> Response:
    response.delete_cookie(
        COOKIE, path="/cabinet", httponly=True, samesite="Lax",
        secure=container().settings.cabinet_secure_cookie,
    )  # fmt: skip
    return response
