"""``rentflow db upgrade``, ``serve``, ``worker``, ``beat``: running the service."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import click

from backend.config import Settings, UnsafeSettings, masked_url, production_ready

REFUSED = 2  # exit status of a start refused for its settings
# a worker's node name: Celery's ``name@host`` (``%h``, ``%n``, ``%d``: its host, name, domain)
NODE_NAME = re.compile(r"(?:[\w.-]|%[hnd])+(?:@(?:[\w.-]|%[hnd])+)?")


def running_settings() -> Settings:
    """The settings of a long-running process (serve, worker, beat); in production, exit 2
    with one line naming the variable when a credential is missing or the sandbox's."""
    try:
        return production_ready(Settings.from_env())
    except UnsafeSettings as problem:
        click.echo(f"rentflow: not starting: {problem}", err=True)
        sys.exit(REFUSED)


@click.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the Alembic migrations to DATABASE_URL."""
    from backend.db.migrate import upgrade

    settings = Settings.from_env()
    upgrade(settings.database_url, revision)
    click.echo(f"database at {revision}: {masked_url(settings.database_url)}")


def default_node_name() -> str:
    """A node name no other worker process shares, on this machine or another:
    ``worker-<pid>@<host>``."""
    return f"worker-{os.getpid()}@{socket.gethostname()}"


def _worker_argv(
    settings: Settings, *, beat: bool, concurrency: int, name: str | None = None
) -> list[str]:
    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}", "--without-gossip"]
    argv.append(f"--hostname={name or default_node_name()}")
    if settings.embedded_broker:
        # the SQLite broker has no fanout (docs.celeryq.dev/projects/kombu/en/stable/reference/
        # kombu.transport.sqlalchemy.html): no remote control or mingle;
        # the pool stays prefork so PDF rendering (CPU, under the GIL) uses every core
        argv += ["--without-mingle", "--without-heartbeat"]
    if beat:
        argv += ["--beat", f"--schedule={settings.var_dir / 'celerybeat-schedule'}"]
    return argv


def _node_name(value: str | None) -> str | None:
    """``--name`` checked where it enters: a word, an optional ``@host`` after it."""
    if value is None:
        return None
    if not NODE_NAME.fullmatch(value):
        raise click.BadParameter(
            "letters, digits, '.', '-', '_' and '%h', with '@host' after it if you like"
            f" (got {value!r})"
        )
    return value


@click.command()
@click.option("--beat/--no-beat", default=False, help="Embed beat (single-node only).")
@click.option("--concurrency", default=2, show_default=True)
@click.option(
    "--name",
    "-n",
    default=None,
    metavar="NAME",
    callback=lambda _ctx, _param, value: _node_name(value),
    help="The worker's node name, unique per worker process (Celery's hostname: %h is the "
    "machine's name) [default: worker-<pid>@<host>].",
)
def worker(beat: bool, concurrency: int, name: str | None) -> None:
    """Run a Celery worker (scale out: many of these, and one `rentflow beat`)."""
    from jobs.celery_app import make_celery

    settings = running_settings()
    if settings.embedded_broker:
        # the embedded broker's only worker: what is held now was held by a dead one
        from backend.runtime.sqlite_broker import requeue_unacked

        try:
            given_back = requeue_unacked(settings.celery_broker_url)
        except sqlite3.Error as err:  # `rentflow serve` retries with back-off
            raise click.ClickException(
                f"the broker file is unreadable ({err}): {masked_url(settings.celery_broker_url)}"
            ) from err
        if given_back:
            click.echo(f"{given_back} task(s) held by a dead worker are queued again", err=True)
    make_celery(settings).worker_main(
        argv=_worker_argv(settings, beat=beat, concurrency=concurrency, name=name)
    )


@click.command()
def beat() -> None:
    """Run the one beat process of a scaled-out deployment."""
    from jobs.celery_app import make_celery

    settings = running_settings()
    app = make_celery(settings)
    app.start(
        argv=["beat", "--loglevel=INFO", f"--schedule={settings.var_dir / 'celerybeat-schedule'}"]
    )


def _with_sandbox(app: Any, settings: Settings) -> Any:
    """Mount the sandbox emulators under /sandbox/... beside the app (embedded mode)."""
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from sandbox.mount import sandbox_apps

    mounts = {s.prefix: s.app for s in sandbox_apps(settings)}
    return DispatcherMiddleware(app, mounts) if mounts else app


@click.command()
@click.option("--no-worker", is_flag=True, help="Web only (the worker runs elsewhere).")
@click.option("--listen-fd", type=int, multiple=True, hidden=True)  # a web process of serve's
@click.option("--worker-state", type=click.Path(path_type=Path), default=None, hidden=True)
def serve(no_worker: bool, listen_fd: tuple[int, ...], worker_state: Path | None) -> None:
    """Run web + worker + beat as one process tree on the embedded defaults; the worker and
    the web processes (WEB_PROCESSES) are restarted with back-off when they die
    (``backend.runtime.supervisor``); Ctrl-C stops all."""
    from backend.db.migrate import upgrade
    from backend.runtime.web_processes import listening_sockets

    if listen_fd:
        _web_process(listen_fd, worker_state)
        return
    settings = running_settings()
    _log_to_stderr()
    upgrade(settings.database_url)
    if settings.sandbox:
        from backend.cli.bic import seed_sandbox_directory

        seed_sandbox_directory(settings)
    processes = settings.web_processes
    if processes > 1 and settings.sandbox:
        click.echo(
            f"WEB_PROCESSES={processes} ignored in the sandbox: its emulators keep their state "
            "in one process; serving with one",
            err=True,
        )
        processes = 1
    sockets = listening_sockets(settings.host, settings.port)
    click.echo(
        f"rentflow on http://{settings.host}:{settings.port}"
        f"  (database {masked_url(settings.database_url)}; {processes} web process(es))"
    )
    if processes == 1:
        _serve_in_process(settings, sockets, no_worker=no_worker)
    else:
        _serve_processes(settings, sockets, processes, no_worker=no_worker)


def _serve_in_process(settings: Settings, sockets: list[socket.socket], *, no_worker: bool) -> None:
    """One web process: waitress in this one, beside the worker's supervisor."""
    from backend.runtime.embedded import supervised_worker
    from backend.runtime.web_load import counted_web
    from backend.runtime.web_processes import freeze_loaded, run_waitress
    from backend.web.app import create_app

    flask_app = create_app(settings)
    supervisor = None
    if not no_worker:
        supervisor = supervised_worker(flask_app.extensions["rentflow"])
        flask_app.extensions["rentflow"].worker_supervisor = supervisor
        supervisor.start()
    try:
        # the emulated CRMs' requests are the worker's own calls: not counted as the web's load
        with counted_web(flask_app, settings.celery_broker_url) as counted:
            app = _with_sandbox(counted, settings)
            freeze_loaded(flask_app.extensions["rentflow"])
            run_waitress(app, sockets, on_stop=_say_stopping)
    finally:
        if supervisor is not None:
            supervisor.stop(timeout=30)


