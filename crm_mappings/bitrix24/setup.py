"""Set a portal up for rentflow at install: event handlers, the deal tab, deal fields, robots.

Re-install duplicates nothing: one batch reads what is bound already (``event.get``,
``placement.get``, ``crm.deal.userfield.list``, ``bizproc.robot.list``) and a second adds only
what is missing. Pages (EN apidocs.bitrix24.com): api-reference/events/event-bind,
widgets/placement-bind (CRM_DEAL_DETAIL_TAB: widgets/crm/detail-tab),
crm/deals/user-defined-fields/crm-deal-userfield-add, bizproc/bizproc-robot/bizproc-robot-add.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crm_mappings.bitrix24.adapter import FIELD_NAMES, FIELD_TYPES
from crm_mappings.bitrix24.client import Bitrix24Client
from crm_mappings.port import CrmError, LeaseField

# ONAPPUPDATE replaces the application_token (api-reference/common/events/on-app-update)
EVENTS = (
    "ONCRMDEALADD", "ONCRMDEALUPDATE", "ONCRMDEALDELETE", "ONAPPUNINSTALL", "ONAPPUPDATE",
    "ONTASKUPDATE",  # a tenant request's task closed (tasks/events-tasks/on-task-update)
)  # fmt: skip
DEAL_TAB = "CRM_DEAL_DETAIL_TAB"
APP_URI = "REST_APP_URI"  # the app opened by a link (widgets/universal/app-url)
DEAL_DOCUMENT = ["crm", "CCrmDocumentDeal", "DEAL"]
# robots show only in deals' automation (bizproc-robot-add: FILTER.INCLUDE, "display the
# Automation rule only for deals and leads" example with ['crm', 'CCrmDocumentDeal'])
DEAL_ONLY = {"INCLUDE": [["crm", "CCrmDocumentDeal"]]}

# The scopes the app card must grant (README "Bitrix24"), by the methods rentflow calls;
# "basic" methods (app.info, user.admin, event.*, batch) need none (api-reference pages'
# "Scope" lines, bitrix24/b24restdocs):
SCOPES = (
    "crm",  # crm.item.*, crm.category.list, crm.status.list, crm.deal.userfield.*, timeline
    "bizproc",  # bizproc.robot.add/list, bizproc.event.send
    "placement",  # placement.bind/get (CRM_DEAL_DETAIL_TAB)
    "task",  # tasks.task.add
    # user.current at install and user.get for the lease form's people, with their e-mail
    # (user/index: user_brief gives names "without contact details", user_basic with them)
    "user_basic",
)

FIELD_LABELS: Mapping[LeaseField, tuple[str, str]] = {
    LeaseField.LEASE_STATUS: ("Статус договора аренды", "Lease status"),
    LeaseField.LEASE_URL: ("Договор аренды (rentflow)", "Lease (rentflow)"),
    LeaseField.INVOICE_ID: ("Номер счёта", "Invoice number"),
    LeaseField.INVOICE_URL: ("Ссылка на счёт", "Invoice link"),
    LeaseField.QR_URL: ("QR-код оплаты", "Payment QR code"),
    LeaseField.QR_INVOICE_URL: ("Счёт с QR-кодом", "Invoice with QR code"),
    LeaseField.ACT_URL: ("Ссылка на акт", "Act link"),
    LeaseField.NEXT_INVOICE_DATE: ("Дата следующего счёта", "Next invoice date"),
    LeaseField.DEBT: ("Задолженность", "Debt"),
}

# robot code -> (name ru, name en, returned values)
ROBOTS: Mapping[str, tuple[str, str, tuple[str, ...]]] = {
    "rentflow_issue_invoice": ("Выставить счёт по аренде", "Issue rent invoice",
                               ("invoice_id", "invoice_url", "status")),
    "rentflow_issue_act": ("Выставить акт по аренде", "Issue rent act",
                           ("act_id", "act_url", "status")),
    "rentflow_send_documents": ("Отправить документы арендатору", "Send documents to tenant",
                                ("status",)),
    "rentflow_check_payment": ("Проверить оплату аренды", "Check rent payment",
                               ("status", "debt")),
}  # fmt: skip


@dataclass(frozen=True)
class HandlerUrls:
    """rentflow's public URLs the portal calls."""

    events: str
    deal_tab: str
    robots: str
    # the app page, also bound to REST_APP_URI so a link ``/marketplace/view/<APP_CODE>/
    # ?params[lease]=<id>`` (the deal's lease-link field) opens the lease card in a slider
    # (EN api-reference/widgets/universal/app-url); "" binds nothing
    app: str = ""


