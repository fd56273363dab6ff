"""The bank statement both CRMs' browser walks upload: the landlord of the walks
(``test_bitrix24_workspace.LANDLORD``) is paid for one invoice in two parts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sandbox.onec.bank_files import StatementDocument, render_statement
from tests.browser.test_bitrix24_workspace import LANDLORD


def partly_paid(tmp_path: Path, invoice: str, on: date, tenant: str, tenant_inn: str) -> Path:
    """A ``1CClientBankExchange`` file: the tenant pays 70 000 ₽ naming the invoice, a
    guarantor the other 50 000 ₽ without naming it (matching cannot tell whose it is)."""
    common = {"on": on, "payee": "ООО «Ромашка»", "payee_inn": LANDLORD["inn"],
              "payee_account": LANDLORD["bank_account"]}  # fmt: skip
    docs = [
        StatementDocument(number="701", amount=Decimal("70000.00"), payer=tenant,
                          payer_inn=tenant_inn, payer_account="40702810400000012345",
                          purpose=f"Оплата по счету № {invoice} за аренду", **common),
        StatementDocument(number="702", amount=Decimal("50000.00"), payer="ИП Смирнов А. П.",
                          payer_inn="500100732259", payer_account="40802810400000054321",
                          purpose=f"Оплата за {tenant} по договору аренды", **common),
    ]  # fmt: skip
    path = tmp_path / "kl_to_1c.txt"
    path.write_bytes(render_statement(docs, account=LANDLORD["bank_account"], start=on, end=on))
    return path
