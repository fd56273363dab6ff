"""The needs-attention section: the ten rules for the portal, each item linked to its lease
card and its deal. A manager sees the items of their own leases; an administrator sees the
portal's, or only their own with ``mine=1``."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from backend.domain.attention import Rule
from backend.services.attention_desk import attention_board
from backend.web.deps import container
from backend.web.workspace import bp
from backend.web.workspace.pages import render_page
from backend.web.workspace.viewer import current_viewer

_ = lazy_gettext
RULES = {
    Rule.LEASE_NOT_ACTIVE: _("Leases not active yet (being drafted)"),
    Rule.LEASE_WITHOUT_ORIGINAL: _("Active leases without the signed original"),
    Rule.LEASE_NEEDS_REGISTRATION: _("Active leases that need registration"),
    Rule.LEASE_OVERDUE_DEBT: _("Leases with overdue debt"),
    Rule.INVOICE_UNPAID: _("Invoices unpaid, due date past or not set"),
    Rule.INVOICE_CANCELLED_WITH_PAYMENTS: _("Cancelled invoices with payments"),
    Rule.INVOICE_NOT_ISSUED: _("Planned invoices not issued"),
    Rule.ACT_ON_SIGNING: _("Acts awaiting signature"),
    Rule.ACT_NOT_ISSUED: _("Planned acts not issued"),
    Rule.MONEY_NOT_ALLOCATED: _("Incoming payments not fully placed"),
}


@bp.get("/attention", endpoint="attention")
def attention_view() -> ResponseReturnValue:
    """Every rule with its items for the viewer."""
    c = container()
    viewer = current_viewer(c)
    mine = not viewer.is_admin or request.args.get("mine") == "1"
    with c.uow(viewer.portal_id) as uow:
        board = attention_board(uow, c.clock.today(), viewer.user_id if mine else "")
    return render_page(
        "workspace/attention.html", viewer, section="attention", board=board, rules=RULES,
        mine=mine,
    )  # fmt: skip
