"""The settings section (administrators): billing mode, the overdue chain and its delays,
the tenant's reminders, the 1C connection (the password write-only: never shown, kept when
left empty), the wording of the tenant's documents email, the due-date reminder and the
overdue step, each with a preview, and the portal's billing runs with
"run now" (the run is queued the way the operator's page queues it and done by a worker;
the page shows its progress as the runs table fills)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext

from backend.services.mail_templates import MAIL_KINDS, OVERDUE, PAYMENT_DUE, TENANT_DOCUMENTS
from backend.services.workspace_settings import (
    CHAIN_ROWS,
    SettingsForm,
    SettingsInvalid,
    check_settings_form,
    preview,
    read_settings_form,
    save_settings,
    settings_form,
)
from backend.web.deps import container
from backend.web.workspace import bp
from backend.web.workspace.pages import render_page
from backend.web.workspace.viewer import Viewer, current_viewer

_ = lazy_gettext
RUNS_SHOWN = 10
PROBLEMS = {
    "choice": _("Choose one of the list."),
    "no_billing_pipeline": _("Choose the billing pipeline on the Pipelines tab first."),
    "days_list": _("Whole numbers of days from 0 to 60, separated by commas: 3, 0."),
    "days_1_365": _("A whole number of days from 1 to 365."),
    "days_1_366": _("A whole number of days from 1 to 366."),
    "order": _("Steps go in the order of their days."),
    "missing": _("Required."),
    "placeholder": _("Only these placeholders: %(names)s."),
    "braces": _("A brace is not closed: write placeholders as {lease_number}."),
    "url": _("Must be an http(s) address."),
    "email": _("Not an e-mail address."),
    "invalid": _("Not a valid value."),
}
AUDIENCE = {
    "manager": _("the manager"),
    "supervisor": _("the manager's supervisor"),
    "accountant": _("the accountant"),
}
RUN_STATUS = {
    "running": _("running"),
    "done": _("done"),
    "failed": _("finished with errors"),
    "interrupted": _("interrupted"),
}
MAIL_LEGENDS = {
    TENANT_DOCUMENTS.prefix: _("E-mail to the tenant"),
    PAYMENT_DUE.prefix: _("Reminder of a due date, to the tenant"),
    OVERDUE.prefix: _("Overdue invoice, a step of the chain"),
}
PLACEHOLDERS = {
    kind.prefix: ", ".join(f"{{{n}}}" for n in kind.placeholders) for kind in MAIL_KINDS
}
_KIND_OF_FIELD = {
    f"{kind.prefix}_{part}": kind.prefix for kind in MAIL_KINDS for part in ("subject", "body")
}


def _viewer() -> Viewer:
    return current_viewer(container(), admin=True)


def _texts(form: SettingsForm) -> dict[str, str]:
    return {
        name: str(PROBLEMS.get(code, PROBLEMS["invalid"]))
        % {"names": PLACEHOLDERS.get(_KIND_OF_FIELD.get(name, ""), "")}
        for name, code in form.problems.items()
    }


def render_settings(
    viewer: Viewer, form: SettingsForm | None = None, status: int = 200, **context: Any
) -> ResponseReturnValue:
    with container().uow(viewer.portal_id) as uow:
        stored = uow.portals.get(viewer.portal_id).settings
        runs = uow.runs.recent(RUNS_SHOWN)
    form = form or settings_form(stored)
    return render_page(
        "workspace/settings.html", viewer, section="settings", status=status, form=form,
        errors=_texts(form), chain_rows=range(CHAIN_ROWS), audience=AUDIENCE, runs=runs,
        run_status=RUN_STATUS, placeholders=PLACEHOLDERS, mail_kinds=MAIL_KINDS,
        mail_legends=MAIL_LEGENDS,
        billing_pipeline=stored.get("billing_pipeline", ""), today=container().clock.today(),
        **context,
    )  # fmt: skip


@bp.get("/settings", endpoint="settings")
def settings_view() -> ResponseReturnValue:
    return render_settings(_viewer(), queued=request.args.get("queued") == "1")


@bp.post("/settings/save", endpoint="save_settings")
def save_settings_view() -> ResponseReturnValue:
    """Save the whole form or nothing; problems by their fields, what was typed kept (422);
    the password field is never filled back."""
    viewer = _viewer()
    c = container()
    form = read_settings_form(request.form)
    password = request.form.get("onec_password", "")
    try:
        with c.uow(viewer.portal_id) as uow:
            saved = save_settings(uow, c.clock, viewer.portal_id, form, password)
            uow.commit()
    except SettingsInvalid as err:
        return render_settings(viewer, err.form, 422)
    return render_settings(viewer, saved, message=gettext("Settings saved."))


@bp.post("/settings/validate", endpoint="validate_settings")
def validate_settings_view() -> ResponseReturnValue:
    """The form's problems as JSON ``{"errors": {field: text}}``, for the inline check;
    nothing saved."""
    viewer = _viewer()
    form = read_settings_form(request.form)
    with container().uow(viewer.portal_id) as uow:
        check_settings_form(form, uow.portals.get(viewer.portal_id).settings)
    return {"errors": _texts(form)}


@bp.post("/settings/preview", endpoint="preview_mail")
def preview_view() -> ResponseReturnValue:
    """The email the ``preview`` button names (the tenant's documents, the due-date reminder,
    the overdue step) as its typed template would read for a sample lease; a template that
    cannot be used is named by its field (422). Nothing is saved."""
    viewer = _viewer()
    form = read_settings_form(request.form)
    chosen = request.form.get("preview", "")
    kind = next((k for k in MAIL_KINDS if k.prefix == chosen), TENANT_DOCUMENTS)
    try:
        subject, body = preview(form, kind)
    except SettingsInvalid as err:
        return render_settings(viewer, err.form, 422)
    return render_settings(
        viewer, form, preview_kind=kind.prefix, preview_subject=subject, preview_body=body
    )


@bp.post("/settings/run", endpoint="run_billing")
def run_now_view() -> ResponseReturnValue:
    """Queue this portal's billing run for today, as the nightly run does."""
    viewer = _viewer()
    c = container()
    c.tasks.billing_run_portal(viewer.portal_id, c.clock.today().isoformat())
    return render_settings(viewer, queued=True)
