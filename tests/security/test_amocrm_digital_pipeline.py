"""Break 3 of issue 14, replayed as found: ``POST /amocrm/dp`` trusted ``account_id`` alone,
so anyone who knew an account id issued invoices. amoCRM signs nothing in a digital-pipeline
call (https://developers.kommo.com/docs/widgets-dp), so the action's settings carry the
account's token; without it the call gets 403 and changes no row."""

from __future__ import annotations

from typing import Any

import pytest

from backend.domain.lease import LeaseStatus
from backend.queued_tasks import DEAL_ACTION
from crm_mappings.amocrm.signing import account_secret
from sandbox.amocrm.sender import digital_pipeline_call
from tests.e2e.amocrm.world import World, install, lease_on_lead, world

__all__ = ["world"]  # a fixture


def _documents(world: World, portal_id: int, lease_id: int) -> int:
    with world.container.uow(portal_id) as uow:
        return len(uow.documents.for_lease(lease_id))


@pytest.mark.parametrize(
    "action_settings",
    [
        {"action": "issue_invoice"},
        {"action": "issue_invoice", "token": ""},
        {"action": "issue_invoice", "token": "0" * 40},
        {"action": "issue_invoice", "token": "{other_account}"},
    ],
    ids=["as-found", "empty-token", "guessed-token", "another-account-s-token"],
)
def test_a_digital_pipeline_call_without_the_account_s_token_issues_nothing(
    world: World, action_settings: dict[str, Any]
) -> None:
    portal_id = install(world)
    lead = world.account.add_lead("L", status_id=10005)
    lease_id = lease_on_lead(world, portal_id, lead, status=LeaseStatus.SIGNED)
    other = account_secret(world.container.settings.secret_key, "31000002", "dp")
    forged = {k: v.format(other_account=other) for k, v in action_settings.items()}
    answer = digital_pipeline_call(world.account, f"{world.rentflow}/amocrm/dp", lead, forged)
    world.run_queued()
    assert answer.status_code == 403
    assert world.queued == []
    assert _documents(world, portal_id, lease_id) == 0


def test_the_token_the_widget_hands_to_the_action_is_the_one_the_call_needs(
    world: World,
) -> None:
    portal_id = install(world)
    lead = world.account.add_lead("L", status_id=10005)
    fetched = world.web_get("/amocrm/widget/dp-token")["token"]
    answer = digital_pipeline_call(
        world.account, f"{world.rentflow}/amocrm/dp", lead,
        {"action": "issue_invoice", "token": fetched},
    )  # fmt: skip
    assert answer.status_code == 200
    assert world.queued == [(DEAL_ACTION, portal_id, str(lead), "issue_invoice")]
