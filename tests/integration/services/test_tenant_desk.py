"""The workspace's reads and writes of the tenant side on a real database: a manager's
requests only, narrowed by status and kind; an announcement's reach counted from the outbox
by status, another portal's messages apart; the announcement form refused with every
problem, nothing posted."""

from __future__ import annotations

from datetime import date

import pytest

from backend.bootstrap import Container
from backend.domain.errors import NotFound
from backend.domain.lease import LeaseStatus
from backend.domain.parties import Person
from backend.domain.tenant_requests import InvalidRequest, RequestStatus
from backend.services import tenant_desk as desk
from backend.services import tenant_requests
from backend.services.announcements import post_announcement
from backend.services.leases import RegisteredLease, register_lease
from backend.services.portals import install_portal
from tests import factories

BUILDING = "БЦ «Вавилов»"


def _portal(container: Container, external_id: str) -> int:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id=external_id)
        uow.commit()
    assert portal.id is not None
    return portal.id


def _lease(container: Container, portal_id: int, n: int, manager: str) -> RegisteredLease:
    tenant = factories.tenant(name=f"ООО Арендатор {n}", emails=(f"t{n}@example.ru",))
    lease = factories.lease(
        number=f"L-{n}", tenant=tenant, status=LeaseStatus.SIGNED,
        premises=(factories.premises(code=f"10{n}", building=BUILDING),),
        manager=Person(name=f"Менеджер {manager}", crm_user_id=manager),
    )  # fmt: skip
    with container.uow(portal_id) as uow:
        registered = register_lease(uow, container.clock, lease)
        uow.commit()
    return registered


def _file(container: Container, portal_id: int, lease: RegisteredLease, kind: str) -> int:
    c = container
    return tenant_requests.file_request(
        c.uow, c.clock, c.document_storage(), portal_id, [lease.tenant_id], lease.lease_id,
        kind, f"Заявка ({kind})",
    )  # fmt: skip


def test_a_manager_lists_the_requests_of_their_leases_by_status_and_kind(
    container: Container,
) -> None:
    portal = _portal(container, "desk-1")
    mine, theirs = _lease(container, portal, 1, "7"), _lease(container, portal, 2, "8")
    technical = _file(container, portal, mine, "technical")
    financial = _file(container, portal, mine, "financial")
    other = _file(container, portal, theirs, "technical")
    desk.answer_as(container.uow, container.clock, portal, financial, manager="7",
                   status="in_work", answer="", actor="Менеджер 7")  # fmt: skip

    with container.uow(portal) as uow:
        seen = {
            name: [line.request.id for line in desk.request_lines(uow, **wanted)]
            for name, wanted in {
                "manager": {"manager": "7"}, "admin": {"manager": None},
                "in_work": {"manager": "7", "status": "in_work"},
                "technical": {"manager": None, "kind": "technical"},
                "lease": {"manager": None, "lease_id": theirs.lease_id},
                "unknown_status": {"manager": "7", "status": "archived"},
            }.items()
        }  # fmt: skip
        line = desk.request_lines(uow, manager="7")[0]

    assert seen == {
        "manager": [financial, technical], "admin": [other, financial, technical],
        "in_work": [financial], "technical": [other, technical], "lease": [other],
        "unknown_status": [financial, technical],
    }  # fmt: skip
    assert (line.tenant, line.lease_number) == ("ООО Арендатор 1", "L-1")
    with pytest.raises(NotFound):
        desk.answer_as(container.uow, container.clock, portal, other, manager="7",
                       status="done", answer="Не моё", actor="Менеджер 7")  # fmt: skip
    with pytest.raises(InvalidRequest):
        desk.answer_as(container.uow, container.clock, portal, financial, manager="7",
                       status="new", answer="", actor="Менеджер 7")  # fmt: skip
    with container.uow(portal) as uow:
        assert uow.tenant_requests.get(financial).status == RequestStatus.IN_WORK


