"""Checks of Russian tax and bank requisites: ИНН, КПП, БИК and account control keys.

Each check raises :class:`InvalidRequisites` naming the field, so a landlord sees which of
their requisites is wrong before a document is rendered or a QR code printed.
"""

from __future__ import annotations

import re

from backend.domain.contacts import email_problem, landlord_contact_problem
from backend.domain.errors import InvalidRequisites
from backend.domain.lease import Lease
from backend.domain.parties import BankRequisites, LandlordEntity, Tenant

# ИНН control digits: the weights published by the ФНС (приказ МНС от 03.03.2004 № БГ-3-09/178,
# algorithm reproduced e.g. at https://www.kholenkov.ru/data-validation/inn/).
_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
# Account control key: Положение Банка России № 579-П, приложение «Порядок расчета
# контрольного ключа в номере лицевого счета» — weights 7, 1, 3 repeated over 23 digits.
_ACCOUNT_KEY_WEIGHTS = ((7, 1, 3) * 8)[:23]
_KPP = re.compile(r"\d{4}[\dA-Z]{2}\d{3}")


def _digits(field: str, value: str, lengths: tuple[int, ...]) -> str:
    if not value:
        raise InvalidRequisites(field, "is missing", "missing")
    if not value.isascii() or not value.isdigit():
        raise InvalidRequisites(field, f"must contain digits only, got {value!r}", "digits")
    if len(value) not in lengths:
        expected = " or ".join(str(n) for n in lengths)
        raise InvalidRequisites(
            field, f"must have {expected} digits, got {len(value)}", "length", expected
        )
    return value


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False))


def check_inn(inn: str, field: str = "inn") -> str:
    """Check an ИНН: 10 digits (organisation) or 12 (person, sole trader) and its check digits."""
    _digits(field, inn, (10, 12))
    if len(inn) == 10:
        valid = _weighted(inn, _INN10_WEIGHTS) % 11 % 10 == int(inn[9])
    else:
        valid = _weighted(inn, _INN12_WEIGHTS_11) % 11 % 10 == int(inn[10]) and (
            _weighted(inn, _INN12_WEIGHTS_12) % 11 % 10 == int(inn[11])
        )
    if not valid:
        raise InvalidRequisites(field, f"control digits of ИНН {inn} do not match", "control")
    return inn


def check_kpp(kpp: str, field: str = "kpp") -> str:
    """Check a КПП: 4 digits (tax office), 2 digits or capitals (reason), 3 digits."""
    if not kpp:
        raise InvalidRequisites(field, "is missing", "missing")
    if not _KPP.fullmatch(kpp):
        raise InvalidRequisites(field, f"must be 9 characters NNNNPPNNN, got {kpp!r}", "format")
    return kpp


def check_bic(bic: str, field: str = "bic") -> str:
    """Check a БИК: 9 digits, starting with the country code 04 (Russia)."""
    _digits(field, bic, (9,))
    if not bic.startswith("04"):
        raise InvalidRequisites(field, f"a Russian БИК starts with 04, got {bic}", "bic_country")
    return bic


def _account_key_ok(prefix: str, account: str) -> bool:
    number = prefix + account
    return sum(int(d) * w % 10 for d, w in zip(number, _ACCOUNT_KEY_WEIGHTS, strict=True)) % 10 == 0


def check_account(account: str, bic: str, field: str = "account") -> str:
    """Check a расчётный счёт against its bank's БИК (control key, 579-П)."""
    _digits(field, account, (20,))
    check_bic(bic)
    if not _account_key_ok(bic[-3:], account):
        raise InvalidRequisites(
            field, f"control key of account {account} fails for БИК {bic}", "account_key"
        )
    return account


def check_corr_account(corr_account: str, bic: str, field: str = "corr_account") -> str:
    """Check a корреспондентский счёт: ``0`` + digits 5-6 of the БИК + account give the key."""
    _digits(field, corr_account, (20,))
    check_bic(bic)
    if not corr_account.startswith("301"):
        raise InvalidRequisites(field, f"must start with 301, got {corr_account}", "corr_prefix")
    if corr_account[-3:] != bic[-3:]:
        raise InvalidRequisites(field, f"must end with the last 3 digits of БИК {bic}", "corr_bic")
    if not _account_key_ok("0" + bic[4:6], corr_account):
        raise InvalidRequisites(
            field, f"control key of {corr_account} fails for БИК {bic}", "account_key"
        )
    return corr_account


