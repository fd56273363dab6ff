"""A real ``rentflow billing run`` process killed with SIGKILL mid-way, then run again: every
document exists once, numbers have no gaps, every file is stored, and each tenant and manager
gets one email through a real SMTP server (aiosmtpd), none sent twice; the file the killed
document had stored is deleted once it is older than the grace period."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from backend.bootstrap import Container
from backend.domain.billing import DocumentKind
from backend.domain.documents import IssuedDocument
from backend.domain.lease import LeaseStatus
from backend.domain.links import ACT_ROLES, INVOICE_ROLES
from backend.domain.messages import MessageStatus
from backend.mail.smtp import SmtpMailer
from backend.ports import FixedClock, SystemClock
from backend.services.billing_mail import documents_mailed
from backend.services.document_links import ORPHAN_GRACE, remove_orphan_files
from backend.services.leases import register_lease
from backend.services.outbox import deliver_due
from backend.services.portals import install_portal
from tests import factories
from tests.processes import ROOT, cli_command, cli_env
from tests.smtp_sink import smtp_sink

pytestmark = pytest.mark.both_databases  # the database's behaviour is the point

LEASES = 10
# per lease: February's invoice and act (dated the period's last day), March's invoice
RUN_DATE = "2026-02-28"
PER_LEASE = {
    (DocumentKind.INVOICE, date(2026, 2, 1)),
    (DocumentKind.ACT, date(2026, 2, 1)),
    (DocumentKind.INVOICE, date(2026, 3, 1)),
}
KILL_AFTER = 4  # documents committed before the kill; the run has 3 x LEASES to issue
POLL_TIMEOUT = 240.0


def _setup(container: Container) -> tuple[int, list[str]]:
    """One portal, one landlord (one number sequence), ``LEASES`` auto-send leases."""
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="killed")
        uow.commit()
    assert portal.id is not None
    numbers = [f"K-{n:02d}" for n in range(LEASES)]
    landlord_id = None
    for number in numbers:
        lease = factories.lease(number=number, status=LeaseStatus.SIGNED, auto_send=True)
        with container.uow(portal.id) as uow:
            lease_id = register_lease(uow, container.clock, lease, landlord_id=landlord_id).lease_id
            landlord_id = uow.leases.get(lease_id).landlord.id
            uow.commit()
    return portal.id, numbers


def _documents(container: Container, portal_id: int) -> list[IssuedDocument]:
    with container.uow(portal_id) as uow:
        return uow.documents.list()


def _committed(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM documents")).scalar_one())


def _files(root: Path) -> set[str]:
    """Stored files (an atomic write's temporary file is not one yet)."""
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and not path.name.startswith(".tmp-")
    }


def _publishing(engine: Engine, root: Path) -> bool:
    """A document is between its number and its links: its row is committed and its files
    are being rendered, or stored without their links committed yet."""
    files = _files(root)  # before the links: a file then committed is not taken as pending
    with engine.connect() as conn:
        linked = set(conn.execute(text("SELECT storage_key FROM document_links")).scalars())
        bare = conn.execute(
            text(
                "SELECT count(*) FROM documents d WHERE NOT EXISTS"
                " (SELECT 1 FROM document_links l WHERE l.document_id = d.id)"
            )
        ).scalar_one()
    return bool(files - linked) or bare > 0


def _kill_mid_way(container: Container, log: Path) -> int:
    """Start the run, SIGKILL it once ``KILL_AFTER`` documents are committed and the next
    one's files are being stored; returns how many documents it had committed.

    The poll is a plain reader (no BEGIN IMMEDIATE, which would queue behind the writer
    until the issue phase is over): on SQLite's WAL it sees each commit as it happens.
    """
    engine = create_engine(container.settings.database_url, poolclass=NullPool)
    try:
        return _run_and_kill(container, engine, log)
    finally:
        engine.dispose()


def _run_and_kill(container: Container, engine: Engine, log: Path) -> int:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cli_command("billing", "run", "--date", RUN_DATE), env=cli_env(container.settings),
            cwd=ROOT, stdout=out, stderr=out,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + POLL_TIMEOUT
            root = container.settings.documents_dir
            while _committed(engine) < KILL_AFTER or not _publishing(engine, root):
                assert proc.poll() is None, f"the run ended before the kill:\n{log.read_text()}"
                assert time.monotonic() < deadline, f"no documents in time:\n{log.read_text()}"
                time.sleep(0.05)  # a poll interval, not a guess at timing
            proc.send_signal(signal.SIGKILL)
            assert proc.wait(timeout=60) == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return _committed(engine)


