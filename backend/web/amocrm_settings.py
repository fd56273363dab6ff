"""The amoCRM advanced settings page's API besides the stage mapping: landlord entities and the
1C settings. Same disposable-token check and CORS as the rest of the widget's API."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from backend.domain.errors import InvalidLease, InvalidRequisites, NotFound, stored_id
from backend.services.portal_settings import (
    InvalidSettings,
    list_landlords,
    onec_settings,
    save_landlord,
    save_onec_settings,
)
from backend.web.amocrm_widget import allow_amocrm_origin, caller_portal
from backend.web.deps import container

bp = Blueprint("amocrm_settings", __name__, url_prefix="/amocrm/widget/settings")
bp.after_request(allow_amocrm_origin)


@bp.route("/<path:_any>", methods=["OPTIONS"])
def settings_preflight(_any: str) -> ResponseReturnValue:
    return Response(status=204)


@bp.get("/landlords")
def landlords() -> ResponseReturnValue:
    """The account's landlord entities with their requisites and numbering."""
    portal = caller_portal()
    with container().uow(portal.id) as uow:
        return jsonify(landlords=list_landlords(uow))


@bp.post("/landlords")
@bp.post("/landlords/<int:landlord_id>")
def landlord_save(landlord_id: int | None = None) -> ResponseReturnValue:
    """Add a landlord entity, or change one (``{"landlord": {...}, "numbering": {...}}``)."""
    portal = caller_portal()
    c = container()
    try:
        with c.uow(portal.id) as uow:
            saved = save_landlord(uow, c.clock, request.get_json(silent=True) or {}, landlord_id)
            uow.commit()
    except (InvalidLease, InvalidRequisites, InvalidSettings) as exc:
        return jsonify(error=str(exc), field=exc.field), 400
    except NotFound:
        return jsonify(error=f"landlord {landlord_id} not found"), 404
    return jsonify(id=saved), 200 if landlord_id is not None else 201


@bp.get("/onec")
def onec() -> ResponseReturnValue:
    """The account's 1C settings; the password only as ``password_set``."""
    portal = caller_portal()
    return jsonify(onec_settings(portal.settings))


@bp.post("/onec")
def onec_save() -> ResponseReturnValue:
    """Change some 1C settings; an empty password keeps the stored one."""
    portal_id = stored_id(caller_portal().id, "portal")
    c = container()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="a JSON object is expected"), 400
    try:
        with c.uow() as uow:
            shown = save_onec_settings(uow, c.clock, portal_id, body)
            uow.commit()
    except InvalidSettings as exc:
        return jsonify(error=str(exc), field=exc.field), 400
    return jsonify(shown)
