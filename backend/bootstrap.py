"""Composition root: builds settings, the unit-of-work factory, the CRM registry, the clock and
the other adapters once, for the web app, the jobs, the CLI and the tests.

Nothing here runs at import time; ``bootstrap()`` is called by each entry point.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from backend.config import Settings
from backend.db.base import make_engine
from backend.db.crypto import TokenCipher
from backend.db.token_store import DbTokenStore
from backend.db.uow import UnitOfWorkFactory
from backend.domain.portal import Portal
from backend.ports import Clock, DocumentStorage, Mailer, NotificationChannel, SystemClock, Tasks
from backend.queued_tasks import QueuedTasks
from crm_mappings.port import CrmPort
from crm_mappings.tokens import TokenStore
from documents.storage import LocalDiskStorage

if TYPE_CHECKING:
    from celery import Celery

    from backend.runtime.health import CachedHealth
    from backend.runtime.publish import FastPublisher
    from backend.runtime.supervisor import Supervised
    from backend.services.billing_ports import BillingPorts
    from backend.services.bulk_ports import BulkPorts
    from backend.services.document_links import DocumentRendering
    from backend.services.installation import InstallPorts
    from backend.services.onec_runs import OneCClient, OneCPorts
    from backend.telegram.client import TelegramClient
    from crm_mappings.amocrm.lifecycle import AmoAccounts

CrmFactory = Callable[["Container", Portal], CrmPort]
AdapterFactory = Callable[[Settings, TokenStore, Clock, Portal], CrmPort]
_BUILDING = threading.Lock()


@dataclass
class BrokerConnections:
    """The broker connections a container opens on first use and closes in ``dispose``; one
    holder that ``dataclasses.replace`` copies share, so the original's ``dispose`` closes what
    a copy opened."""

    celery_producer: Celery | None = None
    fast_publisher: FastPublisher | None = None


@dataclass
class Container:
    """Everything an entry point needs, built once per process."""

    settings: Settings
    engine: Engine
    uow: UnitOfWorkFactory
    clock: Clock
    cipher: TokenCipher
    crm_factories: dict[str, CrmFactory] = field(default_factory=dict)
    # where rendered documents go and what renders them: built on first use, or set by a
    # test or the benchmark before that
    storage: DocumentStorage | None = None
    rendering: DocumentRendering | None = None
    # tests and the demo route what ``tasks`` queues here, as (task name, *args), instead of
    # to the broker
    task_sender: Callable[..., None] | None = None
    # the worker ``rentflow serve`` supervises, whose state /healthz reports (in a web process
    # of several, read from the file the supervisor writes)
    worker_supervisor: Supervised | None = None
    # /healthz's cached checks, built by its first call
    health: CachedHealth | None = None
    broker: BrokerConnections = field(default_factory=BrokerConnections, repr=False)

    def token_store(self, portal_id: int) -> DbTokenStore:
        return DbTokenStore(self.uow.session_factory, portal_id, self.cipher)

    def portal_tokens(self, portal: Portal) -> DbTokenStore:
        """The stored tokens of ``portal``; a portal not stored yet has none."""
        if portal.id is None:
            raise LookupError("a portal without id has no tokens")
        return self.token_store(portal.id)

    def crm(self, portal: Portal) -> CrmPort:
        """The CRM adapter for ``portal``, chosen by its kind (redash-style registry)."""
        try:
            factory = self.crm_factories[portal.kind]
        except KeyError:
            raise LookupError(f"no CRM adapter registered for {portal.kind!r}") from None
        return factory(self, portal)

    def document_storage(self) -> DocumentStorage:
        """Where rendered documents are stored: local disk unless ``storage`` holds another."""
        if self.storage is None:
            self.storage = LocalDiskStorage(self.settings.documents_dir)
        return self.storage

    def document_rendering(self) -> DocumentRendering:
        """The PDF renderer, built once per process (WeasyPrint and ReportLab are imported only
        here)."""
        if self.rendering is None:
            from documents.publishing import PdfDocuments
            from documents.render import DocumentRenderer

            renderer = DocumentRenderer(
                self.settings.document_templates_dir, self.settings.document_pdf_engine
            )
            from documents.stamps import StoredImages

            images = StoredImages(self.document_storage())
            self.rendering = PdfDocuments(renderer, images=images)
        return self.rendering

    def link_url(self, token: str) -> str:
        """The public URL of a document link token (signed with ``SECRET_KEY``)."""
        from documents.links import LinkSigner

        return LinkSigner(self.settings.secret_key).url(self.settings.public_base_url, token)

    def request_file_url(self, portal_id: int, request_id: int, file_id: int) -> str:
        """The signed, expiring address of a tenant request's file (for the manager's task)."""
        from documents.links import RequestFileSigner

        signer = RequestFileSigner(self.settings.secret_key)
        return signer.url(self.settings.public_base_url, portal_id, request_id, file_id)

    def billing_ports(self) -> BillingPorts:
        """What the billing run needs, from this container."""
        from backend.services.billing_ports import BillingPorts

        return BillingPorts(
            uow=self.uow,
            clock=self.clock,
            rendering=self.document_rendering(),
            storage=self.document_storage(),
            link_url=self.link_url,
            crm_for=self.crm_for_portal,
            queue_event=self.queue_lease_event,
        )

    def bulk_ports(self) -> BulkPorts:
        """What the scheduled import and the ad feeds need, from this container."""
        from backend.bulk.sources import RemoteFiles
        from backend.bulk.wiring import IMPORT_MAX_BYTES, RENDERERS, xml_reader
        from backend.services.bulk_ports import BulkPorts

        return BulkPorts(
            uow=self.uow,
            clock=self.clock,
            sources=RemoteFiles(IMPORT_MAX_BYTES, allow_private=self.settings.sandbox),
            read_records=xml_reader(),
            feeds=RENDERERS,
        )

    def onec_ports(self) -> OneCPorts:
        """What the 1C jobs need: OData clients from a portal's settings, the sealing of a plain
        password, the export files beside the documents."""
        from backend.onec.credentials import sealed_settings
        from backend.services.onec_runs import OneCPorts

        return OneCPorts(
            uow=self.uow,
            clock=self.clock,
            files=self.document_storage(),
            odata=self._odata_client,
            seal=lambda settings: sealed_settings(settings, self.cipher),
            queue_event=self.queue_lease_event,
            queue_news=self.queue_payment_news,
        )

    def _odata_client(self, portal_settings: Mapping[str, Any]) -> OneCClient | None:
        from backend.onec.odata import ODataClient, ODataSettings

        odata = ODataSettings.from_portal(portal_settings, self.cipher)
        return None if odata is None else ODataClient(odata)

    def install_ports(self) -> InstallPorts:
        """What installing, uninstalling and keeping portals' tokens alive need."""
        from backend.services.installation import InstallPorts
        from crm_mappings.bitrix24.accounts import Bitrix24Accounts

        return InstallPorts(
            uow=self.uow,
            clock=self.clock,
            tokens=self.token_store,
            accounts={
                "amocrm": self.amocrm_accounts(),
                "bitrix24": Bitrix24Accounts(self.settings, self.clock, self.portal_tokens),
            },
        )

    def amocrm_accounts(self) -> AmoAccounts:
        """amoCRM's side of installing: the authorization page and the code exchange."""
        from backend.db.nonces import NonceStore
        from crm_mappings.amocrm.lifecycle import AmoAccounts

        nonces = NonceStore(self.uow.session_factory)
        return AmoAccounts(self.settings, self.clock, nonces, self.portal_tokens)

    def crm_for_portal(self, portal_id: int) -> CrmPort | None:
        """The CRM adapter of an active portal, or None (no adapter, or not active)."""
        with self.uow() as uow:
            portal = uow.portals.get(portal_id)
        return self.crm_or_none(portal) if portal.active else None

    def mailer(self) -> Mailer:
        """SMTP when ``SMTP_URL`` is set, else .eml files under ``var/outbox``."""
        from backend.mail.smtp import mailer_for

        settings = self.settings
        return mailer_for(settings.smtp_url, settings.mail_from_address, settings.outbox_dir)

    def telegram(self) -> TelegramClient | None:
        """The bot's Bot API client, None unless Telegram is enabled with a token."""
        settings = self.settings
        if not settings.telegram_ready:
            return None
        from backend.telegram.client import TelegramClient

        return TelegramClient(settings.telegram_bot_token, base_url=settings.telegram_api_base)

    def notification_channels(self) -> dict[str, NotificationChannel]:
        """The channels besides email (which is the mailer): Telegram when enabled."""
        client = self.telegram()
        if client is None:
            return {}
        from backend.telegram.channel import TelegramChannel

        return {"telegram": TelegramChannel(client)}

    def crm_or_none(self, portal: Portal) -> CrmPort | None:
        """The portal's CRM adapter, or None when no adapter is registered for its kind."""
        try:
            return self.crm(portal)
        except LookupError:
            return None

    @property
    def tasks(self) -> Tasks:
        """Queue background work (``ports.Tasks``): ``container.tasks.deal_changed(p, d)``."""
        return QueuedTasks(self.send_task, self.send_tasks)

    def send_tasks(self, name: str, calls: list[list[Any]]) -> None:
        """``send_task(name, *args)`` for each args of ``calls``, in one write to the broker
        where it can (the SQLite broker, Redis): one webhook naming several leads is stored at
        once, or not at all."""
        if self.task_sender is None and self._publishes_fast:
            self._publisher().send_many(name, calls)
            return
        for args in calls:
            self.send_task(name, *args)

    def send_task(self, name: str, *args: Any) -> None:
        """Queue a Celery task by name on the configured broker (the web app and the CLI do
        not import ``jobs``); tests may put a callable in ``task_sender``. What ``tasks``
        sends through; call ``tasks`` instead (deprecated for new callers: a task queued by
        name here is one ``Tasks`` method and one ``queued_tasks`` line away)."""
        if self.task_sender is not None:
            self.task_sender(name, *args)
            return
        if self._publishes_fast:
            self._publisher().send(name, list(args))
            return
        if self.broker.celery_producer is None:
            from celery import Celery

            # not the current app: in a worker, ``task.delay`` keeps using the worker's
            from backend.runtime.sqlite_broker import kombu_url

            self.broker.celery_producer = Celery(
                "rentflow-producer",
                broker=kombu_url(self.settings.celery_broker_url),
                set_as_current=False,
            )
        from backend.queued_tasks import queue_of

        self.broker.celery_producer.send_task(name, args=list(args), queue=queue_of(name))

    def warm_publisher(self) -> None:
        """Build the broker publisher now (a web process before it answers), where the broker
        is the embedded one or Redis; raises what connecting to the broker raises."""
        if self._publishes_fast:
            self._publisher()

    @property
    def _publishes_fast(self) -> bool:
        """Tasks go through ``FastPublisher``: the embedded broker or Redis (another broker
        gets Celery's own producer)."""
        return self.settings.embedded_broker or self.settings.celery_broker_url.startswith("redis")

    def _publisher(self) -> FastPublisher:
        publisher = self.broker.fast_publisher
        if publisher is None:
            with _BUILDING:  # the first webhooks arrive together: one publisher, one import
                publisher = self.broker.fast_publisher
                if publisher is None:
                    from backend.runtime.publish import FastPublisher

                    publisher = FastPublisher(self.settings.celery_broker_url)
                    self.broker.fast_publisher = publisher
        return publisher

    def queue_lease_event(self, portal_id: int, document_id: int, event: str) -> None:
        """Queue the push of a recorded deal move (``services.lease_events.EventQueue``)."""
        self.tasks.lease_event(portal_id, document_id, event)

    def queue_payment_news(self, portal_id: int, news: list[tuple[int, str]]) -> None:
        """Queue the push of payment news to the deals (``services.payment_news.NewsQueue``)."""
        self.tasks.payment_news(portal_id, news)

    def dispose(self) -> None:
        producer, self.broker.celery_producer = self.broker.celery_producer, None
        if producer is not None:
            producer.close()
        publisher, self.broker.fast_publisher = self.broker.fast_publisher, None
        if publisher is not None:
            publisher.close()
        self.engine.dispose()


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    crm_factories: dict[str, CrmFactory] | None = None,
) -> Container:
    """Build the container; tests pass settings, a fixed clock and fake CRM factories."""
    settings = settings or Settings.from_env()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    from crm_mappings import ratelimit

    # every process of the installation spends one rate limit per portal
    ratelimit.configure_for(settings.celery_broker_url, settings.var_dir)
    engine = make_engine(settings.database_url)
    cipher = TokenCipher(settings.fernet_key)
    container = Container(
        settings=settings,
        engine=engine,
        uow=UnitOfWorkFactory(engine, cipher),
        clock=clock or SystemClock(),
        cipher=cipher,
    )
    container.crm_factories.update(
        default_crm_factories() if crm_factories is None else crm_factories
    )
    return container


# Python's cyclic collector scans every tracked object again and again while a renderer
# builds and drops many thousands per PDF (WeasyPrint a few hundred thousand): a billing
# worker freezes what it has loaded (imports, the renderer, fonts) out of the scans and
# collects the youngest generation every 50,000 allocations instead of 700, which saves CPU
# on every document without growing the worker's RSS (bench/bench_billing_day.py reports it).
GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc_for_batch_work() -> None:
    """For a process that renders documents in bulk (a worker child, ``billing run``)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def default_crm_factories() -> dict[str, CrmFactory]:
    """The real adapters, by portal kind. Each adapter package builds its adapter from
    settings, the portal's token store and the clock; the container is known only here."""
    from crm_mappings.amocrm.adapter import amocrm_crm
    from crm_mappings.bitrix24.adapter import bitrix24_crm

    return {"amocrm": from_container(amocrm_crm), "bitrix24": from_container(bitrix24_crm)}


def from_container(build: AdapterFactory) -> CrmFactory:
    """A registry factory over an adapter package's ``build(settings, tokens, clock, portal)``."""

    def factory(container: Container, portal: Portal) -> CrmPort:
        return build(container.settings, container.portal_tokens(portal), container.clock, portal)

    return factory
