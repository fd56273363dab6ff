"""The CIAN feed end to end: imported premises → /feeds/<key>/cian.xml, valid against
docs/cian-feed.xsd; seed 000's example; rented premises leave; ETag/Last-Modified."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from lxml import etree

from backend.bootstrap import Container
from backend.bulk.xml_records import read_records
from backend.domain.lease import LeaseStatus
from backend.domain.parties import Premises
from backend.ports import FixedClock
from backend.services.cian_feed import save_settings
from backend.services.imports import import_records
from backend.services.leases import register_lease
from backend.services.portal_settings import InvalidSettings
from backend.web.app import create_app
from tests import factories
from tests.bulk_world import EXAMPLE_XML, import_xml, new_portal

XSD = etree.XMLSchema(etree.parse(str(Path(EXAMPLE_XML).parents[1] / "cian-feed.xsd")))


def load(container: Container, portal_id: int, data: bytes) -> None:
    with container.uow(portal_id) as uow:
        report = import_records(
            uow, container.clock, read_records(io.BytesIO(data), max_bytes=10**7),
            channel="xml", source="t",
        )  # fmt: skip
    assert report.ok, report.error


def configure(container: Container, portal_id: int, **values: object) -> str:
    with container.uow(portal_id) as uow:
        settings = save_settings(uow, values)
        uow.commit()
    return settings.key


@pytest.fixture
def client(container: Container) -> FlaskClient:
    return create_app(container=container).test_client()


def objects(body: bytes) -> list[dict[str, str]]:
    document = etree.fromstring(body)
    assert XSD.validate(document), XSD.error_log
    return [
        {child.tag: (child.text or "") for child in item if len(child) == 0}
        | {"Price": item.findtext("BargainTerms/Price") or ""}
        for item in document.iterfind("object")
    ]


def test_seed_example_per_floor_publishes_an_office_lot_and_a_warehouse_lot(
    container: Container, client: FlaskClient
) -> None:
    portal_id = new_portal(container)
    load(container, portal_id, EXAMPLE_XML.read_bytes())
    key = configure(container, portal_id, mode="per_floor", phone="8 (495) 123-45-67")
    answer = client.get(f"/feeds/{key}/cian.xml")
    assert answer.status_code == 200
    lots = objects(answer.data)
    assert [(o["Category"], o["TotalArea"]) for o in lots] == [
        ("officeRent", "125"),
        ("warehouseRent", "250"),
    ]
    assert lots[0]["Price"] == str(Decimal(125) * Decimal(1500))
    assert lots[0]["Description"].startswith("Офис 125 м². Секция A")
    assert lots[0]["Address"] == "Москва, ул. Северная, 1"


def test_per_premises_mode_publishes_each_useful_premises(
    container: Container, client: FlaskClient
) -> None:
    portal_id = new_portal(container)
    load(container, portal_id, EXAMPLE_XML.read_bytes())
    key = configure(container, portal_id, mode="per_premises")
    lots = objects(client.get(f"/feeds/{key}/cian.xml").data)
    assert [o["ExternalId"] for o in lots] == ["p-P-101", "p-P-102", "p-P-103", "p-P-104"]


def test_a_rented_premises_leaves_the_feed_and_the_etag_changes(
    container: Container, client: FlaskClient, clock: FixedClock
) -> None:
    portal_id = new_portal(container)
    load(container, portal_id, EXAMPLE_XML.read_bytes())
    key = configure(container, portal_id)
    first = client.get(f"/feeds/{key}/cian.xml")
    assert (
        client.get(
            f"/feeds/{key}/cian.xml", headers={"If-None-Match": first.headers["ETag"]}
        ).status_code
        == 304
    )
    clock.set(clock.now() + timedelta(hours=1))
    load(container, portal_id, import_xml(premises=(
        '<premises external-id="P-101" building="БЦ Север" section="A" floor="1" number="101"'
        ' type="office" area="50" price-per-m2="1500.00" status="rented"/>'
    )))  # fmt: skip
    second = client.get(f"/feeds/{key}/cian.xml")
    assert second.headers["ETag"] != first.headers["ETag"]
    assert [o["ExternalId"] for o in objects(second.data)] == ["p-P-102", "p-P-103", "p-P-104"]
    assert second.last_modified == datetime(2026, 2, 1, 1, 0, tzinfo=UTC)
    assert first.last_modified == datetime(2026, 2, 1, 0, 0, tzinfo=UTC)


def test_an_unknown_feed_key_is_a_404(container: Container, client: FlaskClient) -> None:
    portal_id = new_portal(container)
    configure(container, portal_id)
    assert client.get("/feeds/not-the-key/cian.xml").status_code == 404


def test_a_new_key_retires_the_old_feed_url(container: Container, client: FlaskClient) -> None:
    portal_id = new_portal(container)
    old = configure(container, portal_id)
    new = configure(container, portal_id, new_key=True)
    assert client.get(f"/feeds/{old}/cian.xml").status_code == 404
    assert client.get(f"/feeds/{new}/cian.xml").status_code == 200


def test_only_the_chosen_buildings_and_floors_are_published(
    container: Container, client: FlaskClient
) -> None:
    portal_id = new_portal(container)
    load(container, portal_id, import_xml(premises=(
        '<premises building="БЦ Север" floor="1" number="101" area="50" price-per-m2="10"/>'
        '<premises building="БЦ Север" floor="2" number="201" area="60" price-per-m2="10"/>'
        '<premises building="Склад Юг" floor="1" number="1" area="70" price-per-m2="10"/>'
    )))  # fmt: skip
    key = configure(container, portal_id, buildings=["БЦ Север"], floors={"БЦ Север": ["2"]})
    assert [o["TotalArea"] for o in objects(client.get(f"/feeds/{key}/cian.xml").data)] == ["60"]


def test_a_bad_feed_setting_is_refused_with_its_field(container: Container) -> None:
    portal_id = new_portal(container)
    with pytest.raises(InvalidSettings) as error:
        configure(container, portal_id, mode="per_building")
    assert error.value.field == "mode"


def test_premises_of_a_signed_lease_leave_the_feed_and_come_back_when_it_ends(
    container: Container, client: FlaskClient
) -> None:
    portal_id = new_portal(container)
    load(container, portal_id, EXAMPLE_XML.read_bytes())
    key = configure(container, portal_id)
    lease = factories.lease(
        status=LeaseStatus.SIGNED,
        premises=(Premises(code="102", area_m2=Decimal(75), building="БЦ Север"),),
    )
    with container.uow(portal_id) as uow:
        lease_id = register_lease(uow, container.clock, lease).lease_id
        uow.commit()
    numbers = [o["ExternalId"] for o in objects(client.get(f"/feeds/{key}/cian.xml").data)]
    assert numbers == ["p-P-101", "p-P-103", "p-P-104"]
    with container.uow(portal_id) as uow:
        stored = uow.leases.get(lease_id)
        uow.leases.save(replace(stored, status=LeaseStatus.TERMINATED))
        uow.commit()
    numbers = [o["ExternalId"] for o in objects(client.get(f"/feeds/{key}/cian.xml").data)]
    assert "p-P-102" in numbers


def test_the_avito_feed_offers_the_same_lots(container: Container, client: FlaskClient) -> None:
    portal_id = new_portal(container)
    load(container, portal_id, EXAMPLE_XML.read_bytes())
    key = configure(container, portal_id, mode="per_floor", phone="+74951234567")
    answer = client.get(f"/feeds/{key}/avito.xml")
    assert answer.status_code == 200
    ads = etree.fromstring(answer.data)
    assert (ads.tag, ads.get("formatVersion")) == ("Ads", "3")
    assert [(ad.findtext("ObjectType"), ad.findtext("Square")) for ad in ads] == [
        ("Офисное помещение", "125"),
        ("Складское помещение", "250"),
    ]
    assert {ad.findtext("OperationType") for ad in ads} == {"Сдам"}
    assert client.get("/feeds/wrong/avito.xml").status_code == 404
