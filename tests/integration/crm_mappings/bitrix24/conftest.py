"""An emulated portal over loopback HTTP and a client holding its tokens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from crm_mappings.bitrix24.client import Bitrix24Client
from crm_mappings.ratelimit import LeakyBucket
from crm_mappings.tokens import MemoryTokenStore, OAuthTokens
from sandbox.bitrix24.app import create_emulator
from sandbox.bitrix24.state import PortalState
from tests.loopback import serve


@pytest.fixture
def portal() -> PortalState:
    return PortalState()


@pytest.fixture
def portal_url(portal: PortalState) -> Iterator[str]:
    with serve(create_emulator(portal)) as url:
        yield f"{url}/"


def tokens_for(portal: PortalState, url: str) -> OAuthTokens:
    issued = portal.issue_tokens()
    return OAuthTokens(
        access_token=issued["access_token"],
        refresh_token=issued["refresh_token"],
        expires_at=datetime.now(UTC) + timedelta(hours=1),
        extra={"client_endpoint": f"{url}rest/", "server_endpoint": f"{url}rest/"},
    )


@pytest.fixture
def store(portal: PortalState, portal_url: str) -> MemoryTokenStore:
    return MemoryTokenStore(tokens_for(portal, portal_url))


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(store: MemoryTokenStore, sleeps: list[float], portal_url: str) -> Bitrix24Client:
    return Bitrix24Client(
        store,
        client_id="local.rentflow",
        client_secret="sandbox-secret",
        oauth_token_url=f"{portal_url}oauth/token/",
        limiter=LeakyBucket(burst=1000),
        sleep=sleeps.append,
        retries=3,
        backoff=0.5,
    )
