"""Excel workbooks of the register (seed 002 «Экспорт и импорт помещений возможен с
использованием Excel файлов»): the import template with its instructions sheet, reading a
filled template back as import records, and the premises and tenant lists.

Reading uses openpyxl's read-only mode (rows streamed, never the whole sheet in memory) with
a size cap on the file; a broken cell stops the import and is named by sheet, row and column.
Writing uses write-only mode for the same reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import IO, Any
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from backend.domain.bulk import ImportItem, Located
from backend.domain.errors import DomainError
from backend.domain.parties import TenantKind
from backend.domain.premises import (
    BadRecord,
    PersonalAccount,
    PremisesCard,
    parse_kind,
    parse_status,
)
from backend.domain.quantities import AREA, MONEY, Bound, QuantityProblem, rounded
from backend.domain.tenant_matching import InvalidPhone, TenantCard, TenantRecord, normalise_phone

INSTRUCTIONS = "Инструкция"
MAX_ROWS = 1_000_000


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool = False
    hint: str = ""


PREMISES = (
    Column("Внешний ID", "external_id", hint="ID помещения в вашей учётной системе"),
    Column("Здание", "building", True),
    Column("Секция", "section"),
    Column("Этаж", "floor"),
    Column("Номер", "number", True),
    Column("Тип", "type", hint="офис, склад, торговое, служебное, другое"),
    Column("Площадь, м²", "area", True, "число больше нуля, например 50,5"),
    Column("Цена за м² в месяц", "price_per_m2", hint="рубли с НДС"),
    Column("Статус", "status", hint="свободно, забронировано, сдано"),
    Column("Публиковать", "publish", hint="да / нет (фид CIAN)"),
    Column("Описание", "description"),
)
TENANTS = (
    Column("Внешний ID", "external_id"),
    Column("Название / ФИО", "name", True),
    Column("Вид", "kind", hint="legal_entity, sole_trader или person"),
    Column("ИНН", "inn"),
    Column("КПП", "kpp"),
    Column("Телефон", "phone", hint="+7 (912) 345-67-89, 8 912 345 67 89 ..."),
    Column("Email", "emails", hint="несколько — через запятую"),
    Column("Адрес", "address"),
    Column("Примечание к ID", "external_note"),
)
ACCOUNTS = (
    Column("Номер лицевого счёта", "number", True),
    Column("Внешний ID помещения", "premises"),
    Column("Внешний ID клиента", "tenant"),
    Column("Внешний ID счёта", "external_id"),
    Column("Скрыть в ЛК", "hidden", hint="да / нет"),
)
SHEETS: dict[str, tuple[Column, ...]] = {
    "Помещения": PREMISES,
    "Клиенты": TENANTS,
    "Лицевые счета": ACCOUNTS,
}
INSTRUCTION_LINES = (
    "Как заполнить шаблон импорта rentflow",
    "",
    "1. Три листа: «Помещения», «Клиенты», «Лицевые счета». Первая строка каждого листа —"
    " заголовки, не меняйте их. Пустые листы пропускаются.",
    "2. Помещение находится по внешнему ID, а без него — по зданию и номеру; найденное"
    " перезаписывается, новое создаётся.",
    "3. Клиенты сопоставляются по внешнему ID и телефону: совпали оба — данные"
    " перезаписываются; совпал ID, телефон новый — перезаписывается и телефон, если им не"
    " пользовался другой клиент (иначе ошибка); совпал только телефон — клиенту добавляется"
    " новый внешний ID; не совпало ничего — создаётся новый клиент.",
    "4. Лицевой счёт указывает помещение и клиента их внешними ID: заполните их на листах"
    " «Помещения» и «Клиенты» или загрузите раньше.",
    "5. При первой ошибке импорт останавливается; строки до неё сохраняются. В отчёте —"
    " лист, строка и столбец с ошибкой.",
    "6. Обязательные столбцы: "
    + "; ".join(
        f"{sheet}: " + ", ".join(c.header for c in columns if c.required)
        for sheet, columns in SHEETS.items()
    ),
)


def write_template(out: IO[bytes]) -> None:
    """The import template: the instructions sheet, then one sheet per record kind with its
    headers and, in the second row, what each column takes."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(INSTRUCTIONS)
    for line in INSTRUCTION_LINES:
        sheet.append([line])
    for name, columns in SHEETS.items():
        sheet = book.create_sheet(name)
        sheet.append([c.header + (" *" if c.required else "") for c in columns])
    book.save(out)


def _headers(row: Sequence[Any], columns: tuple[Column, ...], sheet: str) -> dict[str, int]:
    """Field → index of its column, from the header row (order may differ, extras ignored)."""
    names = {c.header: c.field for c in columns}
    found = {}
    for index, value in enumerate(row):
        header = str(value or "").strip().removesuffix(" *").strip()
        if header in names:
            found[names[header]] = index
    missing = [c.header for c in columns if c.required and c.field not in found]
    if missing:
        raise BadRecord(f"{sheet}, row 1", f"missing columns: {', '.join(missing)}")
    return found


