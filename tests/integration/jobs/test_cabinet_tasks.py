"""A tenant's contact change reaches the CRM on a real worker: the task queued after the
commit writes the company of the lease's deal."""

from __future__ import annotations

import time

from backend.bootstrap import Container
from backend.domain.cabinet import TenantRef
from backend.services.cabinet_contacts import ContactForm, update_contacts
from crm_mappings.port import Deal
from jobs.celery_app import make_celery
from tests.cabinet_world import EMAIL, build_world
from tests.celery_worker import running_worker
from tests.fakes import FakeCrm


def test_the_contact_task_writes_the_deals_company(worker_container: Container) -> None:
    container = worker_container
    world = build_world(container)
    crm = FakeCrm(deals={"142": Deal("142", "", "0", "NEW", company_id="77")})
    container.crm_factories["bitrix24"] = lambda _c, _p: crm
    with container.uow(world.portals[0]) as uow:
        tenant = uow.leases.get(world.leases[0]).tenant.id
    assert tenant is not None
    celery = make_celery(container.settings)
    celery.set_current()
    form = ContactForm('ООО "Василёк"', "г. Москва", "+79123456789", EMAIL)

    with running_worker(celery):
        update_contacts(
            container.uow, container.clock, TenantRef(world.portals[0], tenant), EMAIL, form,  # type: ignore[arg-type]
            lambda portal_id, ids: celery.send_task(
                "jobs.cabinet_tasks.cabinet_contacts_to_crm", args=[portal_id, ids]
            ),
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not crm.party_updates and time.monotonic() < deadline:
            time.sleep(0.2)

    (written,) = crm.party_updates
    assert (written.kind, written.id, written.phone) == ("company", "77", "+79123456789")
