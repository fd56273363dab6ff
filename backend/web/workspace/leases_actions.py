"""The lease card's actions: each a POST carrying the workspace token, one service call, then
back to the card (303, so a reload sends nothing twice) with what was done, or the card again
with the problems next to the action's fields and what was typed kept (422).

Documents issued here are told to the deal like the billing run's (the push task, queued
through the Tasks port, ``Container.tasks``, after the commit).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from flask import redirect, request
from flask.typing import ResponseReturnValue

from backend.domain.errors import DomainError, NotFound
from backend.services import lease_actions as actions
from backend.services.billing_ports import BillingPorts
from backend.services.deal_actions import resend_documents
from backend.services.lease_actions import ActionInvalid, ManualInvoice
from backend.services.lease_charges import issue_charge
from backend.services.lease_settings import change_lease_settings, settings_problems
from backend.services.unit_of_work import UnitOfWork
from backend.web.deps import container
from backend.web.workspace import bp
from backend.web.workspace.lease_people import (
    FORM,
    crm_users,
    settings_context,
    settings_problem_texts,
)
from backend.web.workspace.leases import lease_missing, load_card, may_see, render_card
from backend.web.workspace.leases_texts import problem_texts
from backend.web.workspace.pages import workspace_url
from backend.web.workspace.viewer import Viewer, current_viewer


def _back(viewer: Viewer, lease_id: int, done: str, number: str = "") -> ResponseReturnValue:
    url = workspace_url(viewer, "workspace.lease_card", lease_id=lease_id, done=done, number=number)
    return redirect(url, 303)


def _refused(viewer: Viewer, lease_id: int, form: str, err: Exception) -> ResponseReturnValue:
    """The card again, the action's problems next to its fields (after the rollback)."""
    card = load_card(viewer, lease_id)
    if card is None:
        return lease_missing(viewer)
    # a document that cannot be made (broken requisites) is said as the checks say it
    errors = problem_texts(err.problems) if isinstance(err, ActionInvalid) else {"": str(err)}
    typed = {k: v for k, v in request.form.items() if k not in {"t", "lang"}}
    return render_card(viewer, card, status=422, errors={form: errors}, typed={form: typed})


def _in_uow(
    lease_id: int, form: str, act: Callable[[Viewer, UnitOfWork], str]
) -> ResponseReturnValue:
    """Run ``act`` in one unit of work on a lease the viewer may see; commit; back to the
    card with what ``act`` said it did."""
    c = container()
    viewer = current_viewer(c)
    if load_card(viewer, lease_id) is None:
        return lease_missing(viewer)
    try:
        with c.uow(viewer.portal_id) as uow:
            done = act(viewer, uow)
            uow.commit()
    except NotFound:
        return lease_missing(viewer)
    except (ActionInvalid, DomainError) as err:
        return _refused(viewer, lease_id, form, err)
    what, _, number = done.partition(":")
    return _back(viewer, lease_id, what, number)


def _document_id() -> int:
    raw = request.form.get("document", "")
    if not raw.isdigit():
        raise NotFound("no document chosen")
    return int(raw)


@bp.post("/leases/<int:lease_id>/addendum", endpoint="lease_addendum")
def addendum_view(lease_id: int) -> ResponseReturnValue:
    """New terms from a date: an addendum with a new rent and/or end."""

    def act(viewer: Viewer, uow: UnitOfWork) -> str:
        added = actions.add_terms_addendum(uow, container().clock, lease_id, request.form)
        return f"addendum:{added.number}"

    return _in_uow(lease_id, "addendum", act)


@bp.post("/leases/<int:lease_id>/indexation", endpoint="lease_indexation")
def indexation_view(lease_id: int) -> ResponseReturnValue:
    def act(viewer: Viewer, uow: UnitOfWork) -> str:
        actions.set_indexation(uow, container().clock, lease_id, request.form)
        return "indexation"

    return _in_uow(lease_id, "indexation", act)


@bp.post("/leases/<int:lease_id>/terminate", endpoint="lease_terminate")
def terminate_view(lease_id: int) -> ResponseReturnValue:
    def act(viewer: Viewer, uow: UnitOfWork) -> str:
        actions.terminate(uow, container().clock, lease_id, request.form)
        return "terminated"

    return _in_uow(lease_id, "terminate", act)


@bp.post("/leases/<int:lease_id>/cancel", endpoint="lease_cancel")
def cancel_view(lease_id: int) -> ResponseReturnValue:
    def act(viewer: Viewer, uow: UnitOfWork) -> str:
        actions.cancel_lease(uow, container().clock, lease_id)
        return "cancelled"

    return _in_uow(lease_id, "status", act)


@bp.post("/leases/<int:lease_id>/original", endpoint="lease_original")
def original_view(lease_id: int) -> ResponseReturnValue:
    def act(viewer: Viewer, uow: UnitOfWork) -> str:
        actions.mark_original_received(uow, container().clock, lease_id)
        return "original"

    return _in_uow(lease_id, "status", act)


