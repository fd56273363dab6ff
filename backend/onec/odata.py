"""A client of 1C's standard OData interface (OData v3, ``$format=json``, HTTP Basic).

Literals are OData v3 ones — ``guid'…'``, ``datetime'2026-02-01T00:00:00'`` — which generic
OData v4 clients get wrong (its.1c.ru/db/v838doc#bookmark:dev:TI000001358; PyPI onec-odata).
5xx answers, timeouts and refused connections are retried with backoff, then raised as
``OneCUnavailable`` so the caller's task retries later instead of losing the poll.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from urllib.parse import quote

import requests

from backend.onec.errors import OneCAuthFailed, OneCError, OneCUnavailable

__all__ = ["ODataClient", "ODataSettings", "OneCAuthFailed", "OneCError", "OneCUnavailable"]

_SAFE = "()'=,$"  # OData keys and literals stay readable in the path
SEALED_PASSWORD = "password_encrypted"  # noqa: S105 - the settings key of the sealed password


class SecretBox(Protocol):
    """The app's Fernet cipher (``backend.db.crypto.TokenCipher``)."""

    def encrypt(self, data: dict[str, Any]) -> str: ...
    def decrypt(self, token: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ODataSettings:
    """Where a portal's 1C base publishes ``standard.odata`` and how to log in."""

    base_url: str  # http(s)://host/<infobase>/odata/standard.odata
    user: str
    password: str = field(repr=False)  # never printed
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.5

    @classmethod
    def from_portal(
        cls, settings: Mapping[str, Any], cipher: SecretBox | None = None
    ) -> ODataSettings | None:
        """From ``portal.settings["onec"]``, if it has an ``odata_url``: ``user`` and the
        password, kept encrypted with the app's key (``password_encrypted``, opened with
        ``cipher``) or, stored before that, in plain ``password``."""
        onec = settings.get("onec") or {}
        if not onec.get("odata_url"):
            return None
        sealed = str(onec.get(SEALED_PASSWORD, ""))
        if sealed and cipher is None:
            raise OneCError("the 1C password is encrypted: building the client needs the key")
        password = (
            str(cipher.decrypt(sealed).get("password", ""))
            if sealed and cipher is not None
            else str(onec.get("password", ""))
        )
        return cls(str(onec["odata_url"]).rstrip("/"), str(onec.get("user", "")), password)


def guid(value: str) -> str:
    """An OData v3 GUID literal; refuses anything that is not a GUID (no filter injection)."""
    return f"guid'{uuid.UUID(value)}'"


def datetime_literal(value: date | datetime) -> str:
    """An OData v3 datetime literal, as 1C wants it (no zone: 1C keeps local time)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)  # noqa: DTZ001 - 1C local time
    return f"datetime'{value:%Y-%m-%dT%H:%M:%S}'"


def string_literal(value: str) -> str:
    """An OData string literal with quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


class ODataClient:
    """Reads and writes entity sets of one 1C base."""

    def __init__(
        self,
        settings: ODataSettings,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.session = session or requests.Session()
        self.session.auth = (settings.user, settings.password)
        self._sleep = sleep

    def _url(self, resource: str) -> str:
        return self.settings.base_url + "/" + quote(resource, safe=_SAFE)

    def _call(self, method: str, resource: str, **kwargs: Any) -> dict[str, Any]:
        attempts = max(1, self.settings.retries + 1)
        for attempt in range(attempts):
            try:
                response = self.session.request(
                    method, self._url(resource), timeout=self.settings.timeout, **kwargs
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                failure: str = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code in {401, 403}:
                    raise OneCAuthFailed(f"1C refused the login ({response.status_code})")
                if response.status_code < 500:
                    return self._body(response)
                failure = f"HTTP {response.status_code}: {response.text[:200]}"
            if attempt + 1 < attempts:
                self._sleep(self.settings.backoff * 2**attempt)
        raise OneCUnavailable(f"1C at {self.settings.base_url} is unavailable: {failure}")

    @staticmethod
    def _body(response: requests.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            raise OneCError(f"1C answered {response.status_code} without JSON") from None
        if response.status_code >= 400:
            error = data.get("odata.error", {}) if isinstance(data, dict) else {}
            message = error.get("message", {}).get("value", "") or str(data)[:200]
            raise OneCError(f"1C answered {response.status_code}: {message}")
        if not isinstance(data, dict):
            raise OneCError("1C answered with something other than a JSON object")
        return data

    def query(
        self,
        entity_set: str,
        *,
        filter: str | None = None,
        select: str | None = None,
        page_size: int = 500,
    ) -> list[dict[str, Any]]:
        """Every entity of a set that passes ``filter``, read page by page."""
        params: dict[str, str | int] = {"$format": "json", "$top": page_size}
        if filter:
            params["$filter"] = filter
        if select:
            params["$select"] = select
        rows: list[dict[str, Any]] = []
        while True:
            params["$skip"] = len(rows)
            page = self._call("GET", entity_set, params=params).get("value", [])
            rows.extend(page)
            if len(page) < page_size:
                return rows

    def get(self, entity_set: str, ref_key: str) -> dict[str, Any]:
        """One entity by its ``Ref_Key``."""
        return self._call("GET", f"{entity_set}({guid(ref_key)})", params={"$format": "json"})

    def create(self, entity_set: str, entity: Mapping[str, Any]) -> dict[str, Any]:
        """Create an entity (a draft document: ``Posted`` false); returns it with its Ref_Key."""
        return self._call(
            "POST", entity_set, params={"$format": "json"}, json={**entity, "Posted": False}
        )
