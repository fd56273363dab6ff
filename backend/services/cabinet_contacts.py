"""A tenant keeps their contacts current (seed 003 "Персональна інформація", "Актуальні
контакти"): name, address, phone and e-mails, edited in the cabinet.

The change is written to the tenant (the addresses invoices go to, the phone history), and
audited with who made it and each field's old and new value, in one transaction; after the
commit a task pushes it to the CRM: the company of each of the tenant's deals (or the deal's
main contact when it has no company) through ``CrmPort.update_party``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from backend.domain.cabinet import TenantRef
from backend.domain.contacts import email_problem, text_problem
from backend.domain.errors import DomainError, NotFound
from backend.domain.parties import Tenant
from backend.domain.tenant_matching import normalise_phone
from backend.ports import Clock
from backend.services.cabinet_ports import CabinetUnitOfWorkFactory
from crm_mappings.port import CrmNotFound, CrmPort, PartyUpdate

MAX_EMAILS = 5
AUDIT_ACTION = "tenant.contacts_changed"


@dataclass(frozen=True)
class ContactForm:
    """What the tenant typed: e-mails as one text, separated by commas or spaces."""

    name: str
    address: str
    phone: str
    emails: str


class ContactsRefused(DomainError):
    """Fields that cannot be kept, with why (field -> reason code): nothing is written."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class CleanContacts:
    name: str
    address: str
    phone: str
    emails: tuple[str, ...]


def clean(form: ContactForm, signed_in_as: str) -> CleanContacts:
    """The form checked and normalised; ``ContactsRefused`` naming each bad field. The
    signed-in address must stay on the list: removing it would lock the person out."""
    errors: dict[str, str] = {}
    name, address = form.name.strip(), form.address.strip()
    if not name or len(name) > 255 or text_problem(name):
        errors["name"] = "name"
    if len(address) > 1000 or "\x00" in address:
        errors["address"] = "address"
    try:
        phone = normalise_phone(form.phone[:40])
    except DomainError:
        errors["phone"], phone = "phone", ""
    emails = tuple(dict.fromkeys(e.lower() for e in form.emails.replace(",", " ").split()))
    if not emails or len(emails) > MAX_EMAILS or any(email_problem(e) for e in emails):
        errors["emails"] = "emails"
    elif signed_in_as not in emails:
        errors["emails"] = "own_email"
    if errors:
        raise ContactsRefused(errors)
    return CleanContacts(name, address, phone, emails)


def contact_card(uow_factory: CabinetUnitOfWorkFactory, ref: TenantRef) -> Tenant:
    with uow_factory(ref.portal_id) as uow:
        tenant = uow.cabinet.data.tenant(ref.portal_id, ref.tenant_id)
    if tenant is None:
        raise NotFound(f"tenant {ref.tenant_id}")
    return tenant


def update_contacts(
    uow_factory: CabinetUnitOfWorkFactory, clock: Clock, ref: TenantRef, signed_in_as: str,
    form: ContactForm, queue_sync: Callable[[int, list[int]], None],
) -> dict[str, list[object]]:  # fmt: skip
    """Save the tenant's contacts and audit them; queue the CRM push after the commit.
    Returns the changes (field -> [old, new]); nothing changed writes nothing."""
    new = clean(form, signed_in_as)
    with uow_factory(ref.portal_id) as uow:
        old = uow.cabinet.data.tenant(ref.portal_id, ref.tenant_id)
        if old is None:
            raise NotFound(f"tenant {ref.tenant_id}")
        before: dict[str, object] = {"name": old.name, "address": old.address, "phone": old.phone,
                  "emails": list(old.emails)}  # fmt: skip
        after: dict[str, object] = {"name": new.name, "address": new.address, "phone": new.phone,
                 "emails": list(new.emails)}  # fmt: skip
        changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        if not changes:
            return {}
        uow.cabinet.data.save_contacts(
            ref.portal_id, ref.ids, name=new.name, address=new.address, phone=new.phone,
            emails=new.emails,
        )  # fmt: skip
        details = {"changes": changes, "via": "cabinet", "tenant_ids": list(ref.ids)}
        actor = f"tenant:{signed_in_as}"
        uow.audit.record(clock.now(), AUDIT_ACTION, "tenant", ref.tenant_id, details, actor=actor)
        uow.after_commit(lambda: queue_sync(ref.portal_id, list(ref.ids)))
        uow.commit()
    return changes


def push_contacts(
    uow_factory: CabinetUnitOfWorkFactory, crm: CrmPort, portal_id: int, tenant_ids: Sequence[int]
) -> int:
    """Write the tenant's current contacts to the company (or main contact) of each of its
    deals, each once; how many CRM entities were written. Idempotent: a retried task writes
    the same values again."""
    with uow_factory(portal_id) as uow:
        tenant = uow.cabinet.data.tenant(portal_id, tenant_ids[0]) if tenant_ids else None
        lease_ids = uow.cabinet.data.lease_ids(portal_id, tenant_ids)
        deals = [deal for deal, _ in uow.leases.deals_of(lease_ids).values() if deal]
    if tenant is None:
        return 0
    parties: dict[tuple[str, str], None] = {}
    for deal_id in sorted(set(deals)):
        try:
            deal = crm.get_deal(deal_id)
        except CrmNotFound:
            continue  # the deal was deleted in the CRM: nothing to write to
        if deal.company_id and deal.company_id != "0":
            parties[("company", deal.company_id)] = None
        elif deal.contact_ids:
            parties[("contact", deal.contact_ids[0])] = None
    for kind, party_id in parties:
        crm.update_party(
            PartyUpdate(
                kind=kind, id=party_id, name=tenant.name if kind == "company" else None,
                phone=tenant.phone, emails=tenant.emails, address=tenant.address,
            )
        )  # fmt: skip
    return len(parties)
