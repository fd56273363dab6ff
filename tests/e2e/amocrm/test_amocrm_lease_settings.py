"""The lease card's settings inside amoCRM's lead panel, over HTTP against the emulated
account: the people are offered and picked from the account's users (``GET /api/v4/users``),
saved on the lease with their e-mails, and the change is in the card's history."""

from __future__ import annotations

import re

import requests

from sandbox.amocrm.users import ADMIN_ID, MANAGER_ID
from tests.e2e.amocrm.test_amocrm_workspace_door import _ask
from tests.e2e.amocrm.world import World, install, lease_on_lead


def test_people_are_picked_from_the_amocrm_users_and_saved_with_their_emails(
    world: World,
) -> None:
    portal_id = install(world)
    lead = world.account.add_lead("Офис 3")
    lease_id = lease_on_lead(world, portal_id, lead)
    card_url = _ask(world, f"?lead_id={lead}&lang=en", user_id=str(ADMIN_ID)).json()["url"]
    token = re.search(r"[?&]t=([^&]+)", card_url).group(1)  # type: ignore[union-attr]

    card = requests.get(f"{world.rentflow}{card_url}", timeout=30)
    saved = requests.post(
        f"{world.rentflow}/workspace/leases/{lease_id}/settings?LANG=en",
        data={"t": token, "lang": "en", "auto_send": "1", "tenant_emails": "buh@vasilek.example",
              "manager": str(MANAGER_ID), "supervisor": "", "accountant": str(ADMIN_ID),
              "issue_anchor": "before_start", "issue_days": "5", "due_anchor": "after_issue",
              "due_days": "5"},
        allow_redirects=False, timeout=30,
    )  # fmt: skip

    assert f'<option value="{MANAGER_ID}">Михаил Менеджеров</option>' in card.text
    assert ("GET", "/api/v4/users", 200) in world.account.calls
    assert saved.status_code == 303, saved.text[:500]
    with world.container.uow(portal_id) as uow:
        lease = uow.leases.get(lease_id)
        (entry,) = [
            e for e in uow.audit.entries("lease", lease_id) if e["action"] == "lease.settings"
        ]
    assert lease.manager is not None
    assert (lease.manager.crm_user_id, lease.manager.email) == (
        str(MANAGER_ID),
        "manager@amo.example",
    )
    assert lease.accountant is not None
    assert lease.accountant.email == "admin@amo.example"
    assert lease.supervisor is None
    assert entry["actor"] == "Анна Админова"
