"""``rentflow demo``: three months of billing on the sandbox Bitrix24 portal and amoCRM account,
checked from what it leaves behind — summary.json, the PDFs, the .eml files the SMTP sink got.

The demo runs once per module, in a subprocess like a user would start it. Expectations are
computed from each lease's terms (the schedule the domain plans) and from the payments the
statements carried, not copied from the demo's output.
"""

from __future__ import annotations

import email
import email.policy
import io
import json
import subprocess
import sys
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from backend.cli import main
from backend.demo.crms import AmoCrmDemo, Bitrix24Demo
from backend.domain.reminders import DEFAULT_CHAIN
from backend.domain.schedule import plan
from backend.services.lease_json import parse_lease
from documents.qr.gost import parse_gost

ROOT = Path(__file__).resolve().parents[3]
# the stages each side's admin mapped the "paid" and "invoice issued" events to
PAID_STAGE = {
    "bitrix24": Bitrix24Demo.MAPPING["event:0:paid"],
    "amocrm": AmoCrmDemo.MAPPING["events"]["paid"],
}
INVOICE_STAGE = {
    "bitrix24": Bitrix24Demo.MAPPING["event:0:invoice_issued"],
    "amocrm": AmoCrmDemo.MAPPING["events"]["invoice_issued"],
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str]:
    out = tmp_path_factory.mktemp("demo") / "demo-out"
    done = subprocess.run(
        [sys.executable, "-m", "backend.cli", "demo", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    summary: dict[str, Any] = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return out, summary, done.stdout


def _last_day(summary: dict[str, Any]) -> date:
    return date.fromisoformat(summary["period"]["to"])


def _planned(lease: dict[str, Any], last: date) -> list[tuple[str, str, str]]:
    """(kind, period start, issue date) of every document the lease's terms plan by ``last``."""
    terms, _ = parse_lease(lease["terms"])
    return [
        (str(item.kind), item.period.start.isoformat(), item.issue_on.isoformat())
        for item in plan(terms)
        if item.issue_on <= last
    ]


def _mail(out: Path) -> list[EmailMessage]:
    messages = []
    for path in sorted((out / "mail").glob("*.eml")):
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        messages.append(parsed)
    return messages


def _key(message: EmailMessage) -> str:
    return "".join(str(message["X-Rentflow-Key"]).split())  # unfold a long header


def test_both_crms_run_three_tenants_each(demo: tuple[Path, dict[str, Any], str]) -> None:
    _, summary, stdout = demo
    by_crm = defaultdict(set)
    for lease in summary["leases"]:
        by_crm[lease["crm"]].add(lease["behaviour"])
    assert by_crm == {
        "bitrix24": {"on_time", "partial", "late"},
        "amocrm": {"on_time", "partial", "late"},
    }
    assert "Б-1/2026" in stdout
    assert "А-1/2026" in stdout


def test_each_lease_gets_the_invoices_and_acts_its_terms_plan_for_three_months(
    demo: tuple[Path, dict[str, Any], str],
) -> None:
    _, summary, _ = demo
    last = _last_day(summary)
    assert last == date.fromisoformat(summary["period"]["from"]) + timedelta(days=89)
    totals: dict[str, int] = defaultdict(int)
    for lease in summary["leases"]:
        planned = _planned(lease, last)
        issued = [(d["kind"], d["period"][0], d["issued_on"]) for d in lease["documents"]]
        assert sorted(issued) == sorted(planned), lease["number"]
        for kind, _, _ in planned:
            totals[kind] += 1
    assert summary["documents"]["by_kind"] == dict(totals)
    # an act is dated its period's last day, so March's (31.03) falls inside the three months
    assert totals["invoice"] == totals["act"] > 0


def test_the_tenant_gets_one_email_per_billing_day_with_the_day_s_pdfs(
    demo: tuple[Path, dict[str, Any], str],
) -> None:
    out, summary, _ = demo
    mail = _mail(out)
    for lease in summary["leases"]:
        tenant = lease["terms"]["tenant"]["emails"][0]
        planned = _planned(lease, _last_day(summary))
        days = sorted({issue_on for _, _, issue_on in planned})
        key = f"tenant:{lease['portal_id']}:{lease['lease_id']}:"
        received = [m for m in mail if _key(m).startswith(key)]
        assert len(received) == len(days), lease["number"]
        for message, day in zip(received, days, strict=True):
            kinds = [kind for kind, _, issue_on in planned if issue_on == day]
            pdfs = [
                p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"
            ]
            # an invoice goes as the plain and the QR invoice, an act as itself
            assert len(pdfs) == 2 * kinds.count("invoice") + kinds.count("act")
            assert str(message["Reply-To"]) == lease["terms"]["landlord"]["email"]
            assert lease["number"] in str(message["Subject"])
            assert str(message["To"]) == tenant


def test_every_email_queued_reached_the_sink_once(demo: tuple[Path, dict[str, Any], str]) -> None:
    out, summary, _ = demo
    keys = [_key(m) for m in _mail(out)]
    assert len(keys) == len(set(keys)) == summary["emails"]["received_by_sink"]
    assert sum(summary["emails"]["by_kind"].values()) == len(keys)
    assert summary["emails"]["not_sent"] == 0


def test_each_manager_gets_one_summary_per_billing_day(
    demo: tuple[Path, dict[str, Any], str],
) -> None:
    out, summary, _ = demo
    days: dict[str, set[str]] = defaultdict(set)
    for lease in summary["leases"]:
        manager = lease["terms"]["manager"]["email"]
        days[manager] |= {issue_on for _, _, issue_on in _planned(lease, _last_day(summary))}
    received: dict[str, int] = defaultdict(int)
    for message in _mail(out):
        if _key(message).startswith("summary:"):
            received[str(message["To"])] += 1
    assert received == {manager: len(d) for manager, d in days.items()}


def test_every_issued_pdf_is_in_the_folder_and_reads_as_its_document(
    demo: tuple[Path, dict[str, Any], str],
) -> None:
    out, summary, _ = demo
    files = 0
    for lease in summary["leases"]:
        for document in lease["documents"]:
            expected = 2 if document["kind"] == "invoice" else 1
            assert len(document["pdf"]) == expected
            for name in document["pdf"]:
                reader = PdfReader(io.BytesIO((out / "pdf" / name).read_bytes()))
                text = " ".join(page.extract_text() for page in reader.pages)
                assert lease["terms"]["tenant"]["inn"] in text
                files += 1
    assert sorted(p.name for p in (out / "pdf").iterdir()) == sorted(
        name for lease in summary["leases"] for d in lease["documents"] for name in d["pdf"]
    )
    assert files == summary["documents"]["pdf_files"]


def _scan(pdf: Path, tmp_path: Path) -> str:
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "page")],
        check=True,
    )  # fmt: skip
    scan = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
        check=False, capture_output=True,
    )  # fmt: skip
    assert scan.returncode == 0, scan.stderr
    return scan.stdout.decode().removesuffix("\n")


