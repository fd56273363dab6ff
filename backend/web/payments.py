"""Bank statement upload and the manual-review list, as JSON endpoints.

A view parses the request, calls one service and shapes the answer.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from backend.domain.errors import DomainError, NotFound
from backend.onec.bank_statement import StatementError, StatementTooLarge
from backend.web.deps import container as app_container
from backend.web.deps import require_operator

bp = Blueprint("payments", __name__, url_prefix="/portals/<int:portal_id>/payments")


@bp.before_request
def _operator_only() -> None:
    """Statements and payments of any portal: operators only until the CRM app pages carry
    their portal's auth (they call the same services)."""
    require_operator()


@bp.post("/statements")
def upload_statement(portal_id: int) -> ResponseReturnValue:
    """Import an uploaded 1CClientBankExchange file (form field ``file``)."""
    from backend.services.payments import import_statement

    container = app_container()
    max_bytes = container.settings.statement_max_mb * 1024 * 1024
    if request.content_length is not None and request.content_length > max_bytes:
        return jsonify(error=f"the file is over the limit of {max_bytes} bytes"), 413
    upload = request.files.get("file")
    if upload is None:
        return jsonify(error="send the statement as the form field 'file'"), 400
    try:
        with container.uow(None) as uow:
            portal = uow.portals.get(portal_id)
    except NotFound:
        return jsonify(error=f"no portal {portal_id}"), 404
    queue = container.queue_lease_event if portal.active else None
    try:
        with container.uow(portal_id) as uow:
            summary = import_statement(
                uow, container.clock, upload.stream, queue=queue, max_bytes=max_bytes
            )
            uow.commit()
    except StatementTooLarge as exc:
        return jsonify(error=str(exc)), 413
    except (StatementError, DomainError) as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(summary.as_dict())


@bp.get("/review")
def review(portal_id: int) -> ResponseReturnValue:
    """Payments with money not yet allocated (needs attention)."""
    from backend.services.payments import review_list

    with app_container().uow(portal_id) as uow:
        items = review_list(uow)
    return jsonify(
        [
            {
                "payment_id": i.payment.id,
                "number": i.payment.number,
                "date": i.payment.paid_on.isoformat(),
                "payer": i.payment.payer_name,
                "inn": i.payment.payer_inn,
                "purpose": i.payment.purpose,
                "unallocated": f"{i.unallocated.amount:.2f}",
            }
            for i in items
        ]
    )
