"""Document links: global lookup by token (the public URL names no portal)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.db.batching import in_chunks
from backend.db.tables import DocumentLinkRow
from backend.domain.links import DocumentLink


def _from_row(row: DocumentLinkRow) -> DocumentLink:
    return DocumentLink(
        token=row.token,
        portal_id=row.portal_id,
        document_id=row.document_id,
        role=row.role,
        storage_key=row.storage_key,
        filename=row.filename,
        created_at=row.created_at,
        content_type=row.content_type,
        revoked_at=row.revoked_at,
    )


class DocumentLinkRepository:
    """Links of every portal; a token is globally unique."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, link: DocumentLink) -> None:
        self.session.add(DocumentLinkRow(**asdict(link)))  # inserted with the others at flush

    def get(self, token: str) -> DocumentLink | None:
        row = self.session.get(DocumentLinkRow, token)
        return _from_row(row) if row is not None else None

    def for_document(self, portal_id: int, document_id: int) -> list[DocumentLink]:
        rows = self.session.scalars(
            select(DocumentLinkRow)
            .where(
                DocumentLinkRow.portal_id == portal_id,
                DocumentLinkRow.document_id == document_id,
            )
            .order_by(DocumentLinkRow.created_at, DocumentLinkRow.role)
        )
        return [_from_row(row) for row in rows]

    def for_documents(
        self, portal_id: int, document_ids: Sequence[int]
    ) -> dict[int, list[DocumentLink]]:
        """Document id -> its links (as ``for_document``), in one query per 500 documents."""
        found: dict[int, list[DocumentLink]] = {i: [] for i in document_ids}
        ids = sorted(found)
        for chunk in in_chunks(ids):
            rows = self.session.scalars(
                select(DocumentLinkRow)
                .where(
                    DocumentLinkRow.portal_id == portal_id,
                    DocumentLinkRow.document_id.in_(chunk),
                )
                .order_by(DocumentLinkRow.created_at, DocumentLinkRow.role)
            )
            for row in rows:
                found[row.document_id].append(_from_row(row))
        return found

    def storage_keys(self, portal_id: int) -> set[str]:
        """The file of every link of the portal, revoked ones included."""
        query = select(DocumentLinkRow.storage_key).where(DocumentLinkRow.portal_id == portal_id)
        return set(self.session.scalars(query))

    def revoke(self, portal_id: int, document_id: int, at: datetime) -> int:
        """Revoke every active link of the document; return how many."""
        result = self.session.execute(
            update(DocumentLinkRow)
            .where(
                DocumentLinkRow.portal_id == portal_id,
                DocumentLinkRow.document_id == document_id,
                DocumentLinkRow.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def revoke_portal(self, portal_id: int, at: datetime) -> int:
        """Revoke every active link of the portal (it was uninstalled); return how many."""
        result = self.session.execute(
            update(DocumentLinkRow)
            .where(DocumentLinkRow.portal_id == portal_id, DocumentLinkRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
