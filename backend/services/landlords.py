"""The landlords (исполнители) of a portal as a settings page edits them: a flat form of text
fields, checked field by field, every problem reported at once with the field it belongs to.

The JSON shape (``portal_settings.save_landlord``) stays for the API and the amoCRM settings;
this module is for people typing into a form: values are trimmed, nothing typed is lost, and a
problem is a code (``missing``, ``control``...) that the page says in the viewer's language.
What the ``landlords`` table has no column for lives in the landlord's ``settings``:
``short_name``, ``accountant_position`` and the ``numbering`` prefixes.

The bank is checked against the Bank of Russia's BIC directory when one is loaded
(``services.bank_directory``): the correspondent account must be the directory's, and a БИК
the directory lacks is said next to the field (a note, not a refusal: the directory may be a
day behind a new bank).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from backend.domain.errors import InvalidRequisites, NotFound
from backend.domain.numbering import MAX_NUMBER_LENGTH, NumberFormat
from backend.domain.parties import LandlordEntity, Person
from backend.domain.requisites import (
    check_account,
    check_bic,
    check_corr_account,
    check_email,
    check_inn,
    check_kpp,
    check_ogrn,
)
from backend.ports import Clock
from backend.services.bank_directory import BankLookup, Known, look_up_bank
from backend.services.landlord_accounts import (
    AccountRows,
    accounts_of,
    default_account,
    field_name,
    read_rows,
    rows_of,
)
from backend.services.unit_of_work import UnitOfWork

TEXT_FIELDS = (
    "name", "short_name", "inn", "kpp", "ogrn", "address", "phone",
    "director_name", "director_position", "accountant_name", "accountant_position",
    "invoice_prefix", "act_prefix", "email", "accountant_email",
)  # fmt: skip
DEFAULT_DIRECTOR_POSITION = "Генеральный директор"
DEFAULT_ACCOUNTANT_POSITION = "Главный бухгалтер"
# the bank's name goes into the payment QR, whose BankName holds 45 characters (ГОСТ Р 56042-2014)
_LIMITS = {
    "name": 255, "short_name": 255, "address": 1000, "phone": 64, "bank_name": 45,
    "bank_label": 100,
}  # fmt: skip
_DEFAULT_LIMIT = 255


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field: ``code`` names the check, ``expected`` what it wanted."""

    code: str
    expected: str = ""


@dataclass(frozen=True)
class LandlordForm:
    """What a person typed (trimmed) and, for an existing landlord, which one."""

    values: dict[str, str]
    vat_payer: bool = True
    landlord_id: int | None = None
    problems: dict[str, Problem] = field(default_factory=dict)
    # what is worth saying next to a field without refusing it (a БИК the directory lacks)
    notes: dict[str, Problem] = field(default_factory=dict)
    accounts: AccountRows = field(default_factory=AccountRows)

    def with_checks(
        self, problems: dict[str, Problem], notes: dict[str, Problem] | None = None
    ) -> LandlordForm:
        """The same form with these problems and notes."""
        return replace(self, problems=problems, notes=self.notes if notes is None else notes)


@dataclass(frozen=True)
class LandlordSummary:
    """One line of the landlords list: names and numbers a person recognises."""

    id: int
    name: str
    short_name: str
    inn: str
    kpp: str
    bank_name: str
    account: str
    invoice_prefix: str
    other_accounts: int = 0  # besides the default, shown by ``bank_name`` and ``account``


class LandlordFormInvalid(Exception):
    """The form has problems; ``form`` carries the typed values and every problem."""

    def __init__(self, form: LandlordForm) -> None:
        super().__init__(", ".join(f"{k}: {p.code}" for k, p in form.problems.items()))
        self.form = form


