"""The two emulated CRMs, driven over HTTP the way their users drive them: install rentflow, map
the stages on its settings page, create a deal (lead), drag it to "signed".

Bitrix24 acts through the emulator's ``/_portal/...`` control endpoints (install form, kanban
moves, placement pages); amoCRM through its OAuth code, the widget's JWT and status webhooks.
Each side's stage mapping is the one a landlord would pick: the pipeline's "signed" stage
signs the lease, an issued invoice moves the deal to "invoice issued", a paid one to "paid".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import requests

from backend.demo.stack import BITRIX24_PREFIX, Stack
from backend.domain.portal import Portal
from crm_mappings.amocrm.disposable_token import audience_for, issue_widget_token
from crm_mappings.port import CrmPort
from sandbox.amocrm.sender import move_lead

TIMEOUT = 60


class DemoCrm(Protocol):
    """One emulated CRM with rentflow installed on it."""

    name: str

    def install(self) -> Portal: ...
    def map_stages(self) -> None: ...
    def new_deal(self, title: str) -> str: ...
    def sign(self, deal_id: str) -> None: ...
    def stage_name(self, stage_id: str) -> str: ...


def crm_of(stack: Stack, portal: Portal) -> CrmPort:
    """rentflow's own adapter of ``portal`` (what the services use)."""
    return stack.container.crm(portal)


class DemoError(RuntimeError):
    """An emulator or rentflow answered something the demo cannot go on with."""


def _ok(answer: requests.Response) -> requests.Response:
    if answer.status_code >= 400:
        raise DemoError(f"{answer.request.method} {answer.url}: {answer.status_code} {answer.text}")
    return answer


@dataclass
class Bitrix24Demo:
    """The emulated Bitrix24 portal (pipeline 0, "Сделки")."""

    stack: Stack
    name: str = "bitrix24"

    # stage ids of the emulator's pipeline 0 (sandbox/bitrix24/state.py)
    MAPPING: ClassVar[dict[str, str]] = {
        "status:0:NEW": "draft",
        "status:0:PREPARATION": "booked",
        "status:0:PREPAYMENT_INVOICE": "on_signing",
        "status:0:EXECUTING": "signed",
        "status:0:LOSE": "cancelled",
        "event:0:invoice_issued": "FINAL_INVOICE",
        "event:0:paid": "WON",
    }

    @property
    def portal_url(self) -> str:
        return f"{self.stack.base_url}{BITRIX24_PREFIX}/_portal"

    def _act(self, path: str, **body: Any) -> dict[str, Any]:
        answer = _ok(requests.post(f"{self.portal_url}/{path}", json=body, timeout=TIMEOUT))
        result: dict[str, Any] = answer.json()
        self.stack.drain()
        return result

    def install(self) -> Portal:
        answer = self._act("install")  # the portal posts to its installed app, rentflow
        if not answer.get("installed"):
            raise DemoError(f"Bitrix24 install did not finish: {answer}")
        with self.stack.container.uow() as uow:
            portal = uow.portals.find("bitrix24", self.stack.bitrix24.member_id)
        if portal is None:
            raise DemoError("the Bitrix24 portal was not stored")
        return portal

    def map_stages(self) -> None:
        page = self._act("placements/DEFAULT/open")
        # the app page sends the frame into the workspace; its links carry the signed token
        frame = re.search(r"[?&;]t=([^&\"]+)", page.get("body", ""))
        if frame is None:
            raise DemoError("the app page did not open the workspace")
        _ok(
            requests.post(
                f"{self.stack.base_url}/workspace/pipelines",
                data={"t": frame.group(1), **self.MAPPING},
                timeout=TIMEOUT,
            )
        )

    def new_deal(self, title: str) -> str:
        return str(self._act("deals", title=title, assignedById=7)["deal"]["id"])

    def sign(self, deal_id: str) -> None:
        self._act(f"deals/{deal_id}/move", stageId="EXECUTING")

    def stage_name(self, stage_id: str) -> str:
        names = {s["STATUS_ID"]: s["NAME"] for s in self.stack.bitrix24.stages}
        return str(names.get(stage_id, stage_id))


@dataclass
class AmoCrmDemo:
    """The emulated amoCRM account (pipeline 7001, "Аренда")."""

    stack: Stack
    name: str = "amocrm"
    PIPELINE: ClassVar[str] = "7001"
    SIGNED: ClassVar[int] = 10004  # "Договор подписан"
    MAPPING: ClassVar[dict[str, Any]] = {
        "pipeline_id": PIPELINE,
        "statuses": {
            "10002": "booked",
            "10003": "on_signing",
            "10004": "signed",
            "143": "cancelled",
        },
        "events": {"invoice_issued": "10005", "paid": "10006"},
    }

    def install(self) -> Portal:
        # the documented way: rentflow's install page -> the account's authorization page ->
        # rentflow's redirect_uri with code, referer and state (followed as a browser would)
        answer = _ok(requests.get(f"{self.stack.base_url}/amocrm/install", timeout=TIMEOUT))
        with self.stack.container.uow() as uow:
            return uow.portals.get(int(answer.json()["portal_id"]))

    def map_stages(self) -> None:
        account, container = self.stack.amocrm, self.stack.container
        token = issue_widget_token(
            secret=container.settings.amocrm_client_secret,
            audience=audience_for(self.stack.base_url),
            account_id=str(account.account_id),
            user_id="9001",
            subdomain=account.subdomain,
            now=self.stack.clock.now(),
        )
        _ok(
            requests.post(
                f"{self.stack.base_url}/amocrm/widget/mapping",
                json=self.MAPPING,
                headers={"X-Auth-Token": token},
                timeout=TIMEOUT,
            )
        )

    def new_deal(self, title: str) -> str:
        return str(self.stack.amocrm.add_lead(title, pipeline_id=int(self.PIPELINE)))

    def sign(self, deal_id: str) -> None:
        move_lead(self.stack.amocrm, int(deal_id), self.SIGNED)
        self.stack.drain()

    def stage_name(self, stage_id: str) -> str:
        for pipeline in self.stack.amocrm.pipelines:
            for status in pipeline["_embedded"]["statuses"]:
                if str(status["id"]) == stage_id:
                    return str(status["name"])
        return stage_id
