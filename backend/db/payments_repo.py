"""Payments and their allocations to documents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from backend.db.batching import in_chunks
from backend.db.scoped import _Scoped
from backend.db.tables import (
    AllocationRow,
    DocumentRow,
    LeaseRow,
    PaymentRow,
)
from backend.domain.errors import NotFound
from backend.domain.money import Money
from backend.domain.payments import Allocation, AllocationEntry, Payment


def _payment_from_row(row: PaymentRow) -> Payment:
    return Payment(
        id=row.id,
        number=row.number,
        paid_on=row.paid_on,
        amount=Money(Decimal(row.amount), row.currency),
        payer_name=row.payer_name,
        payer_inn=row.payer_inn,
        payer_account=row.payer_account,
        payee_account=row.payee_account,
        purpose=row.purpose,
        source=row.source,
        external_id=row.external_id,
    )


def _payment_values(
    portal_id: int, identity: str, payment: Payment, now: datetime | None
) -> dict[str, Any]:
    return {
        "portal_id": portal_id, "identity": identity, "number": payment.number,
        "paid_on": payment.paid_on, "amount": payment.amount.amount,
        "currency": payment.amount.currency, "payer_name": payment.payer_name,
        "payer_inn": payment.payer_inn, "payer_account": payment.payer_account,
        "payee_account": payment.payee_account, "purpose": payment.purpose,
        "source": payment.source, "external_id": payment.external_id, "created_at": now,
        "allocated": Decimal(0),
    }  # fmt: skip


def _entry(
    row: AllocationRow, payment: PaymentRow, invoice: str | None, lease: str | None
) -> AllocationEntry:
    return AllocationEntry(
        id=row.id, payment=_payment_from_row(payment),
        amount=Money(Decimal(row.amount), payment.currency), invoice_id=row.invoice_id,
        invoice_number=invoice or "", lease_id=row.lease_id, lease_number=lease or "",
        by=row.by, created_at=row.created_at,
    )  # fmt: skip


class PaymentRepository(_Scoped):
    """Incoming payments (unique by identity) and their allocations."""

    def add(self, payment: Payment, now: datetime | None = None) -> Payment | None:
        """Insert; return None (and change nothing) when the payment is known already."""
        exists = self.session.scalar(
            select(PaymentRow.id).where(
                PaymentRow.portal_id == self.portal_id, PaymentRow.identity == payment.identity
            )
        )
        if exists is not None:
            return None
        row = PaymentRow(
            portal_id=self.portal_id,
            identity=payment.identity,
            number=payment.number,
            paid_on=payment.paid_on,
            amount=payment.amount.amount,
            currency=payment.amount.currency,
            payer_name=payment.payer_name,
            payer_inn=payment.payer_inn,
            payer_account=payment.payer_account,
            payee_account=payment.payee_account,
            purpose=payment.purpose,
            source=payment.source,
            external_id=payment.external_id,
            created_at=now,
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return None
        return _payment_from_row(row)

    def add_many(
        self, payments: Sequence[Payment], now: datetime | None = None
    ) -> list[Payment | None]:
        """``add`` for a batch, in a few statements: None where the payment is known already.

        Used by the bank statement import (100,000 documents). A concurrent import of the
        same payments makes the batch fall back to one-by-one ``add``.
        """
        keyed = [(p.identity, p) for p in payments]  # identity is computed, compute it once
        identities = list({identity for identity, _ in keyed})
        known: set[str] = set()
        for chunk in in_chunks(identities):
            known.update(
                self.session.scalars(
                    select(PaymentRow.identity).where(
                        PaymentRow.portal_id == self.portal_id,
                        PaymentRow.identity.in_(chunk),
                    )
                )
            )
        fresh: dict[str, Payment] = {}
        for identity, payment in keyed:
            if identity not in known:
                fresh.setdefault(identity, payment)
        if not fresh:
            return [None] * len(payments)
        rows = [_payment_values(self.portal_id, i, p, now) for i, p in fresh.items()]
        try:
            with self.session.begin_nested():
                table = cast(Table, PaymentRow.__table__)  # Core: no ORM work per row
                result = self.session.connection().execute(
                    insert(table).returning(table.c.identity, table.c.id), rows
                )
                ids: dict[str, int] = {row[0]: row[1] for row in result}
        except IntegrityError:
            return [self.add(p, now) for p in payments]
        answer: list[Payment | None] = []
        for identity, payment in keyed:
            payment_id = ids.pop(identity, None)
            answer.append(None if payment_id is None else replace(payment, id=payment_id))
        return answer

    def allocate_many(
        self, allocations: Sequence[Allocation], by: str = "auto", now: datetime | None = None
    ) -> None:
        """Record allocations in bulk; the caller has checked none over-allocates."""
        if not allocations:
            return
        self.session.flush()
        self.session.connection().execute(
            insert(cast(Table, AllocationRow.__table__)),
            [
                {
                    "portal_id": self.portal_id, "payment_id": a.payment_id,
                    "invoice_id": a.invoice_id, "lease_id": a.lease_id,
                    "amount": a.amount.amount, "by": by, "created_at": now,
                }
                for a in allocations
            ],
        )  # fmt: skip
        per_payment: dict[int, Decimal] = {}
        per_invoice: dict[int, Decimal] = {}
        for a in allocations:
            per_payment[a.payment_id] = per_payment.get(a.payment_id, Decimal(0)) + a.amount.amount
            if a.invoice_id is not None:
                per_invoice[a.invoice_id] = (
                    per_invoice.get(a.invoice_id, Decimal(0)) + a.amount.amount
                )
        payments = cast(Table, PaymentRow.__table__)
        documents = cast(Table, DocumentRow.__table__)
        connection = self.session.connection()
        connection.execute(
            update(payments)
            .where(payments.c.id == bindparam("b_id"), payments.c.portal_id == self.portal_id)
            .values(allocated=payments.c.allocated + bindparam("b_amount")),
            [{"b_id": k, "b_amount": v} for k, v in per_payment.items()],
        )
        if per_invoice:
            connection.execute(
                update(documents)
                .where(documents.c.id == bindparam("b_id"), documents.c.portal_id == self.portal_id)
                .values(paid=documents.c.paid + bindparam("b_amount")),
                [{"b_id": k, "b_amount": v} for k, v in per_invoice.items()],
            )
        self.session.expire_all()

    def twin_keys(
        self, start: date, end: date, *, exclude_source: str
    ) -> set[tuple[str, date, Decimal, str]]:
        """(number, date, amount, payer INN) of payments from other sources in [start, end].

        The same money can reach rentflow twice — from a bank statement and from 1C's
        OData — under different identities; these keys let the import recognise it.
        """
        rows = self.session.execute(
            select(
                PaymentRow.number, PaymentRow.paid_on, PaymentRow.amount, PaymentRow.payer_inn
            ).where(
                PaymentRow.portal_id == self.portal_id,
                PaymentRow.source != exclude_source,
                PaymentRow.paid_on >= start,
                PaymentRow.paid_on <= end,
            )
        )
        return {(n, d, Decimal(a).quantize(Decimal("0.01")), i) for n, d, a, i in rows}

    def get(self, payment_id: int) -> Payment:
        return _payment_from_row(self._get(PaymentRow, payment_id))

    def allocated(self, payment_id: int, *, lock: bool = False) -> Money:
        """What is already placed of the payment; with ``lock``, as committed now and locked
        until this transaction ends (two managers placing the same money queue here)."""
        if lock:
            row = self.session.scalar(
                select(PaymentRow)
                .where(PaymentRow.id == payment_id, PaymentRow.portal_id == self.portal_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            if row is None:
                raise NotFound(f"payments {payment_id}")
        else:
            row = self._get(PaymentRow, payment_id)
        return Money(Decimal(row.allocated), row.currency)

    def not_fully_allocated(self) -> list[Payment]:
        rows = self.session.scalars(
            select(PaymentRow)
            .where(PaymentRow.portal_id == self.portal_id, PaymentRow.allocated < PaymentRow.amount)
            .order_by(PaymentRow.paid_on, PaymentRow.id)
        )
        return [_payment_from_row(r) for r in rows]

    def allocate(
        self, allocation: Allocation, by: str = "auto", now: datetime | None = None
    ) -> None:
        """Record an allocation and keep the payment's and the invoice's totals in step."""
        payment = self._get(PaymentRow, allocation.payment_id)
        amount = allocation.amount.amount
        if payment.allocated + amount > payment.amount:
            raise ValueError(f"payment {payment.id} would be over-allocated")
        self.session.add(
            AllocationRow(
                portal_id=self.portal_id,
                payment_id=allocation.payment_id,
                invoice_id=allocation.invoice_id,
                lease_id=allocation.lease_id,
                amount=amount,
                by=by,
                created_at=now,
            )
        )
        payment.allocated = payment.allocated + amount
        if allocation.invoice_id is not None:
            self.session.execute(
                update(DocumentRow)
                .where(
                    DocumentRow.id == allocation.invoice_id, DocumentRow.portal_id == self.portal_id
                )
                .values(paid=DocumentRow.paid + amount)
            )
        self.session.flush()

    def allocations(
        self, *, invoice_id: int | None = None, lease_id: int | None = None
    ) -> list[Allocation]:
        query = select(AllocationRow).where(AllocationRow.portal_id == self.portal_id)
        if invoice_id is not None:
            query = query.where(AllocationRow.invoice_id == invoice_id)
        if lease_id is not None:
            query = query.where(AllocationRow.lease_id == lease_id)
        result = []
        for row in self.session.scalars(query.order_by(AllocationRow.id)):
            payment = self._get(PaymentRow, row.payment_id)
            result.append(
                Allocation(
                    payment_id=row.payment_id,
                    amount=Money(Decimal(row.amount), payment.currency),
                    invoice_id=row.invoice_id,
                    lease_id=row.lease_id,
                    paid_on=payment.paid_on,
                )
            )
        return result

    def journal(
        self, *, limit: int = 50, allocation_id: int | None = None
    ) -> list[AllocationEntry]:
        """The latest allocations, newest first, with their payment, invoice and lease numbers
        (one query); ``allocation_id``: that one only."""
        query = (
            select(AllocationRow, PaymentRow, DocumentRow.number, LeaseRow.number)
            .join(PaymentRow, PaymentRow.id == AllocationRow.payment_id)
            .outerjoin(DocumentRow, DocumentRow.id == AllocationRow.invoice_id)
            .outerjoin(LeaseRow, LeaseRow.id == AllocationRow.lease_id)
            .where(AllocationRow.portal_id == self.portal_id)
        )
        if allocation_id is not None:
            query = query.where(AllocationRow.id == allocation_id)
        rows = self.session.execute(query.order_by(AllocationRow.id.desc()).limit(limit))
        return [_entry(row, payment, invoice, lease) for row, payment, invoice, lease in rows]

    def remove_allocation(self, allocation_id: int) -> AllocationEntry:
        """Take an allocation back: the row goes, the payment's and the invoice's totals drop
        by its amount (the caller audits what it was). ``NotFound`` for another portal's."""
        found = self.journal(limit=1, allocation_id=allocation_id)
        if not found:
            raise NotFound(f"allocations {allocation_id}")
        entry = found[0]
        self.allocated(entry.payment.id or 0, lock=True)  # two undos of one payment queue here
        amount = entry.amount.amount
        self.session.execute(delete(AllocationRow).where(AllocationRow.id == allocation_id))
        self.session.execute(
            update(PaymentRow)
            .where(PaymentRow.id == entry.payment.id, PaymentRow.portal_id == self.portal_id)
            .values(allocated=PaymentRow.allocated - amount)
        )
        if entry.invoice_id is not None:
            self.session.execute(
                update(DocumentRow)
                .where(DocumentRow.id == entry.invoice_id, DocumentRow.portal_id == self.portal_id)
                .values(paid=DocumentRow.paid - amount)
            )
        self.session.flush()
        self.session.expire_all()
        return entry
