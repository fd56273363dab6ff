"""Lease use cases: register a lease with its parties, add addenda, keep its schedule current."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.domain.billing import ScheduleItem
from backend.domain.contacts import check_lease_contacts
from backend.domain.errors import InvalidLease
from backend.domain.lease import Addendum, DueAnchor, DueRule, Lease
from backend.domain.parties import LandlordEntity, Person, Premises
from backend.domain.requisites import check_lease_parties
from backend.domain.schedule import plan
from backend.domain.status import SIGNED_STATES
from backend.ports import Clock
from backend.services.lease_json import parse_lease
from backend.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class RegisteredLease:
    lease_id: int
    landlord_id: int
    tenant_id: int


def register_lease(
    uow: UnitOfWork,
    clock: Clock,
    lease: Lease,
    *,
    crm_deal_id: str | None = None,
    crm_pipeline_id: str = "",
    landlord_id: int | None = None,
) -> RegisteredLease:
    """Store ``lease`` with its landlord, tenant, premises and people; the caller commits.

    The landlord is ``landlord_id``, else the portal's stored landlord with the same INN, KPP
    and one of its bank accounts (leases of one company share its row, so its numbering; the
    lease is paid to that account), else a new row. A deal already linked to a lease violates
    the one-lease-per-deal key.

    Every entry (either CRM's lease form, the lease JSON, imports, the API) comes through here,
    so both checks run for all of them: an address or a name that goes into mail headers must
    be sound (``InvalidLease`` naming the field: a CR/LF would add headers), and the parties'
    requisites must pass (``InvalidRequisites`` naming the field: ИНН, КПП, ОГРН, БИК, account).
    """
    check_lease_contacts(lease)
    check_lease_parties(lease)
    paid_to: int | None = None
    if landlord_id is None:
        landlord_id, paid_to = _same_landlord(uow, lease.landlord)
    if landlord_id is None:
        landlord_id = uow.parties.add_landlord(lease.landlord)
    tenant_id = uow.parties.add_tenant(lease.tenant)
    premises_ids = [_premises_id(uow, p) for p in lease.premises]
    manager_id = _person_id(uow, lease.manager)
    supervisor_id = _person_id(uow, lease.supervisor)
    lease_id = uow.leases.add(
        lease,
        landlord_id=landlord_id,
        tenant_id=tenant_id,
        premises_ids=premises_ids,
        manager_id=manager_id,
        supervisor_id=supervisor_id,
        crm_deal_id=crm_deal_id,
        crm_pipeline_id=crm_pipeline_id,
        now=clock.now(),
        accountant_id=_person_id(uow, lease.accountant),
    )
    if paid_to is not None:
        uow.leases.set_bank_account(lease_id, paid_to)
    uow.audit.record(clock.now(), "lease.registered", "lease", lease_id, {"number": lease.number})
    refresh_schedule(uow, lease_id)
    return RegisteredLease(lease_id, landlord_id, tenant_id)


DEFAULT_DUE_DAYS = 5  # when neither the lease nor the portal says: 5 days after the invoice


def due_rule_from_settings(settings: Mapping[str, Any]) -> DueRule:
    """The portal's default payment term for new leases (``settings["billing"]``:
    ``{"due_anchor": "after_issue" | "day_of_period", "due_days": N}``), else 5 days after
    the invoice. Every lease form starts from it; a lease's own rule wins."""
    billing = settings.get("billing") or {}
    try:
        return DueRule(
            DueAnchor(billing.get("due_anchor", DueAnchor.AFTER_ISSUE.value)),
            int(billing.get("due_days", DEFAULT_DUE_DAYS)),
        )
    except (ValueError, TypeError):
        return DueRule(DueAnchor.AFTER_ISSUE, DEFAULT_DUE_DAYS)


