"""``CrmPort`` for amoCRM: leads are deals, pipelines with statuses are pipelines with stages.

Payloads (API v4):
- leads: GET /api/v4/leads/{id}, PATCH /api/v4/leads with at most 50 leads per call, POST
  /api/v4/leads (https://www.amocrm.ru/developers/content/crm_platform/leads-api);
- ``custom_fields_values: [{"field_id": .., "values": [{"value": ..}]}]`` and POST
  /api/v4/leads/custom_fields (https://www.amocrm.ru/developers/content/crm_platform/custom-fields);
- pipelines: GET /api/v4/leads/pipelines, statuses 142 (won) and 143 (lost) in every pipeline
  (https://www.amocrm.ru/developers/content/crm_platform/leads_pipelines);
- notes: POST /api/v4/leads/notes with ``note_type: "common"``
  (https://www.amocrm.ru/developers/content/crm_platform/events-and-notes);
- tasks: POST /api/v4/tasks with ``entity_type: "leads"`` and ``complete_till``, answered
  with ``_embedded.tasks[].id``; GET /api/v4/tasks with ``filter[id][]`` (up to 250 a page)
  gives ``is_completed`` and ``result.text``; PATCH /api/v4/tasks/{id} with ``is_completed:
  true`` and ``result: {"text": ..}`` completes one ("Выполнение задачи с результатом"), 404
  (application/problem+json) for a task that is gone
  (https://www.amocrm.ru/developers/content/crm_platform/tasks-api#tasks-edit,
  https://developers.kommo.com/reference/edit-task); an amoCRM task is open or completed,
  nothing between;
- users: GET /api/v4/users, ``page``/``limit`` (≤ 250), ``_embedded.users`` with ``name``,
  ``email`` and ``rights.is_active``
  (https://www.amocrm.ru/developers/content/crm_platform/users-api).

Whether a request's task is closed comes by the account's ``update_task`` webhook (its task
id, read back here with ``task_states``; ``crm_mappings.amocrm.webhooks``), and by the poll
of every open task of an account as the safety net (one GET per 250 tasks, the same sweep
that catches a Bitrix24 event never delivered).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from backend.config import SANDBOX_AMOCRM_PREFIX
from crm_mappings.amocrm.client import AmoClient
from crm_mappings.amocrm.hosts import AccountHosts, account_hosts
from crm_mappings.amocrm.parties import TenantRequisites, tenant_of_lead
from crm_mappings.port import (
    CrmKind,
    CrmNotFound,
    CrmTask,
    CrmTaskState,
    CrmTaskStatus,
    CrmUser,
    Deal,
    DealComment,
    DealParty,
    DealUpdate,
    LeaseField,
    NewDeal,
    PartyUpdate,
    Pipeline,
    Stage,
    StageSemantics,
)

if TYPE_CHECKING:
    from backend.config import Settings
    from backend.domain.portal import Portal
    from backend.ports import Clock
    from crm_mappings.tokens import TokenStore

BATCH = 50  # amoCRM accepts at most 50 entities per PATCH/POST
WON, LOST = "142", "143"
FIELDS_SETTING = "amocrm_fields"  # portal.settings key: LeaseField value -> custom field id

_FIELD_NAMES = {
    LeaseField.LEASE_STATUS: "rentflow: статус договора",
    LeaseField.LEASE_URL: "rentflow: договор",
    LeaseField.INVOICE_ID: "rentflow: номер счёта",
    LeaseField.INVOICE_URL: "rentflow: счёт",
    LeaseField.QR_URL: "rentflow: QR-код",
    LeaseField.QR_INVOICE_URL: "rentflow: счёт с QR",
    LeaseField.ACT_URL: "rentflow: акт",
    LeaseField.NEXT_INVOICE_DATE: "rentflow: следующий счёт",
    LeaseField.DEBT: "rentflow: долг",
}
_URL_FIELDS = {
    LeaseField.LEASE_URL,
    LeaseField.INVOICE_URL,
    LeaseField.QR_URL,
    LeaseField.QR_INVOICE_URL,
    LeaseField.ACT_URL,
}

T = TypeVar("T")


def field_code(lease_field: LeaseField) -> str:
    """The custom field ``code`` we create and look our fields up by on reinstall."""
    return f"RENTFLOW_{lease_field.name}"


def _chunks(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def ensure_fields(client: AmoClient) -> dict[LeaseField, int]:
    """Find rentflow's lead custom fields by code, create the missing ones in one call."""
    found: dict[LeaseField, int] = {}
    by_code = {field_code(f): f for f in LeaseField}
    page: int | None = 1
    while page is not None:
        answer = client.request(
            "GET", "/api/v4/leads/custom_fields", params={"page": page, "limit": 250}
        )
        if answer is None:
            break
        for spec in answer["_embedded"]["custom_fields"]:
            if spec.get("code") in by_code:
                found[by_code[spec["code"]]] = int(spec["id"])
        page = page + 1 if "next" in answer.get("_links", {}) else None
    missing = [f for f in LeaseField if f not in found]
    if missing:
        body = [
            {
                "name": _FIELD_NAMES[f],
                "type": "url" if f in _URL_FIELDS else "text",
                "code": field_code(f),
                "sort": 600 + n,
            }
            for n, f in enumerate(missing)
        ]
        created = client.request("POST", "/api/v4/leads/custom_fields", json=body)
        for spec in created["_embedded"]["custom_fields"]:
            found[by_code[spec["code"]]] = int(spec["id"])
    return found


