"""rentflow with the sandbox emulators mounted under ``/sandbox/...`` on one loopback port, an
SMTP sink, a temporary SQLite database and a simulated clock; tasks run eagerly in-process.

Nothing external is needed: the web app, the emulators and the sink are threads of this
process, the Celery tasks are the real ones executed eagerly (``task_always_eager``), so the
demo goes through the same code as the worker, only without a broker.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from celery import Celery
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from backend.bootstrap import Container, bootstrap
from backend.config import Settings
from backend.db.migrate import upgrade
from backend.ports import FixedClock
from backend.web.app import create_app
from jobs import runtime
from jobs.celery_app import make_celery
from sandbox.amocrm.app import create_emulator as amocrm_emulator
from sandbox.amocrm.state import AmoAccount
from sandbox.bitrix24.app import create_emulator as bitrix24_emulator
from sandbox.bitrix24.state import PortalState
from sandbox.loopback import free_port, serve
from sandbox.smtp_sink import Sink, smtp_sink

BITRIX24_PREFIX = "/sandbox/bitrix24"
AMOCRM_PREFIX = "/sandbox/amocrm"
DEMO_SECRET = "rentflow-demo-only"  # noqa: S105 - a throwaway database in the demo folder


@dataclass
class Stack:
    """Everything running: the container, the emulators' state, the sink and the task queue."""

    container: Container
    clock: FixedClock
    celery: Celery
    base_url: str  # rentflow, no trailing slash
    bitrix24: PortalState
    amocrm: AmoAccount
    sink: Sink
    queued: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    @property
    def statement_inbox(self) -> Path:
        """The folder the 1C statement import watches (``running_stack`` always sets it)."""
        inbox = self.container.settings.onec_watch_dir
        if inbox is None:
            raise RuntimeError("the demo stack runs without ONEC_WATCH_DIR, which it always sets")
        return inbox

    def at(self, day: date, hour: int = 0) -> None:
        """Set the simulated clock to ``hour``:00 UTC of ``day``."""
        self.clock.set(datetime.combine(day, time(hour), tzinfo=UTC))

    def enqueue(self, name: str, args: Sequence[Any]) -> None:
        """Where the web app's task sends go (webhooks, portal events): run later by ``drain``."""
        self.queued.append((name, tuple(args)))

    def run_task(self, name: str, *args: Any) -> None:
        """Run one task by name, eagerly: the tasks it sends run inline too."""
        self.celery.tasks[name].apply(args=args, throw=True)

    def drain(self) -> None:
        """Run the tasks the web app queued, in order, until none is left."""
        while self.queued:
            name, args = self.queued.pop(0)
            self.run_task(name, *args)


@contextmanager
def running_stack(var_dir: Path, start: date) -> Iterator[Stack]:
    """Start rentflow, the emulators and the SMTP sink; stop them all on exit."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per loopback request
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    clock = FixedClock(datetime.combine(start, time(0), tzinfo=UTC))
    amo = AmoAccount(redirect_uri=f"{base_url}/amocrm/oauth")
    with ExitStack() as stack:
        sink, smtp_port = stack.enter_context(smtp_sink())
        settings = Settings(
            var_dir=var_dir,
            secret_key=DEMO_SECRET,
            fernet_key=_fernet_key(),
            public_base_url=base_url,
            smtp_url=f"smtp://127.0.0.1:{smtp_port}",
            celery_broker_url="memory://",
            sandbox=True,
            amocrm_base_url=f"{base_url}{AMOCRM_PREFIX}",
            amocrm_client_id=amo.client_id,
            amocrm_client_secret=amo.client_secret,
            onec_watch_dir=var_dir / "statements",
        )
        b24 = PortalState(
            client_id=settings.bitrix24_client_id,
            client_secret=settings.bitrix24_client_secret,
            app_url=base_url,
            base_url=f"{base_url}{BITRIX24_PREFIX}/",
            now=lambda: clock.now().timestamp(),  # events' ts in the demo's simulated time
        )
        upgrade(settings.database_url)
        container = bootstrap(settings, clock=clock)
        stack.callback(container.dispose)
        celery = _eager_celery(settings)
        runtime.set_container(container)
        stack.callback(runtime.set_container, None)
        app = create_app(container=container)
        built = Stack(container, clock, celery, base_url, b24, amo, sink)
        # what the web app and the services queue (``container.tasks``), run by the demo
        container.task_sender = lambda name, *args: built.enqueue(name, args)
        mounted = DispatcherMiddleware(
            app, {BITRIX24_PREFIX: bitrix24_emulator(b24), AMOCRM_PREFIX: amocrm_emulator(amo)}
        )
        stack.enter_context(serve(mounted, port=port))
        yield built


def _eager_celery(settings: Settings) -> Celery:
    """The real Celery app and tasks, run in this process as they are sent."""
    import jobs.tasks  # noqa: F401 - registers the tasks on the app

    app = make_celery(settings)
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    app.set_current()
    app.set_default()
    return app


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()