@bp.post("/leases/<int:lease_id>/act-signed", endpoint="lease_act_signed")
def act_signed_view(lease_id: int) -> ResponseReturnValue:
    def act(viewer: Viewer, uow: UnitOfWork) -> str:
        document_id = _document_id()
        actions.mark_act_signed(uow, container().clock, lease_id, document_id)
        return f"act_signed:{uow.documents.get(document_id).number}"

    return _in_uow(lease_id, "documents", act)


@bp.post("/leases/<int:lease_id>/cancel-invoice", endpoint="lease_cancel_invoice")
def cancel_invoice_view(lease_id: int) -> ResponseReturnValue:
    def act(viewer: Viewer, uow: UnitOfWork) -> str:
        document_id = _document_id()
        c = container()
        actions.cancel_invoice(uow, c.clock, lease_id, document_id, c.queue_payment_news)
        return f"invoice_cancelled:{uow.documents.get(document_id).number}"

    return _in_uow(lease_id, "documents", act)


IssueNow = Callable[[BillingPorts, int, int, Mapping[str, str], date], ManualInvoice]


def _issue_now(lease_id: int, form: str, issue: IssueNow) -> ResponseReturnValue:
    """Issue an invoice of the lease now (``issue``), then tell its deal; a second submit
    gets the first one's invoice back."""
    c = container()
    viewer = current_viewer(c)
    if load_card(viewer, lease_id) is None:
        return lease_missing(viewer)
    try:
        issued = issue(c.billing_ports(), viewer.portal_id, lease_id, request.form, c.clock.today())
    except (ActionInvalid, DomainError) as err:
        return _refused(viewer, lease_id, form, err)
    if issued.issued_now:
        c.tasks.document_issued(viewer.portal_id, issued.document_id)
        return _back(viewer, lease_id, "invoice_issued", issued.number)
    return _back(viewer, lease_id, "invoice_exists", issued.number)


@bp.post("/leases/<int:lease_id>/invoice", endpoint="lease_invoice")
def manual_invoice_view(lease_id: int) -> ResponseReturnValue:
    """Invoice the chosen days now; a second submit gets the first one's invoice back."""
    return _issue_now(lease_id, "invoice", actions.issue_manual_invoice)


@bp.post("/leases/<int:lease_id>/resend", endpoint="lease_resend")
def resend_view(lease_id: int) -> ResponseReturnValue:
    """E-mail the tenant the latest invoice and act again (once a day)."""
    c = container()
    viewer = current_viewer(c)
    if load_card(viewer, lease_id) is None:
        return lease_missing(viewer)
    try:
        queued = resend_documents(c.billing_ports(), viewer.portal_id, lease_id, c.clock.today())
    except DomainError as err:
        return _refused(viewer, lease_id, "documents", err)
    return _back(viewer, lease_id, "resent" if queued else "nothing_to_send")


@bp.post("/leases/<int:lease_id>/settings", endpoint="lease_settings")
def settings_view(lease_id: int) -> ResponseReturnValue:
    """Auto-send, recipients, people and the issue and due rules: from now on, recorded in
    the history; the CRM's users are read before the unit of work opens."""
    c = container()
    viewer = current_viewer(c)
    card = load_card(viewer, lease_id)
    if card is None:
        return lease_missing(viewer)
    users = crm_users(viewer)
    try:
        with c.uow(viewer.portal_id) as uow:
            changes = change_lease_settings(
                uow, c.clock, lease_id, request.form, users, viewer.user_name or viewer.user_id
            )
            uow.commit()
    except ActionInvalid as err:  # after the rollback: nothing stored
        typed = {k: v for k, v in request.form.items() if k not in {"t", "lang"}}
        return render_card(
            viewer, card, status=422, errors={FORM: settings_problem_texts(err.problems)},
            typed={FORM: typed}, context=settings_context(viewer, card, users, ask_crm=False),
        )  # fmt: skip
    if not may_see(viewer, lease_id):  # a manager handed the lease to someone else
        return redirect(workspace_url(viewer, "workspace.leases"), 303)
    return _back(viewer, lease_id, "settings" if changes else "settings_unchanged")


@bp.post("/leases/<int:lease_id>/settings/validate", endpoint="validate_lease_settings")
def validate_settings_view(lease_id: int) -> ResponseReturnValue:
    """The settings form's problems as JSON ``{"errors": {field: text}}``, for the inline
    check; the lease must be one the viewer may see."""
    viewer = current_viewer(container())
    if not may_see(viewer, lease_id):
        return {"errors": {}}, 404
    return {"errors": settings_problem_texts(settings_problems(request.form))}


@bp.post("/leases/<int:lease_id>/charge", endpoint="lease_charge")
def charge_view(lease_id: int) -> ResponseReturnValue:
    """Invoice utilities or another charge now, told to the deal like any invoice."""
    return _issue_now(lease_id, "charge", issue_charge)
