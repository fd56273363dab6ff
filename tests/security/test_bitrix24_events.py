"""Issue 14, break 9 ("ONAPPUNINSTALL replayed from 2023 uninstalls"), replayed as found: the
genuine event, application_token included, captured once and posted again later. Plus
ONAPPUPDATE, which replaces the application_token (common/events/on-app-update)."""

from __future__ import annotations

from backend.domain.portal import PortalStatus
from tests.security.bitrix24_world import World, world

__all__ = ["world"]  # the fixture

TS_2023 = "1696527000"  # the ts of the ONAPPUPDATE example in the docs: October 2023


def test_an_uninstall_replayed_from_2023_is_refused_and_the_portal_stays(world: World) -> None:
    world.installed()

    answer = world.event("ONAPPUNINSTALL", ts=TS_2023)

    assert answer.status_code == 401
    stored = world.stored()
    assert stored is not None
    assert stored.status is PortalStatus.ACTIVE


def test_events_without_ts_or_from_the_future_are_refused_and_queue_nothing(
    world: World,
) -> None:
    world.installed()
    an_hour_and_more = str(int(world.ts) + 3601)

    answers = [
        world.event("ONCRMDEALUPDATE", ts=""),
        world.event("ONCRMDEALUPDATE", ts="yesterday"),
        world.event("ONCRMDEALUPDATE", ts=TS_2023),
        world.event("ONCRMDEALUPDATE", ts=an_hour_and_more),
    ]

    assert [a.status_code for a in answers] == [401] * 4
    assert world.queued == []


def test_a_fresh_event_with_the_stored_application_token_still_works(world: World) -> None:
    portal = world.installed()
    a_minute_ago = str(int(world.ts) - 60)

    answer = world.event("ONCRMDEALUPDATE", ts=a_minute_ago)

    assert answer.status_code == 200
    assert world.queued == [("jobs.tasks.crm_deal_changed", (portal.id, "5"))]


def test_a_robot_call_replayed_later_is_refused(world: World) -> None:
    world.installed()

    answer = world.web.post(
        "/bitrix24/robots",
        data={
            "code": "rentflow_check_payment", "event_token": "t", "ts": TS_2023,
            "document_id[0]": "crm", "document_id[1]": "CCrmDocumentDeal",
            "document_id[2]": "DEAL_5", "auth[member_id]": world.portal.member_id,
            "auth[application_token]": world.portal.application_token,
        },
    )  # fmt: skip

    assert answer.status_code == 401
    assert world.queued == []


def _update_event(world: World, access_token: str, new_token: str) -> dict[str, str]:
    return {
        "event": "ONAPPUPDATE", "ts": world.ts,
        "data[VERSION]": "2", "data[PREVIOUS_VERSION]": "1", "data[LANGUAGE_ID]": "ru",
        "auth[member_id]": world.portal.member_id, "auth[access_token]": access_token,
        "auth[refresh_token]": "r-new", "auth[expires_in]": "3600",
        "auth[application_token]": new_token,
    }  # fmt: skip


def test_onappupdate_replaces_the_application_token_and_records_the_version(
    world: World,
) -> None:
    portal = world.installed()
    old = world.portal.application_token
    access = world.portal.issue_tokens()["access_token"]

    answer = world.web.post("/bitrix24/events", data=_update_event(world, access, "t-new"))

    assert answer.status_code == 200
    stored = world.stored()
    assert stored is not None
    assert stored.settings["app_version"] == "2"
    world.portal.application_token = "t-new"
    assert world.event("ONCRMDEALUPDATE").status_code == 200
    world.portal.application_token = old
    assert world.event("ONCRMDEALUPDATE").status_code == 401
    assert world.queued == [("jobs.tasks.crm_deal_changed", (portal.id, "5"))]


def test_a_forged_onappupdate_cannot_swap_the_application_token(world: World) -> None:
    world.installed()

    answer = world.web.post("/bitrix24/events", data=_update_event(world, "forged", "mine"))

    assert answer.status_code == 401
    world.portal.application_token = "mine"
    assert world.event("ONAPPUNINSTALL").status_code == 401
    stored = world.stored()
    assert stored is not None
    assert stored.status is PortalStatus.ACTIVE
    assert "app_version" not in stored.settings
