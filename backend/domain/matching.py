"""Matching an incoming payment to open invoices (разноска), as plain rules over plain data.

Order of evidence, strongest first (rentflow's rule): the invoice number written in the purpose
("Оплата по счету № 123 от 01.02.2026", "по сч. 123", "счёт №БП-000123"), confirmed by the
payer's INN when both sides know it; else the payer's INN, narrowed by a contract number in
the purpose ("по договору № А-15/2026"); then an open invoice whose outstanding amount equals
the payment exactly, else the oldest open invoices first.
A payment never over-allocates an invoice: the remainder becomes an advance on the lease
when exactly one lease is concerned, and otherwise waits for a manager (manual review).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from backend.domain.billing import DocumentKind
from backend.domain.documents import InvoiceStatus, IssuedDocument
from backend.domain.money import Money
from backend.domain.payments import Payment

_NUMBER = r"(?:[A-ZА-ЯЁ]{1,4}-?)?\d+"
_DATE = r"\d{2}\.\d{2}\.\d{2,4}"
# one invoice of a list: "№ 2", "№2 от 01.01.2026", "5 от 01.02.26г.", "БП-000123"
_ITEM = rf"(?:№|N|#)*\s*{_NUMBER}(?:\s*от\s*{_DATE}(?:\s*г\.?)?)?"
# "Оплата по счету № 123 от 01.02.2026", "сч. 123", "счёт №БП-000123", "сч/ф 123", and lists
# as accountants write them: "по счетам № 2 от 01.01.2026 и № 5 от 01.02.2026", "№ 2 и № 5",
# "№№ 2, 5", "по счетам 2, 5".
INVOICE_RE = re.compile(
    r"(?<![а-яё])сч(?:е|ё)?т?(?:у|а|ам|ах|ов)?(?:/ф)?\.?\s*(?:на\s+оплату\s*)?"
    rf"(?P<numbers>{_ITEM}(?:\s*(?:,|;|\bи\b)\s*{_ITEM})*)",
    re.IGNORECASE,
)
_ITEM_RE = re.compile(
    rf"(?:№|N|#)*\s*(?P<number>{_NUMBER})(?:\s*от\s*(?P<date>{_DATE}))?", re.IGNORECASE
)
CONTRACT_RE = re.compile(
    r"(?<![а-яё])дог(?:овор[а-я]*|\.)?\s*(?:аренды\s*)?(?:№|N|#)\s*(?P<number>[\w/\-.]+\w)",
    re.IGNORECASE,
)
OPEN_STATUSES = frozenset({InvoiceStatus.ISSUED, InvoiceStatus.SENT, InvoiceStatus.PARTIALLY_PAID})


class MatchedBy(StrEnum):
    INVOICE_NUMBER = "invoice_number"
    CONTRACT = "contract"
    PAYER_INN = "payer_inn"
    NOTHING = "nothing"


@dataclass(frozen=True)
class LeaseParty:
    """What matching needs to know of a lease: its tenant's INN and contract number."""

    lease_id: int
    tenant_inn: str
    lease_number: str


@dataclass(frozen=True)
class InvoiceReference:
    """An invoice number found in a purpose, normalised, with its date when written."""

    number: str
    on: date | None = None


@dataclass(frozen=True)
class PlannedAllocation:
    """Part of the payment for one invoice, or (``invoice_id`` None) an advance on a lease."""

    amount: Money
    lease_id: int
    invoice_id: int | None = None


@dataclass(frozen=True)
class Match:
    """The outcome for one payment; allocations + advance + unallocated == the amount."""

    allocations: tuple[PlannedAllocation, ...]
    unallocated: Money
    matched_by: MatchedBy
    reason: str = ""  # why the money waits for a manager, when a rule (not chance) says so

    @property
    def advance(self) -> Money | None:
        advances = [a.amount for a in self.allocations if a.invoice_id is None]
        return advances[0] if advances else None

    @property
    def needs_review(self) -> bool:
        """Money nobody could place: it goes to the manual-review list."""
        return self.unallocated.is_positive()


def twin_key(payment: Payment) -> tuple[str, date, Decimal, str]:
    """What the same money looks like from any source: its payer's document number, date,
    amount and payer INN (a statement and 1C's OData give it different identities)."""
    return (payment.number, payment.paid_on, payment.amount.amount, payment.payer_inn)


def normalise_number(number: str) -> str:
    """ "БП-000123", "№ 123", "RF-0123" -> "123": the digits after any prefix, no leading zeros.

    1C stores numbers with a prefix and leading zeros while printed forms drop them, so both
    sides are compared in this form.
    """
    match = re.search(r"(\d+)\D*$", number)
    if match is None:
        return number.strip().upper()
    return match.group(1).lstrip("0") or "0"


def normalise_contract(number: str) -> str:
    """A contract number compared without case, spaces and "№"."""
    return re.sub(r"[\s№]", "", number).upper()


def invoice_references(purpose: str) -> list[InvoiceReference]:
    """Every invoice number written in a payment purpose, in order, without repeats."""
    found: list[InvoiceReference] = []
    for match in INVOICE_RE.finditer(purpose):
        for item in _ITEM_RE.finditer(match.group("numbers")):
            ref = InvoiceReference(
                normalise_number(item.group("number")), _purpose_date(item.group("date"))
            )
            if all(r.number != ref.number for r in found):
                found.append(ref)
    return found


def contract_reference(purpose: str) -> str | None:
    """The contract number written in a purpose ("по договору № А-15/2026"), if any."""
    match = CONTRACT_RE.search(purpose)
    return normalise_contract(match.group("number")) if match else None


