"""Public document links over HTTP (Flask test client) on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from urllib.parse import unquote

import pytest
from flask.testing import FlaskClient
from PIL import Image
from pypdf import PdfReader
from pyzbar.pyzbar import decode

from backend.bootstrap import Container
from backend.domain.billing import BillingPeriod, DocumentKind, DocumentLine
from backend.domain.documents import IssuedDocument
from backend.domain.errors import NotFound
from backend.domain.money import Money
from backend.services.document_links import (
    publish_document,
    publish_issued_document,
    revoke_document_links,
)
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from backend.web.app import create_app
from documents.links import LinkSigner
from documents.qr.gost import parse_gost
from tests import factories

PDF = b"%PDF-1.7\n" + b"0" * 200_000


def _portal_with_invoice(container: Container, external_id: str) -> tuple[int, int]:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id=external_id)
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        lease_id = register_lease(
            uow, container.clock, factories.lease(), crm_deal_id=external_id
        ).lease_id
        amount = Money(Decimal("12345.07"))
        period = BillingPeriod(date(2026, 2, 1), date(2026, 2, 28))
        line = DocumentLine("Аренда помещения 101", period, 1, "мес.", amount, amount,
                            Money(Decimal("2226.16")))  # fmt: skip
        doc = uow.documents.add(
            IssuedDocument(
                lease_id=lease_id, kind=DocumentKind.INVOICE, number="СЧ-2026/7",
                issued_on=date(2026, 2, 1), period=period, lines=(line,),
                net=amount - line.vat, vat=line.vat, total=amount,
            )
        )  # fmt: skip
        uow.commit()
    assert doc.id is not None
    return portal.id, doc.id


@pytest.fixture
def client(container: Container) -> FlaskClient:
    return create_app(container=container).test_client()


def _publish(container: Container, portal_id: int, document_id: int) -> str:
    with container.uow(portal_id) as uow:
        link = publish_document(
            uow, container.document_storage(), container.clock,
            document_id=document_id, role="invoice_qr", content=PDF,
        )  # fmt: skip
        uow.commit()
    return LinkSigner(container.settings.secret_key).url("", link.token)


def test_link_streams_the_pdf_with_a_russian_file_name(
    container: Container, client: FlaskClient
) -> None:
    portal_id, document_id = _portal_with_invoice(container, "member-1")
    url = _publish(container, portal_id, document_id)
    token = url.removeprefix("/d/").split(".")[0]
    assert len(token) == 32  # 192 random bits, not the document's id
    assert not token.isdigit()
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data == PDF
    assert response.headers["Content-Length"] == str(len(PDF))
    disposition = response.headers["Content-Disposition"]
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == (
        "Счет на оплату с QR-кодом № СЧ-2026-7 от 01.02.2026.pdf"
    )


def test_forged_and_unknown_links_are_not_found(container: Container, client: FlaskClient) -> None:
    portal_id, document_id = _portal_with_invoice(container, "member-1")
    url = _publish(container, portal_id, document_id)
    token, signature = url.removeprefix("/d/").split(".")
    assert client.get(f"/d/{token}.{signature[::-1]}").status_code == 404
    assert client.get(f"/d/{token}").status_code == 404
    unknown = LinkSigner(container.settings.secret_key).url("", "x" * 32)
    assert client.get(unknown).status_code == 404


def test_revoked_links_stop_working_and_new_ones_work(
    container: Container, client: FlaskClient
) -> None:
    portal_id, document_id = _portal_with_invoice(container, "member-1")
    old = _publish(container, portal_id, document_id)
    with container.uow(portal_id) as uow:
        assert revoke_document_links(uow, container.clock, document_id) == 1
        uow.commit()
    assert client.get(old).status_code == 410
    new = _publish(container, portal_id, document_id)
    assert new != old
    assert client.get(new).status_code == 200


def test_a_portal_cannot_publish_or_revoke_another_portals_document(
    container: Container,
) -> None:
    _, document_id = _portal_with_invoice(container, "member-1")
    other_portal, _ = _portal_with_invoice(container, "member-2")
    with container.uow(other_portal) as uow, pytest.raises(NotFound):
        revoke_document_links(uow, container.clock, document_id)
    with container.uow(other_portal) as uow, pytest.raises(NotFound):
        publish_document(
            uow, container.document_storage(), container.clock,
            document_id=document_id, role="invoice", content=PDF,
        )  # fmt: skip


def test_issued_invoice_is_rendered_and_published_as_plain_and_qr_pdfs(
    container: Container, client: FlaskClient
) -> None:
    portal_id, document_id = _portal_with_invoice(container, "member-1")
    with container.uow(portal_id) as uow:
        links = publish_issued_document(
            uow, container.document_rendering(), container.document_storage(), container.clock,
            document_id,
        )  # fmt: skip
        uow.commit()
    assert [link.role for link in links] == ["invoice", "invoice_qr", "qr_png", "qr_svg"]
    signer = LinkSigner(container.settings.secret_key)
    served = {}
    for link in links:
        response = client.get(signer.url("", link.token))
        served[link.role] = (response.mimetype, response.headers["Content-Disposition"],
                             response.data)  # fmt: skip
    assert served["qr_png"][0] == "image/png"
    assert served["qr_svg"][0] == "image/svg+xml"
    assert unquote(served["qr_png"][1].split("''")[1]) == (
        "QR-код для оплаты счета № СЧ-2026-7 от 01.02.2026.png"
    )
    scanned = decode(Image.open(io.BytesIO(served["qr_png"][2])))[0].data
    assert parse_gost(scanned.decode())["Sum"] == "1234507"
    pdfs = {role: data for role, (_, _, data) in served.items()}
    text = " ".join(PdfReader(io.BytesIO(pdfs["invoice_qr"])).pages[0].extract_text().split())
    assert "Счет на оплату № СЧ-2026/7 от «1» февраля 2026 г." in text
    assert "Двенадцать тысяч триста сорок пять рублей 07 копеек" in text
    with container.uow(portal_id) as uow:
        assert len(uow.links.for_document(portal_id, document_id)) == 4
