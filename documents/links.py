"""Signed public URLs of documents and the download headers they are served with.

The random token is signed with the app's secret (itsdangerous, as Flask's sessions are), so
a forged or mistyped URL is refused before any database lookup.
"""

from __future__ import annotations

from urllib.parse import quote

from itsdangerous import BadSignature, Signer, TimestampSigner

SALT = "rentflow.document-link"


class LinkSigner:
    """Signs link tokens for URLs and checks them back."""

    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("document links need a secret key")
        self._signer = Signer(secret_key, salt=SALT)

    def sign(self, token: str) -> str:
        return self._signer.sign(token).decode()

    def unsign(self, signed: str) -> str | None:
        """The token, or None when the signature does not match."""
        try:
            return self._signer.unsign(signed).decode()
        except BadSignature:
            return None

    def url(self, base_url: str, token: str) -> str:
        """The public URL of a link: ``{base}/d/{signed token}``."""
        return f"{base_url.rstrip('/')}/d/{self.sign(token)}"


class RequestFileSigner:
    """Signs the address of a tenant request's file for the manager who reads the request's
    CRM task: ``{base}/rf/<portal>.<request>.<file>.<time>.<signature>``, good for
    ``MAX_AGE`` seconds (the CRM shows the link to whoever sees the task, so it expires)."""

    SALT = "rentflow.request-file"
    MAX_AGE = 90 * 24 * 3600

    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("request file links need a secret key")
        self._signer = TimestampSigner(secret_key, salt=self.SALT)

    def url(self, base_url: str, portal_id: int, request_id: int, file_id: int) -> str:
        signed = self._signer.sign(f"{portal_id}.{request_id}.{file_id}").decode()
        return f"{base_url.rstrip('/')}/rf/{signed}"

    def unsign(self, signed: str) -> tuple[int, int, int] | None:
        """(portal, request, file) of a live link, None for a forged or expired one."""
        try:
            value = self._signer.unsign(signed, max_age=self.MAX_AGE).decode()
            portal_id, request_id, file_id = (int(part) for part in value.split("."))
        except (BadSignature, ValueError):
            return None
        return portal_id, request_id, file_id


def content_disposition(filename: str, disposition: str = "inline") -> str:
    """A Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987)."""
    fallback = "".join(
        ch if ch.isascii() and ch.isprintable() and ch not in '"\\' else "_" for ch in filename
    )
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
