"""Rows <-> domain objects for leases and their parties."""

from __future__ import annotations

from decimal import Decimal

from backend.db.tables import (
    AddendumRow,
    LandlordAccountRow,
    LandlordRow,
    LeaseRow,
    PremisesRow,
    TenantRow,
    UserRow,
)
from backend.domain.lease import (
    Addendum,
    AddendumKind,
    BillingFrequency,
    DueAnchor,
    DueRule,
    Indexation,
    IssueAnchor,
    IssueRule,
    Lease,
    LeaseStatus,
    PaymentTiming,
    PenaltyInvoicing,
    PeriodUnit,
    Rent,
    RentBasis,
    VatMode,
)
from backend.domain.money import Money
from backend.domain.parties import (
    BankRequisites,
    LandlordEntity,
    Person,
    Premises,
    PremisesKind,
    Tenant,
    TenantKind,
)


def account_from_row(row: LandlordAccountRow) -> BankRequisites:
    return BankRequisites(
        row.bank_name, row.bic, row.account, row.corr_account, label=row.label, id=row.id
    )


def account_to_row(account: BankRequisites, row: LandlordAccountRow) -> None:
    row.bank_name, row.bic, row.label = account.bank_name, account.bic, account.label
    row.account, row.corr_account = account.account, account.corr_account


def landlord_from_row(
    row: LandlordRow,
    accounts: tuple[BankRequisites, ...] = (),
    bank: BankRequisites | None = None,
) -> LandlordEntity:
    """The landlord of ``row``; ``bank`` the account to print (default: the row's own, which
    repeats the default account)."""
    return LandlordEntity(
        accounts=accounts,
        id=row.id,
        name=row.name,
        inn=row.inn,
        kpp=row.kpp,
        ogrn=row.ogrn,
        address=row.address,
        email=row.email,
        phone=row.phone,
        bank=bank or BankRequisites(row.bank_name, row.bic, row.account, row.corr_account),
        director=Person(name=row.director_name, position=row.director_position),
        accountant=Person(
            name=row.accountant_name,
            position=str((row.settings or {}).get("accountant_position") or "Главный бухгалтер"),
            email=row.accountant_email,
        ),
        vat_payer=row.vat_payer,
    )


def landlord_to_row(entity: LandlordEntity, row: LandlordRow) -> None:
    row.name, row.inn, row.kpp, row.ogrn = entity.name, entity.inn, entity.kpp, entity.ogrn
    row.address, row.email, row.phone = entity.address, entity.email, entity.phone
    row.bank_name, row.bic = entity.bank.bank_name, entity.bank.bic
    row.account, row.corr_account = entity.bank.account, entity.bank.corr_account
    row.director_name, row.director_position = entity.director.name, entity.director.position
    row.accountant_name, row.vat_payer = entity.accountant.name, entity.vat_payer
    row.accountant_email = entity.accountant.email


def tenant_from_row(row: TenantRow) -> Tenant:
    return Tenant(
        id=row.id,
        name=row.name,
        kind=TenantKind(row.kind),
        inn=row.inn,
        kpp=row.kpp,
        address=row.address,
        emails=tuple(row.emails or ()),
        phone=row.phone,
        language=row.language or "",
    )


def tenant_to_row(tenant: Tenant, row: TenantRow) -> None:
    row.name, row.kind, row.inn, row.kpp = tenant.name, tenant.kind.value, tenant.inn, tenant.kpp
    row.address, row.emails, row.phone = tenant.address, list(tenant.emails), tenant.phone


def premises_from_row(row: PremisesRow) -> Premises:
    return Premises(
        id=row.id,
        code=row.code,
        name=row.name,
        area_m2=Decimal(row.area_m2),
        kind=PremisesKind(row.kind),
        floor=row.floor,
        building=row.building,
    )


def person_from_row(row: UserRow | None) -> Person | None:
    if row is None:
        return None
    return Person(
        name=row.name, email=row.email, crm_user_id=row.crm_user_id, position=row.position
    )


