"""The amoCRM widget's lead-card buttons: what they do to the lease, what they queue, and what
they refuse (rentflow in-process; the buttons themselves need no call to amoCRM)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask.testing import FlaskClient

from backend.bootstrap import Container, bootstrap
from backend.config import Settings
from backend.domain.billing import DocumentKind
from backend.domain.lease import LeaseStatus
from backend.ports import FixedClock
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from backend.web.amocrm_widget import DOCUMENT_TASK
from backend.web.app import create_app
from crm_mappings.amocrm.disposable_token import issue_widget_token
from tests import factories

ACCOUNT = "30000001"
SECRET = "widget-test-integration-secret-0123456789abcdef"


@dataclass
class Widget:
    container: Container
    web: FlaskClient
    portal_id: int
    lease_id: int
    queued: list[tuple[Any, ...]] = field(default_factory=list)

    def press(self, action: str, lead: str = "42", **token: Any) -> Any:
        claims: dict[str, Any] = {
            "secret": SECRET,
            "audience": self.container.settings.public_base_url,
            "account_id": ACCOUNT,
            "user_id": "9001",
            "subdomain": "romashka",
            "now": self.container.clock.now(),
        }
        claims.update(token)
        return self.web.post(
            f"/amocrm/widget/lead/{lead}/action",
            json={"action": action},
            headers={"X-Auth-Token": issue_widget_token(**claims)},
        )

    def documents(self, kind: DocumentKind | None = None) -> list[Any]:
        with self.container.uow(self.portal_id) as uow:
            return list(uow.documents.for_lease(self.lease_id, kind))


@pytest.fixture
def widget(settings: Settings, clock: FixedClock) -> Iterator[Widget]:
    container = bootstrap(settings.with_(amocrm_client_secret=SECRET), clock=clock)
    with container.uow() as uow:
        portal = install_portal(uow, clock, kind="amocrm", external_id=ACCOUNT)
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        lease = factories.lease(status=LeaseStatus.SIGNED)
        registered = register_lease(uow, clock, lease, crm_deal_id="42", crm_pipeline_id="7001")
        uow.commit()
    app = create_app(container=container)
    built = Widget(container, app.test_client(), portal.id, int(registered.lease_id))
    app.config["RENTFLOW_ENQUEUE"] = lambda *call: built.queued.append(call)
    yield built
    container.dispose()


def test_issue_next_invoice_issues_it_and_queues_its_push_to_the_lead(widget: Widget) -> None:
    answer = widget.press("issue_next_invoice")

    (invoice,) = widget.documents(DocumentKind.INVOICE)
    assert answer.status_code == 200
    assert answer.json == {"outcome": "done", "issued": [invoice.id]}
    assert invoice.period.start.isoformat() == "2026-02-01"
    assert widget.queued == [(DOCUMENT_TASK, widget.portal_id, invoice.id)]


def test_issue_act_closes_a_started_period_and_not_one_still_ahead(widget: Widget) -> None:
    first = widget.press("issue_act")
    second = widget.press("issue_act")  # March has not started on 1 February

    (act,) = widget.documents(DocumentKind.ACT)
    assert first.json == {"outcome": "done", "issued": [act.id]}
    assert act.period.start.isoformat() == "2026-02-01"
    assert second.json == {"outcome": "nothing_planned", "issued": []}


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
