"""The tenant's contacts: name, address, phone and e-mails, editable (seed 003); a change
reaches the CRM through a task queued after the commit."""

from __future__ import annotations

from typing import Any, cast

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _

from backend.domain.errors import NotFound
from backend.services import cabinet_contacts
from backend.web.cabinet.blueprint import bp
from backend.web.cabinet.session import cabinet_view, container, current_person, current_tenant

FIELDS = (  # name, label, input type, autocomplete
    ("name", _("Name"), "text", "organization"),
    ("address", _("Address"), "text", "street-address"),
    ("phone", _("Phone"), "tel", "tel"),
    ("emails", _("E-mail addresses (comma-separated)"), "text", "email"),
)
ERRORS = {
    "name": _("Enter the name on one line, up to 255 characters."),
    "address": _("The address is too long."),
    "phone": _("Enter a phone number like +7 912 345-67-89."),
    "emails": _("Enter one to five e-mail addresses, like name@example.com."),
    "own_email": _("Keep the address you signed in with, or you will lose access."),
}


def _page(values: dict[str, str], errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    shown = {field: str(ERRORS[code]) for field, code in errors.items()}
    page = render_template(
        "cabinet/contacts.html", card=True, fields=FIELDS, values=values, errors=shown
    )
    return page, status


@bp.get("/contacts")
@cabinet_view()
def contacts() -> ResponseReturnValue:
    try:
        tenant = cabinet_contacts.contact_card(cast(Any, container().uow), current_tenant())
    except NotFound:
        abort(404)
    values = {"name": tenant.name, "address": tenant.address, "phone": tenant.phone,
              "emails": ", ".join(tenant.emails)}  # fmt: skip
    return _page(values, {})


@bp.post("/contacts")
@cabinet_view()
def save_contacts() -> ResponseReturnValue:
    person, built = current_person(), container()
    values = {name: request.form.get(name, "")[:2000] for name, *_ in FIELDS}
    form = cabinet_contacts.ContactForm(**values)
    try:
        cabinet_contacts.update_contacts(
            cast(Any, built.uow), built.clock, current_tenant(), person.email if person else "",
            form, built.tasks.contacts_changed,
        )  # fmt: skip
    except cabinet_contacts.ContactsRefused as refused:
        return _page(values, refused.errors, 400)
    except NotFound:
        abort(404)
    flash(gettext("Saved. Your landlord sees the new contacts."))
    return redirect(url_for("cabinet.contacts"), code=303)
