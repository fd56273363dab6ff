"""The 1C OData login of a portal, with its password encrypted at rest.

``portal.settings["onec"]["password_encrypted"]`` holds the password sealed with the app's
Fernet key (``FERNET_KEY``, the key of the stored CRM tokens); it is opened only where an
OData client is built (``ODataSettings.from_portal``). A password stored in plain text before
this (``settings["onec"]["password"]``) still works and is sealed the first time it is seen:
by the OData poll fan-out for every portal, or when its client is built
(``services.onec_runs.seal_portal_password`` over ``sealed_settings``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backend.onec.odata import SEALED_PASSWORD, SecretBox

PLAIN_PASSWORD = "password"  # noqa: S105 - a settings key, not a password


def sealed_settings(settings: Mapping[str, Any], cipher: SecretBox) -> dict[str, Any] | None:
    """``settings`` with a plain 1C password replaced by its encrypted form; None when
    there is no plain password to seal."""
    onec = dict(settings.get("onec") or {})
    if PLAIN_PASSWORD not in onec:
        return None
    password = str(onec.pop(PLAIN_PASSWORD) or "")
    onec[SEALED_PASSWORD] = cipher.encrypt({"password": password}) if password else ""
    return {**settings, "onec": onec}


def with_odata_login(
    settings: Mapping[str, Any],
    cipher: SecretBox,
    *,
    odata_url: str,
    user: str,
    password: str,
) -> dict[str, Any]:
    """``settings`` with the portal's 1C OData address and login, the password sealed."""
    onec = {k: v for k, v in (settings.get("onec") or {}).items() if k != PLAIN_PASSWORD}
    onec["odata_url"], onec["user"] = odata_url, user
    onec[SEALED_PASSWORD] = cipher.encrypt({"password": password})
    return {**settings, "onec": onec}


def public_onec_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The portal's 1C settings as they may be shown: never the password, in any form."""
    hidden = {PLAIN_PASSWORD, SEALED_PASSWORD}
    onec = settings.get("onec") or {}
    shown = {k: v for k, v in onec.items() if k not in hidden}
    shown["password_set"] = bool(onec.get(PLAIN_PASSWORD) or onec.get(SEALED_PASSWORD))
    return shown
