"""API keys of the public API v1: made by a portal admin, shown once, stored as SHA-256,
scoped ``read`` and/or ``write``, revocable. A key is how a request finds its portal."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from backend.ports import Clock
from backend.services.bulk_ports import BulkUnitOfWork
from backend.services.portal_settings import InvalidSettings

SCOPES = ("read", "write")
PREFIX = "rf_"


@dataclass(frozen=True)
class ApiCaller:
    """Who is calling: the key's id, its portal and what it may do."""

    key_id: int
    portal_id: int
    scopes: frozenset[str]


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(
    uow: BulkUnitOfWork, clock: Clock, portal_id: int, name: str, scopes: Sequence[str]
) -> tuple[int, str]:
    """A new key for ``portal_id``: (its id, the key itself — shown this once, never again)."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InvalidSettings("scopes", f"choose from {', '.join(SCOPES)}")
    uow.portals.get(portal_id)  # raises NotFound for a portal that does not exist
    key = PREFIX + secrets.token_urlsafe(32)
    key_id = uow.api_keys.add(portal_id, _hash(key), name, sorted(set(scopes)), clock.now())
    return key_id, key


def authenticate(uow: BulkUnitOfWork, key: str) -> ApiCaller | None:
    """The caller a presented key stands for, or None (unknown or revoked)."""
    if not key.startswith(PREFIX):
        return None
    found = uow.api_keys.find(_hash(key))
    if found is None:
        return None
    key_id, portal_id, scopes = found
    return ApiCaller(key_id, portal_id, frozenset(scopes))


def revoke_key(uow: BulkUnitOfWork, clock: Clock, portal_id: int, key_id: int) -> bool:
    """Revoke a key of ``portal_id``; False when it is not one (or revoked already)."""
    return uow.api_keys.revoke(portal_id, key_id, clock.now())
