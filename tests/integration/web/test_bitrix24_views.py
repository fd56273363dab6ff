"""The Bitrix24 endpoints: what they accept, queue and refuse (rentflow in-process, the portal
over loopback HTTP)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse, urlsplit

import pytest
from babel.dates import format_date
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from backend.bootstrap import Container, bootstrap
from backend.config import Settings
from backend.domain.portal import PortalStatus
from backend.ports import FixedClock
from backend.web.app import create_app
from backend.web.static_files import content_version
from crm_mappings.port import CrmAuthLost
from sandbox.bitrix24.app import create_emulator
from sandbox.bitrix24.state import PortalState
from tests.loopback import serve

SDK = "vendor/b24jssdk/b24jssdk.min.js"


@dataclass
class Setup:
    container: Container
    portal: PortalState
    portal_url: str
    web: FlaskClient
    queued: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def install(self, **overrides: str) -> Any:
        tokens = self.portal.issue_tokens()
        form = {
            "AUTH_ID": tokens["access_token"], "AUTH_EXPIRES": "3600",
            "REFRESH_ID": tokens["refresh_token"], "SERVER_ENDPOINT": f"{self.portal_url}rest/",
            "member_id": self.portal.member_id, "status": "L", "PLACEMENT": "DEFAULT",
            "APPLICATION_TOKEN": self.portal.application_token,
        }  # fmt: skip
        form.update(overrides)
        domain = urlparse(self.portal_url).netloc
        return self.web.post(f"/bitrix24/install?DOMAIN={domain}&PROTOCOL=0&LANG=ru", data=form)

    def event(self, event: str, token: str | None = None, deal: str = "5") -> Any:
        return self.web.post(
            "/bitrix24/events",
            data={
                "event": event,
                "data[FIELDS][ID]": deal,
                "ts": str(int(self.container.clock.now().timestamp())),
                "auth[member_id]": self.portal.member_id,
                "auth[application_token]": token or self.portal.application_token,
            },
        )


def portal_settings(settings: Settings, portal_url: str) -> Settings:
    """rentflow's settings for an emulated portal served on loopback at ``portal_url``: its
    DOMAIN allowed, its OAuth server the one rentflow refreshes at."""
    return replace(
        settings, sandbox=True, bitrix24_portal_domains=("127.0.0.1:*",),
        bitrix24_oauth_url=f"{portal_url}oauth/token/",
    )  # fmt: skip


@pytest.fixture
def setup(settings: Settings, clock: FixedClock) -> Iterator[Setup]:
    portal = PortalState(
        client_id=settings.bitrix24_client_id, client_secret=settings.bitrix24_client_secret,
        now=lambda: clock.now().timestamp(),
    )  # fmt: skip
    with serve(create_emulator(portal)) as url:
        container = bootstrap(portal_settings(settings, f"{url}/"), clock=clock)
        app = create_app(container=container)
        built = Setup(container, portal, f"{url}/", app.test_client())
        container.task_sender = lambda name, *args: built.queued.append((name, args))
        yield built
    container.dispose()


def _portal_status(setup: Setup) -> PortalStatus | None:
    with setup.container.uow() as uow:
        found = uow.portals.find("bitrix24", setup.portal.member_id)
    return None if found is None else found.status


def test_install_stores_the_portal_and_calls_install_finish(setup: Setup) -> None:
    answer = setup.install()

    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "data-install-finish" in page  # rentflow-frame.js calls the SDK's installFinish
    with setup.web.get("/bitrix24/static/rentflow-frame.js") as script:
        assert "b24.installFinish()" in script.get_data(as_text=True)
    with setup.web.get("/bitrix24/static/vendor/b24jssdk/b24jssdk.min.js") as sdk:
        assert sdk.status_code == 200
    assert _portal_status(setup) is PortalStatus.ACTIVE
    assert len(setup.portal.events) == 6


def test_a_frame_page_names_its_static_files_by_version_and_the_browser_keeps_them(
    setup: Setup,
) -> None:
    """A frame is a fresh page at every click: its stylesheets, scripts and fonts are named by
    their content's version and kept, not fetched again each time."""
    page = setup.install().get_data(as_text=True)
    version = content_version("rentflow.css")
    assert f"/bitrix24/static/rentflow.css?v={version}" in page
    assert f"/bitrix24/static/vendor/b24jssdk/b24jssdk.min.js?v={content_version(SDK)}" in page
    with setup.web.get(f"/bitrix24/static/rentflow.css?v={version}") as kept:
        assert kept.status_code == 200
        assert kept.headers["Cache-Control"] == "public, max-age=31536000"
    with setup.web.get("/bitrix24/static/vendor/b24style/fonts/opensans-regular.woff") as font:
        assert font.headers["Cache-Control"] == "public, max-age=86400"  # named by the CSS
    with setup.web.get("/bitrix24/static/rentflow.css") as unversioned:
        assert unversioned.headers["Cache-Control"] == "no-cache"  # revalidated by its ETag
        assert unversioned.headers["ETag"]


