"""What the bulk services (imports, exports, the feed, the public API) need from storage.

``backend.db.uow.SqlUnitOfWork`` carries these repositories beside the ones of
``unit_of_work.UnitOfWork``; ``BulkUnitOfWork`` is that wider unit of work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from backend.domain.bulk import FeedContent
from backend.domain.money import Money
from backend.domain.payments import Payment
from backend.domain.premises import (
    Building,
    PersonalAccount,
    PremisesCard,
    PremisesFilter,
    Section,
)
from backend.domain.tenant_matching import (
    MatchDecision,
    TenantCard,
    TenantIndex,
    TenantKey,
    TenantRecord,
)
from backend.ports import Clock, RecordReader, SourceReader
from backend.services.unit_of_work import UnitOfWork


class EstateRepo(Protocol):
    def upsert_premises(self, cards: Sequence[PremisesCard]) -> tuple[int, int]: ...
    def premises_card(self, premises_id: int) -> PremisesCard: ...
    def save_premises(self, card: PremisesCard) -> None: ...
    def premises_page(
        self, *, after: int = 0, limit: int = 100, where: PremisesFilter | None = None
    ) -> list[PremisesCard]: ...
    def register(self) -> list[PremisesCard]: ...
    def taken_ids(self) -> set[int]: ...
    def upsert_buildings(self, buildings: Iterable[Building]) -> int: ...
    def upsert_sections(self, sections: Iterable[Section]) -> int: ...
    def descriptions(self) -> tuple[dict[tuple[str, str], str], dict[str, str]]: ...
    def addresses(self) -> dict[str, str]: ...
    def upsert_accounts(self, accounts: Sequence[PersonalAccount]) -> tuple[int, int]: ...
    def accounts_page(self, *, after: int = 0, limit: int = 100) -> list[PersonalAccount]: ...


class TenantBookRepo(Protocol):
    def index_for(self, external_ids: Iterable[str], phones: Iterable[str]) -> TenantIndex: ...
    def apply(
        self, decisions: Sequence[tuple[MatchDecision, TenantRecord, TenantKey]]
    ) -> dict[str, int]: ...
    def card(self, tenant_id: int) -> TenantCard: ...
    def page(self, *, after: int = 0, limit: int = 100, search: str = "") -> list[TenantCard]: ...
    def set_do_not_sync(self, tenant_id: int, flag: bool) -> None: ...


class ImportRunRepo(Protocol):
    def start(self, channel: str, source: str, trigger: str, at: datetime) -> int: ...
    def finish(
        self,
        run_id: int,
        at: datetime,
        *,
        status: str,
        counts: dict[str, int],
        warnings: list[str],
        error: str,
    ) -> None: ...
    def recent(self, limit: int = 20, *, before: int | None = None) -> list[dict[str, Any]]: ...
    def last_started(self, trigger: str) -> datetime | None: ...


class ApiKeyRepo(Protocol):
    def add(
        self, portal_id: int, key_hash: str, name: str, scopes: list[str], at: datetime
    ) -> int: ...
    def find(self, key_hash: str) -> tuple[int, int, list[str]] | None: ...
    def revoke(self, portal_id: int, key_id: int, at: datetime) -> bool: ...
    def list(self, portal_id: int) -> list[dict[str, Any]]: ...
    def answer(self, portal_id: int, key: str) -> tuple[str, int, dict[str, Any]] | None: ...
    def remember(
        self,
        portal_id: int,
        key: str,
        fingerprint: str,
        status_code: int,
        body: dict[str, Any],
        at: datetime,
    ) -> bool: ...


class PageRepo(Protocol):
    def ids(
        self,
        kind: str,
        *,
        after: int = 0,
        limit: int = 100,
        where: Mapping[str, object] | None = None,
    ) -> list[int]: ...
    def payments(
        self,
        *,
        after: int = 0,
        limit: int = 100,
        paid_from: date | None = None,
        paid_to: date | None = None,
    ) -> list[tuple[Payment, Money]]: ...


class FeedVersionRepo(Protocol):
    def changed_at(self, feed: str, etag: str, now: datetime) -> datetime: ...


class BulkUnitOfWork(UnitOfWork, Protocol):
    @property
    def estate(self) -> EstateRepo: ...
    @property
    def tenant_book(self) -> TenantBookRepo: ...
    @property
    def import_runs(self) -> ImportRunRepo: ...
    @property
    def api_keys(self) -> ApiKeyRepo: ...
    @property
    def pages(self) -> PageRepo: ...
    @property
    def feed_versions(self) -> FeedVersionRepo: ...


BulkUnitOfWorkFactory = Callable[[int | None], BulkUnitOfWork]

FeedRenderer = Callable[[FeedContent], tuple[bytes, list[str]]]  # the XML and the lots skipped


@dataclass(frozen=True)
class BulkPorts:
    """What the scheduled import and the ad feeds need beside the store: where import files
    come from and how they are read, and each ad site's feed writer (``cian``, ``avito``)."""

    uow: BulkUnitOfWorkFactory
    clock: Clock
    sources: SourceReader
    read_records: RecordReader
    feeds: Mapping[str, FeedRenderer]
