"""The REST methods the emulated portal answers, with the documented result and error shapes.

Each handler takes the portal and the decoded parameters and returns the ``result`` value,
a ``Page`` for list methods (``total``/``next``, 50 a page: EN
settings/how-to-call-rest-api/list-methods-pecularities.html), or raises ``RestError``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.bitrix24.state import PortalState

PAGE = 50
DEAL = 2  # entityTypeId of deals (EN api-reference/crm/data-types.html#object_type)


class RestError(Exception):
    """An error answer: HTTP status, ``error`` code, ``error_description``."""

    def __init__(self, status: int, code: str, description: str = "") -> None:
        super().__init__(f"{status} {code}: {description}")
        self.status, self.code, self.description = status, code, description


@dataclass(frozen=True)
class Page:
    items: Any
    total: int
    next: int | None


Handler = Callable[[PortalState, dict[str, Any]], Any]
METHODS: dict[str, Handler] = {}


# The scope a method needs, by name prefix (each page's "Scope" line in bitrix24/b24restdocs);
# methods not listed are "basic" (app.info, user.admin, profile, event.*, batch).
SCOPE_OF: dict[str, frozenset[str]] = {
    "crm.": frozenset({"crm"}),
    "bizproc.": frozenset({"bizproc"}),
    "placement.": frozenset({"placement"}),
    "tasks.": frozenset({"task"}),
    "task.": frozenset({"task"}),  # task.commentitem.* (tasks/comment-item/index.md)
    "user.current": frozenset({"user", "user_brief", "user_basic"}),  # user/user-current
    "user.get": frozenset({"user", "user_brief", "user_basic"}),  # user/user-get
}


def check_scope(portal: PortalState, name: str) -> None:
    """403 ``insufficient_scope`` for a method outside the app's scopes (_includes/
    system-errors.md: "The request requires higher privileges than provided by the ...
    token"; in a batch the error sits in ``result_error``, settings/how-to-call-rest-api/batch)."""
    for prefix, needed in SCOPE_OF.items():
        if name.startswith(prefix) and not needed & set(portal.scope):
            raise RestError(
                403,
                "insufficient_scope",
                "The request requires higher privileges than provided by the access token",
            )


