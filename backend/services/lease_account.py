"""The landlord's account a lease is paid to (счёт для оплаты): one of its landlord's
settlement accounts, the default unless the lease names another. The lease's invoices, QR
codes, reminders and 1C export print it (the lease's ``landlord.bank`` is that account).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from backend.domain.lease import Lease
from backend.domain.parties import BankRequisites, LandlordEntity
from backend.services.landlords import Problem
from backend.services.unit_of_work import UnitOfWork

FIELD = "bank_account"


@dataclass(frozen=True)
class AccountChoice:
    """One account a lease may be paid to, as a list offers it."""

    id: int
    label: str
    bank_name: str
    account: str
    default: bool

    @property
    def text(self) -> str:
        """ "Для депозитов — 40702810800000000001, АО «АЛЬФА-БАНК»": the number before the
        bank, so a narrow select still shows it."""
        named = f"{self.account}, {self.bank_name}"
        return f"{self.label} — {named}" if self.label else named


def account_choices(uow: UnitOfWork, landlord_id: int) -> list[AccountChoice]:
    """The landlord's accounts, in its order, the default marked."""
    return choices_of(uow.parties.landlord(landlord_id))


def choices_of(landlord: LandlordEntity) -> list[AccountChoice]:
    """The accounts of ``landlord`` (as stored, with their ids), the default marked."""
    return [
        AccountChoice(a.id, a.label, a.bank_name, a.account, a.same_account(landlord.bank))
        for a in landlord.accounts
        if a.id is not None
    ]


def chosen_choice(choices: list[AccountChoice], lease: Lease) -> str:
    """The form's value for the account the lease is paid to now (its id, as text)."""
    paid_to = lease.landlord.bank
    for choice in choices:
        if (paid_to.id is not None and choice.id == paid_to.id) or (
            paid_to.id is None and choice.default
        ):
            return str(choice.id)
    return ""


def pick_account(
    choices: list[AccountChoice], data: Mapping[str, str], problems: dict[str, Problem]
) -> AccountChoice | None:
    """The account ``data`` picks among ``choices`` (None: not in the form, keep it)."""
    raw = str(data.get(FIELD, "")).strip()
    if FIELD not in data or not choices:
        return None
    found = next((c for c in choices if str(c.id) == raw), None)
    if found is None:
        problems[FIELD] = Problem("choice")
    return found


def describe(account: BankRequisites | AccountChoice) -> str:
    """How the lease's history names an account: its label, or its bank, and its number."""
    return f"{account.label or account.bank_name} {account.account}".strip()


def set_lease_account(uow: UnitOfWork, lease_id: int, choice: AccountChoice) -> None:
    """Have the lease paid to ``choice`` (the landlord's default stays "the default": a lease
    left on it follows the default when the landlord makes another account the default)."""
    uow.leases.set_bank_account(lease_id, None if choice.default else choice.id)