def read_form(data: Mapping[str, str], landlord_id: int | None = None) -> LandlordForm:
    """The form's values, single-line and trimmed (a CR or LF never survives into a name or
    an address that goes into mail headers and documents); unknown keys are ignored."""
    values = {name: " ".join(str(data.get(name, "")).split()) for name in TEXT_FIELDS}
    rows, account_values = read_rows(data)
    vat = str(data.get("vat_payer", "")) in {"1", "on", "true"}
    return LandlordForm(values | account_values, vat, landlord_id, accounts=rows)


def check_form(
    form: LandlordForm, banks: Mapping[str, BankLookup | None] | None = None
) -> LandlordForm:
    """The same form with ``problems`` filled: one per field, the first check it fails;
    with ``banks`` (by БИК), what the BIC directory says of each account's БИК, its
    correspondent account checked against it and ``notes`` saying what it knows."""
    v = form.values
    kept = form.accounts.kept()
    problems: dict[str, Problem] = {}
    required = ("name", "director_name", *(field_name("bank_name", r) for r in kept))
    for name in required:
        if not v[name]:
            problems[name] = Problem("missing")
    for name, value in v.items():
        limit = _LIMITS.get(name.split("-")[0], _DEFAULT_LIMIT)
        if len(value) > limit:
            problems[name] = Problem("too_long", str(limit))
        elif not value.isprintable():  # control characters: never into headers or documents
            problems[name] = Problem("invalid")
    for name, rule in _rules(v, kept):
        if name not in problems:
            try:
                rule()
            except InvalidRequisites as err:
                problems[name] = Problem(err.code, err.expected)
    _account_problems(form, problems)
    notes: dict[str, Problem] = {}
    for row in kept if banks is not None else ():
        bank = (banks or {}).get(v[field_name("bank_bic", row)])
        if bank is not None:
            notes |= _directory_notes(v, bank, problems, row)
    return form.with_checks(problems, notes)


def _account_problems(form: LandlordForm, problems: dict[str, Problem]) -> None:
    """An account listed twice, and the default account marked for removal."""
    rows, v = form.accounts, form.values
    seen: set[tuple[str, str]] = set()
    for row in rows.kept():
        key = (v[field_name("bank_bic", row)], v[field_name("bank_account", row)])
        name = field_name("bank_account", row)
        if key in seen and name not in problems:
            problems[name] = Problem("account_twice")
        seen.add(key)
    if rows.default in rows.removed:
        problems[field_name("bank_account", rows.default)] = Problem("default_removed")


def _directory_notes(
    v: Mapping[str, str], bank: BankLookup, problems: dict[str, Problem], row: int
) -> dict[str, Problem]:
    """Notes on row ``row``'s БИК from the directory; a correspondent account other than the
    directory's goes into ``problems``."""
    bic_field, corr_field = field_name("bank_bic", row), field_name("bank_corr_account", row)
    if bic_field in problems:
        return {}
    if bank.known is Known.UNKNOWN:
        return {bic_field: Problem("bic_unknown", bank.business_day)}
    found = bank.bank
    if found is None:
        return {}
    corr = v[corr_field]
    if found.corr_account and corr_field not in problems and corr != found.corr_account:
        problems[corr_field] = Problem("corr_directory", found.corr_account)
    return {bic_field: Problem("bic_found", ", ".join(filter(None, (found.name, found.place))))}


def bank_of(uow: UnitOfWork, bic: str) -> BankLookup | None:
    """What the BIC directory says of ``bic``; None for a БИК that is not one (its digits
    are the form's problem, not the directory's)."""
    return look_up_bank(uow, bic) if _valid_bic(bic) else None


def check_landlord_form(uow: UnitOfWork, form: LandlordForm) -> LandlordForm:
    """``check_form`` with the BIC directory of ``uow`` (the inline check and the save); a
    stored account the form drops (marked for removal, or left out) that a lease of the portal
    is paid to is refused, naming the leases."""
    bics = {form.values[field_name("bank_bic", row)] for row in form.accounts.kept()}
    checked = check_form(form, {bic: bank_of(uow, bic) for bic in bics})
    leaving = _leaving(uow, form)
    if not leaving:
        return checked
    problems = dict(checked.problems)
    for account_id, numbers in uow.leases.leases_paid_to(list(leaving)).items():
        problems[field_name("bank_account", leaving[account_id])] = Problem(
            "account_in_use", ", ".join(numbers)
        )
    return checked.with_checks(problems)


