"""Ukraine's NBU payment QR, format 002: 13 LF-separated fields, base64url in a link.

Source: NBU rules (постанова НБУ № 97 від 19.08.2025) as implemented in hexdocs
qr_nbu_ex QRNBU.Encoders.Formatter and oneb-pub/qr-uct src/UCT/Generator.php.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from backend.domain.money import Money
from documents.errors import InvalidDocumentData

DEFAULT_BASE_URL = "https://bank.gov.ua/qr/"
_IBAN_UA = re.compile(r"UA\d{27}")
_PAYEE_CODE = re.compile(r"\d{8}|\d{10}|[А-ЯІЇЄҐA-Z]{2}\d{6}|\d{9}")


@dataclass(frozen=True)
class NbuPayment:
    """A hryvnia credit transfer as a Ukrainian payee prints it (format 002, UTF-8)."""

    name: str
    iban: str
    payee_code: str  # ЄДРПОУ (8 digits), РНОКПП (10) or a passport
    purpose: str
    amount: Money | None = None
    display: str = ""
    base_url: str = DEFAULT_BASE_URL

    def payload(self) -> str:
        """Validate and return the 13-line payload text."""
        self.validate()
        amount = f"UAH{self.amount.amount:.2f}" if self.amount is not None else ""
        fields = [
            "BCD",
            "002",
            "1",  # UTF-8 (in the NBU format 1 is UTF-8, unlike ГОСТ's digits)
            "UCT",
            "",
            self.name,
            self.iban,
            amount,
            self.payee_code,
            "",
            "",
            self.purpose,
            self.display,
        ]
        return "\n".join(fields) + "\n"

    def link(self) -> str:
        """The link a phone camera opens: base URL + base64url(payload) without padding."""
        encoded = base64.urlsafe_b64encode(self.payload().encode()).rstrip(b"=").decode()
        return self.base_url + encoded

    def validate(self) -> None:
        """Raise naming the first field that breaks format 002."""
        if not self.name.strip() or len(self.name) > 70:
            raise InvalidDocumentData("qr.Name", "must be 1 to 70 characters")
        if not _IBAN_UA.fullmatch(self.iban):
            raise InvalidDocumentData("qr.IBAN", f"must be UA and 27 digits, got {self.iban!r}")
        if self.amount is not None:
            if self.amount.currency != "UAH":
                raise InvalidDocumentData("qr.Amount", f"must be UAH, not {self.amount.currency}")
            if not self.amount.is_positive():
                raise InvalidDocumentData("qr.Amount", "must be positive")
        if not _PAYEE_CODE.fullmatch(self.payee_code):
            raise InvalidDocumentData("qr.PayeeCode", "must be an ЄДРПОУ, РНОКПП or passport")
        if not 10 <= len(self.purpose) <= 140:
            raise InvalidDocumentData("qr.Purpose", "must be 10 to 140 characters")
        if len(self.display) > 70:
            raise InvalidDocumentData("qr.Display", "must be at most 70 characters")
