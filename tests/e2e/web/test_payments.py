"""Uploading a bank statement through the web app."""

from __future__ import annotations

import io

from backend.bootstrap import Container
from backend.config import Settings
from backend.web.app import create_app
from tests.operator_client import operator_client
from tests.payments_world import build_world, statement_file


def test_an_uploaded_statement_is_imported_and_its_leftovers_listed_for_review(
    container: Container, settings: Settings
) -> None:
    world = build_world(container)
    app = create_app(container=container)
    client = operator_client(app)
    url = f"/portals/{world.portal_id}/payments"
    answer = client.post(
        f"{url}/statements", data={"file": (io.BytesIO(statement_file("DOS")), "kl_to_1c.txt")}
    )
    assert answer.status_code == 200
    assert answer.get_json()["invoices_paid"] == ["БП-000101", "БП-000103"]
    review = client.get(f"{url}/review").get_json()
    assert [item["unallocated"] for item in review] == ["5000.00"]


def test_an_upload_that_is_not_a_statement_is_a_400_with_the_reason(
    container: Container, settings: Settings
) -> None:
    world = build_world(container)
    app = create_app(container=container)
    answer = operator_client(app).post(
        f"/portals/{world.portal_id}/payments/statements",
        data={"file": (io.BytesIO(b"%PDF-1.7"), "x.pdf")},
    )
    assert answer.status_code == 400
    assert "not a 1C bank statement" in answer.get_json()["error"]


def test_an_upload_with_a_broken_amount_is_a_400_naming_the_line_and_stores_nothing(
    container: Container, settings: Settings
) -> None:
    world = build_world(container)
    data = statement_file().replace(
        "Сумма=40000.00".encode("cp1251"), "Сумма=0.001".encode("cp1251")
    )
    client = operator_client(create_app(container=container))
    url = f"/portals/{world.portal_id}/payments"
    answer = client.post(f"{url}/statements", data={"file": (io.BytesIO(data), "kl.txt")})
    assert answer.status_code == 400
    (error,) = answer.get_json()["errors"]
    assert error.startswith("line ")
    assert "0.001" in error
    assert client.get(f"{url}/review").get_json() == []


def test_a_month_exported_on_demand_can_be_downloaded(
    container: Container, settings: Settings
) -> None:
    world = build_world(container)
    app = create_app(container=container)
    client = operator_client(app)
    made = client.post(f"/portals/{world.portal_id}/onec/exports", json={"month": "2026-02"})
    assert made.status_code == 200
    key = made.get_json()["storage_key"]
    download = client.get(f"/portals/{world.portal_id}/onec/exports/{key.rsplit('/', 1)[1]}")
    assert download.status_code == 200
    assert "БП-000101" in download.get_data(as_text=True)
    assert client.get(f"/portals/{world.portal_id}/onec/exports/..%2F..%2Fx").status_code == 404


def test_outside_the_sandbox_uploads_and_exports_need_the_operator_token(
    container: Container, settings: Settings
) -> None:
    from dataclasses import replace

    world = build_world(container)
    closed = replace(container, settings=settings.with_(sandbox=False, admin_token="t0ken"))
    client = create_app(container=closed).test_client()
    upload = client.post(
        f"/portals/{world.portal_id}/payments/statements",
        data={"file": (io.BytesIO(statement_file("DOS")), "kl_to_1c.txt")},
    )
    assert upload.status_code == 401
    assert (
        client.post(
            f"/portals/{world.portal_id}/onec/exports", json={"month": "2026-02"}
        ).status_code
        == 401
    )
    with container.uow(world.portal_id) as uow:
        assert uow.payments.not_fully_allocated() == []
    allowed = client.get(
        f"/portals/{world.portal_id}/payments/review", headers={"Authorization": "Bearer t0ken"}
    )
    assert allowed.status_code == 200


def test_a_manager_places_unmatched_money_over_http_and_the_deal_move_is_queued(
    container: Container, settings: Settings
) -> None:
    from tests.payments_world import doc

    world = build_world(container)
    queued: list[tuple[object, ...]] = []
    container.task_sender = lambda name, *args: queued.append((name, *args))
    client = operator_client(create_app(container=container))
    url = f"/portals/{world.portal_id}/payments"
    stranger = doc("21", "100000.00", "Перевод", payer_inn="500100732259", payer="ИП Смирнов")
    data = {"file": (io.BytesIO(statement_file(docs=[stranger])), "kl_to_1c.txt")}
    assert client.post(f"{url}/statements", data=data).status_code == 200
    (item,) = client.get(f"{url}/review").get_json()
    page = client.get(f"{url}/").get_data(as_text=True)
    assert 'type="file"' in page
    assert f'data-payment="{item["payment_id"]}"' in page

    place = f"{url}/{item['payment_id']}/allocations"
    invoice = world.invoices["БП-000101"]
    too_much = client.post(place, json={"amount": "100000.01", "invoice_id": invoice})
    assert too_much.status_code == 400
    assert "only" in too_much.get_json()["error"]
    assert client.post(place, json={"amount": "сто", "invoice_id": invoice}).status_code == 400
    missing = client.post(f"{url}/999999/allocations", json={"amount": "1", "lease_id": 1})
    assert missing.status_code == 404
    done = client.post(place, json={"amount": "100000.00", "invoice_id": str(invoice)})
    assert done.status_code == 200
    assert client.get(f"{url}/review").get_json() == []
    with container.uow(world.portal_id) as uow:
        assert uow.documents.get(invoice).status == "paid"
    with container.uow(world.portal_id) as uow:
        lease_id = uow.documents.get(invoice).lease_id
    note = "Оплата № 21 от 09.02.2026 (ИП Смирнов): 100\xa0000,00\xa0₽ по счёту № БП-000101"
    assert queued == [
        ("jobs.tasks.crm_lease_event", world.portal_id, invoice, "paid"),
        ("jobs.tasks.crm_payment_news", world.portal_id, [[lease_id, note]]),  # deal timeline
    ]
