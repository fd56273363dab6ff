"""The in-memory state of one emulated Bitrix24 portal: tokens, deals, pipelines, fields,
bindings, robots, comments, tasks, and the per-portal rate limiter.

Shapes follow the EN REST docs (apidocs.bitrix24.com): deals as ``crm.item`` fields with
original UF names (api-reference/crm/universal/crm-item-get.html), stages as ``crm.status``
rows with ``EXTRA.SEMANTICS`` (api-reference/crm/status/crm-status-list.html), categories as
``crm.category.list`` rows (api-reference/crm/universal/category/crm-category-list.html).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crm_mappings.bitrix24.setup import SCOPES

ACCESS_TTL = 3600  # access tokens live one hour (settings/oauth/index.html)


class LeakyBucket:
    """Bitrix24's limiter: ``burst`` requests at once, draining at ``drain`` per second;
    over it the portal answers 503 QUERY_LIMIT_EXCEEDED (EN limits.html)."""

    def __init__(
        self, burst: float = 50, drain: float = 2, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.burst, self.drain, self._clock = burst, drain, clock
        self.level = 0.0
        self._last = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = self._clock()
            self.level = max(0.0, self.level - (now - self._last) * self.drain)
            self._last = now
            if self.level + 1 > self.burst:
                return False
            self.level += 1
            return True


# Two pipelines: the lease deals and a billing pipeline (seed 001's "deal per period").
_CATEGORIES: tuple[dict[str, Any], ...] = (
    {"id": 0, "name": "Аренда", "sort": 100, "isDefault": "Y"},
    {"id": 1, "name": "Счета аренды", "sort": 200, "isDefault": "N"},
)
_STAGES: dict[int, tuple[tuple[str, str, str], ...]] = {
    0: (
        ("NEW", "Черновик", "process"),
        ("PREPARATION", "Бронь", "process"),
        ("PREPAYMENT_INVOICE", "На подписании", "process"),
        ("EXECUTING", "Подписан", "process"),
        ("FINAL_INVOICE", "Счёт выставлен", "process"),
        ("WON", "Оплачен", "success"),
        ("LOSE", "Отменён", "failure"),
    ),
    1: (
        ("C1:NEW", "Счёт выставлен", "process"),
        ("C1:SENT", "Счёт отправлен", "process"),
        ("C1:OVERDUE", "Просрочен", "process"),
        ("C1:ACT", "Акт отправлен", "process"),
        ("C1:WON", "Акт подписан", "success"),
        ("C1:LOSE", "Отменён", "failure"),
    ),
}
_SEMANTIC_CODE = {"process": "P", "success": "S", "failure": "F"}


def _stage_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for category, stages in _STAGES.items():
        entity = "DEAL_STAGE" if category == 0 else f"DEAL_STAGE_{category}"
        for sort, (status_id, name, semantics) in enumerate(stages, start=1):
            rows.append(
                {
                    "ID": str(len(rows) + 1),
                    "ENTITY_ID": entity,
                    "STATUS_ID": status_id,
                    "NAME": name,
                    "NAME_INIT": name,
                    "SORT": str(sort * 10),
                    "SYSTEM": "N",
                    "CATEGORY_ID": str(category),
                    "SEMANTICS": None if semantics == "process" else _SEMANTIC_CODE[semantics],
                    "EXTRA": {"SEMANTICS": semantics, "COLOR": "#39A8EF"},
                }
            )
    return rows


def _users() -> dict[int, dict[str, Any]]:
    # EN api-reference/user/user-get: ID as a string, ACTIVE boolean, EMAIL (user_basic)
    people = (
        (1, "Анна", "Админова", "admin@portal.example"),
        (7, "Михаил", "Менеджеров", "manager@portal.example"),
        (9, "Ольга", "Руководитель", "boss@portal.example"),
    )
    return {
        i: {"ID": str(i), "ACTIVE": True, "NAME": n, "LAST_NAME": last, "EMAIL": email}
        for i, n, last, email in people
    }


def _companies() -> dict[int, dict[str, Any]]:
    # EN api-reference/crm/companies/crm-company-get: EMAIL is a multifield
    return {
        1: {"ID": "1", "TITLE": "Василёк", "ADDRESS": "г. Москва, ул. Профсоюзная, д. 1",
            "HAS_EMAIL": "Y",
            "EMAIL": [{"ID": "11", "VALUE_TYPE": "WORK", "VALUE": "buh@vasilek.example",
                       "TYPE_ID": "EMAIL"}]},
    }  # fmt: skip


def _contacts() -> dict[int, dict[str, Any]]:
    return {
        1: {"ID": "1", "NAME": "Ирина", "LAST_NAME": "Кравцова", "HAS_EMAIL": "Y",
            "EMAIL": [{"ID": "21", "VALUE_TYPE": "WORK", "VALUE": "irina@vasilek.example",
                       "TYPE_ID": "EMAIL"}]},
    }  # fmt: skip


def _requisites() -> list[dict[str, Any]]:
    # EN api-reference/crm/requisites/universal/crm-requisite-list: ENTITY_TYPE_ID 4 = company
    return [
        {"ID": "1", "ENTITY_TYPE_ID": "4", "ENTITY_ID": "1", "PRESET_ID": "1",
         "NAME": "Организация", "RQ_COMPANY_NAME": 'ООО "Василёк"', "RQ_INN": "7728168971",
         "RQ_KPP": "772801001"},
    ]  # fmt: skip


@dataclass
class PortalState:
    """One portal. Every public method takes the lock: the emulator serves threads."""

    member_id: str = "a223c6b3710f85df22e9377d6c4f7553"
    client_id: str = "local.rentflow"
    client_secret: str = "sandbox-secret"
    app_code: str = ""  # app.info CODE: a Market app's vendor.appname; "" = the client id
    scope: tuple[str, ...] = SCOPES  # what the app card grants (app.info, OAuth "scope")
    admin_email: str = "admin@portal.example"
    app_url: str = "http://127.0.0.1:8000"  # rentflow, as the portal's app settings name it
    base_url: str = ""  # this portal's own address ("" = as each request reached it), with "/"
    application_token: str = field(default_factory=lambda: secrets.token_hex(16))
    bucket: LeakyBucket = field(default_factory=LeakyBucket)
    now: Callable[[], float] = time.time
    access_tokens: dict[str, float] = field(default_factory=dict)
    refresh_tokens: set[str] = field(default_factory=set)
    categories: list[dict[str, Any]] = field(default_factory=lambda: [dict(c) for c in _CATEGORIES])
    stages: list[dict[str, Any]] = field(default_factory=_stage_rows)
    deals: dict[int, dict[str, Any]] = field(default_factory=dict)
    userfields: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    placements: list[dict[str, Any]] = field(default_factory=list)
    robots: dict[str, dict[str, Any]] = field(default_factory=dict)
    comments: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    bizproc_events: list[dict[str, Any]] = field(default_factory=list)
    event_tokens: set[str] = field(default_factory=set)
    installed: bool = False
    admins: set[int] = field(default_factory=lambda: {1})  # user ids with user.admin true
    # the portal's people (user.get), companies, contacts and requisites (crm.requisite.*)
    users: dict[int, dict[str, Any]] = field(default_factory=_users)
    companies: dict[int, dict[str, Any]] = field(default_factory=_companies)
    contacts: dict[int, dict[str, Any]] = field(default_factory=_contacts)
    requisites: list[dict[str, Any]] = field(default_factory=_requisites)
    token_users: dict[str, int] = field(default_factory=dict)  # access token -> user id
    current_user: int = 1  # the user of the call being answered (set under ``lock``)
    refreshes: int = 0  # successful OAuth refreshes
    refused: int = 0  # calls answered 503 QUERY_LIMIT_EXCEEDED by the limiter
    calls: list[str] = field(default_factory=list)  # every HTTP request's method, in order
    inner_calls: list[str] = field(default_factory=list)  # methods run, batch commands included
    fail_next: list[tuple[int, str, str]] = field(default_factory=list)  # injected failures
    down: bool = False  # answer 503 to everything, as a portal under maintenance
    # an injected stretch of QUERY_LIMIT_EXCEEDED (``limit_for``): after ``limit_after`` more
    # calls, every call is refused for ``limit_seconds``; ``limited`` counts those refusals
    limit_after: int = -1
    limit_seconds: float = 0.0
    limited_until: float = 0.0
    limited: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)

    def limit_for(self, seconds: float, after_calls: int = 0) -> None:
        """Refuse every call with 503 QUERY_LIMIT_EXCEEDED for ``seconds``, starting once
        ``after_calls`` more calls have been answered (a portal another app is hammering)."""
        with self.lock:
            self.limit_after, self.limit_seconds = after_calls, seconds

    def over_injected_limit(self) -> bool:
        """Whether this call falls in the injected stretch (called once per HTTP request)."""
        now = time.monotonic()
        if self.limit_after == 0:
            self.limited_until, self.limit_after = now + self.limit_seconds, -1
        elif self.limit_after > 0:
            self.limit_after -= 1
        if now < self.limited_until:
            self.limited += 1
            return True
        return False

    def issue_tokens(self, user_id: int = 1) -> dict[str, Any]:
        """A fresh access/refresh pair of ``user_id`` (the old refresh token is revoked by the
        caller)."""
        with self.lock:
            access, refresh = secrets.token_hex(16), secrets.token_hex(16)
            self.access_tokens[access] = self.now() + ACCESS_TTL
            self.token_users[access] = user_id
            self.refresh_tokens.add(refresh)
            return {
                "access_token": access,
                "refresh_token": refresh,
                "expires": int(self.now() + ACCESS_TTL),
                "expires_in": ACCESS_TTL,
            }

    def expire_access_tokens(self) -> None:
        """Make every access token expired, as an hour passing would."""
        with self.lock:
            for token in self.access_tokens:
                self.access_tokens[token] = self.now() - 1

    def revoke_refresh_tokens(self) -> None:
        """Kill every refresh token, as 180 days unused or an uninstall would."""
        with self.lock:
            self.refresh_tokens.clear()

    def timestamp(self) -> str:
        """Now as the portal writes ``updatedTime`` (ISO 8601 with offset, api-reference
        data-types ``datetime``)."""
        return datetime.fromtimestamp(self.now(), UTC).isoformat(timespec="seconds")

    def stage_ids(self, category_id: int) -> list[str]:
        entity = "DEAL_STAGE" if category_id == 0 else f"DEAL_STAGE_{category_id}"
        return [s["STATUS_ID"] for s in self.stages if s["ENTITY_ID"] == entity]

    def add_deal(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Create a deal with ``crm.item`` field names; returns the stored item."""
        with self.lock:
            deal_id = max(self.deals, default=0) + 1
            category = int(fields.get("categoryId", 0) or 0)
            deal: dict[str, Any] = {
                "id": deal_id,
                "title": f"Сделка #{deal_id}",
                "categoryId": category,
                "stageId": self.stage_ids(category)[0],
                "assignedById": 1,
                "opportunity": 0,
                "currencyId": "RUB",
                "companyId": 0,
                "contactIds": [],
                "parentId2": None,
                "entityTypeId": 2,
                "createdTime": self.timestamp(),
                "updatedTime": self.timestamp(),
            }
            deal.update({k: v for k, v in fields.items() if k != "id"})
            deal["categoryId"] = int(deal["categoryId"] or 0)
            self.deals[deal_id] = deal
            return deal
