"""The tenant's leases and, per lease, accruals, payments and balance (printable)."""

from __future__ import annotations

from typing import Any, cast

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from backend.domain.errors import NotFound
from backend.services import cabinet_account
from backend.web.cabinet.blueprint import bp
from backend.web.cabinet.session import cabinet_view, container, current_tenant


def _uow() -> Any:
    return cast(Any, container().uow)


@bp.get("/")
@cabinet_view()
def home() -> ResponseReturnValue:
    """Every lease of the chosen tenant with its balance (seed 003 "Договори")."""
    leases = cabinet_account.tenant_leases(_uow(), current_tenant(), container().clock.today())
    return render_template("cabinet/leases.html", leases=leases)


@bp.get("/leases/<int:lease_id>")
@cabinet_view()
def lease(lease_id: int) -> ResponseReturnValue:
    """One lease: accruals by purpose, invoices with their QR codes, acts, payments."""
    today, year = container().clock.today(), request.args.get("year", type=int)
    try:
        account = cabinet_account.lease_account(_uow(), current_tenant(), lease_id, today, year)
    except NotFound:
        abort(404)
    return render_template("cabinet/lease.html", account=account, card=account.card, today=today)
