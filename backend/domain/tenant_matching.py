"""How an imported tenant finds the tenant it updates: by external id and phone (seed 002).

Seed 002 ("Особенности и различные сценарии действий при импорте клиентов"), for any channel
(API, XML, Excel):

1. external id and phone both match → the id and the phone stay, the rest is overwritten;
2. the external id matches, the phone differs →
   a. the phone was never used in the portal → everything is overwritten, the phone too;
   b. another tenant of the portal uses or used that phone → the import fails with
      «Невозможно изменить номер телефона, так как клиент уже выполнил вход в личный кабинет»;
3. the external id does not match, the phone does → the new external id is added to the tenant
   who has that phone;
4. neither matches → a new tenant.

Cases 2c (the phone is registered in another organisation) and 2d (merging with a tenant who
never signed in) need data across portals or a sign-in history rentflow keeps elsewhere; they
are not decided here. A tenant flagged "do not sync" (не удалять/не синхронизировать при
интеграции) is left alone and reported as skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from backend.domain.errors import DomainError

PHONE_IN_USE = (
    "Невозможно изменить номер телефона, так как клиент уже выполнил вход в личный кабинет"
)


class InvalidPhone(DomainError):
    """A phone number that is not a Russian mobile/landline or an international number."""

    def __init__(self, raw: str) -> None:
        super().__init__(f"not a phone number: {raw!r}")
        self.raw = raw


class PhoneInUse(DomainError):
    """Seed 002 case 2b: the new phone belongs, or belonged, to another tenant."""

    def __init__(self, phone: str, owner: TenantKey) -> None:
        super().__init__(PHONE_IN_USE)
        self.phone = phone
        self.owner = owner


_NOT_DIGITS = re.compile(r"\D")


def normalise_phone(raw: str) -> str:
    """``+7 (912) 345-67-89``, ``8 912 345 67 89``, ``9123456789`` → ``+79123456789``.

    Russian numbers are 10 digits after the country code, written with 8 or +7 in front;
    any other number written with ``+`` keeps its digits (E.164, 8 to 15 digits). An empty
    value stays empty (a tenant may have no phone).
    """
    text = raw.strip()
    if not text:
        return ""
    digits = _NOT_DIGITS.sub("", text)
    if len(digits) == 11 and digits[0] in "78" and not text.startswith("+8"):
        return "+7" + digits[1:]
    if len(digits) == 10 and not text.startswith("+"):
        return "+7" + digits
    if text.startswith("+") and 8 <= len(digits) <= 15:
        return "+" + digits
    raise InvalidPhone(raw)


TenantKey = int | str
"""A stored tenant's id, or a provisional key of one created earlier in the same import."""


@dataclass(frozen=True)
class TenantRecord:
    """A tenant as an import channel gives it (клиент); ``phone`` is already normalised."""

    name: str
    external_id: str = ""
    phone: str = ""
    kind: str = "legal_entity"
    inn: str = ""
    kpp: str = ""
    emails: tuple[str, ...] = ()
    address: str = ""
    external_note: str = ""


@dataclass
class KnownTenant:
    """What matching needs to know of a tenant already in the portal."""

    key: TenantKey
    phone: str = ""
    do_not_sync: bool = False


class MatchAction(StrEnum):
    UPDATE = "update"  # case 1: overwrite all but id and phone
    UPDATE_WITH_PHONE = "update_with_phone"  # case 2a
    ADD_EXTERNAL_ID = "add_external_id"  # case 3
    CREATE = "create"  # case 4
    SKIP = "skip"  # the tenant is flagged "do not sync"


@dataclass(frozen=True)
class MatchDecision:
    action: MatchAction
    tenant: TenantKey | None = None


@dataclass
class TenantIndex:
    """The portal's tenants as matching sees them: by external id, current phone, and every
    phone each tenant has had. Callers load the part an import batch touches."""

    tenants: dict[TenantKey, KnownTenant] = field(default_factory=dict)
    by_external_id: dict[str, TenantKey] = field(default_factory=dict)
    by_phone: dict[str, TenantKey] = field(default_factory=dict)
    phone_owners: dict[str, set[TenantKey]] = field(default_factory=dict)

    def add(self, tenant: KnownTenant, external_ids: tuple[str, ...] = ()) -> None:
        """Know ``tenant`` with its current phone and ``external_ids``."""
        self.tenants[tenant.key] = tenant
        for external_id in external_ids:
            self.by_external_id[external_id] = tenant.key
        if tenant.phone:
            self.by_phone[tenant.phone] = tenant.key
            self.phone_owners.setdefault(tenant.phone, set()).add(tenant.key)

    def had_phone(self, key: TenantKey, phone: str) -> None:
        """Record that ``key`` once used ``phone`` (it is no longer the current one)."""
        self.phone_owners.setdefault(phone, set()).add(key)

    def decide(self, record: TenantRecord) -> MatchDecision:
        """Which of seed 002's four cases ``record`` falls in; raises ``PhoneInUse`` (2b)."""
        by_id = self.by_external_id.get(record.external_id) if record.external_id else None
        by_phone = self.by_phone.get(record.phone) if record.phone else None
        matched = by_id if by_id is not None else by_phone
        if matched is not None and self.tenants[matched].do_not_sync:
            return MatchDecision(MatchAction.SKIP, matched)
        if by_id is not None:
            current = self.tenants[by_id].phone
            if not record.phone or record.phone == current:
                return MatchDecision(MatchAction.UPDATE, by_id)
            others = self.phone_owners.get(record.phone, set()) - {by_id}
            if others:
                raise PhoneInUse(record.phone, min(others, key=str))
            return MatchDecision(MatchAction.UPDATE_WITH_PHONE, by_id)
        if by_phone is not None:
            return MatchDecision(MatchAction.ADD_EXTERNAL_ID, by_phone)
        return MatchDecision(MatchAction.CREATE)

    def apply(self, decision: MatchDecision, record: TenantRecord, new_key: TenantKey) -> None:
        """Keep the index true after ``decision`` is carried out (``new_key`` for a create),
        so later records of the same import see it."""
        if decision.action is MatchAction.CREATE:
            self.add(
                KnownTenant(new_key, record.phone),
                (record.external_id,) if record.external_id else (),
            )
            return
        key = decision.tenant
        if key is None:
            return
        if decision.action is MatchAction.UPDATE_WITH_PHONE:
            tenant = self.tenants[key]
            if tenant.phone and self.by_phone.get(tenant.phone) == key:
                del self.by_phone[tenant.phone]
            tenant.phone = record.phone
            self.by_phone[record.phone] = key
            self.phone_owners.setdefault(record.phone, set()).add(key)
        elif decision.action is MatchAction.ADD_EXTERNAL_ID and record.external_id:
            self.by_external_id[record.external_id] = key


@dataclass(frozen=True)
class ExternalId:
    """One of a tenant's external ids, with the note that says where it comes from."""

    value: str
    note: str = ""


@dataclass(frozen=True)
class TenantCard:
    """A tenant of the register with its phones and external ids (API, Excel export)."""

    id: int
    name: str
    kind: str
    inn: str
    kpp: str
    phone: str
    emails: tuple[str, ...]
    address: str
    external_ids: tuple[ExternalId, ...]
    do_not_sync: bool
