"""The amoCRM widget's lead-card buttons: what they do to the lease, what they queue, and what
they refuse (rentflow in-process; the buttons themselves need no call to amoCRM)."""

from __future__ import annotations

from backend.domain.billing import DocumentKind
from backend.queued_tasks import DOCUMENT_ISSUED
from tests.integration.web.amocrm_account import Widget


def test_issue_next_invoice_issues_it_and_queues_its_push_to_the_lead(widget: Widget) -> None:
    answer = widget.press("issue_next_invoice")

    (invoice,) = widget.documents(DocumentKind.INVOICE)
    assert answer.status_code == 200
    assert answer.json == {"outcome": "done", "issued": [invoice.id]}
    assert invoice.period.start.isoformat() == "2026-02-01"
    assert widget.queued == [(DOCUMENT_ISSUED, widget.portal_id, invoice.id)]


def test_issue_act_closes_an_ended_period_and_not_one_still_running(widget: Widget) -> None:
    from datetime import UTC, datetime

    running = widget.press("issue_act")  # 1 February: February has not ended
    widget.container.clock.set(datetime(2026, 2, 28, 9, tzinfo=UTC))  # type: ignore[attr-defined]
    first = widget.press("issue_act")
    second = widget.press("issue_act")  # March has not ended on 28 February

    (act,) = widget.documents(DocumentKind.ACT)
    assert running.json == {"outcome": "nothing_planned", "issued": []}
    assert first.json == {"outcome": "done", "issued": [act.id]}
    assert (act.period.start.isoformat(), act.issued_on.isoformat()) == (
        "2026-02-01",
        "2026-02-28",
    )
    assert second.json == {"outcome": "nothing_planned", "issued": []}


def test_next_invoice_for_a_future_period_is_issued_only_once_confirmed(widget: Widget) -> None:
    february = widget.press("issue_next_invoice")  # planned for 1 February, today
    asked = widget.press("issue_next_invoice")  # March's: 5 days before 1 March, 24.02
    assert len(widget.documents(DocumentKind.INVOICE)) == 1
    confirmed = widget.call(
        "POST", "/amocrm/widget/lead/42/action",
        {"action": "issue_next_invoice", "confirm_future": True},
    )  # fmt: skip

    assert february.json["outcome"] == "done"
    assert asked.json == {
        "outcome": "confirm_future", "issued": [], "period": ["2026-03-01", "2026-03-31"],
        "planned_on": "2026-02-24",
    }  # fmt: skip
    assert confirmed.json["outcome"] == "done"
    assert len(widget.documents(DocumentKind.INVOICE)) == 2


def test_resend_documents_goes_once_a_day(widget: Widget) -> None:
    nothing_yet = widget.press("resend_documents")
    widget.press("issue_next_invoice")
    sent = widget.press("resend_documents")
    again = widget.press("resend_documents")

    assert [a.json["outcome"] for a in (nothing_yet, sent, again)] == [
        "nothing_to_send", "done", "nothing_to_send",
    ]  # fmt: skip
    with widget.container.uow() as uow:
        resent = [
            m
            for m in uow.outbox.list(portal_id=widget.portal_id)
            if m.dedup_key.startswith("resend:")
        ]
    assert len(resent) == 1


def test_original_received_is_recorded_on_the_lease(widget: Widget) -> None:
    answer = widget.press("mark_original_received")
    no_lease = widget.press("mark_original_received", lead="43")

    with widget.container.uow(widget.portal_id) as uow:
        assert uow.leases.get(widget.lease_id).original_received is True
    assert (answer.json["outcome"], no_lease.json["outcome"]) == ("done", "no_lease")


def test_forged_tokens_and_unknown_actions_change_nothing(widget: Widget) -> None:
    forged = widget.press("issue_next_invoice", secret="another-secret-of-at-least-32-bytes!!")
    other_account = widget.press("issue_next_invoice", account_id="31000000")
    unknown = widget.press("delete_everything")

    assert [a.status_code for a in (forged, other_account, unknown)] == [401, 401, 400]
    assert widget.documents() == []
    assert widget.queued == []