def read_workbook(stream: IO[bytes], *, max_bytes: int = 200 * 1024 * 1024) -> Iterator[Located]:
    """The records of a filled template, sheet by sheet (premises, tenants, accounts)."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise BadRecord("file", f"larger than the {max_bytes} bytes allowed")
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError) as exc:
        raise BadRecord("file", f"not an Excel workbook (.xlsx): {exc}") from exc
    try:
        for name, columns in SHEETS.items():
            if name in book.sheetnames:
                yield from _sheet_records(book[name], name, columns)
    finally:
        book.close()


def _sheet_records(sheet: Any, name: str, columns: tuple[Column, ...]) -> Iterator[Located]:
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return
    index = _headers(header, columns, name)
    build = _BUILDERS[name]
    for number, row in enumerate(rows, start=2):
        if number > MAX_ROWS:
            raise BadRecord(f"{name}, row {number}", f"more than {MAX_ROWS} rows")
        if not any(cell not in (None, "") for cell in row):
            continue
        values = {field: row[i] if i < len(row) else None for field, i in index.items()}
        try:
            item = build(values)
        except _CellError as exc:
            column = _column_of(exc.field, index, columns)
            raise BadRecord(f"{name}, row {number}, column {column}", exc.reason) from None
        except DomainError as exc:
            field = getattr(exc, "field", "")
            column = _column_of(field, index, columns)
            reason = getattr(exc, "reason", str(exc))
            raise BadRecord(f"{name}, row {number}, column {column}", reason) from None
        yield Located(f"{name}, row {number}", item)


def _column_of(field: str, index: dict[str, int], columns: tuple[Column, ...]) -> str:
    header = next((c.header for c in columns if c.field == field), field)
    if field in index:
        return f"{get_column_letter(index[field] + 1)} ({header})"
    return header


class _CellError(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _text(values: dict[str, Any], field: str, required: bool = False) -> str:
    value = values.get(field)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into a text column ("101")
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise _CellError(field, "required")
    return text


def _decimal(
    values: dict[str, Any], field: str, required: bool = False, bound: Bound = MONEY
) -> Decimal | None:
    value = values.get(field)
    if value is None or value == "":
        if required:
            raise _CellError(field, "required")
        return None
    try:
        number = Decimal(str(value).replace(",", ".").replace(" ", "").replace("\xa0", ""))
    except InvalidOperation:
        raise _CellError(field, f"not a number: {value!r}") from None
    try:
        return rounded(number, bound)
    except QuantityProblem as err:
        reason = f"not a number: {value!r}" if err.code == "number" else err.reason
        raise _CellError(field, reason) from None


def _flag(values: dict[str, Any], field: str, default: bool) -> bool:
    value = values.get(field)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"да", "yes", "true", "1"}:
        return True
    if text in {"нет", "no", "false", "0"}:
        return False
    raise _CellError(field, f"expected да or нет, got {value!r}")


def _premises(values: dict[str, Any]) -> ImportItem:
    return PremisesCard(
        building=_text(values, "building", True),
        number=_text(values, "number", True),
        area_m2=_decimal(values, "area", True, AREA) or Decimal(0),
        kind=parse_kind(_text(values, "type") or "office"),
        section=_text(values, "section"),
        floor=_text(values, "floor"),
        price_per_m2=_decimal(values, "price_per_m2"),
        status=parse_status(_text(values, "status") or "vacant"),
        external_id=_text(values, "external_id"),
        publish=_flag(values, "publish", True),
        description=_text(values, "description"),
    )


def _tenant(values: dict[str, Any]) -> ImportItem:
    kind = _text(values, "kind") or TenantKind.LEGAL_ENTITY.value
    if kind not in set(TenantKind):
        raise _CellError("kind", f"one of {', '.join(TenantKind)}, not {kind!r}")
    try:
        phone = normalise_phone(_text(values, "phone"))
    except InvalidPhone as exc:
        raise _CellError("phone", str(exc)) from None
    emails = tuple(e.strip() for e in _text(values, "emails").split(",") if e.strip())
    return TenantRecord(
        name=_text(values, "name", True), external_id=_text(values, "external_id"),
        phone=phone, kind=kind, inn=_text(values, "inn"), kpp=_text(values, "kpp"),
        emails=emails, address=_text(values, "address"),
        external_note=_text(values, "external_note"),
    )  # fmt: skip


def _account(values: dict[str, Any]) -> ImportItem:
    return PersonalAccount(
        number=_text(values, "number", True),
        premises_external_id=_text(values, "premises"),
        tenant_external_id=_text(values, "tenant"),
        external_id=_text(values, "external_id"),
        hidden=_flag(values, "hidden", False),
    )


_BUILDERS: dict[str, Callable[[dict[str, Any]], ImportItem]] = {
    "Помещения": _premises,
    "Клиенты": _tenant,
    "Лицевые счета": _account,
}


# --- export ---
def write_premises(cards: Iterable[PremisesCard], out: IO[bytes]) -> int:
    """The premises list in the template's «Помещения» layout (it can be imported back)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Помещения")
    sheet.append([c.header for c in PREMISES])
    count = 0
    for card in cards:
        sheet.append([
            card.external_id, card.building, card.section, card.floor, card.number,
            card.kind.value, card.area_m2, card.price_per_m2, card.status.value,
            "да" if card.publish else "нет", card.description,
        ])  # fmt: skip
        count += 1
    book.save(out)
    return count


def write_tenants(cards: Iterable[TenantCard], out: IO[bytes]) -> int:
    """The tenant list in the template's «Клиенты» layout: one row per external id (a tenant
    without one gets one row), so the file can be imported back."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Клиенты")
    sheet.append([c.header for c in TENANTS])
    count = 0
    for card in cards:
        ids = card.external_ids or ()
        for external in ids or (None,):
            sheet.append([
                external.value if external else "", card.name, card.kind, card.inn, card.kpp,
                card.phone, ", ".join(card.emails), card.address,
                external.note if external else "",
            ])  # fmt: skip
        count += 1
    book.save(out)
    return count
