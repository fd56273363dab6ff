"""What the demo leaves in its folder: every PDF issued, every email the SMTP sink received,
and summary.json — read back from rentflow's store, the sink and the emulators themselves."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from backend.demo.crms import DemoCrm, crm_of
from backend.demo.stack import Stack
from backend.demo.tenants import DemoLease
from backend.domain.documents import IssuedDocument
from backend.domain.messages import MessageStatus, OutboxMessage
from backend.services.deal_panel import deal_panel


@dataclass(frozen=True)
class Report:
    """The finished run: the stack still up (the emulators are read over HTTP)."""

    stack: Stack
    sides: dict[str, DemoCrm]
    leases: list[DemoLease]
    start: date
    last: date


def write_report(report: Report, out: Path) -> dict[str, Any]:
    """Write ``pdf/``, ``mail/`` and ``summary.json`` into ``out``; return the summary."""
    messages = _outbox(report)
    summary: dict[str, Any] = {
        "period": {"from": report.start.isoformat(), "to": report.last.isoformat()},
        "leases": [_lease(report, lease, out) for lease in report.leases],
        "emails": {
            "received_by_sink": len(report.stack.sink.messages),
            "by_kind": dict(sorted(Counter(m.kind for m in messages).items())),
            "not_sent": sum(m.status != MessageStatus.SENT for m in messages),
            "files": _write_mail(report, out / "mail"),
        },
        "crm_tasks": {
            "bitrix24": len(report.stack.bitrix24.tasks),
            "amocrm": len(report.stack.amocrm.tasks),
        },
    }
    documents = [d for lease in summary["leases"] for d in lease["documents"]]
    summary["documents"] = {
        "by_kind": dict(sorted(Counter(d["kind"] for d in documents).items())),
        "pdf_files": sum(len(d["pdf"]) for d in documents),
    }
    summary["escalations"] = _escalations(messages, documents)
    summary["statement_imports"] = _imports(report)
    (out / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return summary


def _outbox(report: Report) -> list[OutboxMessage]:
    with report.stack.container.uow() as uow:
        return sorted(uow.outbox.list(), key=lambda m: m.id or 0)


def _lease(report: Report, lease: DemoLease, out: Path) -> dict[str, Any]:
    stack = report.stack
    with stack.container.uow(lease.portal_id) as uow:
        documents = uow.documents.for_lease(lease.lease_id)
        portal = uow.portals.get(lease.portal_id)
        panel = deal_panel(uow, report.last, lease.deal_id, stack.container.link_url)
        allocations = uow.payments.allocations(lease_id=lease.lease_id)
        numbers = {d.id: d.number for d in documents}
    files = [_save_pdfs(report, lease, d, out / "pdf") for d in documents]
    deal = crm_of(stack, portal).get_deal(lease.deal_id)  # over HTTP, from the emulator
    return {
        "crm": lease.crm,
        "number": lease.number,
        "tenant": lease.payer.name,
        "behaviour": str(lease.payer.behaviour),
        "portal_id": lease.portal_id,
        "deal_id": lease.deal_id,
        "lease_id": lease.lease_id,
        "terms": lease.terms,
        "documents": [_document(d, pdfs) for d, pdfs in zip(documents, files, strict=True)],
        "payments": lease.payments,
        "allocations": [
            {"invoice": numbers.get(a.invoice_id, ""), "amount": f"{a.amount.amount:.2f}"}
            for a in allocations
        ],
        "debt_at_end": panel["debt"],
        "penalty_at_end": panel["penalty"],
        "deal_stage_at_end": {
            "id": deal.stage_id,
            "name": report.sides[lease.crm].stage_name(deal.stage_id),
        },
    }


def _document(document: IssuedDocument, pdfs: list[str]) -> dict[str, Any]:
    return {
        "id": document.id,
        "kind": str(document.kind),
        "number": document.number,
        "issued_on": document.issued_on.isoformat(),
        "period": [document.period.start.isoformat(), document.period.end.isoformat()],
        "due_on": document.due_on.isoformat() if document.due_on else None,
        "total": f"{document.total.amount:.2f}",
        "status": str(document.status),
        "outstanding": f"{document.outstanding.amount:.2f}",
        "pdf": pdfs,
    }


def _save_pdfs(
    report: Report, lease: DemoLease, document: IssuedDocument, folder: Path
) -> list[str]:
    """Copy the document's stored PDFs (plain and QR invoice, or act) into ``folder``."""
    container = report.stack.container
    storage = container.document_storage()
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    with container.uow(lease.portal_id) as uow:
        links = uow.links.for_document(lease.portal_id, document.id or 0)
    for link in sorted(links, key=lambda link: link.role):
        if link.content_type != "application/pdf":
            continue
        name = _safe(
            f"{lease.crm}-{lease.number}-{document.kind}-{document.number}"
            f"-{document.issued_on:%Y%m%d}-{link.role}.pdf"
        )
        (folder / name).write_bytes(b"".join(storage.stream(link.storage_key)))
        names.append(name)
    return names


def _write_mail(report: Report, folder: Path) -> list[dict[str, str]]:
    """Every message the SMTP sink received, as .eml, named by order and rentflow's key."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for n, message in enumerate(report.stack.sink.messages, start=1):
        key = "".join(str(message.get("X-Rentflow-Key", "")).split())  # a long one is folded
        name = _safe(f"{n:03d}-{key}")[:80] + ".eml"
        (folder / name).write_bytes(message.as_bytes())
        written.append(
            {"file": name, "key": key, "to": str(message["To"]), "subject": str(message["Subject"])}
        )
    return written


def _escalations(
    messages: list[OutboxMessage], documents: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The overdue chain as it went out: one row per step, by invoice then step.

    Keys look like ``p{portal}:overdue:{invoice id}:{step}:{audience}`` (notifications)."""
    numbers = {d["id"]: d["number"] for d in documents}
    rows = []
    for message in messages:
        if message.kind != "overdue":
            continue
        _, _, invoice_id, step, audience = message.dedup_key.split(":")
        rows.append(
            {
                "portal_id": message.portal_id,
                "invoice_id": int(invoice_id),
                "invoice": numbers.get(int(invoice_id), ""),
                "step": int(step),
                "to": audience,
                "recipients": list(message.recipients),
                "subject": message.subject,
                "sent_on": message.sent_at.date().isoformat() if message.sent_at else None,
            }
        )
    return sorted(rows, key=lambda r: (r["portal_id"] or 0, r["invoice_id"], r["step"]))


def _safe(name: str) -> str:
    """A file name without path separators or characters shells trip over."""
    return re.sub(r"[^\w.\-]+", "_", name)


def _imports(report: Report) -> list[dict[str, Any]]:
    """What the 1C folder import said of each statement (the JSON it leaves beside it)."""
    inbox = report.stack.statement_inbox
    found = []
    for path in sorted(inbox.glob("*/done/*.json"), key=lambda p: (p.parent.parent.name, p.name)):
        said = json.loads(path.read_text(encoding="utf-8"))
        found.append(
            {
                "portal_id": int(path.parent.parent.name),
                "file": path.name.removesuffix(".json"),
                **{k: said[k] for k in ("added", "matched", "to_review", "allocated")},
                "invoices_paid": said["invoices_paid"],
                "invoices_partially_paid": said["invoices_partially_paid"],
                "deal_moves_queued": said["deal_moves_queued"],
            }
        )
    return found