def test_install_with_tokens_the_portal_does_not_know_is_refused(setup: Setup) -> None:
    answer = setup.install(AUTH_ID="forged")

    assert answer.status_code == 401
    assert _portal_status(setup) is None
    assert setup.portal.events == []


def test_a_deal_update_is_acknowledged_and_queued(setup: Setup) -> None:
    setup.install()
    with setup.container.uow() as uow:
        portal = uow.portals.find("bitrix24", setup.portal.member_id)
    assert portal is not None

    answer = setup.event("ONCRMDEALUPDATE", deal="759")

    assert answer.status_code == 200
    assert setup.queued == [("jobs.tasks.crm_deal_changed", (portal.id, "759"))]


def test_a_task_update_queues_the_read_back_of_its_request(setup: Setup) -> None:
    setup.install()
    with setup.container.uow() as uow:
        portal = uow.portals.find("bitrix24", setup.portal.member_id)
    assert portal is not None
    form = {
        "event": "ONTASKUPDATE", "data[FIELDS_BEFORE][ID]": "31", "data[FIELDS_AFTER][ID]": "31",
        "ts": str(int(setup.container.clock.now().timestamp())),
        "auth[member_id]": setup.portal.member_id,
        "auth[application_token]": setup.portal.application_token,
    }  # fmt: skip

    assert setup.web.post("/bitrix24/events", data=form).status_code == 200
    forged = {**form, "auth[application_token]": "guess"}
    assert setup.web.post("/bitrix24/events", data=forged).status_code == 401
    assert setup.queued == [("jobs.channel_tasks.request_task_changed", (portal.id, "31"))]


def test_events_with_a_wrong_token_or_from_an_unknown_portal_get_401(setup: Setup) -> None:
    unknown = setup.event("ONCRMDEALUPDATE")
    setup.install()
    forged = setup.event("ONCRMDEALUPDATE", token="guess")
    forged_uninstall = setup.event("ONAPPUNINSTALL", token="guess")

    assert [unknown.status_code, forged.status_code, forged_uninstall.status_code] == [401] * 3
    assert setup.queued == []
    assert _portal_status(setup) is PortalStatus.ACTIVE


def test_a_deleted_deal_is_acknowledged_and_not_queued(setup: Setup) -> None:
    setup.install()

    assert setup.event("ONCRMDEALDELETE").status_code == 200
    assert setup.queued == []


def test_uninstall_stops_the_portal_and_later_events_queue_nothing(setup: Setup) -> None:
    setup.install()

    assert setup.event("ONAPPUNINSTALL").status_code == 200
    setup.event("ONCRMDEALUPDATE")

    assert _portal_status(setup) is PortalStatus.UNINSTALLED
    assert setup.queued == []


def test_a_robot_call_for_an_unknown_robot_is_rejected(setup: Setup) -> None:
    setup.install()
    answer = setup.web.post(
        "/bitrix24/robots",
        data={
            "code": "someone_elses_robot", "event_token": "t",
            "document_id[0]": "crm", "document_id[1]": "CCrmDocumentDeal",
            "document_id[2]": "DEAL_5", "auth[member_id]": setup.portal.member_id,
            "auth[application_token]": setup.portal.application_token,
            "ts": str(int(setup.container.clock.now().timestamp())),
        },
    )  # fmt: skip

    assert answer.status_code == 400
    assert setup.queued == []


def _installed(setup: Setup) -> int:
    """Install the app on the emulated portal; rentflow's id of the portal."""
    setup.install()
    with setup.container.uow() as uow:
        portal = uow.portals.find("bitrix24", setup.portal.member_id)
    assert portal is not None
    assert portal.id is not None
    return portal.id


