"""The landlord form's images block: an optional logo, stamp and signatures, uploaded with
the form (``multipart/form-data``), checked before anything is saved (a problem is shown
next to its file field), stored with the document storage and printed by the shipped
invoice and act. The landlord form's view calls ``read_uploads``, ``upload_errors`` and
``store_uploads``; the block's template is ``workspace/settings_landlord_images.html``."""

from __future__ import annotations

from flask import Response, abort, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from backend.domain.landlord_images import MAX_BYTES, ROLES, image_key
from backend.services.landlord_images import image_problem, save_images, stored_images
from backend.services.unit_of_work import UnitOfWork
from backend.web.deps import container
from backend.web.workspace import bp
from backend.web.workspace.viewer import current_viewer

_ = lazy_gettext
LABELS = {
    "logo": _("Logo"),
    "stamp": _("Stamp"),
    "signature_director": _("Director's signature"),
    "signature_accountant": _("Chief accountant's signature"),
}
PROBLEMS = {
    "too_big": _("The file is over 1 MB."),
    "empty": _("The file is empty."),
    "not_image": _("Not a PNG or JPEG picture."),
    "format": _("Only PNG or JPEG."),
    "too_large_image": _("The picture is too large: at most 5000 pixels a side."),
}


def read_uploads() -> tuple[dict[str, bytes], list[str]]:
    """The images sent with the form (role -> bytes; at most 1 MB + 1 byte read of each)
    and the roles ticked for removal."""
    uploads = {}
    for role in ROLES:
        upload = request.files.get(f"image_{role}")
        if upload is not None and upload.filename:
            uploads[role] = upload.stream.read(MAX_BYTES + 1)
    remove = [role for role in ROLES if request.form.get(f"remove_{role}") == "1"]
    return uploads, remove


def upload_errors(uploads: dict[str, bytes]) -> dict[str, str]:
    """Field name -> the problem in the viewer's language."""
    return {f"image_{role}": str(PROBLEMS[p]) for role, data in uploads.items()
            if (p := image_problem(data))}  # fmt: skip


def store_uploads(
    uow: UnitOfWork, landlord_id: int, uploads: dict[str, bytes], remove: list[str]
) -> None:
    """Store and remove the images of the landlord just saved (the caller commits)."""
    c = container()
    save_images(uow, c.document_storage(), c.clock, landlord_id, uploads, remove)


@bp.app_template_global("landlord_images")
def landlord_images(landlord_id: int | None) -> list[tuple[str, str, bool]]:
    """(role, label, stored) of each image, for the form's block."""
    stored = stored_images(container().document_storage(), landlord_id) if landlord_id else set()
    return [(role, str(LABELS[role]), role in stored) for role in ROLES]


@bp.get("/landlords/image", endpoint="landlord_image")
def landlord_image_view() -> ResponseReturnValue:
    """A stored image of one of the portal's landlords, for the form's preview."""
    c = container()
    viewer = current_viewer(c, admin=True)
    raw, role = request.args.get("landlord", ""), request.args.get("role", "")
    if not raw.isdigit() or role not in ROLES:
        abort(404)
    with c.uow(viewer.portal_id) as uow:
        ours = {e.id for e in uow.parties.landlords()}
    if int(raw) not in ours or role not in stored_images(c.document_storage(), int(raw)):
        abort(404)
    data = b"".join(c.document_storage().stream(image_key(int(raw), role)))
    kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return Response(data, mimetype=kind, headers={"X-Content-Type-Options": "nosniff"})
