"""``CrmPort`` on Bitrix24: deals through ``crm.item.*`` (entityTypeId 2), writes in batches.

Pages (EN apidocs.bitrix24.com): api-reference/crm/universal/crm-item-{get,add,update}
(``useOriginalUfNames=Y`` keeps ``UF_CRM_*`` names), crm/universal/category/crm-category-list,
crm/status/crm-status-list (``DEAL_STAGE`` / ``DEAL_STAGE_{id}``, ``EXTRA.SEMANTICS``),
crm/timeline/comments/crm-timeline-comment-add (lowercase ``fields``), tasks/tasks-task-add
(``UF_CRM_TASK: ["D_<id>"]`` ties a task to a deal; the answer is ``{"task": {"id": ...}}``),
tasks/tasks-task-get (``{"task": {"id", "status"}}``, ``[]`` for a task gone or hidden;
STATUS 2 pending, 3 in progress, 4 awaiting control, 5 completed, 6 deferred, 7 declined:
tasks/fields), tasks/result/tasks-task-result-list (the results marked on a task, newest
first, ``text``), tasks/status/tasks-task-start and tasks-task-complete (``taskId``; 400
``{"error": "0", "error_description": "Action on the task is not allowed"}`` for a task gone,
hidden or in no state for it), tasks/comment-item/task-comment-item-add (``TASKID``,
``FIELDS.POST_MESSAGE``; answers the comment's id) and tasks/result/
tasks-task-result-add-from-comment (``commentId``: pins it as the task's result),
settings/how-to-call-rest-api/batch,
user/user-get (``FILTER: {ACTIVE: true}``, 50 a page; ``EMAIL`` only with the ``user`` or
``user_basic`` scope, user/index "user_brief ... without contact details"),
crm/companies/crm-company-get and crm/contacts/crm-contact-get (``TITLE``, ``NAME``,
``LAST_NAME``, ``EMAIL`` as multifields ``[{"VALUE": .., "VALUE_TYPE": ..}]``),
crm/requisites/universal/crm-requisite-list (``ENTITY_TYPE_ID`` 4 = company, ``RQ_INN``,
``RQ_KPP``, ``RQ_COMPANY_NAME``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crm_mappings.bitrix24.client import Bitrix24Client, bucket_for
from crm_mappings.port import (
    CrmError,
    CrmKind,
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

log = logging.getLogger(__name__)
DEAL = 2
COMPANY = 4  # crm/data-types#object_type: the requisites' ENTITY_TYPE_ID of a company

# rentflow's deal fields, created at install (crm.deal.userfield.add adds the UF_CRM_ prefix)
FIELD_NAMES: Mapping[LeaseField, str] = {
    f: f"UF_CRM_RENTFLOW_{f.value.upper()}" for f in LeaseField
}
FIELD_TYPES: Mapping[LeaseField, str] = {
    LeaseField.LEASE_STATUS: "string",
    LeaseField.LEASE_URL: "url",
    LeaseField.INVOICE_ID: "string",
    LeaseField.INVOICE_URL: "url",
    LeaseField.QR_URL: "url",
    LeaseField.QR_INVOICE_URL: "url",
    LeaseField.ACT_URL: "url",
    LeaseField.NEXT_INVOICE_DATE: "date",
    LeaseField.DEBT: "double",
}
_SEMANTICS = {"success": StageSemantics.SUCCESS, "failure": StageSemantics.FAILURE}
_TASK_STATUS = {
    "3": CrmTaskStatus.IN_PROGRESS,
    "4": CrmTaskStatus.IN_PROGRESS,
    "5": CrmTaskStatus.COMPLETED,
    "7": CrmTaskStatus.DECLINED,
}


def _task_fields(task: CrmTask) -> dict[str, Any]:
    return {
        "TITLE": task.title,
        "DESCRIPTION": task.text,
        "RESPONSIBLE_ID": task.responsible_user_id,
        "DEADLINE": task.deadline.isoformat(),
        "UF_CRM_TASK": [f"D_{task.deal_id}"],
    }


def stage_entity(category_id: str) -> str:
    """The ``crm.status`` ENTITY_ID of a deal pipeline's stages."""
    return "DEAL_STAGE" if str(category_id) == "0" else f"DEAL_STAGE_{category_id}"


