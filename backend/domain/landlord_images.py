"""A landlord's images printed on the shipped invoice and act: a logo in the header, the
stamp (печать) and the signatures (подписи) by the signatories. Optional, each stored as a
file under a key derived from the landlord entity's id."""

from __future__ import annotations

LOGO, STAMP = "logo", "stamp"
DIRECTOR_SIGNATURE, ACCOUNTANT_SIGNATURE = "signature_director", "signature_accountant"
ROLES = (LOGO, STAMP, DIRECTOR_SIGNATURE, ACCOUNTANT_SIGNATURE)
MAX_BYTES = 1024 * 1024  # 1 MB each
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


def image_key(landlord_id: int, role: str) -> str:
    """Where ``role``'s image of the landlord is stored (a ``DocumentStorage`` key)."""
    if role not in ROLES:
        raise ValueError(f"not a landlord image: {role!r}")
    return f"landlords/{int(landlord_id)}/{role}"
