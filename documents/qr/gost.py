"""ГОСТ Р 56042-2014 payment QR payload ("ST00012|Name=...|PersonalAcc=...").

Source: the standard (roskazna.gov.ru/upload/iblock/5fa/gost_r_56042_2014.pdf), §5 and
tables 1-2; field lengths as in if0ne/gost-56042-rs src/payment.rs and codebude/QRCoder
RussiaPaymentOrder.cs; online validator sbqr.ru/validator.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from backend.domain.errors import InvalidRequisites
from backend.domain.money import Money
from backend.domain.requisites import check_bic, check_inn, check_kpp
from documents.errors import InvalidDocumentData


class GostEncoding(StrEnum):
    """The header's last digit: 1 = windows-1251, 2 = UTF-8 (§5.2, table 1)."""

    CP1251 = "cp1251"
    UTF8 = "utf-8"

    @property
    def header(self) -> str:
        return "ST00011" if self is GostEncoding.CP1251 else "ST00012"


MANDATORY_BLOCK_MAX_BYTES = 300
PURPOSE_MAX = 210
# §5.2.1: the separator is any character absent from the values; "|" by default.
SEPARATORS = "|#;:^_~{}!%"
_FREE_LENGTH_FIELDS = (
    "LastName", "FirstName", "MiddleName", "PayerAddress", "PersonalAccount", "DocIdx",
    "PensAcc", "Contract", "PersAcc", "Flat", "Phone", "PayerIdType", "PayerIdNum",
    "ChildFio", "BirthDate", "PaymTerm", "PaymPeriod", "Category", "ServiceName",
    "CounterId", "CounterVal", "QuittId", "QuittDate", "InstNum", "ClassNum", "SpecFio",
    "AddAmount", "RuleId", "ExecId", "RegType", "UIN", "TechCode",
)  # fmt: skip
# Optional fields with a fixed maximum length (table 2); free-length ones have None.
OPTIONAL_FIELDS: Mapping[str, int | None] = {
    "PayerINN": 12,
    "DrawerStatus": 2,
    "CBC": 20,
    "OKTMO": 11,
    "PaytReason": 2,
    "TaxPeriod": 10,
    "TaxPaytKind": 2,
    **dict.fromkeys(_FREE_LENGTH_FIELDS),
}
_DOC_NO_MAX = 15
_SUM_MAX_DIGITS = 18
_NAME_MAX = 160
_BANK_NAME_MAX = 45
_ACCOUNT = re.compile(r"\d{20}")
_CORR = re.compile(r"\d{1,20}")


