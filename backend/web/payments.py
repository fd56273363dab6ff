"""Bank statement upload and the manual-review list, as JSON endpoints.

A view parses the request, calls one service and shapes the answer.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from backend.domain.errors import DomainError, NotFound
from backend.domain.money import Money
from backend.onec.bank_statement import StatementError, StatementRefused, StatementTooLarge
from backend.web.deps import container as app_container
from backend.web.deps import csrf_token, require_operator

bp = Blueprint("payments", __name__, url_prefix="/portals/<int:portal_id>/payments")


@bp.before_request
def _operator_only() -> None:
    """Statements and payments of any portal: operators only until the CRM app pages carry
    their portal's auth (they call the same services); posts carry the page's form token."""
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
                uow,
                container.clock,
                upload.stream,
                queue=queue,
                max_bytes=max_bytes,
                news_queue=container.queue_payment_news if portal.active else None,
            )
            uow.commit()
    except StatementTooLarge as exc:
        return jsonify(error=str(exc)), 413
    except StatementRefused as exc:  # taken whole or not at all: nothing was stored
        return jsonify(error=str(exc), errors=[str(i) for i in exc.issues]), 400
    except (StatementError, DomainError) as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(summary.as_dict())


def _review_rows(portal_id: int) -> list[dict[str, Any]]:
    from backend.services.payments import review_list

    with app_container().uow(portal_id) as uow:
        items = review_list(uow)
    return [
        {
            "payment_id": i.payment.id,
            "number": i.payment.number,
            "date": i.payment.paid_on.isoformat(),
            "payer": i.payment.payer_name,
            "inn": i.payment.payer_inn,
            "purpose": i.payment.purpose,
            "unallocated": f"{i.unallocated.amount:.2f}",
            "reason": i.reason,
        }
        for i in items
    ]


@bp.get("/review")
def review(portal_id: int) -> ResponseReturnValue:
    """Payments with money not yet allocated (needs attention)."""
    return jsonify(_review_rows(portal_id))


@bp.post("/<int:payment_id>/allocations")
def allocate(portal_id: int, payment_id: int) -> ResponseReturnValue:
    """A manager places money by hand: JSON ``{"amount": "5000.00", "invoice_id": 7}`` or
    ``{"amount": ..., "lease_id": 3}`` (an advance on the lease)."""
    from backend.services.payments import allocate_manually

    data = request.get_json(silent=True) or {}
    try:
        amount = Money(Decimal(str(data.get("amount", ""))))
        invoice_id = _optional_id(data.get("invoice_id"))
        lease_id = _optional_id(data.get("lease_id"))
    except (InvalidOperation, ValueError):
        return jsonify(error="give an amount and an invoice_id or a lease_id"), 400
    container = app_container()
    try:
        with container.uow(portal_id) as uow:
            allocate_manually(
                uow, container.clock, payment_id, amount, invoice_id=invoice_id,
                lease_id=lease_id, by="web", queue=container.queue_lease_event,
                news_queue=container.queue_payment_news,
            )  # fmt: skip
            uow.commit()
    except NotFound as exc:
        return jsonify(error=str(exc)), 404
    except DomainError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(payment_id=payment_id, allocated=f"{amount.amount:.2f}")


def _optional_id(value: object) -> int | None:
    return None if value in (None, "") else int(str(value))


@bp.get("/")
def page(portal_id: int) -> ResponseReturnValue:
    """The operator's page: upload a statement, see and place what was not matched."""
    return render_template(
        "payments.html", portal_id=portal_id, rows=_review_rows(portal_id), csrf=csrf_token()
    )
