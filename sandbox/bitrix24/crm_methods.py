"""CRM methods of the emulated portal: pipelines, stages, deals, user fields, timeline, tasks.

Cited pages (EN apidocs.bitrix24.com): api-reference/crm/universal/category/crm-category-list,
crm/status/crm-status-list, crm/universal/crm-item-{get,list,add,update},
crm/deals/crm-deal-{get,update}, crm/deals/user-defined-fields/crm-deal-userfield-add,
crm/timeline/comments/crm-timeline-comment-add, tasks/tasks-task-add.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from sandbox.bitrix24.methods import DEAL, Page, RestError, int_param, method, page_of
from sandbox.bitrix24.state import PortalState

_UF_TYPES = {
    "string", "integer", "double", "boolean", "datetime", "date", "money", "url", "address",
    "enumeration", "file", "employee", "crm_status", "iblock_section", "iblock_element", "crm",
}  # fmt: skip


def _entity_type(params: dict[str, Any]) -> int:
    entity = int_param(params, "entityTypeId")
    if entity != DEAL:
        raise RestError(400, "NOT_FOUND", "Smart process not found")
    return entity


@method("crm.category.list")
def category_list(portal: PortalState, params: dict[str, Any]) -> Any:
    _entity_type(params)
    rows, total, nxt = page_of([dict(c, entityTypeId=DEAL) for c in portal.categories], params)
    return Page({"categories": rows}, total, nxt)


@method("crm.status.list")
def status_list(portal: PortalState, params: dict[str, Any]) -> Any:
    wanted = (params.get("filter") or {}).get("ENTITY_ID")
    rows = [dict(s) for s in portal.stages if wanted in (None, s["ENTITY_ID"])]
    items, total, nxt = page_of(rows, params)
    return Page(items, total, nxt)


def _deal(portal: PortalState, deal_id: Any) -> dict[str, Any]:
    try:
        return portal.deals[int(deal_id)]
    except (KeyError, TypeError, ValueError):
        raise RestError(400, "NOT_FOUND", "Element not found") from None


def _valid_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc) and not re.search(r"\s", value)


def _valid_date(value: str) -> bool:
    for parse in (date.fromisoformat, lambda v: datetime.strptime(f"{v} +0000", "%d.%m.%Y %z")):
        try:
            parse(value)
        except ValueError:
            continue
        return True
    return False


def _valid_double(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


# a user field's value by its USER_TYPE_ID (crm/deals/user-defined-fields: url is a link, date
# a date, double a number); empty clears the field
_VALUE_CHECKS = {"url": _valid_url, "date": _valid_date, "double": _valid_double}


def _check_value(portal: PortalState, name: str, value: Any) -> None:
    kind = str(portal.userfields[name].get("USER_TYPE_ID", ""))
    check = _VALUE_CHECKS.get(kind)
    if check is not None and value not in (None, "") and not check(str(value)):
        # crm/universal/crm-item-update: 400 CRM_FIELD_ERROR_VALUE_NOT_VALID
        raise RestError(400, "CRM_FIELD_ERROR_VALUE_NOT_VALID", f'Invalid value for field "{name}"')


def _check_fields(portal: PortalState, deal: dict[str, Any], fields: dict[str, Any]) -> None:
    category = int(fields.get("categoryId", deal.get("categoryId", 0)) or 0)
    if category not in {c["id"] for c in portal.categories}:
        raise RestError(400, "CRM_FIELD_ERROR_VALUE_NOT_VALID", "categoryId is not valid")
    stage = fields.get("stageId")
    if stage is not None and stage not in portal.stage_ids(category):
        raise RestError(400, "CRM_FIELD_ERROR_VALUE_NOT_VALID", f"stageId {stage} is not valid")
    for name in fields:
        if name.startswith("UF_CRM_") and name not in portal.userfields:
            raise RestError(400, "CRM_FIELD_ERROR_VALUE_NOT_VALID", f"unknown field {name}")
        if name.startswith("UF_CRM_"):
            _check_value(portal, name, fields[name])


@method("crm.item.get")
def item_get(portal: PortalState, params: dict[str, Any]) -> Any:
    _entity_type(params)
    return {"item": dict(_deal(portal, params.get("id")))}


_OPERATORS = {
    ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
    "<": lambda a, b: a < b, "=": lambda a, b: a == b, "": lambda a, b: a == b,
}  # fmt: skip


def _comparable(field: str, value: Any) -> Any:
    if field.endswith("Time") and value:  # createdTime, updatedTime: ISO 8601 with offset
        return datetime.fromisoformat(str(value))
    return str(value)


def _matches(deal: dict[str, Any], key: str, wanted: Any) -> bool:
    """One ``filter`` condition with its prefix (crm/universal/crm-item-list: >=, >, <=, <, @)."""
    if key.startswith("@"):
        return str(deal.get(key[1:])) in {str(w) for w in wanted}
    operator = next(op for op in (">=", "<=", ">", "<", "=", "") if key.startswith(op))
    field = key[len(operator) :]
    try:
        have, want = _comparable(field, deal.get(field)), _comparable(field, wanted)
        return bool(_OPERATORS[operator](have, want))
    except (TypeError, ValueError):
        raise RestError(400, "INVALID_ARG_VALUE", f"bad filter value for {field}") from None


@method("crm.item.list")
def item_list(portal: PortalState, params: dict[str, Any]) -> Any:
    _entity_type(params)
    filters = params.get("filter") or {}
    rows = [
        dict(d)
        for _, d in sorted(portal.deals.items())
        if all(_matches(d, k, v) for k, v in filters.items())
    ]
    for field, direction in reversed(list((params.get("order") or {}).items())):
        rows.sort(
            key=lambda d: _comparable(field, d.get(field)) or "",
            reverse=str(direction).upper() == "DESC",
        )
    items, total, nxt = page_of(rows, params)
    return Page({"items": items}, total, nxt)


@method("crm.item.add")
def item_add(portal: PortalState, params: dict[str, Any]) -> Any:
    _entity_type(params)
    fields = dict(params.get("fields") or {})
    _check_fields(portal, {}, fields)
    return {"item": dict(portal.add_deal(fields))}


@method("crm.item.update")
def item_update(portal: PortalState, params: dict[str, Any]) -> Any:
    _entity_type(params)
    deal = _deal(portal, params.get("id"))
    fields = dict(params.get("fields") or {})
    _check_fields(portal, deal, fields)
    if "categoryId" in fields and "stageId" not in fields:
        fields["stageId"] = portal.stage_ids(int(fields["categoryId"]))[0]
    deal.update({k: v for k, v in fields.items() if k != "id"})
    deal["categoryId"] = int(deal["categoryId"] or 0)
    deal["updatedTime"] = portal.timestamp()
    return {"item": dict(deal)}


_LEGACY = {"TITLE": "title", "STAGE_ID": "stageId", "CATEGORY_ID": "categoryId",
           "ASSIGNED_BY_ID": "assignedById", "OPPORTUNITY": "opportunity",
           "COMPANY_ID": "companyId", "ID": "id"}  # fmt: skip


@method("crm.deal.get")
def deal_get(portal: PortalState, params: dict[str, Any]) -> Any:
    # deprecated but still answered (crm/deals/crm-deal-get): UPPER_CASE fields, "Not found"
    try:
        deal = _deal(portal, params.get("id") or params.get("ID"))
    except RestError:
        raise RestError(400, "", "Not found") from None
    out = {legacy: deal.get(name) for legacy, name in _LEGACY.items()}
    out.update({k: v for k, v in deal.items() if k.startswith("UF_CRM_")})
    return out


@method("crm.deal.update")
def deal_update(portal: PortalState, params: dict[str, Any]) -> Any:
    try:
        deal = _deal(portal, params.get("id") or params.get("ID"))
    except RestError:
        raise RestError(400, "", "Not found") from None
    fields = {_LEGACY.get(k) or k: v for k, v in dict(params.get("fields") or {}).items()}
    _check_fields(portal, deal, fields)
    deal.update(fields)
    deal["updatedTime"] = portal.timestamp()
    return True


@method("crm.deal.userfield.add")
def userfield_add(portal: PortalState, params: dict[str, Any]) -> Any:
    fields = dict(params.get("fields") or {})
    raw = str(fields.get("FIELD_NAME", ""))
    name = raw if raw.startswith("UF_CRM_") else f"UF_CRM_{raw}"
    if not raw or len(name) > 50 or not all(c.isalnum() or c == "_" for c in name):
        raise RestError(400, "ERROR_CORE", "FIELD_NAME is invalid")
    if fields.get("USER_TYPE_ID") not in _UF_TYPES:
        raise RestError(400, "ERROR_CORE", "USER_TYPE_ID is invalid")
    if name in portal.userfields:
        raise RestError(400, "ERROR_CORE", "Поле с таким кодом уже существует")
    field_id = len(portal.userfields) + 100
    portal.userfields[name] = dict(fields, FIELD_NAME=name, ID=str(field_id))
    return field_id


@method("crm.deal.userfield.list")
def userfield_list(portal: PortalState, params: dict[str, Any]) -> Any:
    items, total, nxt = page_of([dict(f) for f in portal.userfields.values()], params)
    return Page(items, total, nxt)


@method("crm.timeline.comment.add")
def comment_add(portal: PortalState, params: dict[str, Any]) -> Any:
    # since crm 23.100.0 only the lowercase "fields" key is accepted
    fields = params.get("fields")
    if not isinstance(fields, dict) or not fields.get("COMMENT"):
        raise RestError(400, "ERROR_ARGUMENT", "fields[COMMENT] is required")
    if str(fields.get("ENTITY_TYPE", "")).lower() == "deal":
        _deal(portal, fields.get("ENTITY_ID"))
    comment_id = len(portal.comments) + 1
    portal.comments.append(dict(fields, ID=comment_id))
    return comment_id


@method("crm.timeline.comment.list")
def comment_list(portal: PortalState, params: dict[str, Any]) -> Any:
    wanted = params.get("filter") or {}
    rows = [c for c in portal.comments if all(str(c.get(k)) == str(v) for k, v in wanted.items())]
    items, total, nxt = page_of(rows, params)
    return Page(items, total, nxt)


@method("tasks.task.add")
def task_add(portal: PortalState, params: dict[str, Any]) -> Any:
    fields = dict(params.get("fields") or {})
    if not fields.get("TITLE") or not fields.get("RESPONSIBLE_ID"):
        raise RestError(400, "ERROR_CORE", "TITLE and RESPONSIBLE_ID are required")
    task_id = len(portal.tasks) + 1
    portal.tasks.append(dict(fields, ID=task_id))
    return {"task": {"id": str(task_id), "title": fields["TITLE"]}}