def _purpose_date(text: str | None) -> date | None:
    if not text:
        return None
    fmt = "%d.%m.%Y" if len(text) == 10 else "%d.%m.%y"
    try:
        return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        return None


def is_open(invoice: IssuedDocument) -> bool:
    """An invoice that still waits for money."""
    return (
        invoice.kind is DocumentKind.INVOICE
        and invoice.status in OPEN_STATUSES
        and invoice.outstanding.is_positive()
    )


def match_payment(
    payment: Payment,
    invoices: Iterable[IssuedDocument],
    leases: Mapping[int, LeaseParty],
    *,
    available: Money | None = None,
) -> Match:
    """Decide where ``available`` (default: the whole payment) goes. Pure: nothing changes.

    ``invoices`` are the portal's invoices (closed ones are ignored); ``leases`` tells each
    invoice's tenant INN and contract number.
    """
    money = payment.amount if available is None else available
    candidates = sorted(
        (i for i in invoices if is_open(i) and i.total.currency == money.currency),
        key=lambda i: (i.issued_on, i.id or 0),
    )
    conflict = _other_tenants_invoice(payment, candidates, leases)
    if conflict:
        return Match((), money, MatchedBy.NOTHING, conflict)
    chosen, matched_by = _by_invoice_number(payment, candidates, leases)
    if not chosen:
        chosen, matched_by = _by_payer(payment, candidates, leases, money)
    lease_ids = {i.lease_id for i in chosen}
    if not chosen and matched_by is not MatchedBy.NOTHING:
        lease_ids = _payer_leases(payment, leases)
    return _spread(money, chosen, lease_ids, matched_by)


def _inn_agrees(payment: Payment, lease: LeaseParty | None) -> bool:
    if lease is None:
        return False
    return not (payment.payer_inn and lease.tenant_inn) or payment.payer_inn == lease.tenant_inn


def _other_tenants_invoice(
    payment: Payment, candidates: Sequence[IssuedDocument], leases: Mapping[int, LeaseParty]
) -> str:
    """Why the payment must wait for a manager when its purpose names an invoice that only
    another tenant has open (the payer's INN differs from that tenant's), else "". Paying
    someone else's invoice is a mistake or a letter of third-party payment (ст. 313 ГК РФ):
    either way a person decides, the money is not quietly put on the payer's own debt."""
    if not payment.payer_inn:
        return ""
    for ref in invoice_references(payment.purpose):
        same = [i for i in candidates if normalise_number(i.number) == ref.number]
        if not same or any(_inn_agrees(payment, leases.get(i.lease_id)) for i in same):
            continue
        other = leases.get(same[0].lease_id)
        inn = other.tenant_inn if other is not None else "?"
        return (
            f"invoice № {same[0].number} named in the purpose belongs to another tenant"
            f" (INN {inn}), the payer's INN is {payment.payer_inn}"
        )
    return ""


def _by_invoice_number(
    payment: Payment, candidates: Sequence[IssuedDocument], leases: Mapping[int, LeaseParty]
) -> tuple[list[IssuedDocument], MatchedBy]:
    chosen: list[IssuedDocument] = []
    for ref in invoice_references(payment.purpose):
        same = [
            i
            for i in candidates
            if normalise_number(i.number) == ref.number
            and _inn_agrees(payment, leases.get(i.lease_id))
            and i not in chosen
        ]
        if ref.on is not None and any(i.issued_on == ref.on for i in same):
            same = [i for i in same if i.issued_on == ref.on]
        if same:
            # numbering restarts each year: the oldest open one is the one being paid
            chosen.append(same[0])
    return chosen, MatchedBy.INVOICE_NUMBER if chosen else MatchedBy.NOTHING


def _payer_leases(payment: Payment, leases: Mapping[int, LeaseParty]) -> set[int]:
    if not payment.payer_inn:
        return set()
    by_inn = {lid for lid, lease in leases.items() if lease.tenant_inn == payment.payer_inn}
    contract = contract_reference(payment.purpose)
    if contract is not None:
        by_contract = {
            lid for lid in by_inn if normalise_contract(leases[lid].lease_number) == contract
        }
        if by_contract:
            return by_contract
    return by_inn


def _by_payer(
    payment: Payment,
    candidates: Sequence[IssuedDocument],
    leases: Mapping[int, LeaseParty],
    money: Money,
) -> tuple[list[IssuedDocument], MatchedBy]:
    lease_ids = _payer_leases(payment, leases)
    if not lease_ids:
        return [], MatchedBy.NOTHING
    contract = contract_reference(payment.purpose)
    matched_by = (
        MatchedBy.CONTRACT
        if contract is not None
        and any(normalise_contract(leases[lid].lease_number) == contract for lid in lease_ids)
        else MatchedBy.PAYER_INN
    )
    open_ones = [i for i in candidates if i.lease_id in lease_ids]
    exact = [i for i in open_ones if i.outstanding == money]
    if exact:
        return [exact[0]], matched_by
    return open_ones, matched_by


def _spread(
    money: Money, chosen: Sequence[IssuedDocument], lease_ids: set[int], matched_by: MatchedBy
) -> Match:
    left = money
    planned: list[PlannedAllocation] = []
    for invoice in chosen:
        if not left.is_positive():
            break
        part = min(left, invoice.outstanding)
        if part.is_positive() and invoice.id is not None:
            planned.append(PlannedAllocation(part, invoice.lease_id, invoice.id))
            left = left - part
    if left.is_positive() and len(lease_ids) == 1:
        # an overpayment (or a payment before any invoice) is an advance on the lease
        planned.append(PlannedAllocation(left, next(iter(lease_ids))))
        left = Money.zero(money.currency)
    if not planned:
        matched_by = MatchedBy.NOTHING
    return Match(tuple(planned), left, matched_by)
