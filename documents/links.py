"""Signed public URLs of documents and the download headers they are served with.

The random token is signed with the app's secret (itsdangerous, as Flask's sessions are), so
a forged or mistyped URL is refused before any database lookup.
"""

from __future__ import annotations

from urllib.parse import quote

from itsdangerous import BadSignature, Signer

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


def content_disposition(filename: str, disposition: str = "inline") -> str:
    """A Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987)."""
    fallback = "".join(
        ch if ch.isascii() and ch.isprintable() and ch not in '"\\' else "_" for ch in filename
    )
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