def _serve_processes(
    settings: Settings, sockets: list[socket.socket], processes: int, *, no_worker: bool
) -> None:
    """``processes`` supervised web processes on ``sockets``, and the worker's supervisor."""
    from backend.bootstrap import bootstrap
    from backend.runtime.embedded import supervised_worker
    from backend.runtime.web_processes import WorkerStateFile, stop_all, web_supervisors

    state = None
    supervisor = None
    if not no_worker:
        state = WorkerStateFile(settings.var_dir / "run" / "worker-state.json")
        supervisor = supervised_worker(bootstrap(settings))
        supervisor.on_state = state.write
        supervisor.start()
    webs = web_supervisors(processes, sockets, worker_state=None if state is None else state.path)
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        if not stopping.is_set():
            stopping.set()
            _say_stopping(signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        for web in webs:
            web.start()
        while not stopping.wait(1.0):
            pass
    finally:
        stop_all(webs)
        if supervisor is not None:
            supervisor.stop(timeout=30)


def _web_process(fds: tuple[int, ...], worker_state: Path | None) -> None:
    """One of ``serve``'s web processes: waitress on the sockets ``serve`` bound (``fds``)."""
    import logging

    from backend.runtime.web_load import counted_web
    from backend.runtime.web_processes import (
        WorkerStateFile,
        freeze_loaded,
        run_waitress,
        watch_parent,
    )
    from backend.web.app import create_app

    settings = running_settings()
    _log_to_stderr()
    sockets = [socket.socket(fileno=fd) for fd in fds]
    flask_app = create_app(settings)
    if worker_state is not None:
        flask_app.extensions["rentflow"].worker_supervisor = WorkerStateFile(worker_state)
    watch_parent()
    freeze_loaded(flask_app.extensions["rentflow"])
    logging.getLogger("rentflow.web").info("web process pid %s answering", os.getpid())
    with counted_web(flask_app, settings.celery_broker_url) as counted:
        run_waitress(_with_sandbox(counted, settings), sockets, on_stop=lambda _signum: None)


def _say_stopping(signum: int) -> None:
    click.echo(f"stopping (signal {signum})", err=True)


def _log_to_stderr() -> None:
    """The supervisor's and the app's log lines on stderr, unless logging is set up already."""
    import logging

    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    # one line per request that waits for a thread: under a burst, logging costs more than
    # the requests themselves
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)


@click.command()
@click.option("--wait", default=30.0, show_default=True, help="Seconds to wait for the worker.")
def doctor(wait: float) -> None:
    """Check the whole stack: send a task through the broker and wait for a worker to run it,
    then report each part as ``/healthz`` does (worker, broker, outbox, disk)."""
    import time
    import uuid

    from backend.bootstrap import bootstrap
    from backend.runtime.health import check_health
    from backend.services.health import pings
    from jobs import tasks
    from jobs.celery_app import make_celery

    settings = Settings.from_env()
    container = bootstrap(settings)
    app = make_celery(settings)
    note = f"doctor-{uuid.uuid4().hex[:8]}"
    app.send_task(tasks.ping.name, args=(note,))
    deadline = time.monotonic() + wait
    ran = False
    while time.monotonic() < deadline and not ran:
        ran = note in pings(container.uow)
        if not ran:
            time.sleep(0.5)
    report = check_health(settings, container.uow, container.clock)
    for name, part in report.parts.items():
        click.echo(f"{'ok' if part.ok else 'UNHEALTHY'} {name}: {part.detail}")
    if not ran:
        raise click.ClickException(
            f"no worker ran {note} within {wait:.0f}s; is `rentflow worker` up?"
        )
    click.echo(f"ok: a worker ran {note} via {masked_url(settings.celery_broker_url)}")
    if not report.ok:
        raise click.ClickException(f"unhealthy: {report.line()}")
