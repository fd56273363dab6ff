"""A landlord's logo, stamp and signatures: checked where they enter (PNG or JPEG, at most
1 MB, and Pillow must read it as such an image: a renamed file is refused), stored with the
document storage under the landlord's keys, and printed by the shipped invoice and act
(``documents.stamps``). Every image is optional; one can be replaced or removed."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable, Mapping

from PIL import Image, UnidentifiedImageError

from backend.domain.errors import DomainError
from backend.domain.landlord_images import FORMATS, MAX_BYTES, ROLES, image_key
from backend.ports import Clock, DocumentStorage
from backend.services.unit_of_work import UnitOfWork

MAX_SIDE = 5000  # pixels: a stamp scanned at 600 dpi is about 1000


class ImagesInvalid(DomainError):
    """Some uploads cannot be taken; ``problems``: role -> ``too_big``, ``empty``,
    ``not_image``, ``format`` or ``too_large_image``. Nothing was stored."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = dict(problems)


def image_problem(data: bytes) -> str:
    """``""`` for a PNG or JPEG of at most 1 MB that Pillow reads, else what is wrong."""
    if not data:
        return "empty"
    if len(data) > MAX_BYTES:
        return "too_big"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in FORMATS:
                    return "format"
                if max(image.size) > MAX_SIDE:
                    return "too_large_image"
                image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return "not_image"
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        return "too_large_image"
    return ""


def stored_images(storage: DocumentStorage, landlord_id: int) -> set[str]:
    """The roles the landlord has an image for."""
    prefix = f"landlords/{int(landlord_id)}"
    return {key.rsplit("/", 1)[-1] for key, _ in storage.stored(prefix)} & set(ROLES)


def save_images(
    uow: UnitOfWork,
    storage: DocumentStorage,
    clock: Clock,
    landlord_id: int,
    uploads: Mapping[str, bytes],
    remove: Iterable[str] = (),
) -> set[str]:
    """Store the uploaded images (role -> bytes) and remove the ``remove`` roles, after
    every upload is checked (``ImagesInvalid``: none stored). ``NotFound`` for another
    portal's landlord. The caller commits the audit entry. Returns the roles stored now."""
    uow.parties.landlord(landlord_id)  # this portal's, or NotFound
    unknown = sorted((set(uploads) | set(remove)) - set(ROLES))
    if unknown:
        raise ImagesInvalid(dict.fromkeys(unknown, "format"))
    problems = {role: p for role, data in uploads.items() if (p := image_problem(data))}
    if problems:
        raise ImagesInvalid(problems)
    for role, data in uploads.items():
        storage.put(image_key(landlord_id, role), data)
    dropped = sorted(set(remove) - set(uploads))
    for role in dropped:
        storage.delete(image_key(landlord_id, role))
    if uploads or dropped:
        uow.audit.record(clock.now(), "landlord.images_changed", "landlord", landlord_id,
                         {"stored": sorted(uploads), "removed": dropped})  # fmt: skip
    return stored_images(storage, landlord_id)
