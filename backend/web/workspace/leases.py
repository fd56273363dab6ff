"""The leases section of the workspace: the list, the lease card, and the lease form that
creates a lease from a deal (``/workspace/leases/new?deal=<CRM deal id>``; amoCRM's lead
panel shows the same pages by these addresses).

Each view: the viewer from the token, one service call (CRM reads outside any transaction),
the page drawn after the unit of work is closed. A manager who is not an administrator sees
only the leases they manage; another lease answers as if it did not exist (404).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from backend.domain.errors import NotFound
from backend.domain.portal import Portal
from backend.services.lease_card import LeaseCard, lease_card
from backend.services.lease_create import (
    DealHasLease,
    LeaseFormInvalid,
    NewLeasePage,
    create_lease_from_form,
    crm_card_link,
    new_lease_page,
    page_without_crm,
    validate_lease_form,
)
from backend.services.lease_form import VAT_CHOICES, LeaseForm
from backend.services.lease_list import LeaseFilter, list_leases, managed_by
from backend.web import bitrix24_trust as trust
from backend.web.deps import container
from backend.web.i18n import area, money
from backend.web.workspace import bp
from backend.web.workspace.lease_people import settings_context
from backend.web.workspace.leases_texts import TEMPLATE_TEXTS, problem_texts
from backend.web.workspace.pages import render_page, workspace_url
from backend.web.workspace.viewer import Viewer, current_viewer
from crm_mappings.port import CrmError, CrmNotFound

log = logging.getLogger(__name__)

LEASE_STATUSES = ("draft", "booked", "on_signing", "signed", "registered", "active", "expired",
                  "terminated", "cancelled")  # fmt: skip


def own_leases(viewer: Viewer) -> str | None:
    """The CRM user whose leases a viewer may see, or None for an administrator (all)."""
    return None if viewer.is_admin else viewer.user_id


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() else 1


@bp.get("/leases", endpoint="leases")
def leases_view() -> ResponseReturnValue:
    """The portal's leases with filters (a manager's own only) and pages."""
    viewer = current_viewer(container())
    c = container()
    a = request.args
    landlord = a.get("landlord", "")
    wanted = LeaseFilter(
        status=a.get("status", "") if a.get("status", "") in LEASE_STATUSES else "",
        landlord=int(landlord) if landlord.isdigit() else None, manager=a.get("manager", ""),
        with_debt=a.get("debt") == "1", search=a.get("q", "")[:100],
        only_manager=own_leases(viewer), page=_page_number(),
    )  # fmt: skip
    with c.uow(viewer.portal_id) as uow:
        page = list_leases(uow, c.clock.today(), wanted)
    return render_page(
        "workspace/leases.html", viewer, section="leases", page=page, wanted=wanted,
        statuses=LEASE_STATUSES, **TEMPLATE_TEXTS,
    )  # fmt: skip


class LeaseUnreadable(Exception):
    """A lease whose stored amounts cannot be computed with (stored before the forms bounded
    them: an infinite or forty-digit rent)."""


def load_card(viewer: Viewer, lease_id: int) -> LeaseCard | None:
    """The card of a lease the viewer may see, or None (no such lease, or not theirs);
    ``LeaseUnreadable`` when its amounts cannot be computed with."""
    c = container()
    try:
        with c.uow(viewer.portal_id) as uow:
            card = lease_card(uow, lease_id, c.clock.today(), c.link_url)
    except NotFound:
        return None
    except (ArithmeticError, ValueError) as err:  # Money refuses Infinity; Decimal, 28+ digits
        raise LeaseUnreadable(lease_id) from err
    mine = own_leases(viewer)
    if mine is not None and not managed_by(card.lease, mine):
        return None
    return card


def may_see(viewer: Viewer, lease_id: int) -> bool:
    """Whether ``lease_id`` is a lease of the viewer's portal they may see: the check of
    ``load_card`` without building the card (its documents, payments and history)."""
    try:
        with container().uow(viewer.portal_id) as uow:
            lease = uow.leases.get(lease_id)
    except NotFound:
        return False
    mine = own_leases(viewer)
    return mine is None or managed_by(lease, mine)


# blocks other modules add to the card (lease_tenant: scans and requests): each takes the
# viewer and the card and gives its part of the page's context, read in its own unit of work
CARD_PARTS: list[Callable[[Viewer, LeaseCard], dict[str, Any]]] = []


def render_card(
    viewer: Viewer, card: LeaseCard, *, status: int = 200, message: str = "",
    errors: dict[str, dict[str, str]] | None = None, typed: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> ResponseReturnValue:  # fmt: skip
    """The lease card page, with an action's errors next to its fields (``errors[form]``)
    and what was typed into that form kept (``typed[form]``); ``context`` overrides the
    settings form's (the CRM's users read once per request)."""
    parts = {k: v for part in CARD_PARTS for k, v in part(viewer, card).items()}
    return render_page(
        "workspace/lease_card.html", viewer, section="leases", status=status, card=card,
        message=message, errors=errors or {}, typed=typed or {}, today=container().clock.today(),
        **TEMPLATE_TEXTS, **parts, **(context or settings_context(viewer, card)),
    )  # fmt: skip


def lease_missing(viewer: Viewer) -> ResponseReturnValue:
    return render_page("workspace/lease_missing.html", viewer, section="leases", status=404)


@bp.errorhandler(LeaseUnreadable)
def lease_unreadable(err: LeaseUnreadable) -> ResponseReturnValue:
    """Said instead of the card (and of its actions), never a 500 for the whole portal."""
    log.warning("lease %s has amounts that cannot be computed with", err, exc_info=err)
    message = gettext(
        "This lease holds an amount rentflow cannot compute with (stored before amounts were"
        " checked). Ask whoever runs rentflow to correct its rent."
    )
    return render_page("workspace/lease_missing.html", current_viewer(container()),
                       section="leases", status=409, message=message)  # fmt: skip


@bp.get("/leases/<int:lease_id>", endpoint="lease_card")
def lease_card_view(lease_id: int) -> ResponseReturnValue:
    """Everything about one lease, with its actions."""
    viewer = current_viewer(container())
    card = load_card(viewer, lease_id)
    if card is None:
        return lease_missing(viewer)
    done = request.args.get("done", "")
    return render_card(viewer, card, message=done_text(done, request.args.get("number", "")))


def done_text(done: str, number: str) -> str:
    """What an action did, said after the redirect back to the card."""
    texts = {
        "created": gettext("Lease № %(number)s created.", number=number),
        "invoice_issued": gettext("Invoice № %(number)s issued.", number=number),
        "invoice_exists": gettext(
            "Invoice № %(number)s was issued already; no second one.", number=number
        ),
        "invoice_cancelled": gettext(
            "Invoice № %(number)s cancelled; its days are back in the schedule.", number=number
        ),
        "act_signed": gettext("Act № %(number)s marked signed.", number=number),
        "original": gettext("Signed original of the lease received."),
        "addendum": gettext(
            "Addendum %(number)s added; the schedule is re-planned.", number=number
        ),
        "indexation": gettext("Indexation saved; the schedule is re-planned."),
        "terminated": gettext("Lease terminated."),
        "settings": gettext("Lease settings saved; they apply to documents issued from now on."),
        "settings_unchanged": gettext("Nothing changed in the lease settings."),
        "cancelled": gettext("Lease cancelled."),
        "resent": gettext("The latest invoice and act will be e-mailed to the tenant."),
        "nothing_to_send": gettext(
            "Nothing to send: no documents issued, no tenant addresses, or sent today."
        ),
        "deal_not_told": gettext(
            "Lease № %(number)s created; the deal could not be updated now and will be later.",
            number=number,
        ),
    }
    return str(texts.get(done, ""))


# --- create from a deal ---------------------------------------------------------------------
def _portal(viewer: Viewer) -> Portal:
    with container().uow() as uow:
        return uow.portals.get(viewer.portal_id)


def _card_link(portal: Portal, lease_id: int, deal_id: str) -> str:
    return crm_card_link(portal, lease_id, deal_id, trust.app_code(container().settings))


def _deal_id() -> str:
    deal = request.values.get("deal", "").strip()
    return deal if deal.isdigit() else ""


def render_new(
    viewer: Viewer, page: NewLeasePage, form: LeaseForm, status: int = 200, notice: str = ""
) -> ResponseReturnValue:
    choices = page.choices
    premises = [
        (p.id, ", ".join(x for x in (p.building, p.number) if x)
         + f" — {area(p.area_m2)} {gettext('m²')}"
         + (f" — {money(p.price_per_m2)} / {gettext('m²')}" if p.price_per_m2 else ""))
        for p in choices.premises
    ]  # fmt: skip
    vat = [(v, gettext("No VAT") if v == "none" else f"{v}%") for v in VAT_CHOICES]
    return render_page(
        "workspace/lease_new.html", viewer, section="leases", status=status, page=page,
        form=form, errors=problem_texts(form.problems), vat_options=vat, notice=notice,
        premises_options=premises, user_options=[(u.id, u.name) for u in choices.users or ()],
        **TEMPLATE_TEXTS,
    )  # fmt: skip


def render_no_deal(viewer: Viewer, message: str, status: int = 404) -> ResponseReturnValue:
    return render_page(
        "workspace/lease_missing.html", viewer, section="leases", status=status, message=message
    )


@bp.get("/leases/new", endpoint="new_lease")
def new_lease_view() -> ResponseReturnValue:
    """The lease form for a deal, prefilled from the CRM; the deal's lease if it has one."""
    viewer = current_viewer(container())
    c = container()
    deal_id = _deal_id()
    if not deal_id:
        return render_no_deal(viewer, gettext("Open the form from a deal: its lease tab."))
    try:
        page = new_lease_page(
            c.uow, c.crm(_portal(viewer)), viewer.portal_id, deal_id, c.clock.today()
        )
    except CrmNotFound:
        return render_no_deal(viewer, gettext("The deal was not found in the CRM."))
    except CrmError:  # the CRM is down: the form again, with everything typed
        page = page_without_crm(c.uow, viewer.portal_id, deal_id, request.form)
        notice = gettext("The CRM does not answer; try again in a minute.")
        return render_new(viewer, page, page.form, 503, notice)
    if page.existing_lease is not None:
        return redirect(
            workspace_url(viewer, "workspace.lease_card", lease_id=page.existing_lease), 303
        )
    return render_new(viewer, page, page.form)


