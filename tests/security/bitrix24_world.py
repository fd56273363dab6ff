"""The Bitrix24 attack bench: rentflow in-process, a real emulated portal on loopback, and an
attacker's host on loopback that records every request it gets (and answers like a portal and
an OAuth server would, so nothing stops a leak but rentflow's own rules)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote, urlparse

import pytest
from flask import Flask, jsonify, request
from flask.testing import FlaskClient
from flask.typing import ResponseReturnValue

from backend.bootstrap import Container, bootstrap
from backend.config import Settings
from backend.domain.portal import Portal
from backend.ports import FixedClock
from backend.web.app import create_app
from sandbox.bitrix24.app import create_emulator
from sandbox.bitrix24.state import PortalState
from tests.loopback import serve

SECRET = "the-real-client-secret-0123456789"  # what the attacker is after
MARKER = "ATTACKER-ONLY-BODY"


@dataclass
class Recorder:
    """Every request the attacker's host received: method, path, query, body."""

    client_id: str
    seen: list[dict[str, str]] = field(default_factory=list)

    def carrying_secret(self) -> list[dict[str, str]]:
        return [r for r in self.seen if SECRET in r["query"] or SECRET in r["body"]]

    def app(self) -> Flask:
        app = Flask("attacker")

        @app.route("/<path:path>", methods=["GET", "POST"])
        def anything(path: str) -> ResponseReturnValue:
            self.seen.append(
                {"method": request.method, "path": f"/{path}",
                 "query": request.query_string.decode(), "body": request.get_data(as_text=True)}
            )  # fmt: skip
            if path.endswith("app.info"):  # "yes, these are your app's tokens"
                return jsonify(result={"ID": 1, "CODE": self.client_id, "INSTALLED": True})
            if path.endswith("oauth/token/"):
                return jsonify(access_token="a2", refresh_token="r2", expires_in=3600)
            if path.endswith("user.admin"):
                return jsonify(result=True)
            if path.startswith("rest/"):
                return jsonify(result=True)
            return MARKER

        return app


@dataclass
class World:
    container: Container
    portal: PortalState  # the real (emulated) portal
    portal_url: str  # with a trailing slash
    attacker: Recorder
    attacker_url: str  # no trailing slash
    web: FlaskClient
    queued: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    @property
    def ts(self) -> str:
        return str(int(self.container.clock.now().timestamp()))

    def install(self, *, domain: str = "", protocol: str = "0", **overrides: str) -> Any:
        """The install POST the real portal would send (``overrides`` change its form)."""
        tokens = self.portal.issue_tokens()
        form = {
            "AUTH_ID": tokens["access_token"], "AUTH_EXPIRES": "3600",
            "REFRESH_ID": tokens["refresh_token"], "SERVER_ENDPOINT": f"{self.portal_url}rest/",
            "member_id": self.portal.member_id, "status": "L", "PLACEMENT": "DEFAULT",
            "APPLICATION_TOKEN": self.portal.application_token,
        }  # fmt: skip
        form.update(overrides)
        domain = domain or urlparse(self.portal_url).netloc
        query = f"DOMAIN={domain}&PROTOCOL={protocol}&LANG=ru"
        return self.web.post(f"/bitrix24/install?{query}", data=form)

    def stored(self, member_id: str = "") -> Portal | None:
        with self.container.uow() as uow:
            return uow.portals.find("bitrix24", member_id or self.portal.member_id)

    def installed(self) -> Portal:
        answer = self.install()
        assert answer.status_code == 200, answer.get_data(as_text=True)
        portal = self.stored()
        assert portal is not None
        return portal

    def event(self, event: str, ts: str | None = None, **fields: str) -> Any:
        data = {
            "event": event, "data[FIELDS][ID]": "5", "ts": self.ts if ts is None else ts,
            "auth[member_id]": self.portal.member_id,
            "auth[application_token]": self.portal.application_token,
        }  # fmt: skip
        data.update(fields)
        return self.web.post("/bitrix24/events", data={k: v for k, v in data.items() if v})

    def open(self, path: str, user_id: int = 1, **form: str) -> Any:
        """A user opens the app page or a placement: the portal's POST with that user's token."""
        tokens = self.portal.issue_tokens(user_id)
        data = {"AUTH_ID": tokens["access_token"], "member_id": self.portal.member_id, **form}
        return self.web.post(f"{path}?LANG=en", data=data)


def token_of(answer: Any) -> str:
    """The workspace token the app page hands over: it redirects the frame into the
    workspace with the signed viewer in ``t``."""
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    found = re.search(r"[?&]t=([^&]+)", answer.headers["Location"])
    assert found is not None, answer.headers["Location"]
    return unquote(found.group(1))


def frame_of(page: Any) -> str:
    found = re.search(r'name="frame" value="([^"]+)"', page.get_data(as_text=True))
    assert found is not None, page.get_data(as_text=True)[:300]
    return found.group(1)


def world_settings(settings: Settings, portal_url: str, **changes: Any) -> Settings:
    """Production rules (sandbox off) with the emulated portal's loopback DOMAIN allowed and
    its OAuth server as the one rentflow refreshes at: the hosts the operator chose."""
    return replace(
        settings, sandbox=False, bitrix24_client_secret=SECRET,
        bitrix24_portal_domains=(urlparse(portal_url).netloc,),
        bitrix24_oauth_url=f"{portal_url}oauth/token/", **changes,
    )  # fmt: skip


def plain_http_allowed(settings: Settings) -> Settings:
    """The emulator speaks plain http; only the sandbox lets a portal do that."""
    return replace(settings, sandbox=True)


@pytest.fixture
def world(settings: Settings, clock: FixedClock) -> Iterator[World]:
    portal = PortalState(
        client_id=settings.bitrix24_client_id, client_secret=SECRET,
        now=lambda: clock.now().timestamp(),
    )  # fmt: skip
    recorder = Recorder(settings.bitrix24_client_id)
    with serve(create_emulator(portal)) as url, serve(recorder.app()) as attacker_url:
        built_settings = plain_http_allowed(world_settings(settings, f"{url}/"))
        container = bootstrap(built_settings, clock=clock)
        app = create_app(container=container)
        built = World(container, portal, f"{url}/", recorder, attacker_url, app.test_client())
        container.task_sender = lambda name, *args: built.queued.append((name, args))
        portal.app_url = "http://rentflow.invalid"  # the portal never calls out in these tests
        yield built
        container.dispose()
