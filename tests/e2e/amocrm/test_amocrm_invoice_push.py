"""The billing run issues an invoice on a real Celery worker; its push task writes the lead.

Production path: ``billing_run_portal`` (the nightly fan-out's per-portal task) issues the due
invoice and sends ``crm_document_issued``, which pushes it to the lead through the amoCRM
adapter. The lead is then read back from the emulator over HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from backend.domain.billing import DocumentKind
from backend.domain.lease import LeaseStatus
from jobs import runtime
from jobs.celery_app import make_celery
from tests.celery_worker import running_worker
from tests.e2e.amocrm.world import PIPELINE, World, install, lease_on_lead


def _until(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 60
    while not done():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def _fields(lead: dict[str, Any]) -> dict[str, Any]:
    """The lead's custom field values by the ``field_code`` we created them with."""
    return {
        item["field_code"]: item["values"][0]["value"]
        for item in lead.get("custom_fields_values") or []
    }


@pytest.mark.both_databases
def test_the_billing_run_writes_the_invoice_fields_a_note_and_moves_the_lead(
    world: World,
) -> None:
    portal_id = install(world)
    lead = world.account.add_lead("Аренда офиса 101", status_id=10004)
    lease_id = lease_on_lead(world, portal_id, lead, status=LeaseStatus.SIGNED)
    with world.container.uow(portal_id) as uow:
        uow.mappings.save(PIPELINE, {"10004": "signed"}, {"invoice_issued": "10005"})
        uow.commit()
    runtime.set_container(world.container)
    celery = make_celery(world.container.settings)
    celery.set_current()
    try:
        with running_worker(celery):
            celery.send_task(
                "jobs.tasks.billing_run_portal", args=(portal_id, world.clock.today().isoformat())
            )
            _until(lambda: bool(world.account.notes), "the invoice never reached the lead")
    finally:
        runtime.set_container(None)

    with world.container.uow(portal_id) as uow:
        (invoice,) = uow.documents.for_lease(lease_id, DocumentKind.INVOICE)
    read = world.amo_get(portal_id, f"/api/v4/leads/{lead}")
    fields = _fields(read)
    assert read["status_id"] == 10005  # mapped for "invoice issued"
    assert fields["RENTFLOW_INVOICE_ID"] == invoice.number
    public = f"{world.rentflow}/d/"
    for code in ("INVOICE_URL", "QR_URL", "QR_INVOICE_URL"):
        assert str(fields[f"RENTFLOW_{code}"]).startswith(public), code
    assert len({fields[f"RENTFLOW_{c}"] for c in ("INVOICE_URL", "QR_URL", "QR_INVOICE_URL")}) == 3
    assert fields["RENTFLOW_NEXT_INVOICE_DATE"] == "2026-02-24"  # March's, five days ahead
    assert fields["RENTFLOW_DEBT"] == str(invoice.total.amount)
    assert fields["RENTFLOW_LEASE_STATUS"] == "Подписан"
    notes = world.amo_get(portal_id, f"/api/v4/leads/{lead}/notes")["_embedded"]["notes"]
    (note,) = notes
    assert note["note_type"] == "common"
    assert f"выставлен счёт № {invoice.number}" in note["params"]["text"]
    assert fields["RENTFLOW_INVOICE_URL"] in note["params"]["text"]
