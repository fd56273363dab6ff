"""The premises section: the register with a search, a premises' card with its leases, and
the form to add or change one (problems next to their fields, inline on blur as well).
Everyone of the portal sees the register; changing it is for administrators."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext

from backend.domain.errors import NotFound
from backend.domain.parties import PremisesKind
from backend.domain.premises import PremisesStatus
from backend.services.premises_desk import (
    BOUNDS,
    PremisesForm,
    PremisesFormInvalid,
    check_premises_form,
    find_premises,
    premises_form,
    premises_view,
    read_premises_form,
    save_premises,
)
from backend.web.deps import container
from backend.web.workspace import bp
from backend.web.workspace.pages import render_page
from backend.web.workspace.quantities import quantity_text
from backend.web.workspace.viewer import Viewer, current_viewer

_ = lazy_gettext
PREMISES_STATUS = {
    PremisesStatus.VACANT: _("Vacant"),
    PremisesStatus.BOOKED: _("Booked (premises)"),
    PremisesStatus.RENTED: _("Rented"),
}
PREMISES_KIND = {
    PremisesKind.OFFICE: _("Office"),
    PremisesKind.WAREHOUSE: _("Warehouse"),
    PremisesKind.RETAIL: _("Retail"),
    PremisesKind.SERVICE: _("Service room"),
    PremisesKind.OTHER: _("Other"),
}
PROBLEMS = {
    "missing": _("Required."),
    "number": _("A number, e.g. 42,5."),
    "positive": _("Must be above zero."),
    "negative": _("Cannot be negative."),
    "too_long": _("Too long."),
    "choice": _("Choose one of the list."),
    "taken": _("The register has premises with this number in this building already."),
    "invalid": _("Not a valid value."),
}


def _premises_id() -> int | None:
    raw = request.values.get("premises", "")
    return int(raw) if raw.isdigit() else None


def _page(
    template: str, viewer: Viewer, status: int = 200, **context: object
) -> ResponseReturnValue:
    return render_page(
        template, viewer, section="premises", status=status,
        premises_status=PREMISES_STATUS, premises_kind=PREMISES_KIND,
        **context,
    )  # fmt: skip


def render_register(viewer: Viewer, message: str = "") -> ResponseReturnValue:
    search = request.values.get("q", "").strip()
    status = request.values.get("status", "")
    status = status if status in set(PremisesStatus) else ""
    with container().uow(viewer.portal_id) as uow:
        lines = find_premises(uow, search, status)
    return _page(
        "workspace/premises.html", viewer, lines=lines, search=search, chosen=status,
        message=message,
    )  # fmt: skip


@bp.get("/premises", endpoint="premises")
def premises_list_view() -> ResponseReturnValue:
    """The register, narrowed by ``q`` and ``status``."""
    return render_register(current_viewer(container()))


@bp.get("/premises/card", endpoint="premises_card")
def premises_card_view() -> ResponseReturnValue:
    """One premises with its leases."""
    viewer = current_viewer(container())
    try:
        with container().uow(viewer.portal_id) as uow:
            view = premises_view(uow, _premises_id() or 0)
    except NotFound:
        return render_register(viewer, gettext("These premises are no longer in the register."))
    return _page("workspace/premises_card.html", viewer, view=view)


def _render_form(viewer: Viewer, form: PremisesForm, status: int = 200) -> ResponseReturnValue:
    return _page("workspace/premises_form.html", viewer, status, form=form, errors=_texts(form))


@bp.get("/premises/form", endpoint="premises_form")
def premises_form_view() -> ResponseReturnValue:
    """An empty form, or the stored premises' to change (administrators)."""
    viewer = current_viewer(container(), admin=True)
    try:
        with container().uow(viewer.portal_id) as uow:
            form = premises_form(uow, _premises_id())
    except NotFound:
        return render_register(viewer, gettext("These premises are no longer in the register."))
    return _render_form(viewer, form)


@bp.post("/premises/save", endpoint="save_premises")
def save_premises_view() -> ResponseReturnValue:
    """Save: back to the register, or the form with every problem and what was typed (422)."""
    viewer = current_viewer(container(), admin=True)
    c = container()
    form = read_premises_form(request.form, _premises_id())
    invalid: PremisesForm | None = None
    try:
        with c.uow(viewer.portal_id) as uow:
            save_premises(uow, c.clock, form)
            uow.commit()
    except PremisesFormInvalid as err:
        invalid = err.form
    except NotFound:
        return render_register(viewer, gettext("These premises are no longer in the register."))
    if invalid is not None:
        return _render_form(viewer, invalid, 422)
    saved = gettext("Saved: premises %(number)s", number=form.values["number"])
    return render_register(viewer, saved)


@bp.post("/premises/validate", endpoint="validate_premises")
def validate_premises_view() -> ResponseReturnValue:
    """The form's problems as JSON ``{"errors": {field: text}}``, for the inline check."""
    current_viewer(container(), admin=True)
    form = check_premises_form(read_premises_form(request.form))
    return {"errors": _texts(form)}


def _texts(form: PremisesForm) -> dict[str, str]:
    return {name: _text(name, code) for name, code in form.problems.items()}


def _text(name: str, code: str) -> str:
    bound = BOUNDS.get(name)
    if bound is not None:
        expected = f"{bound.largest:f}" if code == "too_large" else str(bound.places)
        if (text := quantity_text(code, expected)) is not None:
            return text
    return str(PROBLEMS.get(code, PROBLEMS["invalid"]))
