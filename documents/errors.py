"""Errors of document data: each names the field at fault and why, for one-line messages."""

from __future__ import annotations

from backend.domain.errors import DomainError


class InvalidDocumentData(DomainError):
    """Data a document or payment QR code cannot be built from; ``field`` names the culprit."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
