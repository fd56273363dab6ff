"""Streaming reader of 1C's bank statement file, ``1CClientBankExchange`` format 1.03.

The format is 1C's "Стандарт обмена с системами «Клиент банка»" 1.03
(v8.1c.ru/edi/edi_stnd/100/101.htm); its keys and encodings are listed in
``backend.onec.statement_format``. A file is read line by line, so a 100,000-document
statement never sits in memory: ``BankStatementReader.payments()`` yields one ``Payment`` per
good document and fills ``report`` as it goes. A broken document is an error that names its
line; so is a file without ``КонецФайла`` (cut short in transit). The reader goes on to the
end so that every error is named at once; whoever imports the file refuses it whole when
``report.errors`` is not empty (``StatementRefused``): a statement is taken whole or not at
all, as a bank client takes it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from backend.domain.money import Money
from backend.domain.payments import Payment
from backend.onec.statement_format import (
    ACCOUNT_KEYS,
    DOCUMENT_KEYS,
    HEADER_KEYS,
    REQUIRED_DOCUMENT_KEYS,
    detect_encoding,
    parse_account,
    parse_amount,
    parse_balance,
    parse_date,
)

MAGIC = "1CClientBankExchange"
DEFAULT_MAX_BYTES = 200 * 1024 * 1024  # a year of a busy account is ~50 MB
MAX_LINE_BYTES = 64 * 1024
MAX_ISSUES = 200  # kept in the report; beyond that only counted


class StatementError(Exception):
    """The file cannot be read as a bank statement at all."""


class NotAStatement(StatementError):
    """The first line is not ``1CClientBankExchange``."""


class StatementTooLarge(StatementError):
    """The file (or one of its lines) is over the size limit."""


class BrokenDocument(StatementError):
    """One document of the file is unusable; ``line`` is where its trouble is."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class StatementIssue:
    """A warning or an error, with the line of the file it is about."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class StatementRefused(StatementError):
    """The file has errors, so none of it is taken; ``issues`` name every line at fault."""

    def __init__(self, issues: list[StatementIssue], more: int = 0) -> None:
        lines = "\n".join(f"  {issue}" for issue in issues)
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(
            f"the statement is refused, nothing from it was imported"
            f" ({len(issues) + max(more, 0)} errors):\n{lines}{tail}"
        )
        self.issues = issues


@dataclass(frozen=True)
class AccountBalance:
    """A ``СекцияРасчСчет``: the balances of one account over the statement's dates."""

    account: str
    opening: Decimal | None
    received: Decimal | None
    written_off: Decimal | None
    closing: Decimal | None


