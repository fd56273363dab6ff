"""List endpoints of the public API on 100,000 premises and 100,000 tenants: p50/p99 of a page
of 100 at random cursors, through the Flask app (no network). Target (issue 19): p99 <= 50 ms.

Run by hand: ``PYTHONPATH=. python bench/bench_api.py [N]``.
"""

from __future__ import annotations

import base64
import io
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.bootstrap import bootstrap
from backend.bulk.xml_records import read_records
from backend.config import Settings
from backend.db.migrate import upgrade
from backend.services.api_keys import create_key
from backend.services.imports import import_records
from backend.services.portals import install_portal
from backend.web.app import create_app
from bench.bench_import import xml_chunks

CALLS = 300


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    var = Path(tempfile.mkdtemp(prefix="bench-api-"))
    settings = Settings.from_env({"RENTFLOW_VAR_DIR": str(var), "RENTFLOW_SANDBOX": "0"})
    upgrade(settings.database_url)
    container = bootstrap(settings, crm_factories={})
    with container.uow(None) as uow:
        portal_id = install_portal(uow, container.clock, kind="bitrix24", external_id="a").id
        uow.commit()
    assert portal_id is not None
    with container.uow(portal_id) as uow:
        data = b"".join(xml_chunks(n))
        report = import_records(uow, container.clock,
                                read_records(io.BytesIO(data), max_bytes=10**9),
                                channel="xml", source="bench")  # fmt: skip
        _, key = create_key(uow, container.clock, portal_id, "bench", ["read"])
        uow.commit()
    print(f"{report.nonzero_counts()}")
    client = create_app(container=container).test_client()
    headers = {"Authorization": f"Bearer {key}"}
    rng = random.Random(19)
    for path in ("/api/v1/premises", "/api/v1/tenants", "/api/v1/premises?status=vacant"):
        took = []
        for _ in range(CALLS):
            cursor = base64.urlsafe_b64encode(str(rng.randrange(n)).encode()).decode()
            joiner = "&" if "?" in path else "?"
            started = time.perf_counter()
            answer = client.get(f"{path}{joiner}limit=100&cursor={cursor}", headers=headers)
            took.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.json
        took.sort()
        p99 = took[int(len(took) * 0.99) - 1]
        print(
            f"{path}: p50 {statistics.median(took):.1f} ms, p99 {p99:.1f} ms ({CALLS} pages of 100)"
        )
    container.dispose()


if __name__ == "__main__":
    main()
