"""Plan the schedules of many leases in one process: time per lease and peak memory.

Run by hand: ``.venv/bin/python bench/bench_schedule.py [--leases 10000]``. The nightly run
re-plans a lease whenever it changes, so this bounds what a big portal costs.
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal

from backend.domain.lease import Addendum, BillingFrequency, PeriodUnit, Rent, RentBasis
from backend.domain.schedule import plan
from tests import factories


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leases", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(7)
    units = [PeriodUnit.MONTH] * 8 + [PeriodUnit.QUARTER, PeriodUnit.WEEK]
    leases = []
    for n in range(args.leases):
        start = date(2025, 1, 1) + timedelta(days=rng.randrange(365))
        lease = factories.lease(
            number=f"L-{n}",
            start=start,
            end=start + timedelta(days=rng.choice([364, 729, 1094])),
            rent=Rent(Decimal(rng.randrange(500, 3000)), RentBasis.PER_M2_MONTH),
            billing=BillingFrequency(rng.choice(units)),
        )
        if rng.random() < 0.3:
            lease.addenda.append(
                Addendum(
                    "ДС-1",
                    start + timedelta(days=200),
                    rent=Rent(Decimal(3100), RentBasis.PER_M2_MONTH),
                )
            )
        leases.append(lease)
    tracemalloc.start()
    began = time.perf_counter()
    items = 0
    for lease in leases:
        items += len(plan(lease))
    elapsed = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    print(
        f"{args.leases} leases, {items} planned documents: {elapsed:.2f} s "
        f"({elapsed / args.leases * 1000:.2f} ms/lease), peak traced memory {peak / 2**20:.1f} MiB"
    )


if __name__ == "__main__":
    main()
