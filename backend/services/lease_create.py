"""Create a lease from a deal with the lease form (the workspace page, the Bitrix24 deal tab,
amoCRM's lead panel): read what the CRM knows, check the form, store the lease linked to the
deal, then write the lease's status and a link to its card into the deal.

The CRM is read before and written after the one short transaction, never during it: a slow
CRM holds no database lock, and a form error is raised after the rollback, so the page that
shows it is drawn with no transaction open.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from backend.domain.errors import DealHasLease
from backend.domain.parties import LandlordEntity
from backend.domain.portal import Portal
from backend.ports import Clock
from backend.services.bulk_ports import BulkUnitOfWork
from backend.services.crm_sync import STATUS_LABELS_RU
from backend.services.landlords import Problem
from backend.services.lease_account import choices_of, set_lease_account
from backend.services.lease_form import (
    FormChoices,
    LeaseForm,
    LeaseFormInvalid,
    build_lease,
    check_lease_form,
    prefilled_form,
    read_lease_form,
)
from backend.services.leases import due_rule_from_settings, register_lease
from crm_mappings.port import CrmError, CrmPort, CrmUser, Deal, DealUpdate, LeaseField

log = logging.getLogger(__name__)
BulkUowFactory = Callable[[int | None], BulkUnitOfWork]


@dataclass(frozen=True)
class NewLeasePage:
    """What the create page shows: the deal, the form (prefilled or as typed), the choices,
    or the deal's lease when it has one already."""

    deal: Deal
    form: LeaseForm
    choices: FormChoices
    existing_lease: int | None = None


def form_choices(
    uow: BulkUnitOfWork, users: list[CrmUser] | None, settings: Mapping[str, object]
) -> FormChoices:
    """The portal's landlords by name, the register's premises (vacant first) and the CRM's
    users, for the form's selects."""
    entities = uow.parties.landlords()
    landlords = [(e.id or 0, e.name) for e in entities]
    accounts = [(e.id or 0, a) for e in entities for a in choices_of(e)]
    premises = sorted(
        uow.estate.register(), key=lambda p: (p.status != "vacant", p.building, p.number)
    )
    return FormChoices(landlords, premises, users, due_rule_from_settings(settings), accounts)


def new_lease_page(
    uow_factory: BulkUowFactory, crm: CrmPort, portal_id: int, deal_id: str, today: date
) -> NewLeasePage:
    """The prefilled form for ``deal_id``: the tenant from the deal's company or contact,
    its responsible user as the manager. ``CrmNotFound`` when the deal is gone."""
    deal = crm.get_deal(deal_id)
    party = crm.deal_party(deal_id)
    users = crm.list_users()
    with uow_factory(portal_id) as uow:
        existing = uow.leases.by_deal(deal_id)
        choices = form_choices(uow, users, uow.portals.get(portal_id).settings)
    form = prefilled_form(deal.title, party, choices, deal.responsible_user_id, today)
    return NewLeasePage(deal, form, choices, existing.id if existing is not None else None)


def page_without_crm(
    uow_factory: BulkUowFactory, portal_id: int, deal_id: str, data: Mapping[str, str]
) -> NewLeasePage:
    """The form as typed, drawn again while the CRM does not answer: what was typed is kept;
    the CRM's users cannot be offered until it answers."""
    with uow_factory(portal_id) as uow:
        choices = form_choices(uow, None, uow.portals.get(portal_id).settings)
    return NewLeasePage(Deal(deal_id, "", "", ""), read_lease_form(data), choices)


def validate_lease_form(uow: BulkUnitOfWork, data: Mapping[str, str]) -> dict[str, Problem]:
    """The form's problems, for the inline check on blur (no CRM call: the users picked are
    checked when the form is sent)."""
    portal = uow.portals.get(uow.portal_id or 0)
    choices = form_choices(uow, None, portal.settings)
    return check_lease_form(read_lease_form(data), choices).problems


