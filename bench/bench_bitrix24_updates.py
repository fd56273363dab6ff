"""Write 1,000 deal updates (stage + rentflow fields) to one emulated Bitrix24 portal.

Run by hand: ``PYTHONPATH=. python bench/bench_bitrix24_updates.py [N]``. Reports the HTTP
calls the portal received (target for 1,000: at most 21 — 20 batches of 50 plus slack), the
REST methods run inside them, how many were refused with QUERY_LIMIT_EXCEEDED, and wall time.
The portal keeps Bitrix24's own limit (50 burst, 2/s drain).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

from werkzeug.serving import make_server

from crm_mappings.bitrix24.adapter import FIELD_NAMES, Bitrix24Adapter
from crm_mappings.bitrix24.client import Bitrix24Client
from crm_mappings.port import DealUpdate, LeaseField
from crm_mappings.tokens import MemoryTokenStore, OAuthTokens
from sandbox.bitrix24.app import create_emulator
from sandbox.bitrix24.state import PortalState


def main(count: int = 1000) -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    portal = PortalState()
    for name in FIELD_NAMES.values():
        portal.userfields[name] = {"FIELD_NAME": name, "USER_TYPE_ID": "string"}
    ids = [portal.add_deal({"title": f"Аренда #{i}"})["id"] for i in range(count)]
    server = make_server("127.0.0.1", 0, create_emulator(portal), threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/"
    issued = portal.issue_tokens()
    store = MemoryTokenStore(
        OAuthTokens(
            issued["access_token"], issued["refresh_token"],
            datetime.now(UTC) + timedelta(hours=1),
            {"client_endpoint": f"{url}rest/", "server_endpoint": f"{url}rest/"},
        )
    )  # fmt: skip
    adapter = Bitrix24Adapter(
        Bitrix24Client(
            store,
            client_id=portal.client_id,
            client_secret="",
            oauth_token_url=f"{url}oauth/token/",
        )
    )  # fmt: skip)
    updates = [
        DealUpdate(
            str(deal_id),
            stage_id="FINAL_INVOICE",
            fields={LeaseField.INVOICE_ID: f"С-{deal_id}", LeaseField.DEBT: "122000.00"},
        )
        for deal_id in ids
    ]
    started = time.perf_counter()
    adapter.update_deals(updates)
    elapsed = time.perf_counter() - started
    server.shutdown()
    written = sum(1 for d in portal.deals.values() if d["stageId"] == "FINAL_INVOICE")
    print(f"updates:            {count}")
    print(f"deals written:      {written}")
    print(f"HTTP calls:         {len(portal.calls)} (target <= {count // 50 + 1})")
    print(f"methods run inside: {len(portal.inner_calls)}")
    print(f"refused (503):      {portal.refused}")
    print(f"time:               {elapsed:.2f} s ({count / elapsed:.0f} updates/s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