@bp.post("/leases/new", endpoint="create_lease")
def create_lease_view() -> ResponseReturnValue:
    """Create the lease: to its card, or the form again with every problem and what was
    typed (422)."""
    viewer = current_viewer(container())
    c = container()
    deal_id = _deal_id()
    if not deal_id:
        return render_no_deal(viewer, gettext("Open the form from a deal: its lease tab."))
    portal = _portal(viewer)
    crm = c.crm(portal)
    try:
        created = create_lease_from_form(
            c.uow, c.clock, crm, viewer.portal_id, deal_id, request.form, _card_link
        )
    except LeaseFormInvalid as err:
        if not isinstance(err.page, NewLeasePage):  # lease_create always hands it over
            raise RuntimeError("the lease form's page is missing") from err
        return render_new(viewer, err.page, err.form, 422)
    except DealHasLease as err:  # sent twice: the lease the first submit made
        if err.lease_id is not None:
            return redirect(
                workspace_url(viewer, "workspace.lease_card", lease_id=err.lease_id), 303
            )
        return render_no_deal(viewer, gettext("This deal already has a lease."), 409)
    except CrmNotFound:
        return render_no_deal(viewer, gettext("The deal was not found in the CRM."))
    except CrmError:  # the CRM is down: the form again, with everything typed
        page = page_without_crm(c.uow, viewer.portal_id, deal_id, request.form)
        notice = gettext("The CRM does not answer; try again in a minute.")
        return render_new(viewer, page, page.form, 503, notice)
    done = "created" if created.deal_told else "deal_not_told"
    return redirect(workspace_url(viewer, "workspace.lease_card", lease_id=created.lease_id,
                                  done=done, number=created.number), 303)  # fmt: skip


@bp.post("/leases/new/validate", endpoint="validate_lease")
def validate_lease_view() -> ResponseReturnValue:
    """The form's problems as JSON ``{"errors": {field: text}}``, for the inline check."""
    viewer = current_viewer(container())
    with container().uow(viewer.portal_id) as uow:
        problems = validate_lease_form(uow, request.form)
    return {"errors": problem_texts(problems)}
