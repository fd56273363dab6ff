"""Excel: the template with its instructions, a filled template imported back, row-level
errors named by sheet, row and column, and the premises and tenant lists exported."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook, load_workbook

from backend.bootstrap import Container
from backend.bulk.excel import (
    INSTRUCTIONS,
    read_workbook,
    write_premises,
    write_template,
    write_tenants,
)
from backend.domain.premises import PremisesFilter
from backend.services.imports import ImportReport, import_records
from backend.services.register import all_premises, all_tenants
from tests.bulk_world import EXAMPLE_XML, new_portal
from tests.integration.bulk.test_xml_import import run


def filled_template(rows: dict[str, list[list[Any]]]) -> bytes:
    """The template as downloaded, with ``rows`` typed into its sheets under the headers."""
    out = io.BytesIO()
    write_template(out)
    book = load_workbook(io.BytesIO(out.getvalue()))
    for name, lines in rows.items():
        for line in lines:
            book[name].append(line)
    filled = io.BytesIO()
    book.save(filled)
    return filled.getvalue()


def excel_import(container: Container, portal_id: int, data: bytes) -> ImportReport:
    with container.uow(portal_id) as uow:
        return import_records(
            uow, container.clock, read_workbook(io.BytesIO(data)), channel="excel", source="t"
        )


def test_the_template_has_an_instructions_sheet_first_and_one_sheet_per_record_kind() -> None:
    out = io.BytesIO()
    write_template(out)
    book = load_workbook(io.BytesIO(out.getvalue()))
    assert book.sheetnames == [INSTRUCTIONS, "Помещения", "Клиенты", "Лицевые счета"]
    text = " ".join(str(row[0]) for row in book[INSTRUCTIONS].iter_rows(values_only=True))
    assert "При первой ошибке импорт останавливается" in text
    assert next(book["Помещения"].iter_rows(values_only=True))[1] == "Здание *"


def test_a_filled_template_imports_premises_tenants_and_accounts(container: Container) -> None:
    portal_id = new_portal(container)
    data = filled_template({
        "Помещения": [["P-1", "БЦ Север", "A", 1, 101, "офис", 50.5, "1 500,00", "свободно",
                       "да", ""]],
        "Клиенты": [["1C-1", "ООО Альфа", "legal_entity", "7701234567", "", "8 912 345 67 89",
                     "a@alfa.example, b@alfa.example", "", "из 1С"]],
        "Лицевые счета": [["ЛС-1", "P-1", "1C-1", "", "нет"]],
    })  # fmt: skip
    report = excel_import(container, portal_id, data)
    assert report.status == "ok", report.error
    with container.uow(portal_id) as uow:
        (card,) = uow.estate.premises_page()
        (tenant,) = uow.tenant_book.page()
        (account,) = uow.estate.accounts_page()
    assert (card.number, card.floor, card.area_m2, card.price_per_m2) == (
        "101", "1", Decimal("50.5"), Decimal("1500.00"),
    )  # fmt: skip
    assert (tenant.phone, tenant.emails) == ("+79123456789", ("a@alfa.example", "b@alfa.example"))
    assert (account.premises_external_id, account.tenant_external_id) == ("P-1", "1C-1")


def test_a_broken_row_is_named_by_sheet_row_and_column_and_rows_before_it_stay(
    container: Container,
) -> None:
    portal_id = new_portal(container)
    data = filled_template({
        "Помещения": [
            ["P-1", "БЦ", "", 1, 101, "офис", 50, 100, "", "", ""],
            ["P-2", "БЦ", "", 1, 102, "офис", "пятьдесят", 100, "", "", ""],
            ["P-3", "БЦ", "", 1, 103, "офис", 30, 100, "", "", ""],
        ],
    })  # fmt: skip
    report = excel_import(container, portal_id, data)
    assert report.status == "failed"
    assert report.error == "Помещения, row 3, column G (Площадь, м²): not a number: 'пятьдесят'"
    with container.uow(portal_id) as uow:
        assert [c.number for c in uow.estate.premises_page()] == ["101"]


def test_an_unknown_type_is_named_with_its_column(container: Container) -> None:
    portal_id = new_portal(container)
    data = filled_template({"Помещения": [["", "БЦ", "", 1, 101, "ангар", 50, 1, "", "", ""]]})
    report = excel_import(container, portal_id, data)
    assert report.error.startswith("Помещения, row 2, column F (Тип): unknown premises type")


def test_a_sheet_without_its_required_columns_is_refused(container: Container) -> None:
    portal_id = new_portal(container)
    book = Workbook()
    book.active.title = "Помещения"  # type: ignore[union-attr]
    book["Помещения"].append(["Здание", "Номер"])
    out = io.BytesIO()
    book.save(out)
    report = excel_import(container, portal_id, out.getvalue())
    assert report.error == "Помещения, row 1: missing columns: Площадь, м²"


def test_a_file_that_is_no_workbook_is_refused(container: Container) -> None:
    portal_id = new_portal(container)
    report = excel_import(container, portal_id, b"PK\x03\x04 not really a zip")
    assert report.status == "failed"
    assert "not an Excel workbook" in report.error


def test_exported_lists_import_back_unchanged(container: Container) -> None:
    first, second = new_portal(container, "m-1"), new_portal(container, "m-2")
    run(container, first, EXAMPLE_XML.read_bytes())
    premises, tenants = io.BytesIO(), io.BytesIO()
    with container.uow(first) as uow:
        assert write_premises(all_premises(uow), premises) == 5
        assert write_tenants(all_tenants(uow), tenants) == 2
        before = [(c.number, c.area_m2, c.kind, c.price_per_m2) for c in all_premises(uow)]
        people = [(t.name, t.phone, t.emails) for t in all_tenants(uow)]
    assert excel_import(container, second, premises.getvalue()).ok
    assert excel_import(container, second, tenants.getvalue()).ok
    with container.uow(second) as uow:
        assert [(c.number, c.area_m2, c.kind, c.price_per_m2) for c in all_premises(uow)] == before
        assert [(t.name, t.phone, t.emails) for t in all_tenants(uow)] == people


def test_the_premises_export_keeps_to_the_filter(container: Container) -> None:
    portal_id = new_portal(container)
    run(container, portal_id, EXAMPLE_XML.read_bytes())
    out = io.BytesIO()
    with container.uow(portal_id) as uow:
        count = write_premises(all_premises(uow, PremisesFilter(kind="warehouse")), out)
    rows = list(load_workbook(io.BytesIO(out.getvalue()))["Помещения"].iter_rows(values_only=True))
    assert count == 2
    assert [row[4] for row in rows[1:]] == ["103", "104"]