def _tab_frame(setup: Setup, deal_id: str) -> str:
    """Open the deal tab of ``deal_id`` as the portal would; the signed frame it carries."""
    token = setup.portal.issue_tokens()["access_token"]
    tab = setup.web.post(
        "/bitrix24/deal-tab?LANG=en",
        data={"AUTH_ID": token, "member_id": setup.portal.member_id,
              "PLACEMENT": "CRM_DEAL_DETAIL_TAB", "PLACEMENT_OPTIONS": f'{{"ID": "{deal_id}"}}'},
    )  # fmt: skip
    frame = re.search(r'name="frame" value="([^"]+)"', tab.get_data(as_text=True))
    assert frame is not None
    return frame.group(1)


def _open_app(setup: Setup) -> TestResponse:
    """Open the app page from the portal's menu with fresh tokens, in English: the frame is
    sent on into the workspace."""
    fresh = setup.portal.issue_tokens()
    return setup.web.post(
        "/bitrix24/app?LANG=en",
        data={"AUTH_ID": fresh["access_token"], "REFRESH_ID": fresh["refresh_token"],
              "member_id": setup.portal.member_id, "PLACEMENT": "DEFAULT"},
        follow_redirects=True,
    )  # fmt: skip


def test_a_dead_refresh_token_marks_the_portal_and_reopening_the_app_restores_it(
    setup: Setup,
) -> None:
    setup.install()
    with setup.container.uow() as uow:
        portal = uow.portals.find("bitrix24", setup.portal.member_id)
    assert portal is not None
    setup.portal.expire_access_tokens()
    setup.portal.revoke_refresh_tokens()

    with pytest.raises(CrmAuthLost):
        setup.container.crm(portal).get_deal("1")
    assert _portal_status(setup) is PortalStatus.AUTH_LOST

    page = _open_app(setup)

    assert page.status_code == 200
    assert "Landlords" in page.get_data(as_text=True)
    assert _portal_status(setup) is PortalStatus.ACTIVE


def test_a_deal_update_on_a_portal_that_lost_access_emails_its_admin_once(
    setup: Setup,
) -> None:
    from jobs import runtime, tasks

    setup.install()
    with setup.container.uow() as uow:
        portal = uow.portals.find("bitrix24", setup.portal.member_id)
    assert portal is not None
    assert portal.settings["admin_email"] == setup.portal.admin_email
    setup.portal.expire_access_tokens()
    setup.portal.revoke_refresh_tokens()
    runtime.set_container(setup.container)
    try:
        tasks.crm_deal_changed(portal.id, "1")
        tasks.crm_deal_changed(portal.id, "1")  # the portal is no longer active: no-op
    finally:
        runtime.set_container(None)

    with setup.container.uow() as uow:
        mails = uow.outbox.list()
    assert _portal_status(setup) is PortalStatus.AUTH_LOST
    assert [m.recipients for m in mails] == [(setup.portal.admin_email,)]
    assert "потерял доступ" in mails[0].subject


def test_frame_posts_without_a_valid_signed_token_get_401_and_save_nothing(setup: Setup) -> None:
    setup.install()

    mapping = setup.web.post("/workspace/pipelines", data={"t": "forged", "status:0:NEW": "signed"})
    action = setup.web.post(
        "/bitrix24/deal-tab/action", data={"frame": "forged", "action": "mark_original_received"}
    )
    lease = setup.web.post("/workspace/leases/new?deal=1", data={"t": "", "number": "X"})

    assert [mapping.status_code, action.status_code, lease.status_code] == [401, 401, 401]
    with setup.container.uow() as uow:
        portal = uow.portals.find("bitrix24", setup.portal.member_id)
    assert portal is not None
    with setup.container.uow(portal.id) as uow:
        assert uow.mappings.all() == {}