def method(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        METHODS[name] = fn
        return fn

    return register


def page_of(rows: list[Any], params: dict[str, Any]) -> tuple[list[Any], int, int | None]:
    start = int(params.get("start", 0) or 0)
    if start < 0:  # start=-1: no count, the "huge data" mode (settings/performance/huge-data)
        return rows[:PAGE], 0, None
    chunk = rows[start : start + PAGE]
    nxt = start + PAGE if start + PAGE < len(rows) else None
    return chunk, len(rows), nxt


def int_param(params: dict[str, Any], key: str) -> int:
    try:
        return int(params[key])
    except (KeyError, TypeError, ValueError):
        raise RestError(400, "INVALID_ARG_VALUE", f"{key} is required") from None


# --- system -------------------------------------------------------------------------------
@method("app.info")
def app_info(portal: PortalState, params: dict[str, Any]) -> Any:
    # EN api-reference/common/system/app-info.html
    return {
        "ID": 5,
        "CODE": portal.app_code or portal.client_id,
        "VERSION": 1,
        "STATUS": "L",
        "INSTALLED": portal.installed,
        "PAYMENT_EXPIRED": "N",
        "DAYS": None,
        "LANGUAGE_ID": "ru",
        "LICENSE": "ru_pro",
    }


@method("user.current")
def user_current(portal: PortalState, params: dict[str, Any]) -> Any:
    # EN api-reference/user/user-current
    if portal.current_user in portal.admins:
        return {"ID": str(portal.current_user), "ACTIVE": True, "NAME": "Анна",
                "LAST_NAME": "Админова", "EMAIL": portal.admin_email}  # fmt: skip
    return {"ID": str(portal.current_user), "ACTIVE": True, "NAME": "Михаил",
            "LAST_NAME": "Менеджеров", "EMAIL": "manager@portal.example"}  # fmt: skip


@method("user.get")
def user_get(portal: PortalState, params: dict[str, Any]) -> Any:
    """EN api-reference/user/user-get: 50 a page; ``FILTER.ACTIVE`` true leaves out the
    dismissed; no ``EMAIL`` under ``user_brief`` alone (user/index: "without contact
    details")."""
    wanted = params.get("FILTER") or params.get("filter") or {}
    rows = [dict(u) for _, u in sorted(portal.users.items())]
    if str(wanted.get("ACTIVE", "")).lower() in {"true", "1", "y"}:
        rows = [u for u in rows if u.get("ACTIVE")]
    if not {"user", "user_basic"} & set(portal.scope):
        for row in rows:
            row.pop("EMAIL", None)
    chunk, total, nxt = page_of(rows, params)
    return Page(chunk, total, nxt)


@method("user.admin")
def user_admin(portal: PortalState, params: dict[str, Any]) -> Any:
    # EN api-reference/common/users/user-admin: may the current user manage the app's settings
    return portal.current_user in portal.admins


@method("profile")
def profile(portal: PortalState, params: dict[str, Any]) -> Any:
    return {"ID": "1", "ADMIN": True, "NAME": "Анна", "LAST_NAME": "Админова"}


# --- events, placements, robots -------------------------------------------------------------
@method("event.bind")
def event_bind(portal: PortalState, params: dict[str, Any]) -> Any:
    # EN api-reference/events/event-bind.html: a second bind of the same pair is an error
    event, handler = str(params.get("event", "")).upper(), str(params.get("handler", ""))
    if not event or not handler:
        raise RestError(400, "ERROR_ARGUMENT", "event and handler are required")
    if any(e["event"] == event and e["handler"] == handler for e in portal.events):
        raise RestError(400, "ERROR_HANDLER_ALREADY_EXIST", "Handler already binded")
    portal.events.append({"event": event, "handler": handler, "auth_type": 0, "offline": 0})
    return True


@method("event.get")
def event_get(portal: PortalState, params: dict[str, Any]) -> Any:
    return [dict(e) for e in portal.events]


@method("event.unbind")
def event_unbind(portal: PortalState, params: dict[str, Any]) -> Any:
    event, handler = str(params.get("event", "")).upper(), str(params.get("handler", ""))
    before = len(portal.events)
    portal.events[:] = [
        e for e in portal.events if not (e["event"] == event and e["handler"] == handler)
    ]
    return {"count": before - len(portal.events)}


@method("placement.bind")
def placement_bind(portal: PortalState, params: dict[str, Any]) -> Any:
    # EN api-reference/widgets/placement-bind.html
    placement, handler = str(params.get("PLACEMENT", "")), str(params.get("HANDLER", ""))
    if not placement or not handler:
        raise RestError(400, "ERROR_ARGUMENT", "PLACEMENT and HANDLER are required")
    if any(p["placement"] == placement and p["handler"] == handler for p in portal.placements):
        raise RestError(400, "ERROR_PLACEMENT_HANDLER_ALREADY_BINDED", "Handler already binded")
    portal.placements.append(
        {
            "placement": placement,
            "handler": handler,
            "title": params.get("TITLE", ""),
            "options": params.get("OPTIONS", {}),
            "langAll": params.get("LANG_ALL", {}),
        }
    )
    return True


@method("placement.get")
def placement_get(portal: PortalState, params: dict[str, Any]) -> Any:
    return [dict(p) for p in portal.placements]


@method("placement.unbind")
def placement_unbind(portal: PortalState, params: dict[str, Any]) -> Any:
    placement, handler = str(params.get("PLACEMENT", "")), params.get("HANDLER")
    before = len(portal.placements)
    portal.placements[:] = [
        p
        for p in portal.placements
        if not (p["placement"] == placement and (handler is None or p["handler"] == handler))
    ]
    return {"count": before - len(portal.placements)}


@method("bizproc.robot.add")
def robot_add(portal: PortalState, params: dict[str, Any]) -> Any:
    # EN api-reference/bizproc/bizproc-robot/bizproc-robot-add.html
    code = str(params.get("CODE", ""))
    if not code or not params.get("HANDLER") or not params.get("NAME"):
        raise RestError(400, "ERROR_ACTIVITY_VALIDATION_FAILURE", "CODE, HANDLER, NAME required")
    if code in portal.robots:
        raise RestError(400, "ERROR_ACTIVITY_ALREADY_INSTALLED", "Activity already installed")
    portal.robots[code] = dict(params)
    return True


@method("bizproc.robot.list")
def robot_list(portal: PortalState, params: dict[str, Any]) -> Any:
    return sorted(portal.robots)


@method("bizproc.robot.delete")
def robot_delete(portal: PortalState, params: dict[str, Any]) -> Any:
    if portal.robots.pop(str(params.get("CODE", "")), None) is None:
        raise RestError(400, "ERROR_ACTIVITY_NOT_FOUND", "Activity not found")
    return True


@method("bizproc.event.send")
def bizproc_event_send(portal: PortalState, params: dict[str, Any]) -> Any:
    # EN api-reference/bizproc/bizproc-robot/bizproc-event-send.html: unknown token -> 403
    token = str(params.get("EVENT_TOKEN") or params.get("event_token") or "")
    if token not in portal.event_tokens:
        raise RestError(403, "ACCESS_DENIED", "Access denied!")
    portal.event_tokens.discard(token)
    values = params.get("RETURN_VALUES") or params.get("return_values") or {}
    portal.bizproc_events.append(
        {
            "event_token": token,
            "return_values": {str(k).upper(): v for k, v in dict(values).items()},
            "log_message": params.get("LOG_MESSAGE", ""),
        }
    )
    return True
