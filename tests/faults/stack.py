"""The fault suite's world: rentflow scaled out as in production (PostgreSQL, Redis, N
``rentflow worker`` processes and one ``rentflow beat``, all real processes), an emulated
Bitrix24 portal on loopback, and an SMTP server that can go down and come back.

Each test gets a fresh database (a copy of a migrated template) and an emptied Redis on the
module's own servers, which it may restart (``tests.processes``), and its own var directory,
portal and test clock (``tests.faults.testclock``).
"""

from __future__ import annotations

import os
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from werkzeug.serving import make_server

from backend.bootstrap import bootstrap
from backend.config import Settings
from backend.db.base import make_engine
from backend.db.migrate import upgrade
from backend.domain.lease import LeaseStatus
from backend.runtime.publish import FastPublisher
from backend.services.crm_sync import save_mapping
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from crm_mappings.bitrix24.adapter import FIELD_NAMES
from crm_mappings.mapping import LeaseEvent, StageMapping
from crm_mappings.tokens import OAuthTokens
from jobs.celery_app import make_celery
from sandbox.bitrix24.app import create_emulator
from sandbox.bitrix24.state import PortalState
from sandbox.loopback import free_port
from sandbox.smtp_sink import Sink, controller
from tests import factories
from tests.faults import testclock
from tests.processes import ROOT, PostgresServer, Process, RedisServer, wait_for

BILLING_DAY = date(2026, 1, 27)  # February's invoices are due (factories: 5 days before 1 Feb)
TEMPLATE = "rentflow_template"
SITE = Path(__file__).resolve().parent / "site"
READY = 90.0  # seconds a worker may take to start on 2 busy cores
# the waits between retries (CRM clients' back-off, Celery retry countdowns) pass this many
# times faster in the processes (``tests.faults.testclock``)
RETRY_SPEEDUP = 10.0
# the beat entries (jobs/schedule.py) the fault cases wait on, fired faster
FAULT_ENTRIES = ("deliver-outbox", "crm-push-sweep", "close-stale-runs")


