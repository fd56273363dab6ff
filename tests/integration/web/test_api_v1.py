"""The public API v1 over HTTP: keys and scopes, portal isolation, validation problems that
name the field, idempotency keys, cursor pages, and the OpenAPI document it serves."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openpyxl import load_workbook
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select

from backend.bootstrap import Container
from backend.db.tables import ImportRunRow, LeaseRow, PremisesRow
from backend.demo.tenants import PAYERS, lease_json
from backend.domain.lease import LeaseStatus
from backend.domain.parties import Premises
from backend.services.api_keys import create_key
from backend.services.leases import register_lease
from backend.web.api_v1.http import OPERATIONS
from backend.web.app import create_app
from tests import factories
from tests.bulk_world import EXAMPLE_XML, new_portal
from tests.integration.bulk.test_xml_import import run
from tests.payments_world import build_world, statement_file

PREMISES = {"building": "БЦ Север", "floor": "1", "number": "101", "area": "50.50",
            "price_per_m2": "1000", "external_id": "P-101"}  # fmt: skip


SPEC_PAGES = {"api_v1.openapi_json", "api_v1.docs"}


@pytest.fixture
def app(container: Container) -> Flask:
    return create_app(container=container)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def key_for(container: Container, portal_id: int, *scopes: str) -> dict[str, str]:
    with container.uow(portal_id) as uow:
        _, key = create_key(uow, container.clock, portal_id, "test", scopes or ("read", "write"))
        uow.commit()
    return {"Authorization": f"Bearer {key}"}


def rows(container: Container, table: type) -> int:
    with container.uow(None) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)))  # type: ignore[attr-defined]


def test_a_missing_or_wrong_key_is_a_401_problem_and_changes_nothing(
    container: Container, client: FlaskClient
) -> None:
    new_portal(container)
    for headers in ({}, {"Authorization": "Bearer rf_not-a-key"}):
        answer = client.post("/api/v1/premises", json={"items": [PREMISES]}, headers=headers)
        assert answer.status_code == 401
        assert answer.mimetype == "application/problem+json"
        assert answer.json["status"] == 401  # type: ignore[index]
    assert rows(container, PremisesRow) == 0
    assert rows(container, ImportRunRow) == 0


def test_a_read_only_key_cannot_write(container: Container, client: FlaskClient) -> None:
    portal_id = new_portal(container)
    answer = client.post(
        "/api/v1/premises",
        json={"items": [PREMISES]},
        headers=key_for(container, portal_id, "read"),
    )
    assert answer.status_code == 403
    assert rows(container, PremisesRow) == 0


def test_a_revoked_key_is_refused(container: Container, client: FlaskClient) -> None:
    portal_id = new_portal(container)
    with container.uow(portal_id) as uow:
        key_id, key = create_key(uow, container.clock, portal_id, "t", ["read"])
        uow.api_keys.revoke(portal_id, key_id, container.clock.now())
        uow.commit()
    answer = client.get("/api/v1/premises", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 401


def test_another_portals_premises_is_not_found(container: Container, client: FlaskClient) -> None:
    mine, theirs = new_portal(container, "m-1"), new_portal(container, "m-2")
    run(container, theirs, EXAMPLE_XML.read_bytes())
    with container.uow(theirs) as uow:
        their_id = uow.estate.premises_page()[0].id
    answer = client.get(f"/api/v1/premises/{their_id}", headers=key_for(container, mine))
    assert answer.status_code == 404
    listed = client.get("/api/v1/premises", headers=key_for(container, mine))
    assert listed.json == {"items": [], "next_cursor": None}


def test_premises_posted_are_listed_with_decimals_as_strings(
    container: Container, client: FlaskClient
) -> None:
    portal_id = new_portal(container)
    headers = key_for(container, portal_id)
    posted = client.post("/api/v1/premises", json={"items": [PREMISES]}, headers=headers)
    assert posted.status_code == 200, posted.json
    assert posted.json["counts"] == {"premises_created": 1}  # type: ignore[index]
    (item,) = client.get("/api/v1/premises", headers=headers).json["items"]  # type: ignore[index]
    assert (item["area"], item["price_per_m2"], item["monthly_rent"]) == (
        "50.50", "1000.00", "50500.00",
    )  # fmt: skip


def test_a_premises_status_is_what_its_lease_makes_it_for_the_list_its_filter_and_one(
    container: Container, client: FlaskClient
) -> None:
    portal_id = new_portal(container)
    headers = key_for(container, portal_id)
    # posted as vacant; then a signed lease names it by building and number
    client.post("/api/v1/premises", json={"items": [PREMISES]}, headers=headers)
    room = Premises(code="101", area_m2=Decimal("50.5"), building="БЦ Север")
    with container.uow(portal_id) as uow:
        lease = factories.lease(status=LeaseStatus.SIGNED, premises=(room,))
        register_lease(uow, container.clock, lease)
        uow.commit()
    listed = client.get("/api/v1/premises?status=rented", headers=headers).json
    (item,) = [i for i in listed["items"] if i["external_id"] == "P-101"]  # type: ignore[index]
    assert item["status"] == "rented"
    vacant = client.get("/api/v1/premises?status=vacant", headers=headers).json
    assert vacant["items"] == []  # type: ignore[index]
    one = client.get(f"/api/v1/premises/{item['id']}", headers=headers).json
    assert one["status"] == "rented"  # type: ignore[index]


def test_a_wrong_field_is_a_422_problem_naming_it_and_changes_nothing(
    container: Container, client: FlaskClient
) -> None:
    portal_id = new_portal(container)
    answer = client.post(
        "/api/v1/tenants",
        json={"items": [{"name": "ООО Альфа", "inn": "12"}]},
        headers=key_for(container, portal_id),
    )
    assert answer.status_code == 422
    assert answer.json["errors"][0]["field"] == "items[0].inn"  # type: ignore[index]
    assert rows(container, ImportRunRow) == 0


@pytest.mark.both_databases
def test_a_phone_taken_by_another_tenant_stops_the_import_with_the_seed_text(
    container: Container, client: FlaskClient
) -> None:
    portal_id = new_portal(container)
    run(container, portal_id, EXAMPLE_XML.read_bytes())
    answer = client.post(
        "/api/v1/tenants",
        json={"items": [{"external_id": "1C-0001", "name": "Альфа", "phone": "89120000002"}]},
        headers=key_for(container, portal_id),
    )
    assert answer.status_code == 422
    problem = answer.json
    assert problem["errors"][0]["field"] == "items[0]"  # type: ignore[index]
    assert problem["errors"][0]["message"].startswith("Невозможно изменить номер телефона")  # type: ignore[index]
    assert problem["run_id"] is not None  # type: ignore[index]


@pytest.mark.both_databases
def test_a_retried_post_with_the_same_idempotency_key_creates_nothing_twice(
    container: Container, client: FlaskClient
) -> None:
    portal_id = new_portal(container)
    headers = {**key_for(container, portal_id), "Idempotency-Key": "batch-1"}
    first = client.post("/api/v1/premises", json={"items": [PREMISES]}, headers=headers)
    second = client.post("/api/v1/premises", json={"items": [PREMISES]}, headers=headers)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json == first.json
    assert second.headers["Idempotent-Replayed"] == "true"
    assert rows(container, ImportRunRow) == 1
    other = client.post(
        "/api/v1/premises", json={"items": [{**PREMISES, "number": "102"}]}, headers=headers
    )
    assert other.status_code == 422
    assert other.json["errors"][0]["field"] == "Idempotency-Key"  # type: ignore[index]
    assert rows(container, PremisesRow) == 1


@pytest.mark.both_databases
def test_lists_are_paged_by_cursor(container: Container, client: FlaskClient) -> None:
    portal_id = new_portal(container)
    run(container, portal_id, EXAMPLE_XML.read_bytes())
    headers = key_for(container, portal_id)
    seen, cursor = [], ""
    for _ in range(5):
        page = client.get(f"/api/v1/premises?limit=2&cursor={cursor}", headers=headers).json
        seen += [p["number"] for p in page["items"]]  # type: ignore[index]
        cursor = page["next_cursor"]  # type: ignore[index]
        if cursor is None:
            break
    assert seen == ["101", "102", "103", "104", "105"]
    bad = client.get("/api/v1/premises?limit=0", headers=headers)
    assert bad.status_code == 422
    assert bad.json["errors"][0]["field"] == "limit"  # type: ignore[index]


def test_a_lease_posted_as_lease_json_is_listed_and_a_bad_one_names_the_field(
    container: Container, client: FlaskClient
) -> None:
    portal_id = new_portal(container)
    headers = key_for(container, portal_id)
    lease = lease_json(PAYERS[0], "Д-1", date(2026, 2, 1), {"name": "Менеджер"})
    created = client.post("/api/v1/leases", json=lease, headers=headers)
    assert created.status_code == 201, created.json
    (listed,) = client.get("/api/v1/leases", headers=headers).json["items"]  # type: ignore[index]
    assert (listed["number"], listed["id"]) == ("Д-1", created.json["id"])  # type: ignore[index]
    broken = client.post("/api/v1/leases", json={**lease, "end": "2025-01-01"}, headers=headers)
    assert broken.status_code == 422
    assert broken.json["errors"][0]["field"] == "end"  # type: ignore[index]
    assert rows(container, LeaseRow) == 1


def test_every_api_route_is_in_openapi_json(app: Flask, client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"] == "3.1.0"  # type: ignore[index]
    served = {
        (method.lower(), rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace(">", "}"))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        and rule.endpoint not in {"api_v1.openapi_json", "api_v1.docs"}
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }
    documented = {(m, p) for p, ops in spec["paths"].items() for m in ops}  # type: ignore[index]
    assert served == documented
    assert len(documented) == len(OPERATIONS)


def test_every_example_in_openapi_json_validates_against_its_schema(client: FlaskClient) -> None:
    spec: dict[str, Any] = client.get("/api/v1/openapi.json").json  # type: ignore[assignment]
    registry = Registry().with_resource("urn:spec", Resource(spec, DRAFT202012))
    examples = [
        (name, example)
        for name, schema in spec["components"]["schemas"].items()
        for example in schema.get("examples", ())
    ]
    assert len(examples) >= 4
    for name, example in examples:
        validator = Draft202012Validator(
            {"$ref": f"urn:spec#/components/schemas/{name}"}, registry=registry
        )
        assert not list(validator.iter_errors(example)), name


def test_the_docs_page_lists_every_operation(client: FlaskClient) -> None:
    page = client.get("/api/v1/docs").get_data(as_text=True)
    for op in OPERATIONS:
        assert f'id="{op.endpoint}"' in page
    assert "<script" not in page


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_an_xml_file_uploaded_is_imported_and_logged(
    container: Container, client: FlaskClient
) -> None:
    portal_id = new_portal(container)
    headers = {**key_for(container, portal_id), "Content-Type": "application/xml"}
    answer = client.post("/api/v1/imports/xml", data=EXAMPLE_XML.read_bytes(), headers=headers)
    assert answer.status_code == 200, answer.json
    assert (answer.json["channel"], answer.json["counts"]["premises_created"]) == ("xml", 5)  # type: ignore[index]
    wrong = client.post(
        "/api/v1/imports/xml", data=b"x", headers={**headers, "Content-Type": "text/plain"}
    )
    assert wrong.status_code == 415


def test_the_template_downloaded_and_uploaded_back_names_a_broken_row(
    container: Container, client: FlaskClient
) -> None:
    portal_id = new_portal(container)
    headers = key_for(container, portal_id)
    template = client.get("/api/v1/imports/template.xlsx", headers=headers)
    assert template.mimetype == XLSX
    book = load_workbook(io.BytesIO(template.data))
    book["Помещения"].append(["P-1", "БЦ", "", 1, 101, "офис", 50, 100, "", "", ""])
    book["Помещения"].append(["P-2", "БЦ", "", 1, 102, "офис", -1, 100, "", "", ""])
    filled = io.BytesIO()
    book.save(filled)
    answer = client.post(
        "/api/v1/imports/excel", data=filled.getvalue(), headers={**headers, "Content-Type": XLSX}
    )
    assert answer.status_code == 422
    assert answer.json["errors"][0]["field"] == "Помещения, row 3, column G (Площадь, м²)"  # type: ignore[index]
    assert rows(container, PremisesRow) == 1


@pytest.mark.both_databases
def test_the_premises_export_keeps_to_the_filter_given(
    container: Container, client: FlaskClient
) -> None:
    portal_id = new_portal(container)
    run(container, portal_id, EXAMPLE_XML.read_bytes())
    answer = client.get(
        "/api/v1/exports/premises.xlsx?type=warehouse", headers=key_for(container, portal_id)
    )
    assert answer.headers["Content-Disposition"] == 'attachment; filename="premises.xlsx"'
    sheet = load_workbook(io.BytesIO(answer.data))["Помещения"]
    assert [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["103", "104"]


def test_an_addendum_changes_the_rent_and_a_signed_lease_can_be_terminated(
    container: Container, client: FlaskClient
) -> None:
    portal_id = new_portal(container)
    headers = key_for(container, portal_id)
    lease = {**lease_json(PAYERS[0], "Д-2", date(2026, 2, 1), {"name": "М"}), "status": "signed"}
    lease_id = client.post("/api/v1/leases", json=lease, headers=headers).json["id"]  # type: ignore[index]
    addendum = {"number": "ДС-1", "effective_from": "2026-07-01",
                "rent": {"amount": "99000.00", "basis": "per_month"}}  # fmt: skip
    added = client.post(f"/api/v1/leases/{lease_id}/addenda", json=addendum, headers=headers)
    assert added.status_code == 201, added.json
    assert added.json["addenda"] == [  # type: ignore[index]
        {"number": "ДС-1", "kind": "terms", "effective_from": "2026-07-01", "signed_on": None,
         "end": None, "rent_amount": "99000.00", "rent_basis": "per_month"}
    ]  # fmt: skip
    assert added.json["effective_end"] == added.json["end"]  # type: ignore[index]
    early = client.post(
        f"/api/v1/leases/{lease_id}/addenda",
        json={**addendum, "number": "ДС-0", "effective_from": "2025-01-01"},
        headers=headers,
    )
    assert early.status_code == 422
    ended = client.post(f"/api/v1/leases/{lease_id}/terminate", headers=headers)
    assert (ended.status_code, ended.json["status"]) == (200, "terminated")  # type: ignore[index]
    with container.uow(portal_id) as uow:
        assert uow.schedule.for_lease(lease_id) == []


def test_a_draft_lease_cannot_be_terminated(container: Container, client: FlaskClient) -> None:
    portal_id = new_portal(container)
    headers = key_for(container, portal_id)
    lease = lease_json(PAYERS[0], "Д-3", date(2026, 2, 1), {"name": "М"})
    lease_id = client.post("/api/v1/leases", json=lease, headers=headers).json["id"]  # type: ignore[index]
    answer = client.post(f"/api/v1/leases/{lease_id}/terminate", headers=headers)
    assert answer.status_code == 422
    assert "cancel it instead" in answer.json["detail"]  # type: ignore[index]


def test_serving_openapi_json_leaves_the_lease_schema_the_api_validates_with_intact(
    container: Container, client: FlaskClient
) -> None:
    portal_id = new_portal(container)
    client.get("/api/v1/openapi.json")
    lease = lease_json(PAYERS[0], "Д-4", date(2026, 2, 1), {"name": "М"})
    answer = client.post("/api/v1/leases", json=lease, headers=key_for(container, portal_id))
    assert answer.status_code == 201, answer.json


def test_a_bank_statement_uploaded_pays_invoices_and_payments_list_them(
    container: Container, client: FlaskClient
) -> None:
    world = build_world(container)
    headers = {**key_for(container, world.portal_id), "Content-Type": "text/plain"}
    answer = client.post("/api/v1/payments/statement", data=statement_file(), headers=headers)
    assert answer.status_code == 200, answer.json
    assert "БП-000101" in answer.json["invoices_paid"]  # type: ignore[index]
    again = client.post("/api/v1/payments/statement", data=statement_file(), headers=headers)
    assert again.json["added"] == 0  # type: ignore[index]
    listed = client.get("/api/v1/payments", headers=headers).json["items"]  # type: ignore[index]
    assert (listed[0]["number"], listed[0]["amount"]) == ("11", "100000.00")
    documents = client.get("/api/v1/documents", headers=headers).json["items"]  # type: ignore[index]
    assert {d["number"]: d["status"] for d in documents}["БП-000101"] == "paid"
    broken = client.post("/api/v1/payments/statement", data=b"not a statement", headers=headers)
    assert broken.status_code == 422


@pytest.mark.both_databases
def test_documents_leases_and_payments_are_filtered_by_the_query(
    container: Container, client: FlaskClient
) -> None:
    world = build_world(container)
    headers = key_for(container, world.portal_id)
    upload = {**headers, "Content-Type": "text/plain"}
    client.post("/api/v1/payments/statement", data=statement_file(), headers=upload)
    paid = client.get("/api/v1/documents?status=paid&kind=invoice", headers=headers).json
    numbers = {d["number"] for d in paid["items"]}  # type: ignore[index]
    assert "БП-000101" in numbers
    assert "БП-000102" not in numbers
    none = client.get("/api/v1/leases?status=terminated", headers=headers).json
    assert none["items"] == []  # type: ignore[index]
    later = client.get("/api/v1/payments?paid_from=2026-03-01", headers=headers).json
    assert later["items"] == []  # type: ignore[index]
    wrong = client.get("/api/v1/documents?kind=receipt", headers=headers)
    assert wrong.json["errors"][0]["field"] == "kind"  # type: ignore[index]


@pytest.mark.parametrize(
    ("field", "value", "problem_field"),
    [("area", "1e999", "items[0].area"), ("area", "NaN", "items[0].area"),
     ("area", "1" * 40, "items[0].area"), ("area", "50.555", "items[0].area"),
     ("price_per_m2", "1" * 40, "items[0].price_per_m2"),
     ("price_per_m2", "Infinity", "items[0].price_per_m2")],
)  # fmt: skip
def test_premises_with_a_number_out_of_bounds_are_a_422_naming_it(
    container: Container, client: FlaskClient, field: str, value: str, problem_field: str
) -> None:
    portal_id = new_portal(container)

    answer = client.post("/api/v1/premises", json={"items": [{**PREMISES, field: value}]},
                         headers=key_for(container, portal_id))  # fmt: skip

    assert answer.status_code == 422
    assert answer.json["errors"][0]["field"] == problem_field  # type: ignore[index]
    assert rows(container, PremisesRow) == 0


@pytest.mark.parametrize(
    ("change", "problem_field"),
    [({"rent": {"amount": "1e999"}}, "rent.amount"), ({"rent": {"amount": "NaN"}}, "rent.amount"),
     ({"rent": {"amount": "1" * 40}}, "rent.amount"),
     ({"rent": {"amount": "999999999999", "basis": "per_m2_month"}}, "rent.amount"),
     ({"deposit": "1" * 40}, "deposit"),
     ({"penalty_rate_per_day": "1e999"}, "penalty_rate_per_day"),
     ({"premises": [{"code": "101", "area_m2": "1" * 40}]}, "premises[0].area_m2")],
)  # fmt: skip
def test_a_lease_with_an_amount_out_of_bounds_is_a_422_naming_it(
    container: Container, client: FlaskClient, change: dict[str, Any], problem_field: str
) -> None:
    portal_id = new_portal(container)
    lease = lease_json(PAYERS[0], "Д-1", date(2026, 2, 1), {"name": "Менеджер"})

    answer = client.post("/api/v1/leases", json={**lease, **change},
                         headers=key_for(container, portal_id))  # fmt: skip

    assert answer.status_code == 422, answer.json
    assert answer.json["errors"][0]["field"] == problem_field  # type: ignore[index]
    assert rows(container, LeaseRow) == 0


def test_landlords_list_every_account_and_keep_the_default_in_the_old_fields(
    container: Container, client: FlaskClient
) -> None:
    portal_id = new_portal(container)
    with container.uow(portal_id) as uow:
        sber = factories.landlord().bank
        uow.parties.add_landlord(
            factories.landlord(bank=factories.ALFA, accounts=(sber, factories.ALFA))
        )
        uow.commit()
    answer = client.get("/api/v1/landlords", headers=key_for(container, portal_id, "read"))
    (landlord,) = answer.json["items"]  # type: ignore[index]
    assert (landlord["bank_name"], landlord["bic"], landlord["account"]) == (
        'АО "АЛЬФА-БАНК"',
        "044525593",
        "40702810800000000001",
    )
    assert [(a["label"], a["account"], a["default"]) for a in landlord["accounts"]] == [
        ("", sber.account, False),
        ("Для депозитов", factories.ALFA.account, True),
    ]