def test_the_tab_button_issues_the_next_invoice_and_queues_the_deal_update(setup: Setup) -> None:
    from backend.domain.lease import LeaseStatus
    from backend.services.leases import register_lease
    from tests import factories

    portal_id = _installed(setup)
    with setup.container.uow(portal_id) as uow:
        lease = factories.lease(status=LeaseStatus.SIGNED)
        lease_id = register_lease(uow, setup.container.clock, lease, crm_deal_id="5").lease_id
        uow.commit()
    frame = _tab_frame(setup, "5")

    pressed = setup.web.post(
        "/bitrix24/deal-tab/action?LANG=en",
        data={"frame": frame, "action": "issue_next_invoice", "lang": "en"},
    )

    assert pressed.status_code == 200
    with setup.container.uow(portal_id) as uow:
        invoices = uow.documents.for_lease(lease_id)
    assert len(invoices) == 1
    assert invoices[0].number in pressed.get_data(as_text=True)
    assert setup.queued == [("jobs.tasks.crm_document_issued", (portal_id, invoices[0].id))]


def test_the_tab_issues_the_act_of_the_ended_period_and_refuses_unknown_buttons(
    setup: Setup,
) -> None:
    from datetime import date

    from backend.domain.billing import DocumentKind
    from backend.domain.lease import LeaseStatus
    from backend.services.leases import register_lease
    from tests import factories

    portal_id = _installed(setup)
    with setup.container.uow(portal_id) as uow:
        # from 1 January: January has ended by the clock's day, 1 February; February has not
        lease = factories.lease(status=LeaseStatus.SIGNED, start=date(2026, 1, 1))
        lease_id = register_lease(uow, setup.container.clock, lease, crm_deal_id="5").lease_id
        uow.commit()
    frame = _tab_frame(setup, "5")

    def press(action: str) -> str:
        answer = setup.web.post(
            "/bitrix24/deal-tab/action?LANG=en",
            data={"frame": frame, "action": action, "lang": "en"},
        )
        assert answer.status_code == 200
        return answer.get_data(as_text=True)

    assert "Unknown action." in press("delete_everything")
    assert setup.queued == []
    assert "Done" in press("issue_act")
    with setup.container.uow(portal_id) as uow:
        (act,) = uow.documents.for_lease(lease_id, DocumentKind.ACT)
    assert act.period.start.isoformat() == "2026-01-01"
    assert setup.queued == [("jobs.tasks.crm_document_issued", (portal_id, act.id))]
    # February's act would be dated before February ends: nothing to issue yet
    assert "Nothing more is planned" in press("issue_act")


def test_the_tab_asks_before_billing_a_future_period_and_issues_once_confirmed(
    setup: Setup,
) -> None:
    from backend.domain.billing import DocumentKind
    from backend.domain.lease import LeaseStatus
    from backend.services.leases import register_lease
    from tests import factories

    portal_id = _installed(setup)
    with setup.container.uow(portal_id) as uow:
        lease = factories.lease(status=LeaseStatus.SIGNED)  # from 1 Feb, the clock's day
        lease_id = register_lease(uow, setup.container.clock, lease, crm_deal_id="5").lease_id
        uow.commit()
    frame = _tab_frame(setup, "5")

    def press(**extra: str) -> str:
        data = {"frame": frame, "action": "issue_next_invoice", "lang": "en", **extra}
        answer = setup.web.post("/bitrix24/deal-tab/action?LANG=en", data=data)
        assert answer.status_code == 200
        return answer.get_data(as_text=True)

    def invoices() -> list[str]:
        with setup.container.uow(portal_id) as uow:
            found = uow.documents.for_lease(lease_id, DocumentKind.INVOICE)
        return [d.period.start.isoformat() for d in found]

    assert "Done" in press()  # February's invoice is planned for today
    asked = press()  # March's is planned for 01.03: the tab asks first
    assert "future period" in asked
    assert "Yes, issue it now" in asked
    assert invoices() == ["2026-02-01"]
    assert "Done" in press(confirm_future="1")
    assert invoices() == ["2026-02-01", "2026-03-01"]


def test_the_app_page_shows_the_portals_last_billing_run(setup: Setup) -> None:
    from datetime import date

    setup.install()
    with setup.container.uow() as uow:
        portal = uow.portals.find("bitrix24", setup.portal.member_id)
    assert portal is not None

    def open_app() -> str:
        page = _open_app(setup)
        assert page.status_code == 200
        return page.get_data(as_text=True)

    assert "Last billing run: none yet" in open_app()
    with setup.container.uow(portal.id) as uow:
        run_id = uow.runs.start(date(2026, 1, 27), setup.container.clock.now())
        uow.runs.finish(run_id, setup.container.clock.now(), issued=3, sent=2, failed=1, errors=[])
        uow.runs.start(date(2026, 1, 28), setup.container.clock.now())
        uow.commit()
    assert (
        "Last billing run: Jan 28, 2026 — issued 0, sent 0, failed 0 (not finished)" in open_app()
    )


