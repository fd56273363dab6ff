"""The disable hook uninstalls an account only when amoCRM signed it: ``client_uuid`` our
integration id and ``signature`` = HMAC-SHA256("<client_uuid>|<account_id>", client secret)
(https://www.amocrm.ru/developers/content/oauth/step-by-step, "Хук об отключении
интеграции"). With the secret no longer leaking (test_amocrm_secret_leak), nobody else can
sign one; forged hooks answer 401 and leave the portal active."""

from __future__ import annotations

import pytest

from crm_mappings.amocrm.disposable_token import SANDBOX_SECRET
from crm_mappings.amocrm.lifecycle import disable_signature
from tests.integration.web.amocrm_account import ACCOUNT, SECRET, Widget, widget

__all__ = ["widget"]  # a fixture


def _status(widget: Widget) -> str:
    with widget.container.uow() as uow:
        return uow.portals.get(widget.portal_id).status.value


@pytest.mark.parametrize(
    "hook",
    [
        {"account_id": ACCOUNT, "client_uuid": "{ours}"},
        {"account_id": ACCOUNT, "client_uuid": "{ours}", "signature": "{public_default}"},
        {"account_id": ACCOUNT, "client_uuid": "other-integration", "signature": "{other}"},
        {"account_id": ACCOUNT, "client_uuid": "{ours}", "signature": "{for_31000002}"},
    ],
    ids=["unsigned", "signed-with-the-sandbox-default", "another-integration", "another-account"],
)
def test_a_forged_disable_hook_uninstalls_nothing(widget: Widget, hook: dict[str, str]) -> None:
    ours = widget.container.settings.amocrm_client_id
    default = SANDBOX_SECRET
    values = {
        "ours": ours,
        "public_default": disable_signature(ours, ACCOUNT, default),
        "other": disable_signature("other-integration", ACCOUNT, SECRET),
        "for_31000002": disable_signature(ours, "31000002", SECRET),
    }
    forged = {k: v.format(**values) for k, v in hook.items()}
    answer = widget.web.get("/amocrm/disable", query_string=forged)
    assert answer.status_code == 401
    assert _status(widget) == "active"


def test_the_hook_amocrm_signs_uninstalls_the_account(widget: Widget) -> None:
    ours = widget.container.settings.amocrm_client_id
    signed = {"account_id": ACCOUNT, "client_uuid": ours,
              "signature": disable_signature(ours, ACCOUNT, SECRET)}  # fmt: skip
    answer = widget.web.get("/amocrm/disable", query_string=signed)
    assert answer.status_code == 200
    assert _status(widget) == "uninstalled"