def _leaving(uow: UnitOfWork, form: LandlordForm) -> dict[int, int]:
    """The landlord's stored accounts the form drops, each with the row that drops it (row 0
    for one the form does not list at all)."""
    if form.landlord_id is None:
        return {}
    try:
        stored = uow.parties.landlord(form.landlord_id).accounts
    except NotFound:  # another portal's: the save says so
        return {}
    rows = form.accounts
    kept = {rows.ids[r] for r in rows.kept() if r in rows.ids}
    row_of = {account_id: row for row, account_id in rows.ids.items()}
    return {a.id: row_of.get(a.id, 0) for a in stored if a.id is not None and a.id not in kept}


def _rules(
    v: Mapping[str, str], account_rows: Sequence[int]
) -> list[tuple[str, Callable[[], object]]]:
    """The requisites checks that apply to the values, each with the field it speaks for."""
    rules: list[tuple[str, Callable[[], object]]] = [("inn", lambda: check_inn(v["inn"]))]
    if len(v["inn"]) == 10 or v["kpp"]:  # organisations have a КПП, sole traders do not
        rules.append(("kpp", lambda: check_kpp(v["kpp"])))
    if v["ogrn"]:
        rules.append(("ogrn", lambda: _check_ogrn_of(v["inn"], v["ogrn"])))
    for row in account_rows:
        rules += _account_rules(v, row)
    for name in ("email", "accountant_email"):
        if v[name]:
            rules.append((name, partial(check_email, v[name])))
    for kind in ("invoice", "act"):
        rules.append((f"{kind}_prefix", partial(_number_format, v[f"{kind}_prefix"], 0)))
    return rules


def _account_rules(v: Mapping[str, str], row: int) -> list[tuple[str, Callable[[], object]]]:
    """The checks of one account row: its БИК, and against it the accounts' control keys."""
    bic_field = field_name("bank_bic", row)
    bic = v[bic_field]
    rules: list[tuple[str, Callable[[], object]]] = [(bic_field, partial(check_bic, bic))]
    if _valid_bic(bic):  # a wrong БИК is reported once, on its own field
        for base, check in (
            ("bank_corr_account", check_corr_account),
            ("bank_account", check_account),
        ):
            name = field_name(base, row)
            rules.append((name, partial(check, v[name], bic)))
    return rules


def _valid_bic(bic: str) -> bool:
    try:
        check_bic(bic)
    except InvalidRequisites:
        return False
    return True


def _check_ogrn_of(inn: str, ogrn: str) -> str:
    check_ogrn(ogrn)
    wanted = {10: 13, 12: 15}.get(len(inn))  # ОГРН for an organisation, ОГРНИП for an ИП
    if wanted and len(ogrn) != wanted:
        raise InvalidRequisites("ogrn", "does not fit the INN", "ogrn_kind", str(wanted))
    return ogrn


def _number_format(prefix: str, width: int) -> NumberFormat:
    number = NumberFormat(prefix, width)
    # the longest number of the year must still fit the payment QR's DocNo (ГОСТ Р 56042-2014)
    longest = number.format(9999, 10 ** max(width, 4) - 1)
    if len(longest) > MAX_NUMBER_LENGTH:
        raise InvalidRequisites("numbering.prefix", "too long", "too_long", str(MAX_NUMBER_LENGTH))
    return number


