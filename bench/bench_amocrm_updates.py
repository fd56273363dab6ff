"""Write 1,000 lead updates to one emulated amoCRM account and report calls and time.

Run by hand: ``PYTHONPATH=. python bench/bench_amocrm_updates.py``. The emulator runs on
loopback with amoCRM's limit (7 requests/s, 429 above); the adapter's own limiter keeps it
under. Target: <= 21 calls (20 PATCHes of 50 leads + 1 lookup of our custom fields).
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crm_mappings.amocrm.adapter import AmoCrm, ensure_fields
from crm_mappings.amocrm.client import AmoClient, exchange_code, tokens_from_grant
from crm_mappings.amocrm.hosts import AccountHosts
from crm_mappings.port import DealUpdate, LeaseField
from crm_mappings.tokens import MemoryTokenStore
from sandbox.amocrm.app import create_emulator
from sandbox.amocrm.state import AmoAccount
from tests.loopback import serve

UPDATES = 1000


def _client(account: AmoAccount, url: str) -> AmoClient:
    store = MemoryTokenStore()
    hosts = AccountHosts(("*.amocrm.ru",), sandbox_base=url)  # the emulator, as in the sandbox
    answer = exchange_code(
        url,
        client_id=account.client_id,
        client_secret=account.client_secret,
        redirect_uri=account.redirect_uri,
        code=account.issue_code(),
        hosts=hosts,
    )
    store.save(tokens_from_grant(answer, datetime.now(UTC), {"base_url": url}))
    return AmoClient(
        store,
        client_id=account.client_id,
        client_secret=account.client_secret,
        redirect_uri=account.redirect_uri,
        hosts=hosts,
    )


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    account = AmoAccount()  # the real limit: 7 requests/s
    leads = [account.add_lead(f"Аренда {n}") for n in range(UPDATES)]
    with serve(create_emulator(account)) as url:
        ensure_fields(_client(account, url))  # the install created our fields
        time.sleep(1.1)  # let the install's calls leave the one-second window
        crm = AmoCrm(_client(account, url))  # a fresh worker: field ids not yet known
        updates = [
            DealUpdate(
                str(lead),
                stage_id="10005",
                fields={LeaseField.INVOICE_ID: f"СЧ-{n}", LeaseField.DEBT: "1000.00"},
            )
            for n, lead in enumerate(leads)
        ]
        before = len(account.calls)
        started = time.perf_counter()
        crm.update_deals(updates)
        elapsed = time.perf_counter() - started
        calls = account.calls[before:]
    invoice_field = account.field_id("RENTFLOW_INVOICE_ID")
    assert invoice_field is not None
    assert all(account.leads[lead]["status_id"] == 10005 for lead in leads)
    assert account.field_value(leads[-1], invoice_field) == f"СЧ-{UPDATES - 1}"
    throttled = sum(1 for _, _, code in calls if code == 429)
    print(f"lead updates: {UPDATES}")
    print(f"calls made: {crm.client.calls} (target <= 21); 429 answers: {throttled}")
    print(f"by endpoint: {sorted({(m, p) for m, p, _ in calls})}")
    print(f"time: {elapsed:.2f} s")


if __name__ == "__main__":
    main()