def test_a_run_killed_mid_way_then_run_again_issues_and_mails_everything_once(
    container: Container, tmp_path: Path
) -> None:
    portal_id, lease_numbers = _setup(container)
    at_kill = _kill_mid_way(container, tmp_path / "killed.log")
    assert KILL_AFTER <= at_kill < 3 * LEASES  # really killed mid-way
    with container.uow() as uow:
        assert uow.outbox.list() == []  # killed in the issue phase: nothing queued yet
    again = subprocess.run(
        cli_command("billing", "run", "--date", RUN_DATE), env=cli_env(container.settings),
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr

    documents = _documents(container, portal_id)
    keys = Counter((d.lease_id, d.kind, d.period.start) for d in documents)
    assert len(keys) == 3 * LEASES
    assert set(keys.values()) == {1}
    by_lease: dict[int, set[tuple[DocumentKind, date]]] = {}
    for lease_id, kind, start in keys:
        by_lease.setdefault(lease_id, set()).add((kind, start))
    assert len(by_lease) == LEASES
    assert all(got == PER_LEASE for got in by_lease.values())
    for kind, count in ((DocumentKind.INVOICE, 2 * LEASES), (DocumentKind.ACT, LEASES)):
        numbers = sorted(int(d.number) for d in documents if d.kind is kind)
        assert numbers == list(range(1, count + 1))  # no gap, no duplicate, none burnt

    storage = container.document_storage()
    stored: set[str] = set()
    with container.uow(portal_id) as uow:
        for document in documents:
            links = uow.links.for_document(portal_id, document.id or 0)
            roles = INVOICE_ROLES if document.kind is DocumentKind.INVOICE else ACT_ROLES
            assert sorted(link.role for link in links) == sorted(roles)
            for link in links:
                content = b"".join(storage.stream(link.storage_key))
                assert not link.filename.endswith(".pdf") or content.startswith(b"%PDF")
                stored.add(link.storage_key)
    on_disk = _files(container.settings.documents_dir)
    assert stored <= on_disk
    # what the killed document had stored is an orphan file, never a link to nothing...
    orphans = on_disk - stored
    assert len(orphans) <= len(INVOICE_ROLES)
    assert len({key.rsplit("/", 1)[0] for key in orphans}) <= 1
    # ...which the first run after the grace period deletes, and nothing else
    later = FixedClock(datetime.now(UTC) + ORPHAN_GRACE + timedelta(minutes=1))
    removed = remove_orphan_files(container.uow, storage, later, portal_id)
    assert sorted(removed) == sorted(orphans)
    assert _files(container.settings.documents_dir) == stored

    clock = SystemClock()  # the processes stamped the outbox with the real time

    def deliver() -> int:
        report = deliver_due(
            container.uow, clock, SmtpMailer(f"smtp://127.0.0.1:{port}", "r@x.example"), storage,
            on_sent=lambda work, message: documents_mailed(work, clock, message),
        )  # fmt: skip
        return len(report.sent)

    with smtp_sink() as (sink, port):
        sent = deliver()
        assert deliver() == 0  # a second delivery sends nothing again
    with container.uow() as uow:
        outbox = uow.outbox.list()
    # per lease its documents and the reminder that March's invoice (due 01.03) is near,
    # and one summary for the manager
    assert sent == len(outbox) == len(sink.messages) == 2 * LEASES + 1
    assert {m.status for m in outbox} == {MessageStatus.SENT}
    assert len({m.dedup_key for m in outbox}) == len(outbox)
    tenant = [m for m in sink.messages if "Документы по договору" in m["Subject"]]
    assert sorted(m["Subject"].split(":")[0].split("№ ")[1] for m in tenant) == lease_numbers
    for message in tenant:
        attachments = [a.get_filename() for a in message.iter_attachments()]
        assert len(attachments) == 5  # two invoices with and without QR, and the act
    (summary,) = [m for m in sink.messages if m["Subject"].startswith("rentflow:")]
    assert f"выставлено документов — {3 * LEASES}" in summary["Subject"]
    assert all(d.sent_at is not None for d in _documents(container, portal_id))
