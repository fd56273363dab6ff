"""Encryption of stored OAuth tokens (Fernet key from settings)."""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken


class TokenCipher:
    """Encrypts JSON-able dicts for the ``portals.auth_encrypted`` column."""

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode() if isinstance(key, str) else key)

    def encrypt(self, data: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(data, sort_keys=True).encode()).decode()

    def decrypt(self, token: str) -> dict[str, Any]:
        if not token:
            return {}
        try:
            value = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as exc:
            raise ValueError("stored tokens cannot be decrypted with this FERNET_KEY") from exc
        if not isinstance(value, dict):
            raise ValueError("stored tokens are not a JSON object")
        return value
