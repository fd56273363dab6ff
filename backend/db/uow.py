"""The SQLAlchemy unit of work: one transaction, repositories bound to one portal."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from backend.db.api_keys import ApiKeyRepository
from backend.db.audit_repo import AuditRepository
from backend.db.banks_repo import BankDirectoryRepository
from backend.db.cabinet_repo import CabinetRepository
from backend.db.channels_repo import ChannelRepository
from backend.db.crypto import TokenCipher
from backend.db.documents_repo import DocumentRepository
from backend.db.estate import EstateRepository
from backend.db.feed_versions import FeedVersionRepository
from backend.db.import_runs import ImportRunRepository
from backend.db.lease_events import LeaseEventRepository
from backend.db.leases_repo import LeaseRepository
from backend.db.links import DocumentLinkRepository
from backend.db.mappings_repo import MappingRepository
from backend.db.numbering import NumberCounterRepository
from backend.db.outbox_repo import OutboxRepository
from backend.db.pages import PageRepository
from backend.db.parties_repo import PartyRepository
from backend.db.payments_repo import PaymentRepository
from backend.db.portal_cache import PortalCache
from backend.db.portals_repo import PortalRepository
from backend.db.requests_repo import AnnouncementRepository, RequestRepository
from backend.db.runs_repo import BillingRunRepository
from backend.db.schedule_repo import ScheduleRepository
from backend.db.tenant_book import TenantBookRepository
from backend.domain.errors import NotFound


class SqlUnitOfWork:
    """``with uow:`` opens a session; ``commit()`` ends the transaction; leaving rolls back.

    Bound to ``portal_id``: every scoped repository filters by it, so code running for one
    portal cannot reach another's rows. ``portal_id`` None gives only the global repositories
    (portals, outbox, audit, runs) and raises on scoped ones.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        portal_id: int | None = None,
        secrets: TokenCipher | None = None,
        portal_cache: PortalCache | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._portal_cache = portal_cache
        self.portal_id = portal_id
        self._secrets = secrets
        self._after_commit: list[Callable[[], None]] = []

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.portals = PortalRepository(self.session, self._portal_cache)
        self.outbox = OutboxRepository(self.session)
        self.audit = AuditRepository(self.session, self.portal_id)
        self.runs = BillingRunRepository(self.session, self.portal_id)
        self.links = DocumentLinkRepository(self.session)
        self.api_keys = ApiKeyRepository(self.session)
        self.channels = ChannelRepository(self.session)
        self.cabinet = CabinetRepository(self.session)  # the tenant cabinet: across portals
        self.banks = BankDirectoryRepository(self.session)  # the BIC directory: one for all
        if self.portal_id is not None:
            pid = self.portal_id
            self.parties = PartyRepository(self.session, pid)
            self.leases = LeaseRepository(self.session, pid)
            self.documents = DocumentRepository(self.session, pid)
            self.payments = PaymentRepository(self.session, pid)
            self.mappings = MappingRepository(self.session, pid)
            self.schedule = ScheduleRepository(self.session, pid)
            self.numbers = NumberCounterRepository(self.session, pid)
            self.lease_events = LeaseEventRepository(self.session, pid)
            self.estate = EstateRepository(self.session, pid)
            self.tenant_book = TenantBookRepository(self.session, pid)
            self.import_runs = ImportRunRepository(self.session, pid)
            self.pages = PageRepository(self.session, pid)
            self.feed_versions = FeedVersionRepository(self.session, pid)
            self.tenant_requests = RequestRepository(self.session, pid)
            self.announcements = AnnouncementRepository(self.session, pid)
        return self

    @property
    def secrets(self) -> TokenCipher:
        """What seals a secret before it is written (1C password): the app's Fernet key."""
        if self._secrets is None:
            raise RuntimeError("this unit of work was built without FERNET_KEY")
        return self._secrets

    def __getattr__(self, name: str) -> object:
        # only reached for repositories not set because no portal was given
        if name in {
            "parties",
            "leases",
            "documents",
            "payments",
            "mappings",
            "schedule",
            "numbers",
            "lease_events",
            "estate",
            "tenant_book",
            "import_runs",
            "pages",
            "feed_versions",
            "tenant_requests",
            "announcements",
        }:
            raise NotFound(f"the {name} repository needs a portal-scoped unit of work")
        raise AttributeError(name)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()
        self._after_commit.clear()

    def commit(self) -> None:
        self.audit.write()
        self.session.commit()
        if self.portals.changed and self._portal_cache is not None:
            self._portal_cache.clear()
            self.portals.changed = False
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def rollback(self) -> None:
        self.audit.discard()
        self.session.rollback()
        self._after_commit.clear()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once this transaction commits (e.g. send a Celery task)."""
        self._after_commit.append(callback)


class UnitOfWorkFactory:
    """Makes units of work on one engine; ``factory(portal_id)``."""

    def __init__(self, engine: Engine, secrets: TokenCipher | None = None) -> None:
        self.engine = engine
        self.session_factory = sessionmaker(engine, expire_on_commit=False)
        self.secrets = secrets
        self.portal_cache = PortalCache()

    def __call__(self, portal_id: int | None = None) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.session_factory, portal_id, secrets=self.secrets, portal_cache=self.portal_cache
        )