def _robot(code: str, url: str) -> dict[str, Any]:
    ru, en, returns = ROBOTS[code]
    return {
        "CODE": code,
        "HANDLER": url,
        "AUTH_USER_ID": 1,
        "USE_SUBSCRIPTION": "Y",  # the robot waits for bizproc.event.send
        "NAME": {"ru": ru, "en": en},
        "DOCUMENT_TYPE": DEAL_DOCUMENT,
        "FILTER": DEAL_ONLY,
        "RETURN_PROPERTIES": {
            name: {"Name": {"ru": name, "en": name}, "Type": "string"} for name in returns
        },
    }


Command = tuple[str, str, dict[str, Any]]  # (batch key, method, params)


def setup_portal(client: Bitrix24Client, urls: HandlerUrls) -> dict[str, int]:
    """Bind what is missing; returns how many of each kind were added."""
    bound = _bound(client)
    commands = [
        *_missing_events(bound, urls),
        *_missing_placements(bound, urls),
        *_missing_fields(bound),
        *_missing_robots(bound, urls),
    ]
    answer = client.batch_all(commands)
    if answer.errors:
        detail = "; ".join(f"{k}: {e}" for k, e in sorted(answer.errors.items()))
        raise CrmError(f"portal setup failed: {detail}")
    kinds = ("e_", "tab", "f_", "r_")
    return {kind.rstrip("_"): sum(1 for c in commands if c[0].startswith(kind)) for kind in kinds}


@dataclass(frozen=True)
class _Bound:
    """What the portal has bound already: (event, handler), (placement, handler), the deal
    fields' names and the robots' codes."""

    events: set[tuple[str, str]]
    placements: set[tuple[str, str]]
    fields: set[str]
    robots: set[str]


def _bound(client: Bitrix24Client) -> _Bound:
    """One batch of the four lists."""
    seen = client.batch(
        {
            "events": ("event.get", {}),
            "placements": ("placement.get", {}),
            "fields": ("crm.deal.userfield.list", {}),
            "robots": ("bizproc.robot.list", {}),
        }
    ).results
    return _Bound(
        events={(e["event"], e["handler"]) for e in seen.get("events") or []},
        placements={(p["placement"], p["handler"]) for p in seen.get("placements") or []},
        fields={f["FIELD_NAME"] for f in seen.get("fields") or []},
        robots=set(seen.get("robots") or []),
    )


def _missing_events(bound: _Bound, urls: HandlerUrls) -> list[Command]:
    return [
        (f"e_{event}", "event.bind", {"event": event, "handler": urls.events})
        for event in EVENTS
        if (event, urls.events) not in bound.events
    ]


def _missing_placements(bound: _Bound, urls: HandlerUrls) -> list[Command]:
    """The deal tab, and the app page bound to REST_APP_URI when it has a URL."""
    commands: list[Command] = []
    if (DEAL_TAB, urls.deal_tab) not in bound.placements:
        commands.append(
            ("tab", "placement.bind", {
                "PLACEMENT": DEAL_TAB, "HANDLER": urls.deal_tab, "TITLE": "Аренда",
                "LANG_ALL": {"ru": {"TITLE": "Аренда"}, "en": {"TITLE": "Lease"}},
            })
        )  # fmt: skip
    if urls.app and (APP_URI, urls.app) not in bound.placements:
        # one handler per app, no OPTIONS, no TITLE needed (widgets/universal/app-url)
        commands.append(("tab_uri", "placement.bind", {"PLACEMENT": APP_URI, "HANDLER": urls.app}))
    return commands


def _missing_fields(bound: _Bound) -> list[Command]:
    return [_field(field, name) for field, name in FIELD_NAMES.items() if name not in bound.fields]


def _field(field: LeaseField, name: str) -> Command:
    ru, en = FIELD_LABELS[field]
    return (f"f_{field.value}", "crm.deal.userfield.add", {"fields": {
        "FIELD_NAME": name.removeprefix("UF_CRM_"), "USER_TYPE_ID": FIELD_TYPES[field],
        "XML_ID": name, "EDIT_FORM_LABEL": {"ru": ru, "en": en},
        "LIST_COLUMN_LABEL": {"ru": ru, "en": en}, "LABEL": ru,
    }})  # fmt: skip


def _missing_robots(bound: _Bound, urls: HandlerUrls) -> list[Command]:
    return [
        (f"r_{code}", "bizproc.robot.add", _robot(code, urls.robots))
        for code in ROBOTS
        if code not in bound.robots
    ]
