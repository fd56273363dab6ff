"""The sandbox account's own buttons against rentflow: install as amoMarket does, disable,
install again — rentflow follows each (the account active, then not, then active again)."""

from __future__ import annotations

import requests

from backend.services.portals import lookup_portal
from tests.e2e.amocrm.world import World


def _press(world: World, button: str) -> str:
    answer = requests.post(f"{world.amo}/_account/{button}", allow_redirects=False, timeout=30)
    assert answer.status_code in (302, 303), answer.text
    return str(answer.headers["Location"])


def _active(world: World) -> bool | None:
    portal = lookup_portal(world.container.uow, "amocrm", str(world.account.account_id))
    return portal.active if portal is not None else None


def test_install_disable_and_install_again_from_the_account(world: World) -> None:
    assert _active(world) is None

    assert _press(world, "install").endswith("message=installed")
    installed = _active(world)
    assert _press(world, "disable").endswith("message=disabled")
    disabled = _active(world)
    assert _press(world, "install").endswith("message=installed")

    assert (installed, disabled, _active(world)) == (True, False, True)
    assert world.account.widget_installed
    assert world.web_get("/amocrm/widget/dp-token")["token"]  # the widget works again
