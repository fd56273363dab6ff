"""Read the import XML (docs/import-xml.md, docs/import.xsd) as a stream of records.

Untrusted input: lxml with ``resolve_entities=False, no_network=True, huge_tree=False``, no DTD
at all (a document type declaration is refused, which shuts out entity bombs), a cap on the
bytes read, and ``iterparse`` that frees every record once read, so memory stays flat on
files of any size. A broken record raises ``BadRecord`` naming it; the import stops there.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from lxml import etree

from backend.domain.bulk import Located
from backend.domain.errors import DomainError
from backend.domain.parties import TenantKind
from backend.domain.premises import (
    BadRecord,
    Building,
    PersonalAccount,
    PremisesCard,
    Section,
    parse_kind,
    parse_status,
)
from backend.domain.quantities import AREA, MONEY, Bound, QuantityProblem, rounded
from backend.domain.tenant_matching import TenantRecord, normalise_phone

ROOT = "rentflow-import"
RECORD_TAGS = ("building", "premises", "tenant", "account")
MAX_TEXT = 4000  # characters of any one value
PROLOG_PEEK = 64 * 1024


class CappedReader:
    """A binary stream that refuses to be read past ``max_bytes``."""

    def __init__(self, stream: IO[bytes], max_bytes: int) -> None:
        self.stream = stream
        self.max_bytes = max_bytes
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size if size and size > 0 else 64 * 1024)
        self.read_bytes += len(chunk)
        if self.read_bytes > self.max_bytes:
            raise BadRecord("file", f"larger than the {self.max_bytes} bytes allowed")
        return chunk


def read_records(stream: IO[bytes], *, max_bytes: int) -> Iterator[Located]:
    """The records of an import XML, in file order."""
    capped = CappedReader(stream, max_bytes)
    seen = dict.fromkeys(RECORD_TAGS, 0)
    parser = etree.iterparse(
        capped, events=("start", "end"), resolve_entities=False, no_network=True,
        huge_tree=False, load_dtd=False, remove_comments=True, remove_pis=True,
    )  # fmt: skip
    checked = False
    depth = 0
    try:
        for event, element in parser:
            if event == "start":
                depth += 1
                if not checked:
                    _check_root(element)
                    checked = True
                continue
            depth -= 1
            if depth != 1 or element.tag not in RECORD_TAGS:
                if depth == 1:
                    raise BadRecord(
                        f"line {element.sourceline}", f"unknown element <{element.tag}>"
                    )
                continue
            seen[element.tag] += 1
            yield from _records(element, seen[element.tag])
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        raise BadRecord(f"line {exc.lineno}", f"not well-formed XML: {exc.msg}") from exc


def _check_root(root: Any) -> None:
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise BadRecord("file", "a document type declaration (DOCTYPE) is not allowed")
    if root.tag != ROOT:
        raise BadRecord("file", f"the root element must be <{ROOT}>, not <{root.tag}>")


def _where(element: Any, number: int) -> str:
    where = f"{element.tag} #{number} (line {element.sourceline}"
    external_id = element.get("external-id") or element.get("number") or element.get("name")
    return f"{where}, {external_id})" if external_id else where + ")"


def _records(element: Any, number: int) -> Iterator[Located]:
    where = _where(element, number)
    try:
        if element.tag == "building":
            yield Located(where, _building(element))
            for section in element.iterfind("section"):
                yield Located(where, _section(element.get("name", ""), section))
        elif element.tag == "premises":
            yield Located(where, _premises(element))
        elif element.tag == "tenant":
            yield Located(where, _tenant(element))
        else:
            yield Located(where, _account(element))
    except DomainError as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        field = getattr(exc, "field", "")
        raise BadRecord(where, f"{field}: {reason}" if field else reason) from exc


def _text(element: Any, name: str, *, required: bool = False) -> str:
    value = element.get(name)
    if value is None:
        child = element.find(name)
        value = child.text if child is not None else None
    value = (value or "").strip()
    if required and not value:
        raise BadRecord("", f"{name} is required")
    if len(value) > MAX_TEXT:
        raise BadRecord("", f"{name} is longer than {MAX_TEXT} characters")
    return value


def _decimal(
    element: Any, name: str, *, required: bool = False, bound: Bound = MONEY
) -> Decimal | None:
    text = _text(element, name, required=required).replace(",", ".").replace(" ", "")
    if not text:
        return None
    try:
        return rounded(Decimal(text), bound)
    except InvalidOperation:
        raise BadRecord("", f"{name}: not a number: {text!r}") from None
    except QuantityProblem as err:
        reason = f"not a number: {text!r}" if err.code == "number" else err.reason
        raise BadRecord("", f"{name}: {reason}") from None


def _flag(element: Any, name: str, default: bool) -> bool:
    text = _text(element, name).lower()
    if not text:
        return default
    if text in {"true", "1", "yes", "да"}:
        return True
    if text in {"false", "0", "no", "нет"}:
        return False
    raise BadRecord("", f"{name}: expected true or false, got {text!r}")


def _building(element: Any) -> Building:
    return Building(
        name=_text(element, "name", required=True),
        address=_text(element, "address"),
        description=_text(element, "description"),
    )


def _section(building: str, element: Any) -> Section:
    return Section(building, _text(element, "name", required=True), _text(element, "description"))


def _premises(element: Any) -> PremisesCard:
    area = _decimal(element, "area", required=True, bound=AREA)
    return PremisesCard(
        building=_text(element, "building", required=True),
        number=_text(element, "number", required=True),
        area_m2=area or Decimal(0),
        kind=parse_kind(_text(element, "type") or "office"),
        section=_text(element, "section"),
        floor=_text(element, "floor"),
        price_per_m2=_decimal(element, "price-per-m2"),
        status=parse_status(_text(element, "status") or "vacant"),
        external_id=_text(element, "external-id"),
        publish=_flag(element, "publish", True),
        description=_text(element, "description"),
        name=_text(element, "title"),
    )


def _tenant(element: Any) -> TenantRecord:
    emails = tuple(e.text.strip() for e in element.iterfind("email") if e.text and e.text.strip())
    kind = _text(element, "kind") or TenantKind.LEGAL_ENTITY.value
    if kind not in set(TenantKind):
        raise BadRecord("", f"kind: one of {', '.join(TenantKind)}, not {kind!r}")
    return TenantRecord(
        name=_text(element, "name", required=True),
        external_id=_text(element, "external-id"),
        phone=normalise_phone(_text(element, "phone")),
        kind=kind,
        inn=_text(element, "inn"),
        kpp=_text(element, "kpp"),
        emails=emails,
        address=_text(element, "address"),
        external_note=_text(element, "note"),
    )


def _account(element: Any) -> PersonalAccount:
    return PersonalAccount(
        number=_text(element, "number", required=True),
        premises_external_id=_text(element, "premises"),
        tenant_external_id=_text(element, "tenant"),
        external_id=_text(element, "external-id"),
        hidden=_flag(element, "hidden", False),
    )