def to_entity(form: LandlordForm) -> LandlordEntity:
    """The landlord entity a checked form describes."""
    v = form.values
    return LandlordEntity(
        id=form.landlord_id,
        name=v["name"], inn=v["inn"], kpp=v["kpp"], ogrn=v["ogrn"],
        address=v["address"], email=v["email"], phone=v["phone"], vat_payer=form.vat_payer,
        bank=default_account(form.accounts, v), accounts=accounts_of(form.accounts, v),
        director=Person(name=v["director_name"],
                        position=v["director_position"] or DEFAULT_DIRECTOR_POSITION),
        accountant=Person(name=v["accountant_name"], email=v["accountant_email"],
                          position=v["accountant_position"] or DEFAULT_ACCOUNTANT_POSITION),
    )  # fmt: skip


def save_landlord_form(uow: UnitOfWork, clock: Clock, form: LandlordForm) -> int:
    """Add the landlord, or change ``form.landlord_id`` (of this portal only); the caller
    commits. Raises ``LandlordFormInvalid`` with every problem before anything is written,
    ``NotFound`` for a landlord of another portal."""
    checked = check_landlord_form(uow, form)
    if checked.problems:
        raise LandlordFormInvalid(checked)
    entity = to_entity(checked)
    v = checked.values
    before = uow.parties.landlord_settings(form.landlord_id) if form.landlord_id else {}
    numbering = dict(before.get("numbering") or {})
    for kind in ("invoice", "act"):
        own = dict(numbering.get(kind) or {})
        numbering[kind] = {"prefix": v[f"{kind}_prefix"], "width": int(own.get("width", 0))}
    settings: dict[str, Any] = {
        **before,
        "numbering": numbering,
        "short_name": v["short_name"],
        "accountant_position": entity.accountant.position,
    }
    if form.landlord_id is None:
        landlord_id = uow.parties.add_landlord(entity, settings)
        event = "landlord.added"
    else:
        landlord_id = form.landlord_id
        uow.parties.update_landlord(landlord_id, entity, settings)
        event = "landlord.changed"
    uow.audit.record(clock.now(), event, "landlord", landlord_id)
    return landlord_id


def landlord_form(uow: UnitOfWork, landlord_id: int) -> LandlordForm:
    """The form of a stored landlord, to edit it (``NotFound`` for another portal's)."""
    entity = uow.parties.landlord(landlord_id)
    settings = uow.parties.landlord_settings(landlord_id)
    numbering = settings.get("numbering") or {}
    rows, account_values = rows_of(entity)
    values = account_values | {
        "name": entity.name, "short_name": str(settings.get("short_name", "")),
        "inn": entity.inn, "kpp": entity.kpp, "ogrn": entity.ogrn,
        "address": entity.address, "phone": entity.phone,
        "director_name": entity.director.name, "director_position": entity.director.position,
        "accountant_name": entity.accountant.name,
        "accountant_position": str(settings.get("accountant_position", "")),
        "invoice_prefix": str((numbering.get("invoice") or {}).get("prefix", "")),
        "act_prefix": str((numbering.get("act") or {}).get("prefix", "")),
        "email": entity.email, "accountant_email": entity.accountant.email,
    }  # fmt: skip
    return LandlordForm(values, entity.vat_payer, landlord_id, accounts=rows)


def list_landlords(uow: UnitOfWork) -> list[LandlordSummary]:
    """The portal's landlords, oldest first."""
    out = []
    for entity in uow.parties.landlords():
        settings = uow.parties.landlord_settings(entity.id or 0)
        prefix = str(((settings.get("numbering") or {}).get("invoice") or {}).get("prefix", ""))
        out.append(
            LandlordSummary(
                id=entity.id or 0, name=entity.name,
                short_name=str(settings.get("short_name", "")), inn=entity.inn, kpp=entity.kpp,
                bank_name=entity.bank.bank_name, account=entity.bank.account,
                invoice_prefix=prefix, other_accounts=len(entity.all_accounts) - 1,
            )
        )  # fmt: skip
    return out