def addendum_from_row(row: AddendumRow, premises: dict[int, Premises]) -> Addendum:
    rent = None
    if row.rent_amount is not None:
        rent = Rent(Decimal(row.rent_amount), RentBasis(row.rent_basis or RentBasis.PER_MONTH))
    rooms = None
    if row.premises_ids is not None:
        rooms = tuple(premises[i] for i in row.premises_ids if i in premises)
    return Addendum(
        id=row.id,
        number=row.number,
        effective_from=row.effective_from,
        signed_on=row.signed_on,
        rent=rent,
        premises=rooms,
        end=row.end,
        reminder_days=row.reminder_days,
        kind=AddendumKind(row.kind),
    )


def lease_from_row(
    row: LeaseRow,
    landlord: LandlordEntity,
    tenant: Tenant,
    premises: tuple[Premises, ...],
    addenda: list[Addendum],
    manager: Person | None,
    supervisor: Person | None,
    accountant: Person | None = None,
) -> Lease:
    rent = Rent(Decimal(row.rent_amount), RentBasis(row.rent_basis), row.currency)
    vat_rate = None if row.vat_rate is None else Decimal(row.vat_rate)
    indexation = None
    if row.indexation_percent is not None and row.indexation_first_on is not None:
        indexation = Indexation(Decimal(row.indexation_percent), row.indexation_first_on)
    return Lease(
        id=row.id,
        number=row.number,
        signed_on=row.signed_on,
        landlord=landlord,
        tenant=tenant,
        premises=premises,
        start=row.start,
        end=row.end,
        rent=rent,
        vat=VatMode(vat_rate, row.vat_included),
        billing=BillingFrequency(PeriodUnit(row.billing_unit), row.billing_every),
        issue_rule=IssueRule(IssueAnchor(row.issue_anchor), row.issue_days),
        due_rule=DueRule(DueAnchor(row.due_anchor), row.due_days),
        timing=PaymentTiming(row.timing),
        auto_send=row.auto_send,
        reminder_days=row.reminder_days,
        deposit=None if row.deposit is None else Money(Decimal(row.deposit), row.currency),
        indexation=indexation,
        penalty_rate_per_day=(
            None if row.penalty_rate_per_day is None else Decimal(row.penalty_rate_per_day)
        ),
        penalty_invoicing=PenaltyInvoicing(row.penalty_invoicing or "on_demand"),
        due_reminder_days=(
            None if row.due_reminder_days is None else tuple(int(d) for d in row.due_reminder_days)
        ),
        manager=manager,
        supervisor=supervisor,
        accountant=accountant,
        status=LeaseStatus(row.status),
        original_received=row.original_received,
        act_on_payment=row.act_on_payment,
        addenda=addenda,
    )


def lease_terms_to_row(lease: Lease, row: LeaseRow) -> None:
    """Copy everything but the parties' ids (the repository resolves those)."""
    row.number, row.signed_on, row.start, row.end = (
        lease.number,
        lease.signed_on,
        lease.start,
        lease.end,
    )
    row.rent_amount, row.rent_basis = lease.rent.amount, lease.rent.basis.value
    row.currency = lease.rent.currency
    row.vat_rate, row.vat_included = lease.vat.rate, lease.vat.included
    row.billing_unit, row.billing_every = lease.billing.unit.value, lease.billing.every
    row.issue_anchor, row.issue_days = lease.issue_rule.anchor.value, lease.issue_rule.days
    row.due_anchor, row.due_days = lease.due_rule.anchor.value, lease.due_rule.days
    row.timing, row.auto_send = lease.timing.value, lease.auto_send
    row.reminder_days = lease.reminder_days
    row.deposit = None if lease.deposit is None else lease.deposit.amount
    row.indexation_percent = None if lease.indexation is None else lease.indexation.percent
    row.indexation_first_on = None if lease.indexation is None else lease.indexation.first_on
    row.penalty_rate_per_day = lease.penalty_rate_per_day
    row.penalty_invoicing = lease.penalty_invoicing.value
    row.due_reminder_days = (
        None if lease.due_reminder_days is None else list(lease.due_reminder_days)
    )
    row.status, row.original_received = lease.status.value, lease.original_received
    row.act_on_payment = lease.act_on_payment
