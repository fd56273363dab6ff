"""Tasks are acked late: one a killed worker held runs again. Running a task's body twice
(as a redelivery does) tells the CRM once."""

from __future__ import annotations

import pytest

from backend.bootstrap import Container
from backend.domain.billing import DocumentKind
from crm_mappings.port import Deal
from jobs import tasks
from tests.fakes import FakeCrm
from tests.integration.services.test_crm_push import _document, _portal


@pytest.fixture
def crm() -> FakeCrm:
    fake = FakeCrm()
    fake.deals["42"] = Deal("42", "Офис 101", "0", "SIGNED")
    return fake


def test_a_redelivered_document_push_comments_on_the_deal_once(
    worker_container: Container, crm: FakeCrm
) -> None:
    portal_id = _portal(worker_container, {})
    worker_container.crm_factories["bitrix24"] = lambda _c, _p: crm
    invoice = _document(worker_container, portal_id, DocumentKind.INVOICE, "С-1")

    tasks.crm_document_issued.run(portal_id, invoice)
    tasks.crm_document_issued.run(portal_id, invoice)

    assert [c.deal_id for c in crm.comments] == ["42"]
    assert crm.deals["42"].stage_id == "INVOICE"
