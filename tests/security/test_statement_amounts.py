"""Statement amounts that are not money: an exponent (``Сумма=1E+50``) once made a whole
upload a 500, a tenth of a kopeck (``Сумма=0.001``) was stored as a 0.00 "matched" payment.
Each is refused per document, with its line, and the statement is then refused whole."""

from __future__ import annotations

import io

import pytest

from backend.bootstrap import Container
from backend.onec.bank_statement import StatementRefused
from backend.services.payments import import_statement
from tests.payments_world import World, build_world, doc, statement_file


@pytest.fixture
def world(container: Container) -> World:
    return build_world(container)


@pytest.mark.parametrize("amount", ["1E+50", "0.001", "1e5", "Infinity", "NaN"])
def test_an_amount_that_is_not_money_refuses_the_statement_naming_the_line(
    world: World, amount: str
) -> None:
    data = statement_file(docs=[doc("21", "1.00", "Оплата по счету № 101")]).replace(
        "\r\nСумма=1.00\r\n".encode("cp1251"), f"\r\nСумма={amount}\r\n".encode("cp1251")
    )
    assert f"Сумма={amount}".encode("cp1251") in data
    with world.container.uow(world.portal_id) as uow, pytest.raises(StatementRefused) as refused:
        import_statement(uow, world.container.clock, io.BytesIO(data))
    (issue,) = refused.value.issues
    assert amount in issue.message
    assert issue.line > 1
    with world.container.uow(world.portal_id) as uow:
        assert uow.payments.not_fully_allocated() == []
        assert uow.payments.allocations(lease_id=world.lease_id) == []