def create_lease_from_json(uow: UnitOfWork, clock: Clock, data: object) -> RegisteredLease:
    """Register a lease given as the documented lease JSON (``rentflow leases create``).

    ``InvalidLease`` names the field at fault (requisites included). Documents listed under
    ``issued`` were issued elsewhere and are not in this store, so they cannot be taken on
    here: such a file is refused rather than have those periods billed a second time.
    """
    lease, issued = parse_lease(data)
    if issued:
        raise InvalidLease(
            "issued",
            "documents issued elsewhere cannot be registered from a lease file;"
            " remove the list (and issue or record those documents in rentflow)",
        )
    return register_lease(uow, clock, lease)


def _same_landlord(uow: UnitOfWork, landlord: LandlordEntity) -> tuple[int | None, int | None]:
    """The stored landlord with the INN, KPP and an account of ``landlord``, and that account
    when it is not the landlord's default (else None)."""
    for landlord_id in uow.parties.landlord_ids(landlord.inn, landlord.kpp):
        stored = uow.parties.landlord(landlord_id)
        for account in stored.all_accounts:
            if account.same_account(landlord.bank):
                default = account.same_account(stored.bank)
                return landlord_id, None if default else account.id
    return None, None


def add_addendum(
    uow: UnitOfWork, clock: Clock, lease_id: int, addendum: Addendum
) -> list[ScheduleItem]:
    """Attach an addendum (доп. соглашение) and re-plan the lease; the caller commits.

    The lease's rules are checked with the addendum in place (``InvalidLease`` names the
    field), so an addendum that starts before the lease or ends before it takes effect is
    refused before anything is stored.
    """
    lease = uow.leases.get(lease_id)
    lease.addenda.append(addendum)
    lease.validate()
    premises_ids = (
        [_premises_id(uow, p) for p in addendum.premises] if addendum.premises is not None else None
    )
    uow.leases.add_addendum(lease_id, addendum, premises_ids)
    uow.audit.record(
        clock.now(),
        "lease.addendum",
        "lease",
        lease_id,
        {
            "number": addendum.number,
            "effective_from": addendum.effective_from.isoformat(),
            "kind": addendum.kind.value,
        },
    )
    return refresh_schedule(uow, lease_id)


def _premises_id(uow: UnitOfWork, premises: Premises) -> int:
    """Premises picked from the register are referred to; premises named by building and
    number (lease JSON, the API, the importers) are the register's ones with that name, so
    the register never lists a lease's copy beside its own row; only premises the register
    does not have yet are added to it."""
    if premises.id is not None:
        return premises.id
    if premises.code.strip():
        found = uow.parties.premises_named(premises.building, premises.code)
        if found is not None:
            return found
    return uow.parties.add_premises(premises)


def refresh_schedule(uow: UnitOfWork, lease_id: int) -> list[ScheduleItem]:
    """Re-plan the lease from its terms, addenda and issued documents; store and return it.

    Only signed and registered leases plan documents: a draft has nothing to bill yet, and
    a terminated or cancelled lease nothing more. Call it after anything that changes the
    lease, its addenda or its documents.
    """
    lease = uow.leases.get(lease_id)
    items = (
        plan(lease, uow.documents.issued_periods(lease_id)) if lease.status in SIGNED_STATES else []
    )
    uow.schedule.replace(lease_id, items)
    return items


def schedule_issued(uow: UnitOfWork, lease_id: int, item: ScheduleItem) -> None:
    """Bring the stored plan up to date after ``item`` of it was issued; the caller commits.

    Issuing a planned item takes exactly that item out of the plan: its period starts and
    ends on boundaries the plan already cuts at, so ``plan`` gives the other items unchanged
    (``tests/unit/domain/test_schedule.py`` holds it for every item of varied leases). So
    the item's row is deleted instead of re-planning the whole lease; when the stored plan
    has no such row (re-planned since it was read, or an item not from the stored plan) the
    lease is re-planned in full, as ``refresh_schedule``.
    """
    if not uow.schedule.remove(lease_id, item):
        refresh_schedule(uow, lease_id)


def _person_id(uow: UnitOfWork, person: Person | None) -> int | None:
    if person is None:
        return None
    if person.crm_user_id:
        known = uow.parties.person_by_crm_id(person.crm_user_id)
        if known is not None:
            return known[0]
    return uow.parties.add_person(person)
