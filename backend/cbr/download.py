"""Fetch today's BIC directory from the Bank of Russia, and from nowhere else.

``https://cbr.ru/s/newbik`` is the CBR's stable address of the latest ED807 zip (it redirects
to ``https://www.cbr.ru/vfs/mcirabis/BIKNew/<date>ED01OSBR.zip``). The operator may name
another address of the CBR's, never another host: rentflow makes no request to a host the
caller chose, so every address, and every redirect, is checked against ``CBR_HOSTS`` before
it is requested, and only HTTPS is spoken.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import requests

from backend.domain.banks import BadDirectory

CBR_DIRECTORY_URL = "https://cbr.ru/s/newbik"
CBR_HOSTS = frozenset({"cbr.ru", "www.cbr.ru"})
MAX_ZIP_BYTES = 50 * 1024 * 1024  # the zip is a few MB
MAX_REDIRECTS = 5
TIMEOUT = (10, 60)


class NotTheCbr(BadDirectory):
    """An address that is not the Bank of Russia's (``https://cbr.ru/...``)."""


def check_cbr_url(url: str) -> str:
    """``url`` when it is an HTTPS address on the CBR's own host, else ``NotTheCbr``."""
    parts = urlsplit(url)
    if parts.scheme != "https" or (parts.hostname or "").lower() not in CBR_HOSTS:
        raise NotTheCbr(
            f"only the Bank of Russia's own address is fetched (https://cbr.ru/...), not {url!r}"
        )
    try:
        port = parts.port
    except ValueError:  # "cbr.ru:x": not a port at all
        port = -1
    if parts.username or parts.password or port not in (None, 443):
        raise NotTheCbr(f"{url!r}: no user, password or port of its own")
    return url


def fetch_directory(url: str = CBR_DIRECTORY_URL) -> bytes:
    """The bytes of the directory zip at ``url`` (an address on cbr.ru), redirects followed
    only while they stay there, at most ``MAX_ZIP_BYTES``."""
    current = check_cbr_url(url)
    with requests.Session() as session:
        for _ in range(MAX_REDIRECTS + 1):
            try:
                answer = session.get(current, timeout=TIMEOUT, allow_redirects=False, stream=True)
            except requests.RequestException as err:
                raise BadDirectory(f"cannot fetch {current}: {err}") from err
            with answer:
                if answer.is_redirect:
                    current = check_cbr_url(urljoin(current, answer.headers.get("Location", "")))
                    continue
                if answer.status_code != 200:
                    raise BadDirectory(f"{current} answered {answer.status_code}")
                return _body(answer)
    raise BadDirectory(f"{url} redirects more than {MAX_REDIRECTS} times")


def _body(answer: requests.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in answer.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_ZIP_BYTES:
            raise BadDirectory(f"the download is larger than {MAX_ZIP_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