@dataclass
class StatementReport:
    """What the reader learnt about the file besides its payments."""

    encoding: str = ""
    header: dict[str, str] = field(default_factory=dict)
    accounts: list[str] = field(default_factory=list)
    balances: list[AccountBalance] = field(default_factory=list)
    document_kinds: dict[str, int] = field(default_factory=dict)
    documents: int = 0
    good_documents: int = 0
    warnings: list[StatementIssue] = field(default_factory=list)
    errors: list[StatementIssue] = field(default_factory=list)
    warning_count: int = 0
    error_count: int = 0
    complete: bool = False  # КонецФайла seen

    def warn(self, line: int, message: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_ISSUES:
            self.warnings.append(StatementIssue(line, message))

    def error(self, line: int, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ISSUES:
            self.errors.append(StatementIssue(line, message))


@dataclass
class _Document:
    kind: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    broken: BrokenDocument | None = None

    def fail(self, line: int, reason: str) -> None:
        if self.broken is None:
            self.broken = BrokenDocument(line, reason)


def document_payment(kind: str, fields: dict[str, str], line: int) -> Payment:
    """Turn one document's keys into a ``Payment``; ``BrokenDocument`` names what is wrong."""
    for key in REQUIRED_DOCUMENT_KEYS:
        if not fields.get(key, "").strip():
            raise BrokenDocument(line, f"{kind}: {key} is missing")
    try:
        amount = parse_amount(fields["Сумма"])
        doc_date = parse_date(fields["Дата"])
        received = fields.get("ДатаПоступило", "").strip()
        paid_on = parse_date(received) if received else doc_date
        payer_account = parse_account(
            "ПлательщикСчет", _first(fields, "ПлательщикСчет", "ПлательщикРасчСчет")
        )
        payee_account = parse_account(
            "ПолучательСчет", _first(fields, "ПолучательСчет", "ПолучательРасчСчет")
        )
    except ValueError as exc:
        raise BrokenDocument(line, f"{kind} № {fields['Номер']}: {exc}") from None
    if amount <= 0:
        raise BrokenDocument(line, f"{kind} № {fields['Номер']}: amount must be positive")
    purpose = fields.get("НазначениеПлатежа", "").strip()
    if not purpose:
        # 1.03: the purpose may come split over НазначениеПлатежа1..6
        parts = (fields.get(f"НазначениеПлатежа{i}", "").strip() for i in range(1, 7))
        purpose = " ".join(p for p in parts if p)
    payment = Payment(
        number=fields["Номер"].strip(),
        paid_on=paid_on,
        amount=Money(amount),
        payer_name=(fields.get("Плательщик1") or fields.get("Плательщик", "")).strip(),
        payer_inn=fields.get("ПлательщикИНН", "").strip(),
        payer_account=payer_account,
        payee_account=payee_account,
        purpose=purpose,
        source="bank_statement",
    )
    _check_sizes(payment, kind, line)
    return payment


# An ИНН has 10 or 12 digits (budget payments write "0"); accounts have 20 digits: longer
# values are not requisites but damage, and would not fit the payments table either.
_LIMITS = (
    ("number", "Номер", 64),
    ("payer_inn", "ПлательщикИНН", 12),
    ("payer_account", "ПлательщикСчет", 20),
    ("payee_account", "ПолучательСчет", 20),
)


def _check_sizes(payment: Payment, kind: str, line: int) -> None:
    for attribute, key, limit in _LIMITS:
        if len(getattr(payment, attribute)) > limit:
            raise BrokenDocument(
                line, f"{kind} № {payment.number[:20]}: {key} is over {limit} characters"
            )


def _first(fields: dict[str, str], *keys: str) -> str:
    for key in keys:
        value = fields.get(key, "").strip()
        if value:
            return value
    return ""


class _CountingReader(io.RawIOBase):
    """The head already read, then the rest of the stream; refuses to pass ``limit`` bytes."""

    def __init__(self, head: bytes, stream: IO[bytes], limit: int) -> None:
        self._head, self._stream, self._limit, self._count = head, stream, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            size = min(len(view), len(self._head))
            view[:size], self._head = self._head[:size], self._head[size:]
        else:
            data = self._stream.read(len(view))
            size = len(data)
            view[:size] = data
        self._count += size
        if self._count > self._limit:
            raise StatementTooLarge(f"the file is over the limit of {self._limit} bytes")
        return size


class BankStatementReader:
    """Reads a statement from a binary stream, lazily; iterate ``payments()`` once.

    ``max_bytes`` bounds the whole file: beyond it ``StatementTooLarge`` is raised, so a
    huge upload is refused instead of filling the disk or the database.
    """

    def __init__(self, stream: IO[bytes], *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._stream = stream
        self._max_bytes = max_bytes
        self._read = 0
        self._section = "header"  # header | account | document | end
        self._account: dict[str, str] = {}
        self._document: _Document | None = None
        self.report = StatementReport()

    def _lines(self) -> Iterator[tuple[int, str]]:
        head = self._stream.read(8192)
        codec, warning = detect_encoding(head)
        self.report.encoding = codec
        if head.startswith(b"\xef\xbb\xbf"):
            head = head[3:]
        raw = _CountingReader(head, self._stream, self._max_bytes)
        # C-speed line splitting and decoding; newline=None folds CRLF and LF alike
        text = io.TextIOWrapper(
            io.BufferedReader(raw, 65536), encoding=codec, errors="replace", newline=None
        )
        if warning:
            self.report.warn(1, warning)
        number = 0
        while True:
            try:
                line = text.readline(MAX_LINE_BYTES)
            except StatementTooLarge as exc:
                raise StatementTooLarge(f"{exc} (near line {number + 1})") from None
            if not line:
                return
            number += 1
            if len(line) >= MAX_LINE_BYTES and not line.endswith("\n"):
                raise StatementTooLarge(f"line {number} is over {MAX_LINE_BYTES} characters")
            yield number, line.strip()

    def payments(self) -> Iterator[Payment]:
        """Yield a ``Payment`` for every good document, in file order."""
        lines = self._lines()
        first = next(lines, None)
        if first is None or first[1].lstrip("\ufeff") != MAGIC:
            raise NotAStatement(f"the first line is not {MAGIC}: this is not a 1C bank statement")
        last = 1
        for number, text in lines:
            last = number
            if not text:
                continue
            document = self._document
            if document is not None:
                # the hot path: a known key inside a document
                key, sep, value = text.partition("=")
                if sep and key in DOCUMENT_KEYS:
                    document.fields[key] = value
                    continue
            if self._section == "end":
                self.report.warn(number, "text after КонецФайла is ignored")
                break
            payment = self._feed(number, text)
            if payment is not None:
                yield payment
        if self._document is not None:
            kind = self._document.kind
            self.report.error(self._document.line, f"{kind}: the file ends inside the document")
        if not self.report.complete:
            self.report.error(last, "no КонецФайла: the file is cut short")

    def _feed(self, number: int, text: str) -> Payment | None:
        key, sep, value = text.partition("=")
        key = key.strip()
        report, document = self.report, self._document
        if key == "СекцияДокумент":
            if document is not None:
                report.error(document.line, f"{document.kind}: no КонецДокумента")
            kind = value.strip() or "документ"
            report.documents += 1
            report.document_kinds[kind] = report.document_kinds.get(kind, 0) + 1
            self._document, self._section = _Document(kind, number), "document"
        elif key == "КонецДокумента" and document is not None:
            self._document, self._section = None, "header"
            return self._finish(document)
        elif key == "СекцияРасчСчет":
            self._account, self._section = {}, "account"
        elif key == "КонецРасчСчет" and self._section == "account":
            self._balance(self._account, number)
            self._section = "header"
        elif key == "КонецФайла":
            report.complete, self._section = True, "end"
        elif not sep:
            if document is not None:
                document.fail(number, f"unexpected line {text[:60]!r}")
            else:
                report.warn(number, f"unexpected line {text[:60]!r} ignored")
        else:
            self._field(number, key, value)
        return None

    def _field(self, number: int, key: str, value: str) -> None:
        if self._document is not None:
            if key not in DOCUMENT_KEYS:
                self.report.warn(number, f"unknown key {key} in a document")
            self._document.fields[key] = value
        elif self._section == "account":
            if key not in ACCOUNT_KEYS:
                self.report.warn(number, f"unknown key {key} in СекцияРасчСчет")
            self._account[key] = value.strip()
        else:
            self._header(key, value.strip(), number)

    def _finish(self, document: _Document) -> Payment | None:
        try:
            if document.broken is not None:
                raise document.broken
            payment = document_payment(document.kind, document.fields, document.line)
        except BrokenDocument as exc:
            line = exc.line
            self.report.error(line, f"broken document (from line {document.line}): {exc.reason}")
            return None
        self.report.good_documents += 1
        return payment

    def _balance(self, account: dict[str, str], line: int) -> None:
        def amount(key: str) -> Decimal | None:
            value = account.get(key, "")
            try:
                return parse_balance(value) if value else None
            except ValueError:
                self.report.warn(line, f"СекцияРасчСчет: {key} is not an amount")
                return None

        self.report.balances.append(
            AccountBalance(
                account=account.get("РасчСчет", ""),
                opening=amount("НачальныйОстаток"),
                received=amount("ВсегоПоступило"),
                written_off=amount("ВсегоСписано"),
                closing=amount("КонечныйОстаток"),
            )
        )

    def _header(self, key: str, value: str, line: int) -> None:
        if key not in HEADER_KEYS:
            self.report.warn(line, f"unknown key {key} in the header")
        if key == "РасчСчет":
            self.report.accounts.append(value)
        else:
            self.report.header[key] = value
