"""The two CRM emulators over real HTTP, each with the adapter rentflow talks to it through."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from crm_mappings.amocrm.adapter import AmoCrm
from crm_mappings.amocrm.client import AmoClient, exchange_code, tokens_from_grant
from crm_mappings.amocrm.hosts import AccountHosts
from crm_mappings.bitrix24.adapter import Bitrix24Adapter
from crm_mappings.bitrix24.client import Bitrix24Client
from crm_mappings.port import CrmPort
from crm_mappings.ratelimit import LeakyBucket
from crm_mappings.tokens import MemoryTokenStore, OAuthTokens
from sandbox.amocrm.app import create_emulator as amocrm_emulator
from sandbox.amocrm.state import AmoAccount
from sandbox.bitrix24.app import create_emulator as bitrix24_emulator
from sandbox.bitrix24.state import PortalState
from tests.loopback import serve


@pytest.fixture
def bitrix24() -> Iterator[tuple[PortalState, str, CrmPort]]:
    portal = PortalState()
    with serve(bitrix24_emulator(portal)) as url:
        issued = portal.issue_tokens()
        store = MemoryTokenStore(OAuthTokens(
            access_token=issued["access_token"], refresh_token=issued["refresh_token"],
            expires_at=datetime.now(UTC) + timedelta(hours=1),
            extra={"client_endpoint": f"{url}/rest/", "server_endpoint": f"{url}/rest/"},
        ))  # fmt: skip
        client = Bitrix24Client(
            store, client_id="local.rentflow", client_secret="sandbox-secret",
            oauth_token_url=f"{url}/oauth/token/", limiter=LeakyBucket(burst=1000),
        )  # fmt: skip
        yield portal, url, Bitrix24Adapter(client)


@pytest.fixture
def amocrm() -> Iterator[tuple[AmoAccount, str, CrmPort]]:
    account = AmoAccount(rate_limit=1000)
    with serve(amocrm_emulator(account)) as url:
        hosts = AccountHosts(("*.amocrm.ru",), sandbox_base=url)
        answer = exchange_code(
            url, client_id=account.client_id, client_secret=account.client_secret,
            redirect_uri=account.redirect_uri, code=account.issue_code(), hosts=hosts,
        )  # fmt: skip
        store = MemoryTokenStore(tokens_from_grant(answer, datetime.now(UTC), {"base_url": url}))
        client = AmoClient(
            store, client_id=account.client_id, client_secret=account.client_secret,
            redirect_uri=account.redirect_uri, hosts=hosts,
            limiter=LeakyBucket(burst=1, drain=1000),
        )  # fmt: skip
        yield account, url, AmoCrm(client)