def test_the_qr_invoice_scans_to_the_landlord_account_and_the_invoice_total(
    demo: tuple[Path, dict[str, Any], str], tmp_path: Path
) -> None:
    out, summary, _ = demo
    for lease in summary["leases"][::3]:  # the first lease of each CRM
        invoice = next(d for d in lease["documents"] if d["kind"] == "invoice")
        qr = next(name for name in invoice["pdf"] if name.endswith("invoice_qr.pdf"))
        fields = parse_gost(_scan(out / "pdf" / qr, tmp_path))
        landlord = lease["terms"]["landlord"]
        assert fields["PersonalAcc"] == landlord["bank"]["account"]
        assert fields["PayeeINN"] == landlord["inn"]
        assert fields["Sum"] == str(int(Decimal(invoice["total"]) * 100))


def _fully_paid_on(lease: dict[str, Any], number: str, total: str) -> date | None:
    paid = Decimal(0)
    for payment in sorted(lease["payments"], key=lambda p: p["on"]):
        if payment["invoice"] == number:
            paid += Decimal(payment["amount"])
            if paid >= Decimal(total):
                return date.fromisoformat(payment["on"])
    return None


def test_the_overdue_chain_escalates_in_order_and_stops_once_the_invoice_is_paid(
    demo: tuple[Path, dict[str, Any], str],
) -> None:
    _, summary, _ = demo
    last = _last_day(summary)
    for lease in summary["leases"]:
        ids = {d["id"] for d in lease["documents"]}
        steps = [e for e in summary["escalations"] if e["invoice_id"] in ids]
        expected = []
        for invoice in (d for d in lease["documents"] if d["kind"] == "invoice"):
            due_on = date.fromisoformat(invoice["due_on"])
            paid_on = _fully_paid_on(lease, invoice["number"], invoice["total"])
            for number, step in enumerate(DEFAULT_CHAIN, start=1):
                on = due_on + timedelta(days=step.days_after_due)
                if on <= last and (paid_on is None or paid_on > on):
                    expected.append((invoice["id"], number, str(step.audience), on.isoformat()))
        assert [(e["invoice_id"], e["step"], e["to"], e["sent_on"]) for e in steps] == expected
    chains = {
        lease["behaviour"]: [
            e["to"] for e in summary["escalations"]
            if e["invoice_id"] == next(d["id"] for d in lease["documents"])
        ]
        for lease in summary["leases"][:3]
    }  # fmt: skip
    assert chains == {
        "on_time": [],
        "partial": ["manager", "supervisor", "accountant"],
        "late": ["manager", "supervisor"],
    }
    assert summary["crm_tasks"] == {"bitrix24": 6, "amocrm": 6}  # the manager's step makes one


