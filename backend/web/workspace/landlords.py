"""The landlords section of the workspace: add and edit a landlord (исполнитель).

Server-rendered pages with plain forms, on purpose: the frame is a page of rentflow inside
the CRM, every request must carry the signed workspace token anyway, and a plain form
keeps working without JS, keeps what was typed on an error, and needs no build step or
bundle. A few lines of JS (``static/rentflow-forms.js``) post the form to ``validate`` when a
field loses focus, so a wrong INN is shown next to its field well within a second, before the
form is sent. Every request is one service call; the page is drawn after the unit of work is
closed, so an error never holds a transaction open.
"""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext

from backend.domain.errors import NotFound
from backend.services.bank_directory import Known
from backend.services.landlords import (
    TEXT_FIELDS,
    LandlordForm,
    LandlordFormInvalid,
    Problem,
    bank_of,
    check_landlord_form,
    landlord_form,
    list_landlords,
    read_form,
    save_landlord_form,
)
from backend.web.deps import container
from backend.web.workspace import bp
from backend.web.workspace import settings_images as images
from backend.web.workspace.pages import render_page
from backend.web.workspace.viewer import Viewer, current_viewer

_ = lazy_gettext
# what each check's code means, said to a person; {expected} is what the check wanted
MESSAGES = {
    "missing": _("Required."),
    "digits": _("Digits only."),
    "length": _("Must have %(expected)s digits."),
    "control": _("The control digits do not match: check the number."),
    "format": _("Must be 9 characters: 4 digits, 2 digits or capitals, 3 digits."),
    "bic_country": _("A Russian BIC starts with 04."),
    "account_key": _("The control key does not match this BIC: check the account and the BIC."),
    "corr_prefix": _("A correspondent account starts with 301."),
    "corr_bic": _("Must end with the last 3 digits of the BIC."),
    "ogrn_kind": _("Must have %(expected)s digits for this INN."),
    "email": _("Not an e-mail address."),
    "too_long": _("Too long: at most %(expected)s characters."),
    "invalid": _("Not a valid value."),
    "corr_directory": _(
        "The Bank of Russia's BIC directory gives this bank the correspondent account %(expected)s."
    ),
    "bic_unknown": _("BIC not found in the Bank of Russia's directory"),
    "bic_found": _("%(expected)s — from the Bank of Russia's BIC directory"),
    "account_twice": _("This account is already listed above."),
    "default_removed": _("The default account cannot be removed: make another one the default."),
    "account_in_use": _(
        "Leases %(expected)s are paid to this account: pick another account on their cards first."
    ),
}


def problem_text(problem: Problem) -> str:
    """A problem in the viewer's language."""
    return str(MESSAGES.get(problem.code, MESSAGES["invalid"])) % {"expected": problem.expected}


def _viewer() -> Viewer:
    return current_viewer(container(), admin=True)


def _landlord_id() -> int | None:
    raw = request.values.get("landlord", "")
    return int(raw) if raw.isdigit() else None


def render_landlords(viewer: Viewer, message: str = "") -> ResponseReturnValue:
    """The landlords section: the portal's landlords by name, INN and bank."""
    c = container()
    with c.uow(viewer.portal_id) as uow:
        landlords = list_landlords(uow)
    return render_page(
        "workspace/landlords.html", viewer, section="landlords",
        landlords=landlords, message=message, year=c.clock.today().year,
    )  # fmt: skip


def _render_form(
    viewer: Viewer, form: LandlordForm, status: int = 200, more: dict[str, str] | None = None
) -> ResponseReturnValue:
    errors = {name: problem_text(p) for name, p in form.problems.items()} | (more or {})
    notes = {name: problem_text(p) for name, p in form.notes.items()}
    return render_page(
        "workspace/landlord_form.html", viewer, section="landlords", status=status,
        form=form, errors=errors, notes=notes, fields=TEXT_FIELDS,
    )  # fmt: skip


@bp.get("/landlords", endpoint="landlords")
def landlords_view() -> ResponseReturnValue:
    """The portal's landlords (administrators only)."""
    return render_landlords(_viewer())


@bp.get("/landlords/form", endpoint="landlord_form")
def landlord_form_view() -> ResponseReturnValue:
    """An empty form for a new landlord, or the stored one's to edit."""
    viewer = _viewer()
    landlord_id = _landlord_id()
    if landlord_id is None:
        return _render_form(viewer, read_form({"vat_payer": "1"}))
    try:
        with container().uow(viewer.portal_id) as uow:
            form = landlord_form(uow, landlord_id)
    except NotFound:
        return render_landlords(viewer, gettext("This landlord no longer exists."))
    return _render_form(viewer, form)


@bp.post("/landlords/save", endpoint="save_landlord")
def save_landlord_view() -> ResponseReturnValue:
    """Save the form: back to the list, or the same form with every problem and what was
    typed (422)."""
    viewer = _viewer()
    c = container()
    form = read_form(request.form, _landlord_id())
    uploads, remove = images.read_uploads()
    if bad_images := images.upload_errors(uploads):
        with c.uow(viewer.portal_id) as uow:  # the landlord's stored accounts: in use?
            checked = check_landlord_form(uow, form)
        return _render_form(viewer, checked, 422, bad_images)
    invalid: LandlordForm | None = None
    try:
        with c.uow(viewer.portal_id) as uow:
            landlord_id = save_landlord_form(uow, c.clock, form)
            images.store_uploads(uow, landlord_id, uploads, remove)
            uow.commit()
    except LandlordFormInvalid as err:
        invalid = err.form
    except NotFound:
        return render_landlords(viewer, gettext("This landlord no longer exists."))
    if invalid is not None:
        return _render_form(viewer, invalid, 422)
    return render_landlords(viewer, gettext("Saved: %(name)s", name=form.values["name"]))


@bp.post("/landlords/validate", endpoint="validate_landlord")
def validate_landlord_view() -> ResponseReturnValue:
    """The form's problems as JSON ``{"errors": {field: text}}``, for the inline check."""
    viewer = _viewer()
    with container().uow(viewer.portal_id) as uow:  # the landlord's stored accounts: in use?
        form = check_landlord_form(uow, read_form(request.form, _landlord_id()))
    return {"errors": {name: problem_text(p) for name, p in form.problems.items()}}


@bp.post("/landlords/bank", endpoint="landlord_bank")
def landlord_bank_view() -> ResponseReturnValue:
    """What the BIC directory says of the form's БИК, for the form to fill the bank's name and
    correspondent account when the БИК field is left: ``{"known": "found", "bank": {...},
    "note": text}``, ``{"known": "unknown", "note": text}`` or ``{"known": "no_directory"}``
    (then only the БИК's digits are checked, by ``validate``)."""
    _viewer()
    bic = " ".join(request.form.get("bank_bic", "").split())
    with container().uow(None) as uow:
        lookup = bank_of(uow, bic)
    if lookup is None or lookup.known is Known.NO_DIRECTORY:
        return {"known": Known.NO_DIRECTORY.value, "note": ""}
    if lookup.bank is None:
        return {"known": lookup.known.value, "note": problem_text(Problem("bic_unknown"))}
    bank = lookup.bank
    place = ", ".join(filter(None, (bank.name, bank.place)))
    return {
        "known": lookup.known.value,
        "bank": {"name": bank.name, "corr_account": bank.corr_account, "place": bank.place},
        "note": problem_text(Problem("bic_found", place)),
    }
