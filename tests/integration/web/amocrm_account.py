"""The amoCRM widget API's fixture: an installed account with a signed lease on lead 42,
rentflow in-process, tokens signed like amoCRM's disposable ones."""

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
from backend.web.app import create_app
from crm_mappings.amocrm.disposable_token import audience_for, issue_widget_token
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

    def call(self, method: str, path: str, body: Any = None, **token: Any) -> Any:
        """Call the widget API at ``path`` as the widget would, with a valid token unless
        ``token`` overrides its claims (``secret``, ``account_id``...)."""
        claims: dict[str, Any] = {
            "secret": SECRET,
            "audience": audience_for(self.container.settings.public_base_url),
            "account_id": ACCOUNT,
            "user_id": "9001",
            "subdomain": "romashka",
            "now": self.container.clock.now(),
        }
        claims.update(token)
        return self.web.open(
            path, method=method, json=body, headers={"X-Auth-Token": issue_widget_token(**claims)}
        )

    def press(self, action: str, lead: str = "42", **token: Any) -> Any:
        """Press a lead-card button."""
        return self.call("POST", f"/amocrm/widget/lead/{lead}/action", {"action": action}, **token)

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
    container.task_sender = lambda *call: built.queued.append(call)
    yield built
    container.dispose()
