"""Scans a landlord attaches to a lease through the API reach the tenant's cabinet; a file of
the wrong type or size, or for another portal's lease, is refused and nothing is stored."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from backend.bootstrap import Container
from backend.db.tables_cabinet import LeaseScanRow
from backend.services.api_keys import create_key
from tests.cabinet_world import CabinetWorld, app_for, csrf_of, shared_world, sign_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(container: Container) -> CabinetWorld:
    return shared_world(container)


def _key(world: CabinetWorld, portal: int) -> str:
    with world.container.uow(world.portals[portal]) as uow:
        _, key = create_key(uow, world.container.clock, world.portals[portal], "scans", ["write"])  # type: ignore[arg-type]
        uow.commit()
    return key


def _upload(client: FlaskClient, key: str, lease_id: int, data: bytes, title: str) -> int:
    answer = client.post(
        f"/api/v1/leases/{lease_id}/scans", query_string={"title": title}, data=data,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/octet-stream"},
    )  # fmt: skip
    return answer.status_code


def _scans(container: Container) -> int:
    with container.uow(None) as uow:
        return int(uow.session.scalar(select(func.count(LeaseScanRow.id))) or 0)


def test_an_uploaded_scan_is_in_the_tenants_documents(world: CabinetWorld) -> None:
    app = app_for(world)
    api, tenant = app.test_client(), app.test_client()

    assert _upload(api, _key(world, 0), world.leases[0], PDF, "Договор с подписями") == 201

    sign_in(tenant, world.container)
    page = tenant.get("/cabinet/choose").get_data(as_text=True)
    key = re.search(rf'value="({world.portals[0]}-\d+)"', page)
    assert key
    tenant.post("/cabinet/choose", data={"tenant": key.group(1), "csrf": csrf_of(page)})
    documents = tenant.get("/cabinet/documents").get_data(as_text=True)
    link = re.search(r'href="(/cabinet/scans/\d+)">Договор с подписями<', documents)
    assert link
    download = tenant.get(link.group(1))
    assert download.data == PDF
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]


def test_wrong_files_and_other_portals_leases_are_refused(world: CabinetWorld) -> None:
    api = app_for(world).test_client()
    key = _key(world, 0)
    world.container.settings = world.container.settings.with_(scan_max_mb=1)

    assert _upload(api, key, world.leases[0], b"MZ\x90\x00 not a scan", "virus.exe") == 422
    assert _upload(api, key, world.leases[0], PDF + b"0" * (1024 * 1024), "big") == 422
    assert _upload(api, key, world.leases[0], PDF, "two\nlines") == 422
    assert _upload(api, key, world.leases[1], PDF, "not this portal's lease") == 404
    assert _scans(world.container) == 0