def test_an_announcements_reach_counts_its_tenants_and_messages_by_status(
    container: Container,
) -> None:
    portal, elsewhere = _portal(container, "desk-2"), _portal(container, "desk-3")
    _lease(container, portal, 1, "7")
    _lease(container, portal, 2, "7")
    _lease(container, elsewhere, 3, "7")
    c = container
    posted = post_announcement(c.uow, c.clock, portal, date(2026, 3, 2), "Вода", "Не будет",
                               building=BUILDING)  # fmt: skip
    post_announcement(c.uow, c.clock, elsewhere, date(2026, 3, 2), "Вода", "Не будет",
                      building=BUILDING)  # fmt: skip
    with c.uow(None) as uow:
        first, second = uow.outbox.list(portal_id=portal)
        uow.outbox.mark_sent(first.id or 0, c.clock.now())
        uow.outbox.mark_failed(second.id or 0, "550 no such mailbox", None)
        uow.commit()

    with c.uow(portal) as uow:
        (line,) = desk.announcement_lines(uow)
        choices = desk.audience(uow)

    assert line.announcement.id == posted.announcement_id
    assert (line.audience, line.tenants, line.sent, line.pending, line.failed) == (
        BUILDING,
        2,
        1,
        0,
        1,
    )
    assert choices.buildings == [BUILDING]
    assert [(name, numbers) for _, name, numbers in choices.tenants] == [
        ("ООО Арендатор 1", ("L-1",)), ("ООО Арендатор 2", ("L-2",))
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("form", "problems"),
    [
        ({}, {"title": "missing", "text": "missing", "audience": "missing"}),
        ({"title": "x" * 201, "text": "Текст", "audience": "tenant:", "posted_on": "2.3.26"},
         {"title": "too_long", "audience": "missing", "posted_on": "date"}),
        ({"title": "Вода", "text": "Не будет", "audience": "building:БЦ «Пустой»"},
         {"audience": "nobody"}),
    ],
    ids=["empty", "long-title-bad-date", "empty-building"],
)  # fmt: skip
def test_the_announcement_form_says_every_problem_and_posts_nothing(
    container: Container, form: dict[str, str], problems: dict[str, str]
) -> None:
    portal = _portal(container, "desk-4")
    _lease(container, portal, 1, "7")

    with pytest.raises(desk.AnnouncementFormInvalid) as refused:
        desk.post_from_form(container.uow, container.clock, portal, form, actor="Анна")

    assert refused.value.problems == problems
    with container.uow(portal) as uow:
        assert uow.announcements.recent() == []
        assert uow.outbox.list(portal_id=portal) == []


def test_another_portals_tenant_is_not_a_choice(container: Container) -> None:
    portal, elsewhere = _portal(container, "desk-5"), _portal(container, "desk-6")
    stranger = _lease(container, elsewhere, 1, "7")
    form = {"title": "Вода", "text": "Не будет", "audience": f"tenant:{stranger.tenant_id}"}

    with pytest.raises(desk.AnnouncementFormInvalid) as refused:
        desk.post_from_form(container.uow, container.clock, portal, form, actor="Анна")

    assert refused.value.problems == {"audience": "choice"}
    with container.uow(elsewhere) as uow:
        assert uow.outbox.list(portal_id=elsewhere) == []


def test_one_tenant_is_told_with_todays_date_when_none_is_given(container: Container) -> None:
    portal = _portal(container, "desk-7")
    lease = _lease(container, portal, 1, "7")
    form = {"title": "Счёт", "text": "Проверьте реквизиты", "audience": f"tenant:{lease.tenant_id}"}

    posted = desk.post_from_form(container.uow, container.clock, portal, form, actor="Анна")

    with container.uow(portal) as uow:
        (line,) = desk.announcement_lines(uow)
    assert (posted.tenants, posted.messages) == (1, 1)
    assert line.announcement.posted_on == container.clock.today()
    assert (line.audience, line.pending) == ("ООО Арендатор 1", 1)
