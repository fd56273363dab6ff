"""The state of one emulated amoCRM account: leads, pipelines, fields, notes, tasks, OAuth.

Shapes follow amoCRM API v4 (https://www.amocrm.ru/developers/content/crm_platform/leads-api,
.../custom-fields, .../events-and-notes, .../tasks-api) and OAuth 2.0
(https://www.amocrm.ru/developers/content/oauth/step-by-step): access tokens expire, refresh
tokens are single-use (a used one answers 400), the rate limit is 7 requests/s per account
(https://www.amocrm.ru/developers/content/api/recommendations) and is answered with 429.
The token endpoint refuses a ``redirect_uri`` other than the integration's with amoCRM's own
error bodies (``OAuthProblemJson``: 401 "Некорректный клиент" for bad credentials, 400
"Некорректный запрос" with a ``hint`` otherwise — as quoted in github:ufee/amoapi#26 and
github:amocrm/amocrm-api-php#114). Webhooks are the account's API-registered ones
(https://www.amocrm.ru/developers/content/crm_platform/webhooks-api), at most 100.
"""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crm_mappings.amocrm.disposable_token import SANDBOX_SECRET
from sandbox.amocrm.users import default_users

WON_STATUS_ID = 142  # "Успешно реализовано": present in every pipeline
LOST_STATUS_ID = 143  # "Закрыто и не реализовано"

_DEFAULT_STATUSES = (
    (10001, "Неразобранное", 0, 1),
    (10002, "Бронь", 10, 0),
    (10003, "Подписание договора", 20, 0),
    (10004, "Договор подписан", 30, 0),
    (10005, "Счёт выставлен", 40, 0),
    (10006, "Оплачено", 50, 0),
    (WON_STATUS_ID, "Успешно реализовано", 10000, 0),
    (LOST_STATUS_ID, "Закрыто и не реализовано", 11000, 0),
)


OAUTH_ERROR_TYPE = "https://developers.amocrm.ru/v3/errors/OAuthProblemJson"
MAX_WEBHOOKS = 100  # webhooks-api: "не более 100 вебхуков в аккаунте"


class OAuthRejected(Exception):
    """The token endpoint refuses the grant (bad client, used or unknown code/refresh token,
    another redirect_uri); ``status`` and ``body`` are what amoCRM answers."""

    def __init__(self, hint: str, *, client: bool = False) -> None:
        super().__init__(hint)
        self.status = 401 if client else 400
        self.body: dict[str, Any] = {
            "title": "Некорректный клиент" if client else "Некорректный запрос",
            "type": OAUTH_ERROR_TYPE,
            "status": self.status,
            "detail": "Авторизация клиента не прошла"
            if client
            else "В запросе отсутствует ряд параметров или параметры невалидны",
        }
        if not client:
            self.body["hint"] = hint


