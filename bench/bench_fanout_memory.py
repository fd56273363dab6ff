"""Memory of one large portal's billing run in chunks (``billing_fanout``), phase by phase: does
any phase grow with the portal's size? Run by hand, on a day seeded by the day bench::

    PYTHONPATH=. .venv/bin/python bench/bench_billing_day.py --portals 1 --leases 2000 \\
        --seed-only /tmp/s1x2k
    PYTHONPATH=. .venv/bin/python bench/bench_fanout_memory.py --seeded /tmp/s1x2k

(and the same with 10 000 leases: the phases' peaks should not move).

What runs, in this one process (a worker process runs the chunks the same way, one after
another): ``plan_portal`` and every chunk's ``run_chunk`` on a copy of the seeded day, with
the real store and file storage but a few bytes instead of each PDF (``tests.fakes.TinyFiles``:
rendering is not what this measures), no CRM and no broker. The last chunk done runs the phases
after issuing (``billing.after_issue``): the tenant mail of the leases of no chunk, the
managers' summaries, the reminders and the overdue chain.

Reports, for the first chunk and the last one, the tracemalloc peak of each phase (the memory
it allocated above what it started with, Python objects only) and its wall time (slowed by
tracemalloc), and the process's peak RSS
during the chunk (``VmHWM``, reset before it through ``/proc/self/clear_refs``); then what
the run queued.

Measured on a shared 2-core machine (load 8-14), before -> after the phases read a page of
200 leases at a time: the last chunk's peak RSS above its start, 2 000 leases +99 -> +8 MB,
10 000 leases +517 -> +20 MB; tracemalloc peaks at 10 000 leases: managers' summaries 242 ->
30 MB (what is left is the summary's own text, ~1.5 KB per document it lists, body and
copies), reminders 158 -> 3 MB (3.1 MB at 2 000); any other chunk 9 MB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from backend.bootstrap import bootstrap
from backend.db.tables import DocumentRow, OutboxRow
from backend.services import billing, billing_fanout
from bench.embedded import DAY, embedded_env
from tests.fakes import TinyFiles

SHAPE = "bench-shape.json"  # written by bench_billing_day.py --seed-only
PHASES = {  # module -> the phases of a chunk it calls by these names
    billing_fanout: ("finish_killed_run", "issue_due", "issue_and_mail", "after_issue"),
    billing: ("issue_and_mail", "queue_manager_summaries", "notify_portal"),
}
MB = 2**20


class PhasePeaks:
    """Wraps the phases: each one's tracemalloc peak above its start (nested phases fold
    their peak into the enclosing ones') and its wall time."""

    def __init__(self) -> None:
        self.peaks: dict[str, float] = {}
        self.seconds: dict[str, float] = {}
        self._open: list[int] = []

    def wrap(self, name: str, phase: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            if not tracemalloc.is_tracing():
                return phase(*args, **kwargs)
            self._fold(tracemalloc.get_traced_memory()[1])
            start = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            self._open.append(0)
            began = time.perf_counter()
            try:
                return phase(*args, **kwargs)
            finally:
                top = max(self._open.pop(), tracemalloc.get_traced_memory()[1])
                self._fold(top)
                self.peaks[name] = max(self.peaks.get(name, 0), (top - start) / MB)
                took = time.perf_counter() - began
                self.seconds[name] = self.seconds.get(name, 0) + took
                tracemalloc.reset_peak()

        return run

    def _fold(self, peak: int) -> None:
        self._open = [max(p, peak) for p in self._open]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeded", type=Path, required=True, metavar="DIR")
    parser.add_argument("--chunk", type=int, default=billing_fanout.CHUNK_LEASES)
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="rentflow-bench-fanout-"))
    try:
        shutil.copytree(args.seeded, var, dirs_exist_ok=True)
        _run(var, args.chunk)
    finally:
        shutil.rmtree(var, ignore_errors=True)


def _run(var: Path, chunk_leases: int) -> None:
    shape = json.loads((var / SHAPE).read_text())
    (portal_id,) = shape["portals"]
    settings, _ = embedded_env(var, 9)  # nothing is delivered: the outbox is only filled
    container = bootstrap(settings)
    ports = replace(
        container.billing_ports(),
        rendering=TinyFiles(container.document_rendering()),
        crm_for=lambda _: None,
        queue_event=None,
    )
    peaks = PhasePeaks()
    for module, names in PHASES.items():
        for name in names:
            setattr(module, name, peaks.wrap(f"{module.__name__.rsplit('.')[-1]}.{name}",
                                             getattr(module, name)))  # fmt: skip
    began = time.perf_counter()
    plan = billing_fanout.plan_portal(ports, portal_id, DAY, chunk_leases)
    assert plan is not None, "a portal this small runs in one task: seed more leases"
    total = len(plan.chunks)
    print(f"{shape['per_portal']} leases, {total} chunks of {chunk_leases}", flush=True)
    for n, leases in enumerate(plan.chunks):
        traced = n in (0, total - 1)
        if traced:
            peaks.peaks.clear()
            peaks.seconds.clear()
            _reset_peak_rss()
            before = _rss_mb()
            tracemalloc.start()
        started = time.perf_counter()
        billing_fanout.run_chunk(ports, portal_id, DAY, plan.run_id, n, total, leases)
        if traced:
            tracemalloc.stop()
            took = time.perf_counter() - started
            print(f"chunk {n + 1} of {total} ({took:.1f} s, traced): RSS {before:.0f} MB"
                  f" before, peak {_peak_rss_mb():.0f} MB during it")  # fmt: skip
            for name, peak in peaks.peaks.items():
                print(f"  {name:36} tracemalloc peak {peak:7.1f} MB"
                      f" {peaks.seconds[name]:6.1f} s")  # fmt: skip
    with container.engine.connect() as conn:
        docs = conn.scalar(select(func.count()).select_from(DocumentRow).where(
            DocumentRow.issued_on == DAY))  # fmt: skip
        kinds = conn.execute(select(OutboxRow.kind, func.count()).group_by(OutboxRow.kind)).all()
    print(f"issued {docs} documents in {time.perf_counter() - began:.0f} s; outbox:"
          f" {', '.join(f'{kind} {count}' for kind, count in sorted(kinds))}")  # fmt: skip
    container.dispose()


def _reset_peak_rss() -> None:
    """Linux: writing 5 to clear_refs resets the process's peak RSS (proc(5))."""
    Path("/proc/self/clear_refs").write_text("5")


def _rss_mb() -> float:
    return _status_kb("VmRSS") / 1024


def _peak_rss_mb() -> float:
    return _status_kb("VmHWM") / 1024


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(field)


if __name__ == "__main__":
    main()