FRAME_QUERY = {"DOMAIN": "b24-x1.bitrix24.ru", "PROTOCOL": "1", "LANG": "en", "APP_SID": "sid7"}


def _frame_query_of(address: str) -> dict[str, str]:
    query = parse_qs(urlsplit(html.unescape(address)).query)
    return {k: query[k][0] for k in FRAME_QUERY if k in query}


def test_the_frames_links_and_forms_keep_the_query_bitrix24_opened_them_with(
    setup: Setup,
) -> None:
    from backend.services.leases import register_lease
    from tests import factories

    with setup.container.uow(_installed(setup)) as uow:
        register_lease(uow, setup.container.clock, factories.lease(), crm_deal_id="5")
        uow.commit()
    fresh = setup.portal.issue_tokens()
    page = setup.web.post(
        f"/bitrix24/app?{urlencode(FRAME_QUERY)}",
        data={"AUTH_ID": fresh["access_token"], "REFRESH_ID": fresh["refresh_token"],
              "member_id": setup.portal.member_id, "PLACEMENT": "DEFAULT"},
        follow_redirects=True,
    )  # fmt: skip
    tab = setup.web.post(
        f"/bitrix24/deal-tab?{urlencode(FRAME_QUERY)}",
        data={"AUTH_ID": fresh["access_token"], "member_id": setup.portal.member_id,
              "PLACEMENT": "CRM_DEAL_DETAIL_TAB", "PLACEMENT_OPTIONS": '{"ID": "5"}'},
    )  # fmt: skip

    links = re.findall(r'href="([^"]*[?&]t=[^"]*)"', page.get_data(as_text=True))
    forms = re.findall(r'action="([^"]+)"', tab.get_data(as_text=True))
    assert len(links) > 3
    assert forms
    assert [link for link in links if _frame_query_of(link) != FRAME_QUERY] == []
    assert [action for action in forms if _frame_query_of(action) != FRAME_QUERY] == []


def test_the_tab_shows_the_rent_in_force_and_its_next_change_not_the_first_one(
    setup: Setup,
) -> None:
    from backend.domain.lease import Addendum, LeaseStatus, Rent
    from backend.domain.periods import add_months
    from backend.services.leases import register_lease
    from tests import factories

    portal_id = _installed(setup)
    this_month = setup.container.clock.today().replace(day=1)
    later = add_months(this_month, 2)
    lease = factories.lease(
        status=LeaseStatus.SIGNED, start=add_months(this_month, -2),
        end=add_months(this_month, 10), addenda=[
            Addendum("ДС-1", this_month, rent=Rent(Decimal("120000.00"))),
            Addendum("ДС-2", later, rent=Rent(Decimal("130000.00")), end=add_months(later, 3)),
        ],
    )  # fmt: skip
    with setup.container.uow(portal_id) as uow:
        register_lease(uow, setup.container.clock, lease, crm_deal_id="6")
        uow.commit()
    token = setup.portal.issue_tokens()["access_token"]
    for lang, expected in [
        ("en", f"120,000.00 RUB; from {format_date(later, 'long', locale='en')}: 130,000.00 RUB"),
        ("ru", f"120 000,00 ₽; с {format_date(later, 'long', locale='ru')}: 130 000,00 ₽"),
    ]:
        tab = setup.web.post(
            f"/bitrix24/deal-tab?LANG={lang}",
            data={"AUTH_ID": token, "member_id": setup.portal.member_id,
                  "PLACEMENT": "CRM_DEAL_DETAIL_TAB", "PLACEMENT_OPTIONS": '{"ID": "6"}'},
        )  # fmt: skip
        page = html.unescape(tab.get_data(as_text=True)).replace("\xa0", " ")
        rent = re.search(r'<td id="rent">([^<]*)</td>', page)
        assert rent is not None
        assert rent.group(1) == expected.replace("\xa0", " ")
        end = format_date(add_months(later, 3), "medium", locale=lang).replace("\xa0", " ")
        assert f"— {end}</td>" in page  # the term as the last addendum sets it
