"""What a CRM's settings page edits besides the stage mapping: the portal's landlord entities
(исполнители) with their numbering, and its 1C settings (``portal.settings["onec"]``).

Landlords travel in the lease JSON's ``landlord`` shape (``docs/lease-input.md``), checked by
the same schema and by the requisites checks (ИНН, КПП, БИК, account keys). The 1C password is
write-only: it is never sent back, only whether it is set, and it is sealed (Fernet) before
it is written: a plain password never reaches the database, nor its WAL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from backend.domain.contacts import email_problem
from backend.domain.errors import DomainError
from backend.domain.parties import LandlordEntity
from backend.domain.requisites import check_landlord
from backend.ports import Clock
from backend.services.lease_json import parse_landlord
from backend.services.unit_of_work import SecretBox, UnitOfWork

NUMBERED_KINDS = ("invoice", "act")
ONEC = "onec"
# portal.settings["onec"] keys a settings page may set, and their types: backend/onec/odata.py
# (odata_url, user, password), backend/services/onec_runs.py (poll, poll_days, export,
# write_drafts), backend/services/onec_export.py and notifications.py (accountant_email)
ONEC_TEXT = ("odata_url", "user", "accountant_email")
ONEC_FLAGS = ("poll", "export", "write_drafts")
ONEC_PASSWORD = "password"  # noqa: S105 - the key name, not a secret
# where the password is kept, sealed with the app's Fernet key (backend/onec/odata.py
# SEALED_PASSWORD, opened only where an OData client is built)
ONEC_SEALED_PASSWORD = "password_encrypted"  # noqa: S105 - the key name, not a secret


class InvalidSettings(DomainError):
    """A settings change that cannot be saved; ``field`` names the culprit."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


def landlord_json(entity: LandlordEntity, settings: Mapping[str, Any]) -> dict[str, Any]:
    """A landlord entity in the lease JSON's shape, with its id and document numbering."""
    return {
        "id": entity.id,
        "landlord": {
            "name": entity.name, "inn": entity.inn, "kpp": entity.kpp, "ogrn": entity.ogrn,
            "address": entity.address, "email": entity.email, "phone": entity.phone,
            "vat_payer": entity.vat_payer,
            "director": {"name": entity.director.name, "position": entity.director.position},
            "accountant": {"name": entity.accountant.name},
            "bank": {
                "name": entity.bank.bank_name, "bic": entity.bank.bic,
                "account": entity.bank.account, "corr_account": entity.bank.corr_account,
            },
        },
        "numbering": {
            kind: dict((settings.get("numbering") or {}).get(kind) or {}) for kind in NUMBERED_KINDS
        },
    }  # fmt: skip


