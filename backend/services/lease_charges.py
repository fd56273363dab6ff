"""Invoice a charge beside the rent from the lease card: utilities (коммунальные услуги) or
another charge, with a description and an amount, for a period (``backend.domain.charges``).

Checked field by field before anything is written (``ActionInvalid``); then numbered in the
landlord's series, stored, rendered and published like the manual rent invoice
(``lease_actions.issue_manual_invoice``): the deal hears of it, the 1C export and the tenant's
cabinet count it by its purpose. A second invoice of the same purpose for the same first day
is refused (``taken``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from backend.domain.billing import BillingPeriod
from backend.domain.charges import CHARGES, charge_invoice
from backend.domain.contacts import text_problem
from backend.domain.documents import DocumentPurpose
from backend.domain.errors import AlreadyIssued
from backend.domain.money import Money
from backend.services.billing_ports import BillingPorts
from backend.services.billing_publish import render_and_publish
from backend.services.landlords import Problem
from backend.services.lease_actions import ActionInvalid, ManualInvoice, _amount, _date, _text
from backend.services.numbering import next_document_number

MAX_DESCRIPTION = 200


def _read(
    data: Mapping[str, str],
) -> tuple[DocumentPurpose, str, Money, BillingPeriod]:
    problems: dict[str, Problem] = {}
    purpose = _text(data, "purpose")
    if purpose not in {p.value for p in CHARGES}:
        problems["purpose"] = Problem("choice")
    description = _text(data, "description")
    if len(description) > MAX_DESCRIPTION:
        problems["description"] = Problem("too_long", str(MAX_DESCRIPTION))
    elif text_problem(description):
        problems["description"] = Problem("invalid")
    elif purpose == DocumentPurpose.OTHER and not description:
        problems["description"] = Problem("missing")
    amount = _amount(data, "amount", problems)
    if amount is not None and amount == 0:
        problems["amount"] = Problem("positive")
    elif amount is None and "amount" not in problems:
        problems["amount"] = Problem("missing")
    start, end = _date(data, "start", problems), _date(data, "end", problems)
    if start and end and end < start:
        problems["end"] = Problem("before_start")
    if problems or amount is None or start is None or end is None:
        raise ActionInvalid(problems, data)
    return DocumentPurpose(purpose), description, Money(amount), BillingPeriod(start, end)


def issue_charge(
    ports: BillingPorts, portal_id: int, lease_id: int, data: Mapping[str, str], today: date
) -> ManualInvoice:
    """Issue the charge ``data`` describes (``purpose``, ``description``, ``amount``,
    ``start``..``end``) as an invoice of the lease, dated ``today``."""
    purpose, description, amount, period = _read(data)
    with ports.uow(portal_id) as uow:
        lease = uow.leases.get(lease_id)
        draft = charge_invoice(lease, purpose, description, amount, period, today)
        ports.rendering.check(lease, draft)
        if lease.landlord.id is None:
            raise ActionInvalid({"": Problem("invalid")})
        number = next_document_number(uow, lease.landlord.id, draft.kind, today)
        try:
            document = uow.documents.add(
                replace(draft, number=number), manual=True, now=ports.clock.now(),
                summary_pending=True,
            )  # fmt: skip
        except AlreadyIssued as err:
            uow.rollback()
            raise ActionInvalid({"start": Problem("taken", str(period))}, data) from err
        if document.id is None:
            raise ActionInvalid({"start": Problem("taken", str(period))}, data)
        uow.audit.record(ports.clock.now(), "document.issued", "document", document.id,
                         {"lease": lease.number, "kind": "invoice", "number": number,
                          "period": str(period), "manual": "yes", "purpose": str(purpose),
                          "amount": f"{document.total.amount:.2f}"})  # fmt: skip
        uow.commit()
    render_and_publish(ports, portal_id, lease, document)
    return ManualInvoice(document.id, number, issued_now=True)