def test_payments_come_out_paid_partly_paid_and_late_with_the_penalty_shown(
    demo: tuple[Path, dict[str, Any], str],
) -> None:
    _, summary, _ = demo
    for lease in summary["leases"]:
        invoices = [d for d in lease["documents"] if d["kind"] == "invoice"]
        paid = sum((Decimal(p["amount"]) for p in lease["payments"]), Decimal(0))
        allocated = sum((Decimal(a["amount"]) for a in lease["allocations"]), Decimal(0))
        assert allocated == paid > 0
        rate = Decimal(lease["terms"]["penalty_rate_per_day"]) / 100
        if lease["behaviour"] == "partial":
            assert {d["status"] for d in invoices} == {"partially_paid"}
            assert all(Decimal(d["outstanding"]) * 2 == Decimal(d["total"]) for d in invoices)
            assert Decimal(lease["penalty_at_end"]) > 0
            continue
        assert {d["status"] for d in invoices} == {"paid"}
        assert Decimal(lease["debt_at_end"]) == 0
        # what accrued up to each late payment (the day of payment included) stays on the
        # lease: the late tenant's 3 x 85 000 x 0.1% x 5 days = 1 275.00 at the end, not 0
        kept = sum((Decimal(p["penalty_shown_before"]) for p in lease["payments"]), Decimal(0))
        assert Decimal(lease["penalty_at_end"]) == kept
        for payment in lease["payments"]:
            days = payment["days_late"]
            shown = Decimal(payment["penalty_shown_before"])
            assert shown == (Decimal(payment["invoice_total"]) * rate * days).quantize(
                Decimal("0.01")
            )
            assert (days > 0) is (lease["behaviour"] == "late")


def test_the_deals_end_in_the_stage_their_payments_earned_on_both_emulators(
    demo: tuple[Path, dict[str, Any], str],
) -> None:
    _, summary, _ = demo
    stages = {(lease["crm"], lease["behaviour"]): lease["deal_stage_at_end"]["id"]
              for lease in summary["leases"]}  # fmt: skip
    assert stages == {
        ("bitrix24", "on_time"): PAID_STAGE["bitrix24"],
        ("bitrix24", "partial"): INVOICE_STAGE["bitrix24"],
        ("bitrix24", "late"): PAID_STAGE["bitrix24"],
        ("amocrm", "on_time"): PAID_STAGE["amocrm"],
        ("amocrm", "partial"): INVOICE_STAGE["amocrm"],
        ("amocrm", "late"): PAID_STAGE["amocrm"],
    }


def test_every_payment_came_through_the_1c_folder_and_found_its_invoice(
    demo: tuple[Path, dict[str, Any], str],
) -> None:
    out, summary, _ = demo
    imports = summary["statement_imports"]
    payments = [p for lease in summary["leases"] for p in lease["payments"]]
    assert sum(i["added"] for i in imports) == sum(i["matched"] for i in imports) == len(payments)
    assert all(i["to_review"] == 0 for i in imports)
    copies = sorted((out / "statements").glob("*/*.txt"))
    # the folder import stamps each file it claims: "20260104T120000-2026-01-04.txt"
    assert sorted(c.name for c in copies) == sorted(i["file"].split("-", 1)[1] for i in imports)
    assert copies[0].read_bytes().startswith("1CClientBankExchange".encode("cp1251"))


def test_the_demo_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")

    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path)])

    assert result.exit_code == 2
    assert "no earlier demo" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


GOLDEN = Path(__file__).with_name("summary.golden.json")


def test_the_demo_summary_is_byte_identical_to_the_golden_one(
    demo: tuple[Path, dict[str, Any], str],
) -> None:
    """The demo is deterministic (a fixed simulated calendar, fixed ids): a restructuring that
    changes nothing leaves summary.json byte for byte as it was. A change meant to alter what
    the demo does refreshes the golden file: ``python -m backend.cli demo --out /tmp/demo &&
    cp /tmp/demo/summary.json tests/e2e/demo/summary.golden.json``."""
    out, _summary, _stdout = demo
    assert (out / "summary.json").read_text(encoding="utf-8") == GOLDEN.read_text(encoding="utf-8")
