"""The payments section (administrators): upload a bank statement and see what became of
each payment, the review queue with a search, placing money by an invoice's or a lease's
number (checked inline as each field is left), the allocation journal and undo.

The statement's result is the page answered to the upload, so it stays on screen until the
person moves on. Every request is one service call in a unit of work; the page is drawn
after it is closed (an error never holds a transaction open).
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext

from backend.domain.errors import DomainError, NotFound
from backend.onec.bank_statement import StatementError, StatementRefused, StatementTooLarge
from backend.services.payment_desk import (
    SHOWN,
    DeskProblem,
    allocate_by_number,
    allocation_problems,
    journal,
    review_queue,
    targets,
    undo_allocation,
)
from backend.services.payments import ImportSummary, import_statement
from backend.web.deps import container
from backend.web.i18n import money
from backend.web.workspace import bp
from backend.web.workspace.pages import render_page
from backend.web.workspace.payments_issues import issue_text, line_text
from backend.web.workspace.quantities import quantity_text
from backend.web.workspace.viewer import Viewer, current_viewer

_ = lazy_gettext
DESK_MESSAGES = {
    "amount": _("Type an amount above zero, e.g. 60000 or 60 000,50."),
    "over_payment": _("Payment № %(number)s has only %(limit)s left to place."),
    "over_invoice": _("Invoice № %(number)s owes only %(limit)s."),
    "unknown_target": _("No open invoice or lease has the number %(number)s."),
    "ambiguous": _("Several open invoices have the number %(number)s: type it in full."),
    "closed_invoice": _("Invoice № %(number)s is paid or cancelled already."),
    "missing": _("Type an invoice or lease number."),
}
OUTCOMES = {
    "matched": _("Invoice paid"),
    "partial": _("Invoice partly paid"),
    "advance": _("Advance on the lease"),
    "review": _("To place by hand"),
}


def _viewer() -> Viewer:
    return current_viewer(container(), admin=True)


def desk_text(problem: DeskProblem) -> str:
    bound = quantity_text(problem.code, problem.limit)
    if bound is not None:
        return bound
    limit = money(problem.limit) if problem.limit else ""
    text = DESK_MESSAGES.get(problem.code, DESK_MESSAGES["amount"])
    return str(text) % {"number": problem.number, "limit": limit}


def render_payments(viewer: Viewer, status: int = 200, **context: Any) -> ResponseReturnValue:
    """The section: the last import's result when given, the review queue, the journal."""
    search = request.values.get("q", "").strip()
    with container().uow(viewer.portal_id) as uow:
        queue = review_queue(uow, search)
        entries = journal(uow)
        places = targets(uow)[:SHOWN]
    return render_page(
        "workspace/payments.html", viewer, section="payments", status=status,
        queue=queue, entries=entries, targets=places, search=search, outcomes=OUTCOMES,
        reason_text=issue_text,
        **context,
    )  # fmt: skip


@bp.get("/payments", endpoint="payments")
def payments_view() -> ResponseReturnValue:
    return render_payments(_viewer())


@bp.post("/payments/statement", endpoint="upload_statement")
def upload_statement_view() -> ResponseReturnValue:
    """Import the uploaded ``1CClientBankExchange`` file; the answer shows its result."""
    viewer = _viewer()
    c = container()
    max_bytes = c.settings.statement_max_mb * 1024 * 1024
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_payments(viewer, 422, upload_error=gettext("Choose the statement file."))
    refused: list[str] = []
    summary: ImportSummary | None = None
    error = ""
    try:
        with c.uow(viewer.portal_id) as uow:
            summary = import_statement(
                uow, c.clock, upload.stream, queue=c.queue_lease_event, max_bytes=max_bytes,
                news_queue=c.queue_payment_news,
            )  # fmt: skip
            uow.commit()
    except StatementTooLarge:
        error = gettext("The file is over %(mb)s MB.", mb=c.settings.statement_max_mb)
    except StatementRefused as exc:  # taken whole or not at all: nothing was stored
        error = gettext("The statement has errors, so nothing of it was taken.")
        refused = [line_text(issue.line, issue.message) for issue in exc.issues]
    except (StatementError, DomainError):
        error = gettext("This is not a bank statement in the 1C exchange format.")
    if summary is None:
        return render_payments(viewer, 422, upload_error=error, refused=refused)
    return render_payments(viewer, result=summary, filename=upload.filename)


def _payment_id() -> int | None:
    raw = request.form.get("payment", "")
    return int(raw) if raw.isdigit() else None


@bp.post("/payments/allocate", endpoint="allocate_payment")
def allocate_view() -> ResponseReturnValue:
    """Place money of one payment on the invoice or lease typed; problems by the fields."""
    viewer = _viewer()
    c = container()
    payment_id = _payment_id()
    typed = {"target": request.form.get("target", ""), "amount": request.form.get("amount", "")}
    problem: DeskProblem | None = None
    try:
        with c.uow(viewer.portal_id) as uow:
            target = allocate_by_number(
                uow, c.clock, payment_id or 0, typed["target"], typed["amount"],
                by=viewer.actor, queue=c.queue_lease_event,
                news_queue=c.queue_payment_news,
            )  # fmt: skip
            uow.commit()
    except DeskProblem as err:
        problem = err
    except NotFound:
        return render_payments(viewer, 404, message=gettext("This payment no longer exists."))
    if problem is not None:
        errors = {problem.field: desk_text(problem)}
        return render_payments(viewer, 422, failed=payment_id, errors=errors, typed=typed)
    where = (
        gettext("invoice № %(number)s", number=target.number)
        if target.invoice_id is not None
        else gettext("lease № %(number)s (advance)", number=target.number)
    )
    return render_payments(viewer, message=gettext("Placed on %(where)s.", where=where))


@bp.post("/payments/check", endpoint="check_allocation")
def check_allocation_view() -> ResponseReturnValue:
    """The allocation form's problems as JSON ``{"errors": {field: text}}``, for the inline
    check; nothing written."""
    viewer = _viewer()
    try:
        with container().uow(viewer.portal_id) as uow:
            problems = allocation_problems(
                uow, _payment_id() or 0, request.form.get("target", ""),
                request.form.get("amount", ""),
            )  # fmt: skip
    except NotFound:
        return {"errors": {}}  # the payment is gone: the submit says so
    return {"errors": {problem.field: desk_text(problem) for problem in problems}}


@bp.post("/payments/undo", endpoint="undo_allocation")
def undo_view() -> ResponseReturnValue:
    """Take one allocation back (the audit keeps it)."""
    viewer = _viewer()
    c = container()
    raw = request.form.get("allocation", "")
    try:
        with c.uow(viewer.portal_id) as uow:
            entry = undo_allocation(
                uow, c.clock, int(raw) if raw.isdigit() else 0,
                by=viewer.actor, queue=c.queue_lease_event, news_queue=c.queue_payment_news,
            )  # fmt: skip
            uow.commit()
    except NotFound:
        return render_payments(viewer, 404, message=gettext("This allocation was undone already."))
    text = gettext(
        "Undone: %(amount)s of payment № %(number)s is free to place again.",
        amount=money(entry.amount.amount, entry.amount.currency),
        number=entry.payment.number,
    )
    return render_payments(viewer, message=text)
