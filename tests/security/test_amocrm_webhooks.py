"""Break 8 of issue 14, replayed as found: one unsigned ``POST /amocrm/webhook`` naming 300
leads queued 300 tasks. Webhooks are now registered by rentflow through API v4 at the
account's secret address, and a call naming more than ``MAX_WEBHOOK_LEADS`` leads queues
nothing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import requests

from backend.queued_tasks import DEAL_CHANGED
from backend.services.installation import keep_subscribed, uninstall
from backend.web.amocrm import MAX_WEBHOOK_LEADS
from crm_mappings.amocrm.webhooks import (
    WEBHOOK_SETTING,
    webhook_destination,
)
from jobs import tasks
from jobs.runtime import set_container
from tests.e2e.amocrm.world import World, install, world

__all__ = ["world"]  # a fixture


def _form(world: World, leads: int, account_id: str = "") -> dict[str, str]:
    form = {f"leads[status][{n}][id]": str(1000 + n) for n in range(leads)}
    form |= {f"leads[status][{n}][status_id]": "10004" for n in range(leads)}
    form["account[id]"] = account_id or str(world.account.account_id)
    form["account[subdomain]"] = world.account.subdomain
    return form


def _hooks(world: World, portal_id: int) -> list[dict[str, Any]]:
    listed = world.amo_get(portal_id, "/api/v4/webhooks")
    return list(listed["_embedded"]["webhooks"]) if listed else []


def test_the_unsigned_webhook_of_300_leads_queues_nothing(world: World) -> None:
    install(world)
    answer = requests.post(f"{world.rentflow}/amocrm/webhook", data=_form(world, 300), timeout=30)
    assert answer.status_code == 403
    assert world.queued == []


def test_a_guessed_or_borrowed_secret_address_queues_nothing(world: World) -> None:
    install(world)
    key = world.container.settings.secret_key
    account = str(world.account.account_id)
    guessed = f"{world.rentflow}/amocrm/webhook/{account}/{'0' * 40}"
    other = webhook_destination(world.rentflow, key, "31000002")  # another account's address
    answers = [
        requests.post(guessed, data=_form(world, 3), timeout=30).status_code,
        requests.post(other, data=_form(world, 3), timeout=30).status_code,
        requests.post(world.webhook_url, data=_form(world, 3, "31000002"), timeout=30).status_code,
    ]
    assert answers == [403, 403, 403]
    assert world.queued == []


def test_a_webhook_naming_too_many_leads_queues_none_of_them(world: World) -> None:
    portal_id = install(world)
    too_many = requests.post(world.webhook_url, data=_form(world, 300), timeout=30)
    at_cap = requests.post(world.webhook_url, data=_form(world, MAX_WEBHOOK_LEADS), timeout=30)
    assert too_many.status_code == 413
    assert at_cap.status_code == 200
    assert len(world.queued) == MAX_WEBHOOK_LEADS
    assert {call[:2] for call in world.queued} == {(DEAL_CHANGED, portal_id)}


def test_install_subscribes_one_webhook_and_reinstall_keeps_one(world: World) -> None:
    portal_id = install(world)
    install(world)
    (hook,) = _hooks(world, portal_id)
    assert hook["destination"] == world.webhook_url
    assert hook["settings"] == ["status_lead", "update_task"]
    assert hook["destination"].startswith(f"{world.rentflow}/amocrm/webhook/30000001/")


def test_uninstalling_removes_the_webhook_through_the_api(world: World) -> None:
    portal_id = install(world)
    uninstall(world.container.install_ports(), "amocrm", str(world.account.account_id))
    with world.container.uow() as uow:
        status = uow.portals.get(portal_id).status.value
    assert world.account.webhooks == []
    assert ("DELETE", "/api/v4/webhooks", 204) in world.account.calls
    assert status == "uninstalled"


def _forget_subscription(world: World, portal_id: int) -> None:
    """The account as an older rentflow left it: no webhook of ours, none remembered."""
    world.account.remove_webhook(world.webhook_url)
    with world.container.uow() as uow:
        portal = uow.portals.get(portal_id)
        settings = {k: v for k, v in portal.settings.items() if k != WEBHOOK_SETTING}
        uow.portals.save(replace(portal, settings=settings))
        uow.commit()


def test_accounts_installed_before_are_subscribed_by_the_hourly_job_once(world: World) -> None:
    portal_id = install(world)
    _forget_subscription(world, portal_id)
    set_container(world.container)
    try:
        tasks.amocrm_refresh_tokens()
        calls_after_first = len(world.account.calls)
        tasks.amocrm_refresh_tokens()
    finally:
        set_container(None)
    assert world.account.webhook_urls == [world.container.amocrm_accounts().destination("30000001")]
    assert len(world.account.calls) == calls_after_first  # the second hour asks nothing


def test_a_new_secret_key_moves_the_webhook_to_the_new_address(world: World) -> None:
    install(world)
    old = world.webhook_url
    moved = replace(world.container, settings=world.container.settings.with_(secret_key="k2"))
    assert keep_subscribed(moved.install_ports(), "amocrm") == 1
    assert world.account.webhook_urls == [moved.amocrm_accounts().destination("30000001")]
    assert old not in world.account.webhook_urls
