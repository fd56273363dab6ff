"""The OData client and the payment poll against the 1C emulator over real HTTP (loopback)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from backend.bootstrap import Container
from backend.domain.billing import DocumentKind
from backend.domain.money import Money
from backend.onec.odata import (
    ODataClient,
    ODataSettings,
    OneCAuthFailed,
    OneCUnavailable,
    datetime_literal,
    guid,
)
from backend.services.onec_sync import poll_payments
from sandbox.onec.store import ACTS, INVOICES, PAYMENTS, OneCStore
from tests.fakes import FakeCrm
from tests.payments_world import QueuedMoves, build_world


def _client(base_url: str, password: str = "secret", retries: int = 2) -> ODataClient:  # noqa: S107
    settings = ODataSettings(base_url, "buh", password, timeout=5, retries=retries)
    return ODataClient(settings, sleep=lambda _: None)


def test_a_filtered_query_returns_posted_payments_not_marked_for_deletion(base_url: str) -> None:
    rows = _client(base_url).query(
        PAYMENTS,
        filter="Posted eq true and DeletionMark eq false"
        f" and Date ge {datetime_literal(date(2026, 2, 1))}",
        select="Ref_Key,Number,СуммаДокумента",
    )
    assert [r["Number"] for r in rows] == ["БП-000021", "БП-000022"]
    assert set(rows[0]) == {"Ref_Key", "Number", "СуммаДокумента"}


def test_an_entity_is_read_by_its_guid_key(base_url: str, store: OneCStore) -> None:
    key = store.sets[INVOICES][0]["Ref_Key"]
    entity = _client(base_url).get(INVOICES, key)
    assert entity["Number"] == "БП-000101"
    assert entity["odata.metadata"].endswith(f"$metadata#{INVOICES}/@Element")


def test_the_breakdown_rows_are_found_by_their_invoice_key(base_url: str, store: OneCStore) -> None:
    key = store.sets[INVOICES][0]["Ref_Key"]
    rows = _client(base_url).query(
        f"{PAYMENTS}_РасшифровкаПлатежа", filter=f"СчетНаОплату_Key eq {guid(key)}"
    )
    assert [r["СуммаПлатежа"] for r in rows] == [100000.0]


def test_a_written_document_is_a_draft_with_a_new_ref_key(base_url: str, store: OneCStore) -> None:
    created = _client(base_url).create(ACTS, {"Date": "2026-02-28T00:00:00", "Posted": True})
    assert created["Posted"] is False
    assert store.sets[ACTS][0]["Ref_Key"] == created["Ref_Key"]


def test_a_wrong_password_is_an_auth_error(base_url: str) -> None:
    with pytest.raises(OneCAuthFailed):
        _client(base_url, password="wrong").query(PAYMENTS)


def test_1c_down_for_a_moment_is_retried(base_url: str, store: OneCStore) -> None:
    store.fail_next = 2
    assert len(_client(base_url, retries=2).query(PAYMENTS)) == 4


def test_1c_down_for_long_is_reported_as_unavailable(base_url: str, store: OneCStore) -> None:
    store.fail_next = 10
    with pytest.raises(OneCUnavailable, match="503"):
        _client(base_url, retries=2).query(PAYMENTS)


def test_a_closed_port_is_unavailable_not_a_crash() -> None:
    with pytest.raises(OneCUnavailable):
        _client("http://127.0.0.1:9/odata/standard.odata", retries=1).query(PAYMENTS)


def test_a_poll_finds_the_payments_and_pays_the_invoices_once(
    container: Container, base_url: str
) -> None:
    world = build_world(container)
    crm, moves = FakeCrm(holds_every_deal=True), QueuedMoves()
    news: list[tuple[int, list[tuple[int, str]]]] = []
    with container.uow(world.portal_id) as uow:
        first = poll_payments(
            uow, container.clock, _client(base_url), days=30, queue=moves,
            news_queue=lambda portal_id, items: news.append((portal_id, items)),
        )  # fmt: skip
        uow.commit()
    moves.run(container, crm)
    ((portal_id, items),) = news  # the deal's debt and a note follow the poll's money too
    assert portal_id == world.portal_id
    assert "по счёту № БП-000102" in items[0][1]
    assert first.added == 2
    assert first.invoices_paid == ["БП-000101"]
    assert first.invoices_partially_paid == ["БП-000102"]
    assert crm.stages == {"42": "WON"}
    with container.uow(world.portal_id) as uow:
        again = poll_payments(uow, container.clock, _client(base_url), days=30)
        uow.commit()
        docs = {d.number: d for d in uow.documents.list(kind=DocumentKind.INVOICE)}
    assert (again.added, again.duplicates) == (0, 2)
    assert docs["БП-000102"].paid == Money(Decimal("40000.00"))


def test_a_poll_while_1c_is_down_stores_nothing_and_can_be_retried(
    container: Container, base_url: str, store: OneCStore
) -> None:
    world = build_world(container)
    store.fail_next = 100
    with container.uow(world.portal_id) as uow, pytest.raises(OneCUnavailable):
        poll_payments(uow, container.clock, _client(base_url), days=30)
    store.fail_next = 0
    with container.uow(world.portal_id) as uow:
        summary = poll_payments(uow, container.clock, _client(base_url), days=30)
        uow.commit()
    assert summary.added == 2


def test_the_emulator_index_is_public_and_the_data_is_not(base_url: str) -> None:
    import requests

    root = base_url.removesuffix("/odata/standard.odata")
    assert "standard.odata" in requests.get(f"{root}/", timeout=5).text
    assert requests.get(f"{base_url}/{PAYMENTS}", timeout=5).status_code == 401


def test_drafts_of_the_month_are_written_once_and_unposted(
    container: Container, base_url: str, store: OneCStore
) -> None:
    from backend.services.onec_drafts import push_drafts

    world = build_world(container)
    with container.uow(world.portal_id) as uow:
        first = push_drafts(uow, container.clock, _client(base_url), year=2026, month=2)
        uow.commit()
    assert first.created == ["БП-000101"]
    assert first.error == ""
    (draft,) = store.sets[INVOICES][2:]
    assert draft["Posted"] is False
    assert draft["Контрагент_Key"] == store.sets["Catalog_Контрагенты"][0]["Ref_Key"]  # by ИНН
    assert draft["Товары"][0]["СтавкаНДС"] == "НДС22"
    with container.uow(world.portal_id) as uow:
        again = push_drafts(uow, container.clock, _client(base_url), year=2026, month=2)
        uow.commit()
    assert (again.created, again.already) == ([], 1)
    assert len(store.sets[INVOICES]) == 3


def test_drafts_stop_at_1c_going_down_and_keep_what_was_made(
    container: Container, base_url: str, store: OneCStore
) -> None:
    from backend.services.onec_drafts import push_drafts

    world = build_world(container)
    store.fail_next = 100
    with container.uow(world.portal_id) as uow:
        result = push_drafts(uow, container.clock, _client(base_url), year=2026, month=2)
        uow.commit()
    assert result.created == []
    assert "unavailable" in result.error


def test_money_already_imported_from_the_bank_statement_is_not_counted_again(
    container: Container, base_url: str
) -> None:
    import io

    from backend.services.payments import import_statement
    from tests.payments_world import doc, statement_file

    world = build_world(container)
    statement = statement_file(docs=[doc("105", "100000.00", "Оплата по счету № 101")])
    with container.uow(world.portal_id) as uow:
        assert import_statement(uow, container.clock, io.BytesIO(statement)).added == 1
        uow.commit()
    with container.uow(world.portal_id) as uow:
        summary = poll_payments(uow, container.clock, _client(base_url), days=30)
        uow.commit()
        paid = uow.documents.get(world.invoices["БП-000101"]).paid
    assert (summary.added, summary.duplicates) == (1, 1)
    assert paid == Money(Decimal("100000.00"))


def test_a_statement_after_the_poll_does_not_count_1c_payments_again(
    container: Container, base_url: str
) -> None:
    import io

    from backend.services.payments import import_statement
    from tests.payments_world import doc, statement_file

    world = build_world(container)
    with container.uow(world.portal_id) as uow:
        poll_payments(uow, container.clock, _client(base_url), days=30)
        uow.commit()
    statement = statement_file(
        docs=[doc("106", "40000.00", "Оплата аренды", on=date(2026, 2, 10)),
              doc("107", "1000.00", "Оплата по счету № 103")]
    )  # fmt: skip
    with container.uow(world.portal_id) as uow:
        summary = import_statement(uow, container.clock, io.BytesIO(statement))
        uow.commit()
    assert (summary.added, summary.duplicates) == (1, 1)


def test_the_emulator_hands_out_a_statement_file_the_reader_accepts(base_url: str) -> None:
    import io

    import requests

    from backend.onec.bank_statement import BankStatementReader

    root = base_url.removesuffix("/odata/standard.odata")
    data = requests.get(f"{root}/statement.txt?documents=30", timeout=5).content
    reader = BankStatementReader(io.BytesIO(data))
    assert len(list(reader.payments())) == 30
    assert reader.report.encoding == "cp1251"
    assert reader.report.warnings == []
