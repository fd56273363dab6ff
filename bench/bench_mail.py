"""The mail phase of the billing day: delivering the outbox (run by hand, not by pytest).

    PYTHONPATH=. .venv/bin/python bench/bench_mail.py [--messages 1000] [--profile]

What runs:
- a fresh SQLite database (``RENTFLOW_VAR_DIR`` in a temporary directory) with one portal
  mapping "invoice issued" to a stage (and, with ``--map-sent``, "invoice sent" and "act
  sent", so each delivered mail queues two deal moves), ``--messages`` auto-send leases, each
  with an invoice and an act of 25 Feb 2026 and their three files (invoice, QR invoice, act:
  copies of PDFs rendered once by ``documents.render``) in the document storage; the tenant
  emails are queued by ``billing_mail.queue_tenant_mail``, as the billing run queues them;
- an aiosmtpd sink (``sandbox.smtp_sink``) in a SEPARATE process, so its CPU (parsing what
  it receives) is not counted against the sender; it is reported on its own line;
- ``jobs.tasks.deliver_outbox``'s body, repeated until the outbox is empty: ``deliver_due``
  with the real ``SmtpMailer`` over ``SMTP_URL`` and ``documents_mailed`` as ``on_sent``
  (deal moves go to the embedded broker, as the worker sends them).

Prints messages/s (wall), CPU ms per message of this process (``time.process_time``), and the
sink's CPU. ``--profile`` runs the delivery under cProfile and prints the top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from backend.bootstrap import Container, bootstrap
from backend.domain.billing import DocumentKind, ScheduleItem
from backend.domain.links import DocumentLink
from backend.services import billing, billing_mail
from backend.services.billing_batch import document_for
from backend.services.crm_sync import save_mapping
from backend.services.numbering import next_document_number
from backend.services.portals import install_portal
from bench.embedded import SinkProcess, deliver_all, embedded_env, register_day_leases
from crm_mappings.mapping import LeaseEvent, StageMapping

DAY = date(
    2026, 2, 28
)  # an invoice and an act per lease (acts are dated on their period's last day)
ROLES = {DocumentKind.INVOICE: ("invoice", "invoice_qr"), DocumentKind.ACT: ("act",)}
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "documents-input.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--map-sent", action="store_true",
        help='map "invoice sent"/"act sent" to stages: each mail then queues two deal moves',
    )  # fmt: skip
    parser.add_argument("--sink", type=int, help=argparse.SUPPRESS)  # the sink process
    args = parser.parse_args()
    if args.sink is not None:
        _run_sink(args.sink)
        return
    var = Path(tempfile.mkdtemp(prefix="rentflow-bench-mail-"))
    sink = SinkProcess.start()
    port = sink.port
    settings, _ = embedded_env(var, port)
    container = bootstrap(settings)
    began = time.perf_counter()
    queued = _seed(container, args.messages, _pdfs(), map_sent=args.map_sent)
    print(f"queued {queued} tenant emails in {time.perf_counter() - began:.0f} s", flush=True)
    sink_cpu_before = _cpu_seconds(sink.process.pid)
    profile = cProfile.Profile() if args.profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profile is not None:
        profile.enable()
    sent = deliver_all(container)
    if profile is not None:
        profile.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    sink_cpu = _cpu_seconds(sink.process.pid) - sink_cpu_before
    received = sink.stop()
    container.dispose()
    shutil.rmtree(var, ignore_errors=True)
    print(f"delivered {sent} messages in {wall:.1f} s: {sent / wall:.1f} messages/s")
    print(f"  sender CPU {cpu:.1f} s = {cpu / max(sent, 1) * 1000:.1f} ms/message")
    print(f"  sink process CPU {sink_cpu:.1f} s (not counted), received {received}")
    print(f"  load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if profile is not None:
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)


def _pdfs() -> list[bytes]:
    """Three real PDFs (invoice, QR invoice, act), rendered once and kept in /tmp."""
    cache = Path(tempfile.gettempdir()) / "rentflow-bench-mail-pdfs"
    names = [cache / f"{n}.pdf" for n in ("invoice", "invoice_qr", "act")]
    if not all(p.exists() for p in names):
        import json

        from documents.input import parse_request
        from documents.payment_qr import payment_qr
        from documents.render import DocumentRenderer
        from documents.view import build_view

        request = parse_request(json.loads(EXAMPLE.read_text(encoding="utf-8")))
        renderer = DocumentRenderer()
        qr = payment_qr(request.lease, request.invoice)
        plain = build_view(request.lease, request.invoice)
        with_qr = build_view(request.lease, request.invoice, qr_data_uri=qr.images.png_data_uri)
        cache.mkdir(exist_ok=True)
        names[0].write_bytes(renderer.render_pdf("invoice", plain))
        names[1].write_bytes(renderer.render_pdf("invoice", with_qr))
        names[2].write_bytes(renderer.render_pdf("invoice", plain) + b"\n%act\n")
    return [p.read_bytes() for p in names]


def _seed(container: Container, leases: int, pdfs: list[bytes], *, map_sent: bool) -> int:
    clock, storage = container.clock, container.document_storage()
    with container.uow() as uow:
        portal = install_portal(uow, clock, kind="bitrix24", external_id=secrets.token_hex(16))
        uow.commit()
    assert portal.id is not None
    content = dict(zip(("invoice", "invoice_qr", "act"), pdfs, strict=True))
    with container.uow(portal.id) as uow:
        events = {LeaseEvent.INVOICE_ISSUED: "EXECUTING"}  # as bench_billing_day maps
        if map_sent:
            events[LeaseEvent.INVOICE_SENT] = "PREPAYMENT_INVOICE"
            events[LeaseEvent.ACT_SENT] = "FINAL_INVOICE"
        save_mapping(uow, clock, StageMapping("0", events=events))
        numbers, deals = [f"M-{i}" for i in range(leases)], [str(i + 1) for i in range(leases)]
        register_day_leases(uow, clock, numbers, deals, pipeline_id="0")
        due: dict[int, dict[DocumentKind, ScheduleItem]] = {}
        for lease_id, item in reversed(uow.schedule.due(DAY)):  # the earliest of each kind
            due.setdefault(lease_id, {})[item.kind] = item
        for lease_id, items in due.items():
            _issue(uow, portal.id, lease_id, items, storage, content)
        uow.commit()
    ports = billing.BillingPorts(
        uow=container.uow, clock=clock, rendering=None, storage=storage,  # type: ignore[arg-type]
        link_url=lambda token: f"http://127.0.0.1:8000/d/{token}",
    )  # fmt: skip
    return billing_mail.queue_tenant_mail(ports, portal.id)


def _issue(uow, portal_id, lease_id, items, storage, content) -> None:  # type: ignore[no-untyped-def]
    """One invoice and one act of the lease, issued on DAY, with their files stored."""
    lease = uow.leases.get(lease_id)
    for kind in (DocumentKind.INVOICE, DocumentKind.ACT):
        item = items[kind]
        number = next_document_number(uow, lease.landlord.id, kind, DAY)
        doc = uow.documents.add(document_for(lease_id, item, number, DAY))
        for role in ROLES[kind]:
            key = f"bench/{portal_id}/{doc.id}/{role}.pdf"
            storage.put(key, content[role])
            uow.links.add(
                DocumentLink(
                    token=secrets.token_urlsafe(24), portal_id=portal_id, document_id=doc.id,
                    role=role, storage_key=key, filename=f"{role} № {number}.pdf",
                    created_at=datetime.now(UTC),
                )
            )  # fmt: skip


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run_sink(port: int) -> None:
    """The sink process: print the port, serve until stdin closes, print the count."""
    from sandbox.smtp_sink import smtp_sink

    with smtp_sink(port) as (sink, bound):
        print(bound, flush=True)
        sys.stdin.read()
        print(sink.received(), flush=True)


if __name__ == "__main__":
    main()
