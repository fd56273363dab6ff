"""The deal hears about every payment: its debt field and a timeline note follow each
allocation, automatic or by hand, and each undone allocation.

Whoever allocates records what to say per lease (``PaymentNews``) and hands it to a
``NewsQueue`` after the commit (a rolled-back import tells nobody); the task it queues runs
``push_payment_news``: one ``update_deals`` (the debt, the lease status and the next invoice
date as they stand when it runs, so a late or repeated push still writes the truth) and one
``add_comments`` for all the deals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from babel.numbers import format_currency

from backend.domain.money import Money
from backend.domain.payments import Payment
from backend.ports import Clock
from backend.services.crm_push import Pushed, lease_summary
from backend.services.unit_of_work import UnitOfWork
from crm_mappings.port import CrmPort, DealComment, DealUpdate, LeaseField

NewsQueue = Callable[[int, list[tuple[int, str]]], None]
"""Queue the push of payment news: (portal id, [(lease id, note text)])."""


def rub(amount: Money | Decimal) -> str:
    """An amount as a Russian deal note writes it: ``60 000,00 ₽``."""
    value = amount.amount if isinstance(amount, Money) else amount
    currency = amount.currency if isinstance(amount, Money) else "RUB"
    return format_currency(value, currency, locale="ru")


def payment_line(payment: Payment, amount: Money, invoice_number: str) -> str:
    """What a deal's note says of money placed on its lease."""
    where = f"по счёту № {invoice_number}" if invoice_number else "авансом по договору"
    return (
        f"Оплата № {payment.number} от {payment.paid_on:%d.%m.%Y}"
        f" ({payment.payer_name or payment.payer_inn}): {rub(amount)} {where}"
    )


@dataclass
class PaymentNews:
    """Note lines per lease, gathered while a unit of work allocates."""

    lines: dict[int, list[str]] = field(default_factory=dict)

    def add(self, lease_id: int | None, line: str) -> None:
        if lease_id is not None:
            self.lines.setdefault(lease_id, []).append(line)

    def send_after_commit(self, uow: UnitOfWork, queue: NewsQueue | None) -> None:
        """Queue the push once ``uow`` commits (nothing when nobody listens or nothing moved)."""
        if queue is None or not self.lines or uow.portal_id is None:
            return
        news = [(lease_id, "\n".join(lines)) for lease_id, lines in sorted(self.lines.items())]
        uow.after_commit(partial(queue, uow.portal_id, news))


def push_payment_news(
    uow: UnitOfWork, clock: Clock, crm: CrmPort, news: Sequence[tuple[int, str]]
) -> list[Pushed]:
    """Write each lease deal's summary fields (the debt first of all) and add the notes;
    leases without a deal are left out. ``uow`` is entered here."""
    with uow:
        deals = uow.leases.deals_of(sorted({lease_id for lease_id, _ in news}))
        with_deal = {lease_id: deal for lease_id, (deal, _) in deals.items() if deal}
        leases = uow.leases.get_many(sorted(with_deal))
        summaries = {lease_id: lease_summary(uow, lease) for lease_id, lease in leases.items()}
    texts: dict[str, list[str]] = {}
    for lease_id, text in news:
        if lease_id in with_deal:
            texts.setdefault(with_deal[lease_id], []).append(text)
    if not texts:
        return []
    updates = {with_deal[i]: DealUpdate(with_deal[i], fields=s) for i, s in summaries.items()}
    for lease_id, summary in summaries.items():
        debt = Decimal(summary.get(LeaseField.DEBT) or "0")
        texts[with_deal[lease_id]].append(f"Долг по договору: {rub(debt)}")
    crm.update_deals(list(updates.values()))
    crm.add_comments([DealComment(deal, "\n".join(lines)) for deal, lines in texts.items()])
    with uow:
        for deal in texts:
            uow.audit.record(clock.now(), "deal.payment_pushed", "deal", deal)
        uow.commit()
    return [Pushed(deal, (updates[deal],), "\n".join(lines)) for deal, lines in texts.items()]