def _deal_from_item(item: Mapping[str, Any]) -> Deal:
    by_name = {name: field for field, name in FIELD_NAMES.items()}
    fields = {by_name[k]: "" if v is None else str(v) for k, v in item.items() if k in by_name}
    return Deal(
        id=str(item["id"]),
        title=str(item.get("title") or ""),
        pipeline_id=str(item.get("categoryId") or 0),
        stage_id=str(item.get("stageId") or ""),
        responsible_user_id=str(item.get("assignedById") or ""),
        amount=str(item.get("opportunity") or ""),
        company_id=str(item.get("companyId") or ""),
        contact_ids=tuple(str(c) for c in item.get("contactIds") or ()),
        fields=fields,
    )


class Bitrix24Adapter:
    """One portal's deals. Every write goes through ``batch`` (≤ 50 commands a call)."""

    kind = CrmKind.BITRIX24

    def __init__(self, client: Bitrix24Client) -> None:
        self.client = client

    def return_robot_values(self, event_token: str, values: Mapping[str, str]) -> None:
        """Hand a robot's results back to its business process (``USE_SUBSCRIPTION=Y``, the
        robots ``setup`` registers); the portal keeps only the keys declared in
        RETURN_PROPERTIES (EN api-reference/bizproc/bizproc-robot/bizproc-event-send)."""
        self.client.call(
            "bizproc.event.send",
            {"EVENT_TOKEN": event_token, "RETURN_VALUES": dict(values), "LOG_MESSAGE": "rentflow"},
        )

    def list_pipelines(self) -> list[Pipeline]:
        categories = list(
            self.client.list_all("crm.category.list", {"entityTypeId": DEAL}, "categories")
        )
        commands = {
            str(c["id"]): ("crm.status.list", {"filter": {"ENTITY_ID": stage_entity(c["id"])}})
            for c in categories
        }
        stages = self.client.batch(commands).results if commands else {}
        pipelines = []
        for category in sorted(categories, key=lambda c: (int(c.get("sort", 0)), int(c["id"]))):
            cid = str(category["id"])
            rows = sorted(stages.get(cid) or [], key=lambda s: int(s.get("SORT", 0)))
            pipelines.append(
                Pipeline(
                    id=cid,
                    name=str(category["name"]),
                    is_default=str(category.get("isDefault", "N")) == "Y",
                    stages=tuple(
                        Stage(
                            id=str(s["STATUS_ID"]),
                            name=str(s["NAME"]),
                            pipeline_id=cid,
                            sort=int(s.get("SORT", 0)),
                            semantics=_SEMANTICS.get(
                                str((s.get("EXTRA") or {}).get("SEMANTICS", "")),
                                StageSemantics.PROCESS,
                            ),
                        )
                        for s in rows
                    ),
                )
            )
        return pipelines

    def get_deal(self, deal_id: str) -> Deal:
        answer = self.client.call(
            "crm.item.get", {"entityTypeId": DEAL, "id": deal_id, "useOriginalUfNames": "Y"}
        )
        return _deal_from_item(answer.result["item"])

    def changed_deals(self, since: datetime) -> list[tuple[str, datetime]]:
        """Deals changed at or after ``since``, oldest first (crm/universal/crm-item-list:
        ``>=updatedTime`` filter, ``order``; ``updatedTime`` is ISO 8601 with offset)."""
        params = {
            "entityTypeId": DEAL,
            "select": ["id", "updatedTime"],
            "filter": {">=updatedTime": since.isoformat()},
            "order": {"updatedTime": "ASC"},
        }
        return [
            (str(item["id"]), datetime.fromisoformat(str(item["updatedTime"])))
            for item in self.client.list_all("crm.item.list", params, "items")
        ]

    def update_deals(self, updates: Sequence[DealUpdate]) -> None:
        commands: list[tuple[str, str, Mapping[str, Any]]] = []
        for update in updates:
            fields: dict[str, Any] = {FIELD_NAMES[f]: v for f, v in update.fields.items()}
            if update.stage_id:
                fields["stageId"] = update.stage_id
            if fields:
                params = {"entityTypeId": DEAL, "id": update.deal_id, "fields": fields,
                          "useOriginalUfNames": "Y"}  # fmt: skip
                commands.append((f"u{len(commands)}", "crm.item.update", params))
        self._write(commands)

    def add_comments(self, comments: Sequence[DealComment]) -> None:
        self._write(
            [
                (f"c{i}", "crm.timeline.comment.add",
                 {"fields": {"ENTITY_ID": c.deal_id, "ENTITY_TYPE": "deal", "COMMENT": c.text}})
                for i, c in enumerate(comments)
            ]
        )  # fmt: skip

    def add_tasks(self, tasks: Sequence[CrmTask]) -> None:
        self._write(
            [(f"t{i}", "tasks.task.add", {"fields": _task_fields(t)}) for i, t in enumerate(tasks)]
        )

    def create_task(self, task: CrmTask) -> str:
        answer = self.client.call("tasks.task.add", {"fields": _task_fields(task)})
        return str(answer.result["task"]["id"])

    def task_states(self, task_ids: Sequence[str]) -> list[CrmTaskState]:
        commands: list[tuple[str, str, Mapping[str, Any]]] = []
        for n, task_id in enumerate(task_ids):
            commands.append(
                (f"g{n}", "tasks.task.get", {"taskId": task_id, "select": ["ID", "STATUS"]})
            )
            commands.append((f"r{n}", "tasks.task.result.list", {"taskId": task_id}))
        answer = self.client.batch_all(commands)
        states = []
        for n, task_id in enumerate(task_ids):
            task = (answer.results.get(f"g{n}") or {}).get("task") if answer.results else None
            if not task:  # deleted, or no longer visible to the app's user
                continue
            results = answer.results.get(f"r{n}") or []
            states.append(
                CrmTaskState(
                    task_id=str(task_id),
                    status=_TASK_STATUS.get(str(task.get("status")), CrmTaskStatus.OPEN),
                    result=str(results[0].get("text", "")) if results else "",
                )
            )
        return states

    def start_task(self, task_id: str) -> bool:
        self.client.call("tasks.task.start", {"taskId": task_id})
        return True

    def complete_task(self, task_id: str, result: str) -> None:
        """The answer as a comment pinned as the result, then the task completed: one batch.
        A comment, not ``tasks.task.result.add`` or ``tasks.task.chat.message.send``: those
        are REST 3.0 only (``/rest/api/``, the ``tasks`` scope, tasks 25.700+), while
        ``task.commentitem.add`` works on both task cards, in the new one as a message of the
        task's chat (b24restdocs api-reference/tasks/tasks-new.md, "Migration Quick
        Reference"). Pinning is refused on the new card: the comment then stands alone."""
        commands: list[tuple[str, str, Mapping[str, Any]]] = []
        if result:
            comment = {"TASKID": task_id, "FIELDS": {"POST_MESSAGE": result}}
            commands.append(("comment", "task.commentitem.add", comment))
            pin = {"commentId": "$result[comment]"}
            commands.append(("result", "tasks.task.result.addFromComment", pin))
        commands.append(("complete", "tasks.task.complete", {"taskId": task_id}))
        answer = self.client.batch({key: (m, p) for key, m, p in commands})
        if "complete" in answer.errors:
            raise answer.errors["complete"]
        for key in ("comment", "result"):  # completed all the same
            if key in answer.errors:
                log.info("bitrix24 task %s: %s refused (%s)", task_id, key, answer.errors[key])

    def create_deal(self, deal: NewDeal) -> str:
        fields: dict[str, Any] = {"title": deal.title, "categoryId": deal.pipeline_id}
        if deal.stage_id:  # else the pipeline's first stage
            fields["stageId"] = deal.stage_id
        if deal.responsible_user_id:
            fields["assignedById"] = deal.responsible_user_id
        if deal.amount:
            fields["opportunity"] = deal.amount
        if deal.company_id:
            fields["companyId"] = deal.company_id
        if deal.contact_ids:
            fields["contactIds"] = list(deal.contact_ids)
        answer = self.client.call("crm.item.add", {"entityTypeId": DEAL, "fields": fields})
        return str(answer.result["item"]["id"])

    def update_party(self, update: PartyUpdate) -> None:
        """``crm.company.update`` / ``crm.contact.update`` (EN api-reference/crm/companies/
        crm-company-update.md, contacts/crm-contact-update.md): TITLE (a company's name), and
        PHONE/EMAIL as crm_multifield lists — an entry with its ``ID`` and a new ``VALUE``
        changes it, ``DELETE: "Y"`` removes it, one without ``ID`` is added (tutorials/crm/
        how-to-edit-crm-objects/how-to-change-email-or-phone.md). The address of a company
        lives in its requisites in Bitrix24, not on the company: it is not written here."""
        entity = "company" if update.kind == "company" else "contact"
        current = self.client.call(f"crm.{entity}.get", {"id": update.id}).result or {}
        fields: dict[str, Any] = {}
        if update.name is not None and entity == "company":
            fields["TITLE"] = update.name
        if update.phone is not None:
            fields["PHONE"] = _multifield(
                current.get("PHONE") or [], [update.phone] if update.phone else []
            )
        if update.emails is not None:
            fields["EMAIL"] = _multifield(current.get("EMAIL") or [], list(update.emails))
        if fields:
            self.client.call(f"crm.{entity}.update", {"id": update.id, "fields": fields})

    def list_users(self) -> list[CrmUser]:
        users = self.client.list_all("user.get", {"FILTER": {"ACTIVE": True}})
        return [
            CrmUser(
                id=str(u["ID"]),
                name=" ".join(str(u.get(k) or "") for k in ("NAME", "LAST_NAME")).strip()
                or str(u.get("EMAIL") or u["ID"]),
                email=str(u.get("EMAIL") or ""),
            )
            for u in users
        ]

    def deal_party(self, deal_id: str) -> DealParty:
        deal = self.get_deal(deal_id)
        if deal.company_id and deal.company_id != "0":
            company = self.client.call("crm.company.get", {"id": deal.company_id}).result
            filter_ = {"ENTITY_TYPE_ID": COMPANY, "ENTITY_ID": deal.company_id}
            found = self.client.call("crm.requisite.list", {"filter": filter_}).result or [{}]
            requisite = found[0]
            return DealParty(
                name=str(requisite.get("RQ_COMPANY_NAME") or company.get("TITLE") or ""),
                inn=str(requisite.get("RQ_INN") or ""),
                kpp=str(requisite.get("RQ_KPP") or ""),
                emails=_emails(company),
                address=str(company.get("ADDRESS") or ""),
            )
        if deal.contact_ids:
            contact = self.client.call("crm.contact.get", {"id": deal.contact_ids[0]}).result
            name = " ".join(str(contact.get(k) or "") for k in ("LAST_NAME", "NAME"))
            return DealParty(name=name.strip(), emails=_emails(contact))
        return DealParty()

    def _write(self, commands: Sequence[tuple[str, str, Mapping[str, Any]]]) -> None:
        if not commands:
            return
        answer = self.client.batch_all(commands)
        if answer.errors:
            detail = "; ".join(f"{k}: {e}" for k, e in sorted(answer.errors.items()))
            raise CrmError(f"{len(answer.errors)} of {len(commands)} writes failed: {detail}")


