"""Who is looking at the workspace: a ``Viewer`` signed by rentflow once the CRM has proved
the person (Bitrix24: AUTH_ID live on the portal, ``user.current``, ``user.admin``; amoCRM: the
widget's disposable JWT). Every workspace request carries the signed token (``t`` in the
query or the form, or the ``X-Rentflow-Frame`` header); nothing else is trusted.

The token travels in the URL because the workspace lives in a third-party frame, where
browsers drop or block cookies; it is short-lived, tied to one portal and one user, and the
pages send ``Referrer-Policy: no-referrer`` so it never leaks to another site.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flask import request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from backend.bootstrap import Container

TOKEN_AGE = 8 * 3600  # a working day; then the person re-opens rentflow from the CRM
HEADER = "X-Rentflow-Frame"
LANGUAGES = ("ru", "en")


class NoViewer(Exception):
    """The request proves no viewer: no token, a forged one or an expired one (401)."""


class NotAdmin(Exception):
    """The viewer is not an administrator of the portal and the page is a setting (403)."""


@dataclass(frozen=True)
class Viewer:
    """A person of one portal: ``user_id`` is their CRM user id (a lease's manager is matched
    by it), ``is_admin`` what the CRM says about their rights, ``lang`` their interface
    language."""

    portal_id: int
    crm: str
    user_id: str
    user_name: str
    is_admin: bool
    lang: str = "ru"

    @property
    def actor(self) -> str:
        """Who did a thing, as the audit and the allocations list name workspace people."""
        return (self.user_name or self.user_id)[:64]


def _serializer(container: Container) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(container.settings.secret_key, salt="rentflow-workspace")


def sign_viewer(container: Container, viewer: Viewer) -> str:
    """The token the workspace's pages carry for ``viewer``."""
    lang = viewer.lang if viewer.lang in LANGUAGES else "en"
    return _serializer(container).dumps({**asdict(viewer), "lang": lang})


def read_viewer(container: Container, token: str) -> Viewer:
    """The viewer a token was signed for; ``NoViewer`` when it is not ours or too old."""
    if not token:
        raise NoViewer("no workspace token")
    try:
        data = _serializer(container).loads(token, max_age=TOKEN_AGE)
        return Viewer(
            portal_id=int(data["portal_id"]), crm=str(data["crm"]),
            user_id=str(data["user_id"]), user_name=str(data["user_name"]),
            is_admin=bool(data["is_admin"]), lang=str(data.get("lang", "ru")),
        )  # fmt: skip
    except (BadSignature, KeyError, TypeError, ValueError) as err:
        raise NoViewer("bad or expired workspace token") from err


def request_token() -> str:
    """The token this request carries (query, form or header)."""
    return request.values.get("t", "") or request.headers.get(HEADER, "")


def current_viewer(container: Container, *, admin: bool = False) -> Viewer:
    """The viewer of this request; ``NotAdmin`` when ``admin`` and they are not one."""
    viewer = read_viewer(container, request_token())
    if admin and not viewer.is_admin:
        raise NotAdmin("settings are for portal administrators")
    return viewer