class SmtpServer:
    """The aiosmtpd sink on a fixed loopback port; ``stop`` and ``start`` take it down and
    bring it back (connections refused meanwhile), keeping what it received."""

    def __init__(self) -> None:
        self.sink = Sink()
        self.port = free_port()
        self.controller: Controller | None = None
        self.start()

    def start(self) -> None:
        self.controller = controller(self.sink, self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def keys(self) -> Counter[str]:
        """How many times each outbox message (its ``X-Rentflow-Key``) arrived."""
        return Counter(str(m["X-Rentflow-Key"]) for m in self.sink.messages)


@dataclass
class Servers:
    """The module's PostgreSQL (with a migrated template database), Redis and SMTP."""

    pg: PostgresServer | None  # None: embedded mode (SQLite and the SQLite broker in var/)
    redis: RedisServer | None
    smtp: SmtpServer
    databases: int = 0

    @classmethod
    def start(cls, *, embedded: bool = False) -> Servers:
        if embedded:
            return cls(None, None, SmtpServer())
        pg = PostgresServer()
        admin = make_engine(pg.url()).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{TEMPLATE}"'))
        admin.dispose()
        upgrade(pg.url(TEMPLATE))
        return cls(pg, RedisServer(), SmtpServer())

    def fresh_database(self) -> str:
        self.smtp.sink.clear()
        if self.pg is None or self.redis is None:
            return ""
        self.databases += 1
        name = f"rentflow_{self.databases}"
        admin = make_engine(self.pg.url()).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"'))
        admin.dispose()
        import redis  # here: every test process loads this module, few run a fault test

        redis.Redis(port=self.redis.port).flushall()
        return self.pg.url(name)

    def close(self) -> None:
        self.smtp.stop()
        if self.redis is not None:
            self.redis.close()
        if self.pg is not None:
            self.pg.close()


@dataclass
class Emulated:
    """One emulated Bitrix24 portal served on loopback."""

    state: PortalState
    url: str
    server: Any

    @classmethod
    def start(cls) -> Emulated:
        state = PortalState(member_id=secrets.token_hex(16))
        for name in FIELD_NAMES.values():
            state.userfields[name] = {"FIELD_NAME": name, "USER_TYPE_ID": "string"}
        server = make_server("127.0.0.1", 0, create_emulator(state), threaded=True)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return cls(state, f"http://127.0.0.1:{server.server_port}/", server)

    def comments(self) -> Counter[int]:
        """Timeline comments per deal."""
        with self.state.lock:
            return Counter(int(c["ENTITY_ID"]) for c in self.state.comments)

    def deal_fields(self, field_name: str) -> dict[int, str]:
        with self.state.lock:
            return {d: str(v.get(field_name) or "") for d, v in self.state.deals.items()}


@dataclass
class Stack:
    """rentflow scaled out on ``servers`` for one test."""

    servers: Servers
    tmp: Path
    env: dict[str, str]
    settings: Settings
    clock_file: Path
    crm: Emulated
    beat_speedup: float = 1.0
    portal_id: int = 0
    leases: int = 0
    deals: list[int] = field(default_factory=list)
    workers: list[Process] = field(default_factory=list)
    beat: Process | None = None
    _celery: Any = None
    _container: Any = None

    @classmethod
    def create(
        cls, servers: Servers, tmp: Path, *, visibility: float = 300.0, beat_speedup: float = 0
    ) -> Stack:
        """``visibility``: seconds before Redis gives a dead worker's task to another; keep
        it over the longest retry countdown in play, as production's hour is.
        ``beat_speedup``: how much faster the beat's periodic entries fire (default 180 on
        Redis; 30 on the SQLite broker, whose one worker polls its queue: 6 beat tasks a
        second would queue faster than it takes them and bury the run's own tasks)."""
        beat_speedup = beat_speedup or (180.0 if servers.redis else 30.0)
        crm = Emulated.start()
        clock_file = tmp / "clock"
        clock_file.write_text("0")
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(SITE), str(ROOT)]),
            "RENTFLOW_VAR_DIR": str(tmp / "var"),
            "RENTFLOW_SANDBOX": "1",
            "DATABASE_URL": servers.fresh_database(),
            "CELERY_BROKER_URL": servers.redis.url if servers.redis else "",
            "RENTFLOW_PORT": str(free_port()),
            "SECRET_KEY": secrets.token_hex(32),
            "FERNET_KEY": Fernet.generate_key().decode(),
            "SMTP_URL": f"smtp://127.0.0.1:{servers.smtp.port}",
            "RENTFLOW_TEST_CLOCK_FILE": str(clock_file),
            "RENTFLOW_TEST_BEAT_SPEEDUP": str(beat_speedup),
            # the entries the fault cases wait on; the 1C, import and CRM-task polls keep their
            # own periods (at 180x they cost a beat and two workers a tenth of a core)
            "RENTFLOW_TEST_BEAT_ENTRIES": ",".join(FAULT_ENTRIES),
            "RENTFLOW_TEST_VISIBILITY": str(visibility),
            "RENTFLOW_TEST_RETRY_SPEEDUP": str(RETRY_SPEEDUP),
            "BITRIX24_RESYNC_MINUTES": "0",
            # tokens refreshed at the emulated portal's OAuth server once the test clock jumps
            "BITRIX24_OAUTH_URL": f"{crm.url}oauth/token/",
        }
        env.pop("STORAGE_DIR", None)
        if servers.pg is None:  # embedded: the defaults under var/
            del env["DATABASE_URL"], env["CELERY_BROKER_URL"]
        settings = Settings.from_env(env)
        if servers.pg is None:
            upgrade(settings.database_url)  # before seeding; `serve` would do it on start
        return cls(servers, tmp, env, settings, clock_file, crm, beat_speedup)

    # --- the world --------------------------------------------------------------------------
    def seed(self, leases: int) -> None:
        """One Bitrix24 portal, one landlord (one number sequence), ``leases`` auto-send
        leases, each on its own deal, February's invoices due on ``BILLING_DAY``."""
        self.leases = leases
        container = bootstrap(self.settings)
        state, url = self.crm.state, self.crm.url
        try:
            with container.uow() as uow:
                portal = install_portal(
                    uow, container.clock, kind="bitrix24", external_id=state.member_id
                )
                uow.commit()
            assert portal.id is not None
            self.portal_id = portal.id
            issued = state.issue_tokens()
            container.token_store(portal.id).save(
                OAuthTokens(
                    issued["access_token"], issued["refresh_token"],
                    datetime.now(UTC) + timedelta(hours=1),
                    {"client_endpoint": f"{url}rest/", "server_endpoint": f"{url}rest/"},
                )
            )  # fmt: skip
            landlord_id = None
            with container.uow(portal.id) as uow:
                mapping = StageMapping("0", events={LeaseEvent.INVOICE_ISSUED: "EXECUTING"})
                save_mapping(uow, container.clock, mapping)
                for n in range(leases):
                    deal = int(state.add_deal({"title": f"Аренда F-{n}", "categoryId": 0})["id"])
                    self.deals.append(deal)
                    lease = factories.lease(status=LeaseStatus.SIGNED, auto_send=True,
                                            number=f"F-{n}")  # fmt: skip
                    landlord_id = register_lease(
                        uow, container.clock, lease, landlord_id=landlord_id,
                        crm_deal_id=str(deal), crm_pipeline_id="0",
                    ).landlord_id  # fmt: skip
                uow.commit()
        finally:
            container.dispose()

    # --- processes --------------------------------------------------------------------------
    def start_workers(self, count: int, concurrency: int = 1) -> list[Process]:
        """``count`` worker processes started side by side, back once each is ready."""
        started = []
        for _ in range(count):
            n = len(self.workers)
            worker = Process(
                ["worker", f"--concurrency={concurrency}"], self.env, self.tmp / f"worker{n}.log"
            )
            self.workers.append(worker)
            started.append(worker)
        for n, worker in enumerate(started):
            try:
                wait_for(f"worker {n} ready", lambda w=worker: " ready." in w.text(), READY, 0.2)
            except TimeoutError as err:
                raise TimeoutError(f"{err}:\n{worker.text()[-3000:]}") from None
        return started

    def start_serve(self) -> Process:
        """Embedded: ``rentflow serve``, web and its supervised worker with the beat."""
        serve = Process(["serve"], self.env, self.tmp / "serve.log")
        self.workers.append(serve)
        try:
            wait_for("the supervised worker ready", lambda: " ready." in serve.text(), READY, 0.2)
        except TimeoutError as err:
            raise TimeoutError(f"{err}:\n{serve.text()[-3000:]}") from None
        return serve

    def start_beat(self) -> Process:
        self.beat = Process(["beat"], self.env, self.tmp / "beat.log")
        return self.beat

    def send(self, task: str, *args: Any) -> None:
        if self.settings.embedded_broker:
            FastPublisher(self.settings.celery_broker_url).send(task, list(args))
            return
        if self._celery is None:
            self._celery = make_celery(self.settings)
        self._celery.send_task(task, args=args)

    def run_billing(self) -> None:
        """What the nightly beat entry does for this portal (``billing_run``'s fan-out)."""
        self.send("jobs.tasks.billing_run_portal", self.portal_id, BILLING_DAY.isoformat())

    def close(self) -> None:
        for process in [*self.workers, *([self.beat] if self.beat else [])]:
            process.kill()  # the test is over: no warm shutdown to wait for
        if self._celery is not None:
            self._celery.close()
        if self._container is not None:
            self._container.dispose()
        self.crm.server.shutdown()

    @property
    def outbox_tick(self) -> float:
        """Seconds between the beat's outbox deliveries."""
        return 60.0 / self.beat_speedup

    def now(self) -> datetime:
        """The processes' clock: the wall clock moved on by ``testclock.advance``."""
        return datetime.now(UTC) + timedelta(seconds=testclock.offset(self.clock_file))

    def restart_postgres(self, down_for: float) -> None:
        """Stop PostgreSQL (``fast``: every session cut), wait, start it again."""
        if self.servers.pg is None:
            raise RuntimeError("embedded mode has no PostgreSQL to restart")
        self.servers.pg.restart("fast", down_for=down_for)

    def restart_redis(self, down_for: float) -> None:
        if self.servers.redis is None:
            raise RuntimeError("embedded mode has no Redis to restart")
        self.servers.redis.restart(down_for=down_for)

    @property
    def smtp(self) -> SmtpServer:
        return self.servers.smtp

    def logs(self) -> str:
        """The processes' log lines, less the beat's routine ticks."""
        routine = ("import_due", "deliver_outbox", "close_stale_runs", "Sending due task")
        shown = []
        for p in [*self.workers, *([self.beat] if self.beat else [])]:
            lines = [x for x in p.text().splitlines() if not any(r in x for r in routine)]
            shown.append(f"--- {p.log.name}\n" + "\n".join(lines)[-6000:])
        return "\n".join(shown)

    # --- what happened ----------------------------------------------------------------------
    def issued(self) -> int | None:
        """Documents issued so far (one count; ``None`` while the database is down): what
        ``mid_run`` watches, many times a second, for the moment to strike."""
        engine = self._reader().engine
        try:
            with engine.connect() as conn:
                return int(conn.execute(text("SELECT count(*) FROM documents")).scalar_one())
        except OperationalError:
            engine.dispose()  # the database restarting: connect afresh next time
            return None

    def snapshot(self) -> Snapshot:
        """The portal's documents, emails, runs and untold deals, read through one container
        kept for the test (``until`` looks three times a second: a container built for each
        look cost a new engine and, on PostgreSQL, a new server process)."""
        reader = self._reader()
        try:
            with reader.uow(self.portal_id) as uow:
                documents = uow.documents.list()
                messages = uow.outbox.list()
                runs = uow.runs.recent()
                unsynced = uow.documents.not_synced()
        except OperationalError:
            reader.engine.dispose()  # the database restarting: connect afresh next time
            raise
        return Snapshot(documents, messages, runs, list(unsynced))

    def _reader(self) -> Any:
        """The one container ``issued`` and ``snapshot`` read through, made at first use."""
        if self._container is None:
            self._container = bootstrap(self.settings)
        return self._container


@dataclass(frozen=True)
class Snapshot:
    documents: list[Any]
    messages: list[Any]
    runs: list[dict[str, Any]]
    unsynced: list[int]

    @property
    def run_done(self) -> bool:
        return any(r["status"] == "done" for r in self.runs)