def _multifield(
    current: Sequence[Mapping[str, Any]], wanted: Sequence[str]
) -> list[dict[str, Any]]:
    """The crm_multifield list that turns ``current`` entries into ``wanted`` values."""
    entries: list[dict[str, Any]] = []
    for n, old in enumerate(current):
        if n < len(wanted):
            entries.append({"ID": old["ID"], "VALUE": wanted[n]})
        else:
            entries.append({"ID": old["ID"], "DELETE": "Y"})
    entries += [{"VALUE": value, "VALUE_TYPE": "WORK"} for value in wanted[len(current) :]]
    return entries


def _emails(entity: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(e["VALUE"]) for e in entity.get("EMAIL") or () if e.get("VALUE"))


def bitrix24_crm(
    settings: Settings, tokens: TokenStore, clock: Clock, portal: Portal
) -> Bitrix24Adapter:
    """The adapter of ``portal`` over its stored ``tokens``, one rate limiter per portal
    (``bootstrap`` registers it by portal kind; the adapter knows nothing of the container)."""
    client = Bitrix24Client(
        tokens,
        client_id=settings.bitrix24_client_id,
        client_secret=settings.bitrix24_client_secret,
        oauth_token_url=settings.bitrix24_token_url,
        limiter=bucket_for(portal.external_id),
        now=clock.now,
    )
    return Bitrix24Adapter(client)