@dataclass(frozen=True)
class AmoUser:
    """A user of the account, as far as rentflow needs: who, their language, admin or not."""

    id: str
    name: str
    lang: str
    is_admin: bool
    is_active: bool


class AmoCrm:
    """The amoCRM adapter of one account."""

    kind = CrmKind.AMOCRM

    def __init__(self, client: AmoClient, field_ids: Mapping[LeaseField, int] | None = None):
        self.client = client
        self._field_ids: dict[LeaseField, int] = dict(field_ids or {})

    @property
    def field_ids(self) -> dict[LeaseField, int]:
        """Our custom field ids, looked up (or created) on first need."""
        if len(self._field_ids) < len(LeaseField):
            self._field_ids = ensure_fields(self.client)
        return self._field_ids

    def list_pipelines(self) -> list[Pipeline]:
        answer = self.client.request("GET", "/api/v4/leads/pipelines") or {}
        pipelines = []
        for raw in answer.get("_embedded", {}).get("pipelines", []):
            pid = str(raw["id"])
            stages = tuple(
                Stage(
                    id=str(s["id"]),
                    name=str(s["name"]),
                    pipeline_id=pid,
                    sort=int(s.get("sort", 0)),
                    semantics=_semantics(str(s["id"])),
                )
                for s in sorted(raw["_embedded"]["statuses"], key=lambda s: s.get("sort", 0))
            )
            pipelines.append(Pipeline(pid, str(raw["name"]), stages, bool(raw.get("is_main"))))
        return pipelines

    def get_deal(self, deal_id: str) -> Deal:
        # contacts come only with ``with=contacts`` (leads-api); companies always
        raw = self.client.request(
            "GET", f"/api/v4/leads/{int(deal_id)}", params={"with": "contacts"}
        )
        if raw is None:
            raise CrmNotFound(f"amoCRM lead {deal_id} not found")
        ours = {v: k for k, v in self._field_ids.items()}
        fields = {
            ours[item["field_id"]]: str(item["values"][0]["value"])
            for item in raw.get("custom_fields_values") or []
            if item.get("field_id") in ours and item.get("values")
        }
        embedded = raw.get("_embedded", {})
        companies = embedded.get("companies") or []
        return Deal(
            id=str(raw["id"]),
            title=str(raw.get("name", "")),
            pipeline_id=str(raw["pipeline_id"]),
            stage_id=str(raw["status_id"]),
            responsible_user_id=str(raw.get("responsible_user_id", "")),
            amount=str(raw.get("price") or ""),
            company_id=str(companies[0]["id"]) if companies else "",
            contact_ids=tuple(str(c["id"]) for c in embedded.get("contacts") or []),
            fields=fields,
        )

    def account_user(self, user_id: str) -> AmoUser:
        """A user of the account with their rights: GET /api/v4/users/{id}
        (https://www.amocrm.ru/developers/content/crm_platform/users-api: ``name``, ``lang``,
        ``rights.is_admin``, ``rights.is_active``); ``CrmNotFound`` when there is none."""
        if not user_id.isdigit():
            raise CrmNotFound(f"amoCRM user {user_id[:20]!r} not found")
        answer = self.client.request("GET", f"/api/v4/users/{int(user_id)}")
        if not isinstance(answer, dict):
            raise CrmNotFound(f"amoCRM user {user_id} not found")
        rights = answer.get("rights") or {}
        return AmoUser(
            id=str(answer.get("id", user_id)),
            name=str(answer.get("name") or ""),
            lang=str(answer.get("lang") or ""),
            is_admin=rights.get("is_admin") is True,
            is_active=rights.get("is_active") is not False,
        )

    def tenant(self, deal_id: str) -> TenantRequisites:
        """The lead's tenant: name, INN/KPP and e-mails from its company and contacts."""
        return tenant_of_lead(self.client, deal_id)

    def deal_party(self, deal_id: str) -> DealParty:
        found = self.tenant(deal_id)
        return DealParty(found.name, found.inn, found.kpp, found.emails)

    def list_users(self) -> list[CrmUser]:
        users: list[CrmUser] = []
        page: int | None = 1
        while page is not None:
            answer = self.client.request(
                "GET", "/api/v4/users", params={"page": page, "limit": 250}
            )
            if answer is None:  # 204: no users on this page
                break
            for raw in answer.get("_embedded", {}).get("users", []):
                if (raw.get("rights") or {}).get("is_active", True):
                    users.append(CrmUser(str(raw["id"]), str(raw.get("name") or raw["id"]),
                                         str(raw.get("email") or "")))  # fmt: skip
            page = page + 1 if "next" in answer.get("_links", {}) else None
        return users

    def update_deals(self, updates: Sequence[DealUpdate]) -> None:
        merged: dict[str, dict[str, Any]] = {}
        for update in updates:  # later updates of one lead win, and it is sent once
            body = merged.setdefault(update.deal_id, {"id": int(update.deal_id)})
            if update.stage_id is not None:
                body["status_id"] = int(update.stage_id)
            if update.fields:
                values = body.setdefault("_fields", {})
                for lease_field, value in update.fields.items():
                    values[self.field_ids[lease_field]] = value
        bodies = [_lead_body(body) for body in merged.values()]
        for chunk in _chunks(bodies):
            self.client.request("PATCH", "/api/v4/leads", json=list(chunk))

    def add_comments(self, comments: Sequence[DealComment]) -> None:
        notes = [
            {"entity_id": int(c.deal_id), "note_type": "common", "params": {"text": c.text}}
            for c in comments
        ]
        for chunk in _chunks(notes):
            self.client.request("POST", "/api/v4/leads/notes", json=list(chunk))

    def add_tasks(self, tasks: Sequence[CrmTask]) -> None:
        bodies = [_task_body(t) for t in tasks]
        for chunk in _chunks(bodies):
            self.client.request("POST", "/api/v4/tasks", json=list(chunk))

    def create_task(self, task: CrmTask) -> str:
        answer = self.client.request("POST", "/api/v4/tasks", json=[_task_body(task)])
        return str(answer["_embedded"]["tasks"][0]["id"])

    def task_states(self, task_ids: Sequence[str]) -> list[CrmTaskState]:
        states = []
        for chunk in _chunks(list(task_ids), 250):
            params = {"filter[id][]": [int(t) for t in chunk], "limit": 250}
            answer = self.client.request("GET", "/api/v4/tasks", params=params)
            for raw in (answer or {}).get("_embedded", {}).get("tasks", []):
                done = bool(raw.get("is_completed"))
                states.append(
                    CrmTaskState(
                        task_id=str(raw["id"]),
                        status=CrmTaskStatus.COMPLETED if done else CrmTaskStatus.OPEN,
                        result=str((raw.get("result") or {}).get("text", "")),
                    )
                )
        return states

    def start_task(self, task_id: str) -> bool:
        """amoCRM tasks have no "in progress": the task stays open, nothing is sent."""
        return False

    def complete_task(self, task_id: str, result: str) -> None:
        body: dict[str, Any] = {"is_completed": True}
        if result:
            body["result"] = {"text": result}
        self.client.request("PATCH", f"/api/v4/tasks/{int(task_id)}", json=body)

    def update_party(self, update: PartyUpdate) -> None:
        """``PATCH /api/v4/companies/{id}`` or ``/api/v4/contacts/{id}``
        (https://www.amocrm.ru/developers/content/crm_platform/companies-api#company-edit,
        .../contacts-api#contact-edit)."""
        kind = "companies" if update.kind == "company" else "contacts"
        body = _party_body(update)
        if body:
            self.client.request("PATCH", f"/api/v4/{kind}/{int(update.id)}", json=body)

    def create_deal(self, deal: NewDeal) -> str:
        body: dict[str, Any] = {
            "name": deal.title,
            "pipeline_id": int(deal.pipeline_id),
            "status_id": int(deal.stage_id),
        }
        if deal.amount:
            body["price"] = int(float(deal.amount))
        if deal.responsible_user_id:
            body["responsible_user_id"] = int(deal.responsible_user_id)
        answer = self.client.request("POST", "/api/v4/leads", json=[body])
        return str(answer["_embedded"]["leads"][0]["id"])


