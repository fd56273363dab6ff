"""Benchmark: parse and import a 1CClientBankExchange file of N documents (default 100,000).

Run by hand: ``PYTHONPATH=. python bench/bench_bank_statement.py [--documents N]``.
Each phase runs in a fresh child process so its peak RSS (ru_maxrss) is its own; comparing
N=10,000 with N=100,000 shows whether memory stays flat. The target (issue 7) is ≤ 20 s
for 100,000 documents.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path


def _write(path: Path, documents: int) -> None:
    from sandbox.onec.bank_files import random_documents, write_statement
    from tests.factories import SBER

    docs = random_documents(
        documents,
        payee=('ООО "Ромашка"', "7707083893", SBER.account),
        start=date(2026, 2, 1),
        invoice_numbers=[f"БП-{n:06d}" for n in range(1, 201)],
    )
    with path.open("wb") as out:
        write_statement(
            out, docs, account=SBER.account, start=date(2026, 2, 1), end=date(2026, 2, 28)
        )


def _parse(path: Path) -> dict[str, object]:
    from backend.onec.bank_statement import BankStatementReader

    started = time.perf_counter()
    with path.open("rb") as stream:
        reader = BankStatementReader(stream, max_bytes=10**10)
        count = sum(1 for _ in reader.payments())
    return {"payments": count, "seconds": round(time.perf_counter() - started, 2)}


def _import(path: Path, workdir: Path) -> dict[str, object]:
    from backend.bootstrap import bootstrap
    from backend.config import Settings
    from backend.db.migrate import upgrade
    from backend.domain.billing import BillingPeriod
    from backend.ports import FixedClock
    from backend.services.leases import register_lease
    from backend.services.payments import import_statement
    from backend.services.portals import install_portal
    from tests.factories import lease
    from tests.payments_world import make_invoice

    url = f"sqlite:///{workdir / 'bench.db'}"
    upgrade(url)
    clock = FixedClock(datetime(2026, 3, 1, tzinfo=UTC))
    container = bootstrap(
        Settings(var_dir=workdir / "var", database_url=url, fernet_key="x" * 43 + "="),
        clock=clock,
        crm_factories={},
    )
    with container.uow(None) as uow:
        portal = install_portal(uow, clock, kind="bitrix24", external_id="bench")
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        lease_id = register_lease(uow, clock, lease()).lease_id
        for n in range(1, 201):
            # one invoice per (kind, period start): one-day periods over the year
            day = date.fromordinal(date(2026, 1, 1).toordinal() + n)
            doc = make_invoice(lease_id, f"БП-{n:06d}", 1, "150000.00")
            uow.documents.add(replace(doc, issued_on=day, period=BillingPeriod(day, day)))
        uow.commit()
    started = time.perf_counter()
    with container.uow(portal.id) as uow, path.open("rb") as stream:
        summary = import_statement(uow, clock, stream, max_bytes=10**10)
        uow.commit()
    seconds = round(time.perf_counter() - started, 2)
    return {
        "added": summary.added,
        "matched": summary.matched,
        "to_review": summary.to_review,
        "seconds": seconds,
    }


def _child(phase: str, path: Path, workdir: Path) -> dict[str, object]:
    result = _parse(path) if phase == "parse" else _import(path, workdir)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--phase", choices=["parse", "import"])
    parser.add_argument("--file", type=Path)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(_child(args.phase, args.file, args.workdir)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        path = workdir / "statement.txt"
        started = time.perf_counter()
        _write(path, args.documents)
        report: dict[str, object] = {
            "documents": args.documents,
            "file_mb": round(path.stat().st_size / 2**20, 1),
            "generate_seconds": round(time.perf_counter() - started, 2),
        }
        for phase in ("parse", "import"):
            argv = [sys.executable, __file__, "--phase", phase, "--file", str(path)]
            out = subprocess.run(
                [*argv, "--workdir", str(workdir)], check=False, capture_output=True, text=True
            )
            if out.returncode:
                sys.exit(out.stderr)
            report[phase] = json.loads(out.stdout.strip().splitlines()[-1])
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