@dataclass
class AmoAccount:
    """One account; every method is thread-safe (the emulator serves threads)."""

    account_id: int = 30_000_001
    subdomain: str = "rentflow-sandbox"
    client_id: str = "rentflow-sandbox"
    client_secret: str = SANDBOX_SECRET
    redirect_uri: str = "http://127.0.0.1:8000/amocrm/oauth"  # the integration's, as registered
    access_ttl: int = 86_400  # seconds, as amoCRM gives (expires_in: 86400)
    rate_limit: int = 7  # requests per second
    clock: Callable[[], float] = time.time
    leads: dict[int, dict[str, Any]] = field(default_factory=dict)
    pipelines: list[dict[str, Any]] = field(default_factory=list)
    custom_fields: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, str, int]] = field(default_factory=list)  # method, path, status
    webhooks: list[dict[str, Any]] = field(default_factory=list)  # API-registered
    companies: dict[int, dict[str, Any]] = field(default_factory=dict)
    contacts: dict[int, dict[str, Any]] = field(default_factory=dict)
    users: list[dict[str, Any]] = field(default_factory=default_users)  # users-api shape
    widget_installed: bool = False  # the admin installed the integration from amoMarket
    faults: deque[int] = field(default_factory=deque)  # statuses the next API calls answer
    _codes: set[str] = field(default_factory=set)
    _access: dict[str, float] = field(default_factory=dict)  # token -> expires at
    _refresh: set[str] = field(default_factory=set)
    _window: deque[float] = field(default_factory=deque)
    _next_id: int = 50_000_000
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        if not self.pipelines:
            self.pipelines.append(self._pipeline(7001, "Аренда", is_main=True))

    def _pipeline(self, pipeline_id: int, name: str, *, is_main: bool) -> dict[str, Any]:
        statuses = [
            {
                "id": sid,
                "name": sname,
                "sort": sort,
                "is_editable": sid not in (WON_STATUS_ID, LOST_STATUS_ID),
                "pipeline_id": pipeline_id,
                "color": "#99ccff",
                "type": stype,
                "account_id": self.account_id,
            }
            for sid, sname, sort, stype in _DEFAULT_STATUSES
        ]
        return {
            "id": pipeline_id,
            "name": name,
            "sort": 1,
            "is_main": is_main,
            "is_unsorted_on": True,
            "is_archive": False,
            "account_id": self.account_id,
            "_embedded": {"statuses": statuses},
        }

    def new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    def user(self, user_id: int) -> dict[str, Any] | None:
        """A user as GET /api/v4/users/{id} shows it (a copy), or None."""
        with self._lock:
            found = next((u for u in self.users if u["id"] == user_id), None)
            return copy.deepcopy(found) if found is not None else None

    @property
    def base_url_host(self) -> str:
        return f"{self.subdomain}.amocrm.ru"

    # --- OAuth ------------------------------------------------------------------------------

    def issue_code(self) -> str:
        """An authorization code, as amoCRM hands to the redirect_uri on install."""
        code = "def502" + secrets.token_hex(16)
        with self._lock:
            self._codes.add(code)
        return code

    def grant(self, data: dict[str, str]) -> dict[str, Any]:
        """Answer POST /oauth2/access_token; raises ``OAuthRejected``."""
        if (
            data.get("client_id") != self.client_id
            or data.get("client_secret") != self.client_secret
        ):
            raise OAuthRejected("Client authentication failed", client=True)
        if data.get("redirect_uri") != self.redirect_uri:
            raise OAuthRejected("Invalid redirect uri")
        kind = data.get("grant_type")
        with self._lock:
            if kind == "authorization_code":
                code = data.get("code", "")
                if code not in self._codes:
                    raise OAuthRejected("Authorization code has been revoked")
                self._codes.discard(code)
            elif kind == "refresh_token":
                token = data.get("refresh_token", "")
                if token not in self._refresh:
                    raise OAuthRejected("Token has been revoked")
                self._refresh.discard(token)  # single-use
            else:
                raise OAuthRejected("The authorization grant type is not supported")
            access, refresh = "acc-" + secrets.token_hex(16), "ref-" + secrets.token_hex(16)
            self._access[access] = self.clock() + self.access_ttl
            self._refresh.add(refresh)
        return {
            "token_type": "Bearer",
            "expires_in": self.access_ttl,
            "access_token": access,
            "refresh_token": refresh,
        }

    @property
    def webhook_urls(self) -> list[str]:
        """Where a lead's status change is posted: the live webhooks subscribed to it."""
        return self.subscribers("status_lead")

    def subscribers(self, event: str) -> list[str]:
        """The destinations of the live webhooks subscribed to ``event``."""
        with self._lock:
            return [
                hook["destination"]
                for hook in self.webhooks
                if not hook["disabled"] and event in hook["settings"]
            ]

    def add_webhook(self, destination: str, settings: list[str], sort: int = 10) -> dict[str, Any]:
        """Subscribe (or update the events of) ``destination``, as POST /api/v4/webhooks."""
        now = int(self.clock())
        with self._lock:
            for hook in self.webhooks:
                if hook["destination"] == destination:
                    hook.update(settings=list(settings), sort=sort, updated_at=now)
                    return hook
            if len(self.webhooks) >= MAX_WEBHOOKS:
                raise ValueError(f"at most {MAX_WEBHOOKS} webhooks per account")
            hook = {
                "id": self.new_id(),
                "destination": destination,
                "created_at": now,
                "updated_at": now,
                "account_id": self.account_id,
                "created_by": 9001,
                "sort": sort,
                "disabled": False,
                "settings": list(settings),
            }
            self.webhooks.append(hook)
            return hook

    def remove_webhook(self, destination: str) -> bool:
        with self._lock:
            kept = [h for h in self.webhooks if h["destination"] != destination]
            removed = len(kept) != len(self.webhooks)
            self.webhooks[:] = kept
            return removed

    def access_ok(self, token: str) -> bool:
        with self._lock:
            expires = self._access.get(token)
            return expires is not None and expires > self.clock()

    def expire_access_tokens(self) -> None:
        """Make every access token expired (tests of the 401 -> refresh path)."""
        with self._lock:
            for token in self._access:
                self._access[token] = 0.0

    def revoke_all(self) -> None:
        """Integration disabled: every token dies."""
        with self._lock:
            self._access.clear()
            self._refresh.clear()

    def admit(self) -> bool:
        """Count one API request in the sliding one-second window; False means 429."""
        with self._lock:
            now = self.clock()
            while self._window and self._window[0] <= now - 1.0:
                self._window.popleft()
            if len(self._window) >= self.rate_limit:
                return False
            self._window.append(now)
            return True

    # --- data helpers ------------------------------------------------------------------------

    def status_ids(self, pipeline_id: int) -> set[int]:
        for pipeline in self.pipelines:
            if pipeline["id"] == pipeline_id:
                return {s["id"] for s in pipeline["_embedded"]["statuses"]}
        return set()

    def add_lead(self, name: str, status_id: int = 10001, pipeline_id: int = 7001) -> int:
        """Create a lead directly (seeding and tests)."""
        lead_id = self.new_id()
        now = int(self.clock())
        with self._lock:
            self.leads[lead_id] = {
                "id": lead_id,
                "name": name,
                "price": 0,
                "responsible_user_id": 9001,
                "group_id": 0,
                "status_id": status_id,
                "pipeline_id": pipeline_id,
                "loss_reason_id": None,
                "created_by": 9001,
                "updated_by": 9001,
                "created_at": now,
                "updated_at": now,
                "closed_at": None,
                "is_deleted": False,
                "custom_fields_values": None,
                "account_id": self.account_id,
                "_embedded": {"tags": [], "companies": [], "contacts": []},
            }
        return lead_id

    def link_company(
        self, lead_id: int, name: str, legal_entity: dict[str, str] | None = None, **codes: str
    ) -> int:
        """Attach a new company to a lead; ``codes`` are field codes with one value each
        (``INN``, ``KPP``, ``EMAIL``...), as the account's company custom fields hold them;
        ``legal_entity`` the value of a "юр. лицо" field (``vat_id``, ``kpp``...)."""
        company_id = self.new_id()
        company = _party(company_id, name, codes, self.account_id)
        if legal_entity is not None:
            entity = {
                "field_id": 699_999,
                "field_name": "Юр. лицо",
                "field_code": None,
                "field_type": "legal_entity",
                "values": [{"value": dict(legal_entity)}],
            }
            company["custom_fields_values"] = [entity, *(company["custom_fields_values"] or [])]
        with self._lock:
            self.companies[company_id] = company
            self.leads[lead_id]["_embedded"]["companies"] = [{"id": company_id}]
        return company_id

    def link_contact(self, lead_id: int, name: str, *, main: bool = True, **codes: str) -> int:
        """Attach a new contact to a lead (``EMAIL``, ``PHONE`` as ``codes``)."""
        contact_id = self.new_id()
        with self._lock:
            self.contacts[contact_id] = _party(contact_id, name, codes, self.account_id)
            linked = self.leads[lead_id]["_embedded"]["contacts"]
            linked.append({"id": contact_id, "is_main": main})
        return contact_id

    def field_value(self, lead_id: int, field_id: int) -> Any:
        """The first value of a custom field on a lead, or None."""
        for item in self.leads[lead_id].get("custom_fields_values") or []:
            if item["field_id"] == field_id:
                return item["values"][0]["value"]
        return None

    def field_id(self, code: str) -> int | None:
        for fid, spec in self.custom_fields.items():
            if spec.get("code") == code:
                return fid
        return None


def _party(entity_id: int, name: str, codes: dict[str, str], account_id: int) -> dict[str, Any]:
    """A company or contact as GET /api/v4/companies/{id} (contacts/{id}) gives it: custom
    field values carry ``field_code`` (https://www.amocrm.ru/developers/content/crm_platform/
    companies-api, .../contacts-api, values shape in .../custom-fields)."""
    values = [
        {
            "field_id": 700_000 + n,
            "field_name": code,
            "field_code": code,
            "field_type": "multitext" if code in {"EMAIL", "PHONE"} else "text",
            "values": [{"value": value, "enum_code": "WORK"} if code in {"EMAIL", "PHONE"}
                       else {"value": value}],
        }
        for n, (code, value) in enumerate(sorted(codes.items()))
    ]  # fmt: skip
    return {
        "id": entity_id,
        "name": name,
        "responsible_user_id": 9001,
        "custom_fields_values": values or None,
        "account_id": account_id,
        "_embedded": {"tags": []},
    }
