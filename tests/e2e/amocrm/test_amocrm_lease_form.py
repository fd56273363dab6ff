"""The lease form inside amoCRM's lead panel: the widget's door opens it for a lead, the
tenant comes from the lead's company, the people from the account's users, and the created
lease's link (the lead's card) lands in the lead's "rentflow: договор" field."""

from __future__ import annotations

import re

import requests

from backend.domain.lease import LeaseStatus
from crm_mappings.amocrm.adapter import field_code
from crm_mappings.port import LeaseField
from sandbox.amocrm.users import MANAGER_ID
from tests import factories
from tests.e2e.amocrm.world import World, install


def test_a_lease_made_in_the_lead_panel_links_the_lead_to_its_card(world: World) -> None:
    portal_id = install(world)
    with world.container.uow(portal_id) as uow:
        landlord = uow.parties.add_landlord(factories.landlord())
        uow.commit()
    lead = world.account.add_lead("Аренда склада 3")
    world.account.link_company(lead, 'ООО "Василёк"', INN="7728168971", KPP="772801001",
                               EMAIL="buh@vasilek.example")  # fmt: skip
    door = requests.get(f"{world.rentflow}/amocrm/widget/workspace?lead_id={lead}",
                        headers={"X-Auth-Token": world.token()}, timeout=30)  # fmt: skip
    form_url = f"{world.rentflow}{door.json()['url']}"

    shown = requests.get(form_url, timeout=30)
    token = re.search(r'name="t" value="([^"]+)"', shown.text)

    assert shown.status_code == 200, shown.text[:300]
    assert 'value="7728168971"' in shown.text  # the lead's company
    assert f'<option value="{MANAGER_ID}">Михаил Менеджеров</option>' in shown.text
    assert token is not None
    created = requests.post(form_url, timeout=60, data={
        "t": token.group(1), "landlord": str(landlord), "number": "СК-3", "signed_on": "2026-01-20",
        "start": "2026-02-01", "end": "2026-12-31", "rent_basis": "per_month", "rent": "90000",
        "vat": "none", "billing_unit": "month", "billing_every": "2",
        "issue_anchor": "before_start", "issue_days": "3", "due_anchor": "day_of_period",
        "due_days": "10", "auto_send": "1", "tenant_kind": "legal_entity",
        "tenant_name": 'ООО "Василёк"', "tenant_inn": "7728168971", "tenant_kpp": "772801001",
        "tenant_emails": "buh@vasilek.example", "manager": str(MANAGER_ID),
    })  # fmt: skip

    assert created.status_code == 200, created.text[:300]  # the card, after the redirect
    assert "СК-3" in created.text
    with world.container.uow(portal_id) as uow:
        lease = uow.leases.by_deal(str(lead))
    assert lease is not None
    assert lease.status is LeaseStatus.DRAFT
    assert lease.billing.every == 2
    assert lease.manager is not None
    assert lease.manager.email == "manager@amo.example"
    field = world.account.field_id(field_code(LeaseField.LEASE_URL))
    assert field is not None
    link = world.account.field_value(lead, field)
    # on the account rentflow talks to (https://<subdomain>.amocrm.ru live; the emulator here)
    assert link == f"{world.amo}/leads/detail/{lead}"