@dataclass(frozen=True)
class CreatedLease:
    lease_id: int
    number: str
    deal_told: bool  # the deal got the status and the card link


def create_lease_from_form(
    uow_factory: BulkUowFactory,
    clock: Clock,
    crm: CrmPort,
    portal_id: int,
    deal_id: str,
    data: Mapping[str, str],
    card_link: Callable[[Portal, int, str], str],
) -> CreatedLease:
    """Check the form and store the lease linked to the deal; then write its status and
    ``card_link(portal, lease id, deal id)`` into the deal's rentflow fields.

    Raises ``LeaseFormInvalid`` (every problem, what was typed kept), ``DealHasLease`` (a
    second submit, or another manager was faster), ``CrmNotFound`` (the deal is gone); each
    after the transaction rolled back. A CRM that fails the final write does not undo the
    lease: the result says so."""
    deal = crm.get_deal(deal_id)
    users = crm.list_users()
    form = read_lease_form(data)
    with uow_factory(portal_id) as uow:
        portal = uow.portals.get(portal_id)
        choices = form_choices(uow, users, portal.settings)
        checked = check_lease_form(form, choices)
        if checked.problems:
            raise LeaseFormInvalid(checked, NewLeasePage(deal, checked, choices))
        existing = uow.leases.by_deal(deal_id)
        if existing is not None:
            raise DealHasLease(deal_id, existing.id)
        landlord_id = int(form.values["landlord"])
        landlord: LandlordEntity = uow.parties.landlord(landlord_id)
        lease = build_lease(checked, choices, landlord)
        registered = register_lease(
            uow, clock, lease, crm_deal_id=deal_id, crm_pipeline_id=deal.pipeline_id,
            landlord_id=landlord_id,
        )  # fmt: skip
        paid_to = choices.account(form.values["landlord"], form.values["bank_account"])
        if paid_to is not None:
            set_lease_account(uow, registered.lease_id, paid_to)
        uow.audit.record(clock.now(), "lease.created_from_deal", "lease", registered.lease_id,
                         {"deal": deal_id, "number": lease.number})  # fmt: skip
        uow.commit()
    fields = {
        LeaseField.LEASE_STATUS: STATUS_LABELS_RU[lease.status],
        LeaseField.LEASE_URL: card_link(portal, registered.lease_id, deal_id),
    }
    try:
        crm.update_deals([DealUpdate(deal_id, fields=fields)])
    except CrmError as err:  # the lease stands; the deal hears on the next push or resync
        log.warning("deal %s was not told of lease %s: %s", deal_id, registered.lease_id, err)
        return CreatedLease(registered.lease_id, lease.number, deal_told=False)
    return CreatedLease(registered.lease_id, lease.number, deal_told=True)


def crm_card_link(portal: Portal, lease_id: int, deal_id: str, app_code: str) -> str:
    """A link to the lease card that opens it inside the CRM, where the person is signed in
    (a bare workspace URL needs a frame token, which expires):

    - Bitrix24: ``https://<portal>/marketplace/view/<APP_CODE>/?params[lease]=<id>`` opens
      the app in a slider through the ``REST_APP_URI`` placement, which hands ``lease`` to
      the app page in ``PLACEMENT_OPTIONS`` (EN api-reference/widgets/universal/app-url);
    - amoCRM: the lead's card, ``https://<account>/leads/detail/<lead id>``, whose rentflow
      panel shows the lease card.
    """
    if portal.kind == "amocrm":
        return f"{portal.web_base}/leads/detail/{quote(deal_id)}"
    return f"{portal.web_base}/marketplace/view/{quote(app_code)}/?params%5Blease%5D={lease_id}"


__all__ = [
    "CreatedLease",
    "DealHasLease",
    "LeaseFormInvalid",
    "NewLeasePage",
    "create_lease_from_form",
    "crm_card_link",
    "form_choices",
    "new_lease_page",
    "page_without_crm",
    "validate_lease_form",
]
