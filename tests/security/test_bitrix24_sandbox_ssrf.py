"""Issue 14, break 5 (part): the sandbox portal's install action fetched any URL the request
named and returned its body (full-response SSRF). Replayed as found: the URL is a listener on
127.0.0.1 that records requests and answers a marker body."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
import requests

from backend.config import Settings
from backend.ports import FixedClock
from sandbox.bitrix24.app import create_emulator
from sandbox.bitrix24.state import PortalState
from tests.loopback import serve
from tests.security.bitrix24_world import MARKER, Recorder


@pytest.fixture
def listener() -> Iterator[tuple[Recorder, str]]:
    recorder = Recorder("local.rentflow")
    with serve(recorder.app()) as url:
        yield recorder, url


@pytest.fixture
def rentflow() -> Iterator[tuple[Recorder, str]]:
    """Stands in for rentflow, the app the portal has installed."""
    recorder = Recorder("local.rentflow")
    with serve(recorder.app()) as url:
        yield recorder, url


@pytest.fixture
def portal_url(rentflow: tuple[Recorder, str]) -> Iterator[str]:
    with serve(create_emulator(PortalState(app_url=rentflow[1]))) as url:
        yield url


def test_the_install_action_posts_only_to_the_installed_app_and_returns_no_body(
    listener: tuple[Recorder, str], rentflow: tuple[Recorder, str], portal_url: str
) -> None:
    recorder, target = listener

    answer = requests.post(
        f"{portal_url}/_portal/install",
        json={"url": f"{target}/secret", "event_url": f"{target}/secret"},
        timeout=10,
    )

    assert recorder.seen == []
    assert MARKER not in answer.text
    assert "body" not in answer.json()
    assert [r["path"] for r in rentflow[0].seen] == ["/bitrix24/events", "/bitrix24/install"]


def test_opening_the_app_page_never_fetches_a_url_the_request_names(
    listener: tuple[Recorder, str], rentflow: tuple[Recorder, str], portal_url: str
) -> None:
    recorder, target = listener

    requests.post(
        f"{portal_url}/_portal/placements/DEFAULT/open", json={"url": f"{target}/x"}, timeout=10
    )

    assert recorder.seen == []
    assert [r["path"] for r in rentflow[0].seen] == ["/bitrix24/app"]


def test_handlers_bound_outside_the_app_are_never_called(
    listener: tuple[Recorder, str], rentflow: tuple[Recorder, str]
) -> None:
    recorder, target = listener
    state = PortalState(app_url=rentflow[1], installed=True)
    state.events.append({"event": "ONCRMDEALUPDATE", "handler": f"{target}/hook"})
    state.robots["elsewhere"] = {"CODE": "elsewhere", "HANDLER": f"{target}/robot"}
    deal = state.add_deal({"title": "x"})

    with serve(create_emulator(state)) as url:
        moved = requests.post(
            f"{url}/_portal/deals/{deal['id']}/move", json={"stageId": "WON"}, timeout=10
        )
        robot = requests.post(
            f"{url}/_portal/robots/elsewhere/run", json={"deal_id": deal["id"]}, timeout=10
        )

    assert moved.json()["delivered"] == []
    assert robot.status_code == 400
    assert MARKER not in robot.text
    assert recorder.seen == []


def test_the_sandbox_portal_mounted_beside_rentflow_installs_with_the_default_rules(
    settings: Settings, clock: FixedClock
) -> None:
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from backend.bootstrap import bootstrap
    from backend.web.app import create_app
    from sandbox.loopback import free_port
    from sandbox.mount import sandbox_apps

    port = free_port()
    sandboxed = replace(settings, sandbox=True, public_base_url=f"http://127.0.0.1:{port}")
    container = bootstrap(sandboxed, clock=clock)
    mounts = {s.prefix: s.app for s in sandbox_apps(sandboxed) if s.name == "bitrix24"}
    app = DispatcherMiddleware(create_app(container=container), mounts)
    try:
        with serve(app, port=port) as url:
            answer = requests.post(
                f"{url}/sandbox/bitrix24/_portal/install", json={"event": False}, timeout=30
            )
            with container.uow() as uow:
                portals = uow.portals.list()
    finally:
        container.dispose()

    assert answer.json() == {"installed": True, "status": 200}
    assert [p.kind for p in portals] == ["bitrix24"]
