"""The tenant's contacts: name, address, phone and e-mail, editable (seed 003)."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from backend.web.cabinet.blueprint import bp
from backend.web.cabinet.session import cabinet_view


@bp.get("/contacts")
@cabinet_view()
def contacts() -> ResponseReturnValue:
    return render_template("cabinet/contacts.html", card=None, errors={}, fields=[], values={})


@bp.post("/contacts")
@cabinet_view()
def save_contacts() -> ResponseReturnValue:
    return render_template("cabinet/contacts.html", card=None, errors={}, fields=[], values={})
