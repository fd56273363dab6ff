"""XML import end to end on the database: records, matching, stop at the first error."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from lxml import etree
from sqlalchemy import func, select

from backend.bootstrap import Container
from backend.bulk.xml_records import read_records
from backend.db.tables import (
    ImportRunRow,
    PersonalAccountRow,
    PremisesRow,
    TenantExternalIdRow,
    TenantRow,
)
from backend.domain.tenant_matching import PHONE_IN_USE
from backend.services.imports import ImportReport, Located, import_records
from tests.bulk_world import EXAMPLE_XML, import_xml, new_portal

MAX = 10 * 1024 * 1024


def run(container: Container, portal_id: int, data: bytes, batch_size: int = 1000) -> ImportReport:
    with container.uow(portal_id) as uow:
        return import_records(
            uow, container.clock, read_records(io.BytesIO(data), max_bytes=MAX),
            channel="xml", source="test.xml", batch_size=batch_size,
        )  # fmt: skip


def count(container: Container, table: type) -> int:
    with container.uow(None) as uow:
        return uow.session.scalar(select(func.count()).select_from(table))  # type: ignore[attr-defined,no-any-return]


def test_the_documented_example_validates_against_the_xsd() -> None:
    schema = etree.XMLSchema(etree.parse(str(EXAMPLE_XML.parent.parent / "import.xsd")))
    assert schema.validate(etree.parse(str(EXAMPLE_XML))), schema.error_log


def test_the_example_file_imports_premises_tenants_and_accounts(container: Container) -> None:
    portal_id = new_portal(container)
    report = run(container, portal_id, EXAMPLE_XML.read_bytes())
    assert report.status == "ok", report.error
    assert (count(container, PremisesRow), count(container, TenantRow)) == (5, 2)
    with container.uow(portal_id) as uow:
        tenants = uow.tenant_book.page()
        accounts = uow.estate.accounts_page()
        runs = uow.import_runs.recent()
    assert [t.phone for t in tenants] == ["+79123456789", "+79120000002"]
    assert [(a.number, a.premises_external_id, a.tenant_external_id) for a in accounts] == [
        ("ЛС-0001", "P-101", "1C-0001"),
        ("ЛС-0002", "P-103", "1C-0002"),
    ]
    assert runs[0]["status"] == "ok"
    assert runs[0]["finished_at"] is not None


def test_a_second_import_updates_instead_of_duplicating(container: Container) -> None:
    portal_id = new_portal(container)
    run(container, portal_id, EXAMPLE_XML.read_bytes())
    data = EXAMPLE_XML.read_bytes().replace(b'area="50"', b'area="55"')
    report = run(container, portal_id, data)
    assert report.counts["premises_updated"] == 5
    assert count(container, PremisesRow) == 5
    with container.uow(portal_id) as uow:
        assert uow.estate.premises_page()[0].area_m2 == 55


def test_a_new_external_id_with_a_known_phone_joins_the_existing_tenant(
    container: Container,
) -> None:
    portal_id = new_portal(container)
    run(container, portal_id, EXAMPLE_XML.read_bytes())
    again = import_xml(tenants='<tenant external-id="CRM-9" name="Альфа" phone="89123456789"/>')
    assert run(container, portal_id, again).counts["tenants_external_id_added"] == 1
    with container.uow(portal_id) as uow:
        (alfa, _) = uow.tenant_book.page()
    assert [e.value for e in alfa.external_ids] == ["1C-0001", "CRM-9"]
    assert count(container, TenantExternalIdRow) == 3


def test_taking_another_tenants_phone_stops_the_import_and_keeps_what_came_before(
    container: Container,
) -> None:
    portal_id = new_portal(container)
    run(container, portal_id, EXAMPLE_XML.read_bytes())
    data = import_xml(
        premises='<premises building="Склад" number="1" area="10"/>',
        tenants=(
            '<tenant external-id="1C-0001" name="Альфа" phone="+79120000002"/>'
            '<tenant external-id="1C-0003" name="Гамма" phone="+79120000003"/>'
        ),
    )
    report = run(container, portal_id, data)
    assert report.status == "failed"
    assert report.error == f"tenant #1 (line 1, 1C-0001): {PHONE_IN_USE}"
    assert count(container, PremisesRow) == 6  # the premises before the error stayed
    assert count(container, TenantRow) == 2  # Гамма after the error was not created
    with container.uow(portal_id) as uow:
        assert uow.import_runs.recent()[0]["error"] == report.error


def test_a_broken_record_in_a_large_batch_is_named_and_the_rest_before_it_stays(
    container: Container,
) -> None:
    portal_id = new_portal(container)
    good = "".join(
        f'<premises building="Б" number="{n}" area="10" external-id="x{n}"/>' for n in range(30)
    )
    data = import_xml(premises=good + '<account number="1" premises="nope"/>')
    report = run(container, portal_id, data, batch_size=100)
    assert report.status == "failed"
    assert report.error.startswith("account #1 (line 1, 1): premises: no premises")
    assert count(container, PremisesRow) == 30
    assert count(container, PersonalAccountRow) == 0


def test_malformed_xml_fails_the_run_with_the_line(container: Container) -> None:
    portal_id = new_portal(container)
    report = run(container, portal_id, b"<rentflow-import>\n<premises building='x' ")
    assert report.status == "failed"
    assert "not well-formed XML" in report.error
    assert "line 2" in report.error
    assert count(container, ImportRunRow) == 1


def test_an_entity_bomb_is_refused_before_anything_is_expanded(container: Container) -> None:
    portal_id = new_portal(container)
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY lol0 "lol">{lol}]>'
        '<rentflow-import><tenant name="&lol9;"/></rentflow-import>'
    ).encode()
    report = run(container, portal_id, bomb)
    assert report.status == "failed"
    assert "DOCTYPE" in report.error or "entity" in report.error.lower()
    assert count(container, TenantRow) == 0


def test_a_file_over_the_size_cap_is_refused(container: Container) -> None:
    portal_id = new_portal(container)
    data = import_xml(premises='<premises building="Б" number="1" area="1"/>' * 20_000)
    with container.uow(portal_id) as uow:
        report = import_records(
            uow, container.clock, read_records(io.BytesIO(data), max_bytes=100_000),
            channel="xml", source="big.xml",
        )  # fmt: skip
    assert report.status == "failed"
    assert "larger than" in report.error


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ('<premises building="Б" number="1" area="-5"/>', "area: must not be negative"),
        ('<premises building="Б" number="1" area="1e999"/>', "area: must be at most 999999999.99"),
        ('<premises building="Б" number="1" area="NaN"/>', "area: not a number"),
        ('<premises building="Б" number="1" area="abc"/>', "area: not a number"),
        ('<premises building="Б" number="1" area="5" type="ангар"/>', "unknown premises type"),
        ('<tenant name="X" phone="12"/>', "not a phone number"),
        ('<tenant phone="+79120000001"/>', "name is required"),
    ],
)
def test_a_record_with_a_bad_value_names_the_field(
    container: Container, record: str, reason: str
) -> None:
    portal_id = new_portal(container)
    report = run(container, portal_id, import_xml(premises=record))
    assert report.status == "failed"
    assert reason in report.error


def test_a_tenant_marked_do_not_sync_is_left_alone_with_a_warning(container: Container) -> None:
    portal_id = new_portal(container)
    run(container, portal_id, EXAMPLE_XML.read_bytes())
    with container.uow(portal_id) as uow:
        alfa = uow.tenant_book.page()[0]
        uow.tenant_book.set_do_not_sync(alfa.id, True)
        uow.commit()
    report = run(container, portal_id, import_xml(
        tenants='<tenant external-id="1C-0001" name="Переименовано" phone="+79123456789"/>'
    ))  # fmt: skip
    assert report.status == "ok"
    assert "do not sync" in report.warnings[0]
    with container.uow(portal_id) as uow:
        assert uow.tenant_book.card(alfa.id).name == "ООО «Альфа»"


def test_one_portals_import_does_not_touch_another_portal(container: Container) -> None:
    first, second = new_portal(container, "m-1"), new_portal(container, "m-2")
    run(container, first, EXAMPLE_XML.read_bytes())
    run(container, second, EXAMPLE_XML.read_bytes())
    with container.uow(second) as uow:
        assert len(uow.tenant_book.page()) == 2
    assert count(container, TenantRow) == 4


def test_a_tenant_with_nothing_to_match_by_is_created_with_a_warning(
    container: Container,
) -> None:
    portal_id = new_portal(container)
    report = run(container, portal_id, import_xml(tenants='<tenant name="Без телефона"/>'))
    assert report.counts["tenants_created"] == 1
    assert "nothing to match it by" in report.warnings[0]


def test_an_unexpected_failure_is_logged_as_a_failed_run_and_raised(
    container: Container,
) -> None:
    portal_id = new_portal(container)

    def broken() -> Iterator[Located]:
        yield from read_records(io.BytesIO(EXAMPLE_XML.read_bytes()), max_bytes=MAX)
        raise RuntimeError("disk gone")

    with container.uow(portal_id) as uow, pytest.raises(RuntimeError):
        import_records(uow, container.clock, broken(), channel="xml", source="t")
    with container.uow(portal_id) as uow:
        (logged,) = uow.import_runs.recent()
    assert (logged["status"], logged["error"]) == ("failed", "internal error: RuntimeError")