def _task_body(task: CrmTask) -> dict[str, Any]:
    body: dict[str, Any] = {
        "text": f"{task.title}\n{task.text}".strip(),
        "complete_till": int(task.deadline.timestamp()),
        "entity_id": int(task.deal_id),
        "entity_type": "leads",
        "task_type_id": 1,  # "Связаться"
    }
    if task.responsible_user_id:
        body["responsible_user_id"] = int(task.responsible_user_id)
    return body


def _party_body(update: PartyUpdate) -> dict[str, Any]:
    """The PATCH body of a company or contact: ``name`` and the custom fields by
    ``field_code`` (companies-api, contacts-api; PHONE and EMAIL are multitext with an
    ``enum_code``, ADDRESS a company's text field): the values given replace the field's."""
    body: dict[str, Any] = {}
    if update.name is not None:
        body["name"] = update.name
    fields: list[dict[str, Any]] = []
    multitext = {"PHONE": [update.phone] if update.phone else [], "EMAIL": update.emails}
    for code, values in multitext.items():
        if values is not None and (code != "PHONE" or update.phone is not None):
            entries = [{"value": value, "enum_code": "WORK"} for value in values]
            fields.append({"field_code": code, "values": entries})
    if update.address is not None and update.kind == "company":
        fields.append({"field_code": "ADDRESS", "values": [{"value": update.address}]})
    if fields:
        body["custom_fields_values"] = fields
    return body