def list_landlords(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every landlord entity of the portal, as ``landlord_json``."""
    return [
        landlord_json(entity, uow.parties.landlord_settings(entity.id or 0))
        for entity in uow.parties.landlords()
    ]


def save_landlord(
    uow: UnitOfWork, clock: Clock, body: Mapping[str, Any], landlord_id: int | None = None
) -> int:
    """Add a landlord entity, or change ``landlord_id``, from ``{"landlord": {...},
    "numbering": {"invoice": {"prefix": .., "width": ..}, "act": {..}}}``; caller commits.

    Raises ``InvalidLease`` (shape) or ``InvalidRequisites`` (ИНН, БИК...) naming the field,
    ``InvalidSettings`` for the numbering, ``NotFound`` for another portal's landlord."""
    entity = check_landlord(parse_landlord(body.get("landlord")))
    numbering = _numbering(body.get("numbering") or {})
    if landlord_id is None:
        landlord_id = uow.parties.add_landlord(entity, {"numbering": numbering})
        event = "landlord.added"
    else:
        settings = {**uow.parties.landlord_settings(landlord_id), "numbering": numbering}
        uow.parties.update_landlord(landlord_id, entity, settings)
        event = "landlord.changed"
    uow.audit.record(clock.now(), event, "landlord", landlord_id)
    return landlord_id


def _numbering(data: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(data, Mapping):
        raise InvalidSettings("numbering", "must be an object")
    out: dict[str, dict[str, Any]] = {}
    for kind, own in data.items():
        if kind not in NUMBERED_KINDS or not isinstance(own, Mapping):
            raise InvalidSettings(f"numbering.{kind}", "is not a numbered document kind")
        width = own.get("width", 0)
        if not isinstance(width, int) or isinstance(width, bool) or not 0 <= width <= 12:
            raise InvalidSettings(f"numbering.{kind}.width", "must be a whole number 0..12")
        out[kind] = {"prefix": str(own.get("prefix", "")), "width": width}
    return out


def onec_settings(portal_settings: Mapping[str, Any]) -> dict[str, Any]:
    """The portal's 1C settings for a settings page: the password replaced by whether it is
    set, and ``poll_days``."""
    onec = dict(portal_settings.get(ONEC) or {})
    shown: dict[str, Any] = {key: str(onec.get(key, "")) for key in ONEC_TEXT}
    shown.update({key: bool(onec.get(key, key == "poll")) for key in ONEC_FLAGS})
    shown["poll_days"] = int(onec.get("poll_days", 31))
    shown["password_set"] = bool(onec.get(ONEC_PASSWORD) or onec.get(ONEC_SEALED_PASSWORD))
    return shown


def save_onec_settings(
    uow: UnitOfWork, clock: Clock, portal_id: int, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Apply a settings page's 1C changes; caller commits. A missing or empty ``password``
    keeps the stored one, ``"clear_password": true`` removes it. Returns ``onec_settings``."""
    portal = uow.portals.get(portal_id)
    onec = dict(portal.settings.get(ONEC) or {})
    for key, value in changes.items():
        if key in ONEC_TEXT:
            onec[key] = _text(key, value)
        elif key in ONEC_FLAGS:
            if not isinstance(value, bool):
                raise InvalidSettings(key, "must be true or false")
            onec[key] = value
        elif key == "poll_days":
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 366:
                raise InvalidSettings(key, "must be a whole number of days 1..366")
            onec[key] = value
        elif key in (ONEC_PASSWORD, "clear_password"):
            _change_password(uow.secrets, onec, key, value)
        else:
            raise InvalidSettings(key, "is not a 1C setting")
    if onec.get(ONEC_PASSWORD):  # stored plain before passwords were sealed on write
        onec[ONEC_SEALED_PASSWORD] = uow.secrets.encrypt({"password": onec.pop(ONEC_PASSWORD)})
    for key, problem in onec_problems(onec).items():
        raise InvalidSettings(key, problem)
    uow.portals.save(replace(portal, settings={**portal.settings, ONEC: onec}))
    uow.audit.record(
        clock.now(), "portal.onec_settings_changed", "portal", portal_id, {"keys": sorted(changes)}
    )
    return onec_settings({ONEC: onec})


def onec_problems(onec: Mapping[str, Any]) -> dict[str, str]:
    """The 1C settings' addresses that cannot be used: setting -> why (none: all fine)."""
    problems: dict[str, str] = {}
    email = str(onec.get("accountant_email", ""))
    if email and (problem := email_problem(email)):  # it goes into a To: header
        problems["accountant_email"] = problem
    url = str(onec.get("odata_url", ""))
    if url and not url.startswith(("http://", "https://")):
        problems["odata_url"] = "must be an http(s) address"
    return problems


def _change_password(box: SecretBox, onec: dict[str, Any], key: str, value: Any) -> None:
    """Seal a new password before it is stored (never written plain); ``clear_password``."""
    if key == ONEC_PASSWORD and _text(key, value):
        onec[ONEC_SEALED_PASSWORD] = box.encrypt({"password": value})
        onec.pop(ONEC_PASSWORD, None)
    elif key == "clear_password" and value is True:
        onec.pop(ONEC_PASSWORD, None)
        onec.pop(ONEC_SEALED_PASSWORD, None)


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidSettings(key, "must be text")
    return value.strip()