@dataclass(frozen=True)
class GostPayment:
    """A Russian bank payment order as the payee prints it in a QR code."""

    name: str
    personal_acc: str
    bank_name: str
    bic: str
    corresp_acc: str
    payee_inn: str = ""
    kpp: str = ""
    amount: Money | None = None
    purpose: str = ""
    doc_no: str = ""
    doc_date: date | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    encoding: GostEncoding = GostEncoding.UTF8

    def mandatory(self) -> list[tuple[str, str]]:
        """The mandatory block, in the order §5.3 prescribes."""
        return [
            ("Name", self.name),
            ("PersonalAcc", self.personal_acc),
            ("BankName", self.bank_name),
            ("BIC", self.bic),
            ("CorrespAcc", self.corresp_acc),
        ]

    def optional(self) -> list[tuple[str, str]]:
        """Optional fields that have a value; PayeeINN, KPP, Sum and Purpose first."""
        pairs = [
            ("PayeeINN", self.payee_inn),
            ("KPP", self.kpp),
            ("Sum", str(self.amount.minor) if self.amount is not None else ""),
            ("Purpose", self.purpose),
            ("DocNo", self.doc_no),
            ("DocDate", f"{self.doc_date:%d.%m.%Y}" if self.doc_date else ""),
            *self.extra.items(),
        ]
        return [(key, value) for key, value in pairs if value]

    def mandatory_bytes(self, encoding: GostEncoding | None = None) -> int:
        """The size of the header and mandatory block in ``encoding`` (default: its own)."""
        codec = encoding or self.encoding
        text = codec.header + "".join(f"|{key}={value}" for key, value in self.mandatory())
        return len(text.encode(codec.value, "replace"))

    def fitted(self) -> GostPayment:
        """This payment in UTF-8 (ST00012) when its mandatory block fits the standard's 300
        bytes, else in windows-1251 (ST00011), where a Cyrillic letter takes one byte instead
        of two (§5.2, table 1: both are valid headers): a full legal name of 120 letters fits
        only so. Unchanged when UTF-8 fits, when it is already cp1251, when a value has a
        character cp1251 lacks or when cp1251 does not fit either; ``payload`` then names
        what does not fit."""
        if self.encoding is not GostEncoding.UTF8:
            return self
        if self.mandatory_bytes() <= MANDATORY_BLOCK_MAX_BYTES:
            return self
        try:
            for _, value in self.mandatory() + self.optional():
                value.encode(GostEncoding.CP1251.value)
        except UnicodeEncodeError:
            return self
        if self.mandatory_bytes(GostEncoding.CP1251) > MANDATORY_BLOCK_MAX_BYTES:
            return self  # neither fits: ``payload`` says so, with both sizes
        return replace(self, encoding=GostEncoding.CP1251)

    def payload(self) -> str:
        """Validate every field and return the payload text (encode it with ``encoding``)."""
        self.validate()
        pairs = self.mandatory() + self.optional()
        separator = _pick_separator([value for _, value in pairs])
        body = "".join(f"{separator}{key}={value}" for key, value in pairs)
        return self.encoding.header + body

    def payload_bytes(self) -> bytes:
        """The payload encoded as its header says."""
        return self.payload().encode(self.encoding.value)

    def validate(self) -> None:
        """Check lengths, formats and control digits; raise naming the first bad field."""
        _length("Name", self.name, _NAME_MAX, required=True)
        if not _ACCOUNT.fullmatch(self.personal_acc):
            _fail("PersonalAcc", f"must be 20 digits, got {self.personal_acc!r}")
        _length("BankName", self.bank_name, _BANK_NAME_MAX, required=True)
        _requisite("BIC", check_bic, self.bic)
        if not _CORR.fullmatch(self.corresp_acc):
            _fail("CorrespAcc", f"must be up to 20 digits, got {self.corresp_acc!r}")
        for key, value in self.mandatory() + self.optional():
            _encodable(key, value, self.encoding)
        size = self.mandatory_bytes()
        if size > MANDATORY_BLOCK_MAX_BYTES:
            other = GostEncoding.CP1251 if self.encoding is GostEncoding.UTF8 else GostEncoding.UTF8
            _fail(
                _longest(self.mandatory()),
                f"the mandatory block takes {size} bytes in {self.encoding.value}"
                f" ({self.mandatory_bytes(other)} in {other.value}), more than"
                f" {MANDATORY_BLOCK_MAX_BYTES}: shorten it",
            )
        self._validate_optional()

    def _validate_optional(self) -> None:
        if self.payee_inn:
            _requisite("PayeeINN", check_inn, self.payee_inn)
        if self.kpp:
            _requisite("KPP", check_kpp, self.kpp)
        if self.amount is not None:
            if not self.amount.is_positive():
                _fail("Sum", f"must be positive, got {self.amount}")
            if self.amount.currency != "RUB":
                _fail("Sum", f"must be in RUB, got {self.amount.currency}")
            if len(str(self.amount.minor)) > _SUM_MAX_DIGITS:
                _fail("Sum", "has more than 18 digits in kopecks")
        _length("Purpose", self.purpose, PURPOSE_MAX)
        _length("DocNo", self.doc_no, _DOC_NO_MAX)
        for key, value in self.extra.items():
            if key not in OPTIONAL_FIELDS:
                _fail(key, "is not a field of ГОСТ Р 56042-2014")
            limit = OPTIONAL_FIELDS[key]
            if limit is not None:
                _length(key, value, limit)


def _longest(pairs: list[tuple[str, str]]) -> str:
    """The field to blame for an oversized block: the longest (the name, nearly always)."""
    return max(pairs, key=lambda pair: len(pair[1]))[0]


def _fail(name: str, reason: str) -> None:
    raise InvalidDocumentData(f"qr.{name}", reason)


def _length(name: str, value: str, limit: int, *, required: bool = False) -> None:
    if required and not value.strip():
        _fail(name, "is missing")
    if len(value) > limit:
        _fail(name, f"is {len(value)} characters long, the limit is {limit}")


def _requisite(name: str, check: Callable[[str], str], value: str) -> None:
    try:
        check(value)
    except InvalidRequisites as error:
        _fail(name, error.reason)


def _encodable(name: str, value: str, encoding: GostEncoding) -> None:
    if "\n" in value or "\r" in value:
        _fail(name, "must be one line")
    try:
        value.encode(encoding.value)
    except UnicodeEncodeError as error:
        bad = value[error.start : error.end]
        _fail(name, f"contains {bad!r}, which {encoding.value} cannot encode")


def _pick_separator(values: list[str]) -> str:
    for separator in SEPARATORS:
        if not any(separator in value for value in values):
            return separator
    raise InvalidDocumentData("qr", "every allowed separator occurs in the values")


def parse_gost(payload: str) -> dict[str, str]:
    """Split a payload back into its fields (for tests and previews)."""
    header, separator, body = payload[:7], payload[7:8], payload[8:]
    if header not in ("ST00011", "ST00012", "ST00013"):
        raise InvalidDocumentData("qr", f"unknown header {header!r}")
    return dict(pair.split("=", 1) for pair in body.split(separator))
