"""The version of each feed of a portal: its ETag and when its content last changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.db.tables import FeedVersionRow


class FeedVersionRepository:
    def __init__(self, session: Session, portal_id: int) -> None:
        self.session = session
        self.portal_id = portal_id

    def changed_at(self, feed: str, etag: str, now: datetime) -> datetime:
        """When the feed last changed: ``now`` if ``etag`` differs from the stored one (it is
        stored), else the stored moment. The caller commits."""
        row = self.session.get(FeedVersionRow, (self.portal_id, feed))
        if row is None:
            row = FeedVersionRow(portal_id=self.portal_id, feed=feed, etag=etag, changed_at=now)
            self.session.add(row)
        elif row.etag != etag:
            row.etag, row.changed_at = etag, now
        return row.changed_at
