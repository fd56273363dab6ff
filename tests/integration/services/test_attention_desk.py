"""Needs attention as the workspace shows it: rows with numbers, amounts and dates, links to
the lease card and the deal, a manager's own leases only."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from backend.bootstrap import Container
from backend.domain.attention import Rule
from backend.domain.money import Money
from backend.domain.portal import Portal
from backend.services.attention_desk import attention_board, deal_url
from backend.services.payments import import_statement
from tests.payments_world import build_world, doc, statement_file

TODAY = date(2026, 5, 1)


def _rows(board: object, rule: Rule) -> list:  # type: ignore[type-arg]
    return dict(board.rules)[rule]  # type: ignore[attr-defined]


def test_the_board_names_invoices_debt_and_unplaced_money_and_links_the_deal(
    container: Container,
) -> None:
    world = build_world(container)
    data = statement_file(docs=[doc("41", "700.00", "Оплата", payer_inn="500100732259")])
    with container.uow(world.portal_id) as uow:
        import_statement(uow, container.clock, io.BytesIO(data))
        uow.commit()
    with container.uow(world.portal_id) as uow:
        board = attention_board(uow, TODAY)
        managers = attention_board(uow, TODAY, manager="7")
        other = attention_board(uow, TODAY, manager="99")

    unpaid = _rows(board, Rule.INVOICE_UNPAID)
    assert [(r.document_number, r.amount, r.on) for r in unpaid] == [
        ("БП-000101", Money(Decimal("100000.00")), date(2026, 2, 10)),
        ("БП-000102", Money(Decimal("100000.00")), date(2026, 3, 10)),
        ("БП-000103", Money(Decimal("100000.00")), date(2026, 4, 10)),
    ]
    assert {(r.lease_number, r.lease_id) for r in unpaid} == {("А-15/2026", world.lease_id)}
    assert unpaid[0].deal_url == ""  # the portal's domain is not known: no link
    (debt,) = _rows(board, Rule.LEASE_OVERDUE_DEBT)
    assert debt.amount == Money(Decimal("300000.00"))
    (money,) = _rows(board, Rule.MONEY_NOT_ALLOCATED)
    assert (money.document_number, money.amount, money.lease_id) == (
        "41", Money(Decimal("700.00")), None,
    )  # fmt: skip
    assert [rule for rule, _ in board.rules] == list(Rule)  # every rule listed, in order
    assert managers.total == board.total - 1  # the manager's lease, no unplaced money
    assert other.total == 0


def test_a_deal_link_points_at_the_deal_in_its_crm() -> None:
    b24 = Portal(kind="bitrix24", external_id="x", domain="acme.bitrix24.ru")
    amo = Portal(kind="amocrm", external_id="y", domain="acme.amocrm.ru")
    assert deal_url(b24, "42") == "https://acme.bitrix24.ru/crm/deal/details/42/"
    assert deal_url(amo, "42") == "https://acme.amocrm.ru/leads/detail/42"
    assert deal_url(b24, None) == ""


def test_a_deal_link_is_on_the_portal_s_own_origin_and_scheme() -> None:
    sandbox = Portal(
        kind="bitrix24", external_id="x", domain="127.0.0.1:8000/sandbox/bitrix24",
        settings={"client_endpoint": "http://127.0.0.1:8000/sandbox/bitrix24/rest/"},
    )  # fmt: skip
    assert deal_url(sandbox, "1") == "http://127.0.0.1:8000/sandbox/bitrix24/crm/deal/details/1/"
    amo = Portal(
        kind="amocrm", external_id="y", domain="rentflow-sandbox.amocrm.ru",
        settings={"base_url": "http://127.0.0.1:8000/sandbox/amocrm"},
    )  # fmt: skip
    assert deal_url(amo, "7") == "http://127.0.0.1:8000/sandbox/amocrm/leads/detail/7"