def check_bank(bank: BankRequisites, field: str = "bank") -> BankRequisites:
    """Check a bank block: name, БИК, account and correspondent account."""
    if not bank.bank_name.strip():
        raise InvalidRequisites(f"{field}.bank_name", "is missing", "missing")
    check_bic(bank.bic, f"{field}.bic")
    check_account(bank.account, bank.bic, f"{field}.account")
    check_corr_account(bank.corr_account, bank.bic, f"{field}.corr_account")
    return bank


def check_landlord(landlord: LandlordEntity, field: str = "landlord") -> LandlordEntity:
    """Check everything a Russian invoice needs from its issuer (исполнитель)."""
    if not landlord.name.strip():
        raise InvalidRequisites(f"{field}.name", "is missing", "missing")
    if contact := landlord_contact_problem(landlord, field):  # both go into mail headers
        raise InvalidRequisites(*contact)
    check_inn(landlord.inn, f"{field}.inn")
    if len(landlord.inn) == 10:  # organisations have a КПП, sole traders do not
        check_kpp(landlord.kpp, f"{field}.kpp")
    if landlord.ogrn:
        check_ogrn(landlord.ogrn, f"{field}.ogrn")
    check_bank(landlord.bank, f"{field}.bank")
    check_accounts(landlord, f"{field}.accounts")
    return landlord


def check_accounts(landlord: LandlordEntity, field: str = "accounts") -> LandlordEntity:
    """Check every account of a landlord like its bank, each account once, the default
    (``bank``) among them."""
    seen: list[BankRequisites] = []
    for i, account in enumerate(landlord.accounts):
        check_bank(account, f"{field}[{i}]")
        if any(account.same_account(other) for other in seen):
            raise InvalidRequisites(f"{field}[{i}].account", "is listed twice", "duplicate")
        seen.append(account)
    if seen and not any(landlord.bank.same_account(a) for a in seen):
        raise InvalidRequisites(f"{field}", "the default account is not among them", "default")
    return landlord


def check_ogrn(ogrn: str, field: str = "ogrn") -> str:
    """Check an ОГРН (13 digits, organisation) or ОГРНИП (15 digits, sole trader): its last
    digit is the rest of the number modulo 11 (ОГРН) or 13 (ОГРНИП), then modulo 10
    (приказ ФНС от 13.11.2012 № ММВ-7-6/843@; e.g. https://www.kholenkov.ru/data-validation/ogrn/)."""
    _digits(field, ogrn, (13, 15))
    body, check = ogrn[:-1], int(ogrn[-1])
    modulus = 11 if len(ogrn) == 13 else 13
    if int(body) % modulus % 10 != check:
        raise InvalidRequisites(field, f"control digit of ОГРН {ogrn} does not match", "control")
    return ogrn


def check_email(email: str, field: str = "email") -> str:
    """Check an address documents and replies go to: one ``local@domain.tld``, no spaces and
    no line breaks (a CR/LF would let the value add mail headers)."""
    if not email:
        raise InvalidRequisites(field, "is missing", "missing")
    if problem := email_problem(email):
        raise InvalidRequisites(field, problem, "email")
    return email


def check_tenant(tenant: Tenant, field: str = "tenant") -> Tenant:
    """Check a tenant's requisites as far as it has them: an ИНН, when written, has 10 or 12
    digits and its control digits; a КПП, when written, is a КПП, and only an organisation
    (10-digit ИНН) has one. Left out is allowed (a private person has none to give; a счёт
    may omit the buyer's КПП), wrong is not."""
    if tenant.inn:
        check_inn(tenant.inn, f"{field}.inn")
    if tenant.kpp:
        check_kpp(tenant.kpp, f"{field}.kpp")
        if len(tenant.inn) == 12:
            raise InvalidRequisites(f"{field}.kpp", "a sole trader or a person has no КПП")
    return tenant


def check_lease_parties(lease: Lease) -> Lease:
    """Check the requisites of both sides of a lease, wherever a lease enters (the lease
    JSON, the CRM forms, imports): ``InvalidRequisites`` names the first field at fault."""
    check_landlord(lease.landlord)
    check_tenant(lease.tenant)
    return lease
