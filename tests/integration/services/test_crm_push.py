"""Issued documents and lease events reach the right deal, in both billing modes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event

from backend.bootstrap import Container
from backend.domain.billing import BillingPeriod, DocumentKind
from backend.domain.documents import IssuedDocument
from backend.domain.money import Money
from backend.services.crm_push import (
    BILLING_DEAL,
    PUSH_ROUND,
    push_document_issued,
    push_lease_event,
    push_published_documents,
)
from backend.services.crm_sync import save_mapping
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from crm_mappings.mapping import LeaseEvent, StageMapping
from crm_mappings.port import CrmUnavailable, Deal, DealComment, DealUpdate, LeaseField
from tests import factories
from tests.fakes import FakeCrm

LEASE_MAP = StageMapping(
    "0", events={LeaseEvent.INVOICE_ISSUED: "INVOICE", LeaseEvent.PAID: "PAID"}
)
BILLING_MAP = StageMapping(
    "1", events={LeaseEvent.INVOICE_ISSUED: "C1:NEW", LeaseEvent.ACT_SIGNED: "C1:WON"}
)
FEB = BillingPeriod(date(2026, 2, 1), date(2026, 2, 28))
MAR = BillingPeriod(date(2026, 3, 1), date(2026, 3, 31))


def _portal(container: Container, settings: dict[str, str], deal: str | None = "42") -> int:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="m-1",
                                settings=settings)  # fmt: skip
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        save_mapping(uow, container.clock, LEASE_MAP)
        save_mapping(uow, container.clock, BILLING_MAP)
        register_lease(
            uow, container.clock, factories.lease(), crm_deal_id=deal, crm_pipeline_id="0"
        )
        uow.commit()
    return portal.id


def _document(container: Container, portal_id: int, kind: DocumentKind, number: str,
              period: BillingPeriod = FEB, lease_id: int | None = None) -> int:  # fmt: skip
    with container.uow(portal_id) as uow:
        lease_id = lease_id or uow.leases.ids()[0]
        doc = uow.documents.add(
            IssuedDocument(
                lease_id=lease_id, kind=kind, number=number, issued_on=period.start,
                period=period, lines=(), net=Money(Decimal(100)), vat=Money(Decimal(0)),
                total=Money(Decimal(100)),
            )
        )  # fmt: skip
        uow.commit()
    assert doc.id is not None
    return doc.id


@pytest.fixture
def crm() -> FakeCrm:
    fake = FakeCrm()
    fake.deals["42"] = Deal("42", "Офис 101", "0", "SIGNED")
    return fake


def test_on_the_lease_deal_an_invoice_sets_fields_moves_the_stage_and_comments(
    container: Container, crm: FakeCrm
) -> None:
    portal_id = _portal(container, {})
    invoice = _document(container, portal_id, DocumentKind.INVOICE, "С-1")

    pushed = push_document_issued(container.uow(portal_id), container.clock, crm, invoice, "u1")

    assert pushed is not None
    deal = crm.deals["42"]
    assert deal.stage_id == "INVOICE"
    assert deal.fields[LeaseField.INVOICE_ID] == "С-1"
    assert deal.fields[LeaseField.INVOICE_URL] == "u1"
    assert crm.comments[0].deal_id == "42"
    assert "С-1" in crm.comments[0].text


def test_an_invoice_refreshes_the_lease_deal_s_status_next_invoice_date_and_debt(
    container: Container, crm: FakeCrm
) -> None:
    portal_id = _portal(container, {})
    invoice = _document(container, portal_id, DocumentKind.INVOICE, "С-1")

    push_document_issued(container.uow(portal_id), container.clock, crm, invoice, "u1")

    fields = crm.deals["42"].fields
    assert fields[LeaseField.LEASE_STATUS] == "Черновик"
    assert fields[LeaseField.NEXT_INVOICE_DATE] == ""  # a draft lease plans nothing yet
    assert fields[LeaseField.DEBT] == "100.00"  # the unpaid invoice


def test_an_act_on_the_lease_deal_sets_its_link_without_moving_the_deal(
    container: Container, crm: FakeCrm
) -> None:
    portal_id = _portal(container, {})
    act = _document(container, portal_id, DocumentKind.ACT, "А-1")

    push_document_issued(container.uow(portal_id), container.clock, crm, act, "u2")

    assert crm.deals["42"].stage_id == "SIGNED"
    assert crm.deals["42"].fields[LeaseField.ACT_URL] == "u2"


def test_a_lease_event_moves_the_lease_deal_to_its_mapped_stage_and_unmapped_ones_do_nothing(
    container: Container, crm: FakeCrm
) -> None:
    portal_id = _portal(container, {})
    invoice = _document(container, portal_id, DocumentKind.INVOICE, "С-1")

    paid = push_lease_event(
        container.uow(portal_id), container.clock, crm, invoice, LeaseEvent.PAID
    )
    overdue = push_lease_event(
        container.uow(portal_id), container.clock, crm, invoice, LeaseEvent.OVERDUE
    )

    assert paid is not None
    assert overdue is None
    assert crm.deals["42"].stage_id == "PAID"


def test_per_period_each_invoice_opens_a_billing_deal_and_the_signed_act_closes_it(
    container: Container, crm: FakeCrm
) -> None:
    portal_id = _portal(container, {"billing_mode": "deal_per_period", "billing_pipeline": "1"})
    feb = _document(container, portal_id, DocumentKind.INVOICE, "С-1")
    feb_act = _document(container, portal_id, DocumentKind.ACT, "А-1")

    first = push_document_issued(container.uow(portal_id), container.clock, crm, feb, "u1")
    push_document_issued(container.uow(portal_id), container.clock, crm, feb_act, "u2")
    push_lease_event(container.uow(portal_id), container.clock, crm, feb_act, LeaseEvent.ACT_SIGNED)
    mar = _document(container, portal_id, DocumentKind.INVOICE, "С-2", MAR)
    second = push_document_issued(container.uow(portal_id), container.clock, crm, mar, "u3")

    assert first is not None
    assert second is not None
    billing = crm.deals[first.created_deal]
    assert (billing.pipeline_id, billing.stage_id) == ("1", "C1:WON")
    assert billing.fields[LeaseField.INVOICE_ID] == "С-1"
    assert billing.fields[LeaseField.ACT_URL] == "u2"
    assert crm.deals[second.created_deal].stage_id == "C1:NEW"
    assert second.created_deal != first.created_deal
    assert crm.deals["42"].stage_id == "SIGNED"  # the lease deal stays where it is
    assert crm.deals["42"].fields[LeaseField.INVOICE_ID] == "С-2"
    with container.uow(portal_id) as uow:
        assert uow.documents.get(feb).extra[BILLING_DEAL] == first.created_deal


def test_a_lease_without_a_deal_pushes_nothing(container: Container, crm: FakeCrm) -> None:
    portal_id = _portal(container, {}, deal=None)
    invoice = _document(container, portal_id, DocumentKind.INVOICE, "С-1")

    assert (
        push_document_issued(container.uow(portal_id), container.clock, crm, invoice, "u") is None
    )
    assert crm.updates == []


class _FlakyCrm(FakeCrm):
    """Fails the first batch of deal updates, as a portal under its rate limit would."""

    failures: int = 1

    def update_deals(self, updates: Sequence[DealUpdate]) -> None:
        if self.failures:
            self.failures -= 1
            raise CrmUnavailable("503 QUERY_LIMIT_EXCEEDED")
        super().update_deals(updates)


def test_a_retried_push_reuses_the_billing_deal_it_opened(container: Container) -> None:
    crm = _FlakyCrm()
    crm.deals["42"] = Deal("42", "Офис 101", "0", "SIGNED")
    portal_id = _portal(container, {"billing_mode": "deal_per_period", "billing_pipeline": "1"})
    invoice = _document(container, portal_id, DocumentKind.INVOICE, "С-1")

    with pytest.raises(CrmUnavailable):
        push_document_issued(container.uow(portal_id), container.clock, crm, invoice, "u1")
    retried = push_document_issued(container.uow(portal_id), container.clock, crm, invoice, "u1")

    assert retried is not None
    billing_deals = [d for d in crm.deals.values() if d.pipeline_id == "1"]
    assert [d.id for d in billing_deals] == [retried.created_deal]
    assert billing_deals[0].fields[LeaseField.INVOICE_ID] == "С-1"


def test_documents_the_deal_never_heard_of_are_swept_up_after_a_grace(container: Container) -> None:
    from datetime import timedelta

    from backend.domain.lease import LeaseStatus
    from backend.services.billing import run_portal
    from backend.services.crm_push import SYNC_GRACE, documents_to_push, push_published_document

    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="sweep")
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        register_lease(
            uow, container.clock, factories.lease(status=LeaseStatus.SIGNED), crm_deal_id="42"
        )
        register_lease(
            uow, container.clock, factories.lease(number="no-deal", status=LeaseStatus.SIGNED)
        )
        uow.commit()
    run_portal(container.billing_ports(), portal.id, date(2026, 1, 27))  # its push task is lost
    assert documents_to_push(container.uow(portal.id), container.clock) == []  # still in grace
    container.clock.set(container.clock.now() + SYNC_GRACE + timedelta(minutes=1))  # type: ignore[attr-defined]
    (lost,) = documents_to_push(container.uow(portal.id), container.clock)
    crm = FakeCrm()
    crm.deals["42"] = Deal("42", "Офис 101", "0", "NEW")
    push_published_document(
        container.uow(portal.id), container.clock, crm, lost, container.link_url
    )
    assert crm.deals["42"].fields[LeaseField.INVOICE_ID] == "1"
    assert documents_to_push(container.uow(portal.id), container.clock) == []


class _CountingCrm(_FlakyCrm):
    """Counts the port calls, failing the first ``failures`` deal-update calls."""

    failures = 0

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def update_deals(self, updates: Sequence[DealUpdate]) -> None:
        self.calls.append(f"update_deals:{len(updates)}")
        super().update_deals(updates)

    def add_comments(self, comments: Sequence[DealComment]) -> None:
        self.calls.append(f"add_comments:{len(comments)}")
        super().add_comments(comments)


def _second_lease(container: Container, portal_id: int, deal: str) -> int:
    with container.uow(portal_id) as uow:
        lease = register_lease(
            uow, container.clock, factories.lease(number=f"L-{deal}"), crm_deal_id=deal,
            crm_pipeline_id="0",
        )  # fmt: skip
        uow.commit()
    return lease.lease_id


def test_a_run_s_documents_go_out_in_one_update_and_one_comment_call_per_batch(
    container: Container,
) -> None:
    crm = _CountingCrm()
    crm.deals["42"] = Deal("42", "Офис 101", "0", "SIGNED")
    crm.deals["43"] = Deal("43", "Офис 102", "0", "SIGNED")
    portal_id = _portal(container, {})
    other = _second_lease(container, portal_id, "43")
    ids = [
        _document(container, portal_id, DocumentKind.ACT, "А-1"),
        _document(container, portal_id, DocumentKind.INVOICE, "С-1", MAR),
        _document(container, portal_id, DocumentKind.INVOICE, "С-2", MAR, lease_id=other),
    ]

    pushed = push_published_documents(
        container.uow(portal_id), container.clock, crm, ids, container.link_url
    )

    assert crm.calls == ["update_deals:2", "add_comments:2"]  # one update and comment per deal
    assert sorted(p.deal_id for p in pushed) == ["42", "43"]
    first = crm.deals["42"]
    assert (first.stage_id, first.fields[LeaseField.INVOICE_ID]) == ("INVOICE", "С-1")
    assert crm.deals["43"].fields[LeaseField.INVOICE_ID] == "С-2"
    (comment,) = [c for c in crm.comments if c.deal_id == "42"]
    assert "акт № А-1" in comment.text
    assert "счёт № С-1" in comment.text


def test_a_catch_up_leaves_the_latest_invoice_on_the_deal(container: Container) -> None:
    crm = _CountingCrm()
    crm.deals["42"] = Deal("42", "Офис 101", "0", "SIGNED")
    portal_id = _portal(container, {})
    mar = _document(container, portal_id, DocumentKind.INVOICE, "С-2", MAR)
    feb = _document(container, portal_id, DocumentKind.INVOICE, "С-1", FEB)

    push_published_documents(
        container.uow(portal_id), container.clock, crm, [mar, feb], container.link_url
    )

    assert crm.deals["42"].fields[LeaseField.INVOICE_ID] == "С-2"


def test_a_failed_batch_push_is_retried_whole_and_then_sends_nothing_more(
    container: Container,
) -> None:
    crm = _CountingCrm()
    crm.failures = 1
    crm.deals["42"] = Deal("42", "Офис 101", "0", "SIGNED")
    portal_id = _portal(container, {})
    ids = [_document(container, portal_id, DocumentKind.INVOICE, "С-1")]

    with pytest.raises(CrmUnavailable):
        push_published_documents(
            container.uow(portal_id), container.clock, crm, ids, container.link_url
        )
    assert crm.comments == []
    retried = push_published_documents(
        container.uow(portal_id), container.clock, crm, ids, container.link_url
    )
    again = push_published_documents(
        container.uow(portal_id), container.clock, crm, ids, container.link_url
    )

    assert [p.deal_id for p in retried] == ["42"]
    assert again == []
    assert len(crm.comments) == 1
    assert crm.deals["42"].fields[LeaseField.INVOICE_ID] == "С-1"


class _CommentsStopCrm(FakeCrm):
    """Takes the first ``answered`` comment calls, then refuses as a rate-limited CRM."""

    answered = 1

    def add_comments(self, comments: Sequence[DealComment]) -> None:
        if self.answered <= 0:
            raise CrmUnavailable("503 QUERY_LIMIT_EXCEEDED")
        self.answered -= 1
        super().add_comments(comments)


def test_a_crm_that_stops_answering_part_way_gets_each_comment_once_on_the_retry(
    container: Container,
) -> None:
    crm = _CommentsStopCrm()
    portal_id = _portal(container, {}, deal=None)
    ids = []
    for n in range(PUSH_ROUND + 10):  # two rounds: the second's comments are refused
        deal = str(100 + n)
        crm.deals[deal] = Deal(deal, f"Офис {n}", "0", "SIGNED")
        lease_id = _second_lease(container, portal_id, deal)
        ids.append(_document(container, portal_id, DocumentKind.INVOICE, f"С-{n}", MAR, lease_id))

    with pytest.raises(CrmUnavailable):
        push_published_documents(
            container.uow(portal_id), container.clock, crm, ids, container.link_url
        )
    crm.answered = 1
    retried = push_published_documents(
        container.uow(portal_id), container.clock, crm, ids, container.link_url
    )

    assert len(retried) == 10
    per_deal = Counter(c.deal_id for c in crm.comments)
    assert sorted(per_deal) == sorted(crm.deals)
    assert set(per_deal.values()) == {1}
    with container.uow(portal_id) as uow:
        assert uow.documents.not_synced() == []


def test_per_period_documents_are_pushed_one_by_one_each_opening_its_billing_deal(
    container: Container,
) -> None:
    crm = _CountingCrm()
    crm.deals["42"] = Deal("42", "Офис 101", "0", "SIGNED")
    portal_id = _portal(container, {"billing_mode": "deal_per_period", "billing_pipeline": "1"})
    ids = [
        _document(container, portal_id, DocumentKind.INVOICE, "С-1", FEB),
        _document(container, portal_id, DocumentKind.INVOICE, "С-2", MAR),
    ]

    pushed = push_published_documents(
        container.uow(portal_id), container.clock, crm, ids, container.link_url
    )

    assert len({p.created_deal for p in pushed}) == 2
    assert crm.deals["42"].stage_id == "SIGNED"


def test_a_batched_push_reads_a_bounded_number_of_sql_statements_per_document(
    container: Container,
) -> None:
    """Documents, leases and deals are read in batches and each lease's documents and plan
    once: at most 5 statements per document pushed (~16 when each was read alone)."""
    crm = FakeCrm()
    portal_id = _portal(container, {})
    crm.deals["42"] = Deal("42", "Офис 101", "0", "SIGNED")
    ids = [
        _document(container, portal_id, DocumentKind.ACT, "А-1"),
        _document(container, portal_id, DocumentKind.INVOICE, "С-1", MAR),
    ]
    for n in range(3, 9):
        lease_id = _second_lease(container, portal_id, str(40 + n))
        crm.deals[str(40 + n)] = Deal(str(40 + n), f"Офис {n}", "0", "SIGNED")
        ids += [
            _document(container, portal_id, DocumentKind.ACT, f"А-{n}", lease_id=lease_id),
            _document(container, portal_id, DocumentKind.INVOICE, f"С-{n}", MAR, lease_id),
        ]
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(container.engine, "before_cursor_execute", count)
    try:
        pushed = push_published_documents(
            container.uow(portal_id), container.clock, crm, ids, container.link_url
        )
    finally:
        event.remove(container.engine, "before_cursor_execute", count)
    assert len(pushed) == 7
    assert crm.deals["48"].fields[LeaseField.INVOICE_ID] == "С-8"
    assert len(statements) <= 5 * len(ids)
