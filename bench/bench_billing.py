"""One billing day for many leases over many portals, embedded mode (SQLite, local files).

Run by hand: ``PYTHONPATH=. .venv/bin/python bench/bench_billing.py --portals 50 --leases 10000``
(smaller numbers extrapolate linearly: each lease costs one invoice and one act). Prints the
time of each phase and the peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from backend.bootstrap import bootstrap
from backend.config import Settings
from backend.db.migrate import upgrade
from backend.domain.lease import IssueAnchor, IssueRule, LeaseStatus
from backend.ports import FixedClock
from backend.services import billing
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from tests import factories

DAY = date(2026, 2, 25)  # March's invoice (5 days before) and February's act


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--portals", type=int, default=5)
    parser.add_argument("--leases", type=int, default=200, help="in all, spread over the portals")
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="rentflow-bench-"))
    settings = Settings(
        var_dir=var,
        secret_key="bench-only",  # noqa: S106 - a throwaway database
        fernet_key="",
        sandbox=False,
    )
    upgrade(settings.database_url)
    clock = FixedClock(datetime(2026, 2, 25, tzinfo=UTC))
    container = bootstrap(settings.with_(fernet_key=_fernet()), clock=clock, crm_factories={})
    began = time.perf_counter()
    per_portal = args.leases // args.portals
    for p in range(args.portals):
        with container.uow() as uow:
            portal = install_portal(uow, clock, kind="bitrix24", external_id=f"bench-{p}")
            uow.commit()
        with container.uow(portal.id) as uow:
            landlord_id = None
            for n in range(per_portal):
                lease = factories.lease(
                    number=f"{p}-{n}", status=LeaseStatus.SIGNED, auto_send=True,
                    start=date(2026, 2, 1), issue_rule=IssueRule(IssueAnchor.BEFORE_START, 4),
                )  # fmt: skip
                registered = register_lease(uow, clock, lease, landlord_id=landlord_id)
                landlord_id = registered.landlord_id
            uow.commit()
        # February's invoice went out earlier: issue it first so the day holds invoice + act
    seeded = time.perf_counter()
    billing.run_billing(container.billing_ports(), date(2026, 1, 28))
    warm = time.perf_counter()
    timings: dict[str, float] = {
        "issue": 0.0,
        "tenant mail": 0.0,
        "summaries": 0.0,
        "reminders": 0.0,
    }
    ports = container.billing_ports()
    with container.uow() as uow:
        portal_ids = [p.id for p in uow.portals.list() if p.id is not None]
    issued = 0
    for portal_id in portal_ids:
        result = billing.PortalRun(portal_id)
        t0 = time.perf_counter()
        billing.issue_due(ports, portal_id, DAY, result)
        t1 = time.perf_counter()
        billing.queue_tenant_mail(ports, portal_id)
        t2 = time.perf_counter()
        billing.queue_manager_summaries(ports, portal_id, DAY)
        t3 = time.perf_counter()
        billing.notify_portal(ports.uow, ports.clock, portal_id, DAY, None)
        t4 = time.perf_counter()
        timings["issue"] += t1 - t0
        timings["tenant mail"] += t2 - t1
        timings["summaries"] += t3 - t2
        timings["reminders"] += t4 - t3
        issued += len(result.issued)
    total = sum(timings.values())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    leases = per_portal * args.portals
    print(f"{args.portals} portals, {leases} leases: seeding {seeded - began:.1f} s,")
    print(f"  first day (February's invoices) {warm - seeded:.1f} s")
    each = total / max(issued, 1) * 1000
    print(f"  billing day {DAY}: {issued} documents in {total:.1f} s ({each:.0f} ms each)")
    for phase, seconds in timings.items():
        print(f"    {phase:12} {seconds:8.2f} s")
    print(f"  peak RSS {rss:.0f} MB")


def _fernet() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


if __name__ == "__main__":
    main()