def _semantics(status_id: str) -> StageSemantics:
    if status_id == WON:
        return StageSemantics.SUCCESS
    if status_id == LOST:
        return StageSemantics.FAILURE
    return StageSemantics.PROCESS


def _lead_body(body: dict[str, Any]) -> dict[str, Any]:
    values = body.pop("_fields", {})
    if values:
        body["custom_fields_values"] = [
            {"field_id": fid, "values": [{"value": value}]} for fid, value in values.items()
        ]
    return body


def amocrm_crm(settings: Settings, tokens: TokenStore, clock: Clock, portal: Portal) -> AmoCrm:
    """The adapter of ``portal`` over its stored ``tokens`` (``bootstrap`` registers it by
    portal kind; the adapter knows nothing of the container)."""
    client = AmoClient(
        tokens,
        client_id=settings.amocrm_client_id,
        client_secret=settings.amocrm_client_secret,
        redirect_uri=redirect_uri(settings.amocrm_redirect_uri, settings.public_base_url),
        hosts=api_hosts(settings),
        now=clock.now,
    )
    stored = portal.settings.get(FIELDS_SETTING, {})
    return AmoCrm(client, {LeaseField(k): int(v) for k, v in stored.items()})


def api_hosts(settings: Settings) -> AccountHosts:
    """The account hosts this deployment may send secrets to (``hosts``). In the sandbox the
    one account is the emulator mounted beside rentflow (``AMOCRM_BASE_URL`` when set, else
    ``PUBLIC_BASE_URL`` + ``/sandbox/amocrm``); in production there is none."""
    base = settings.amocrm_base_url
    if settings.sandbox and not base:
        base = f"{settings.public_base_url.rstrip('/')}{SANDBOX_AMOCRM_PREFIX}"
    return account_hosts(
        settings.amocrm_allowed_hosts, sandbox=settings.sandbox, configured_base=base
    )


def redirect_uri(configured: str, public_base_url: str) -> str:
    """The OAuth redirect URI registered for the integration."""
    return configured or f"{public_base_url.rstrip('/')}/amocrm/oauth"
