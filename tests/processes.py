"""Real processes for the tests: ``python -m backend.cli`` against a test container's
settings, and PostgreSQL and Redis servers of a test's own that it may restart.

The servers ``scripts/test-services.sh`` starts are shared by every pytest worker, so a test
that restarts its database or broker starts its own: ``PostgresServer`` (initdb into a fresh
directory, as the ``postgres`` user when run as root, as the script does) and ``RedisServer``
(append-only file on, fsync'd each write, so a restart keeps what was queued, as a production
broker should be configured).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from backend.config import Settings
from sandbox.loopback import free_port

ROOT = Path(__file__).resolve().parents[1]


def cli_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a CLI process use the same database, keys and storage."""
    return {
        **os.environ,
        "RENTFLOW_VAR_DIR": str(settings.var_dir),
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key,
        "FERNET_KEY": settings.fernet_key,
        "STORAGE_DIR": str(settings.documents_dir),
    }


def cli_command(*args: str) -> list[str]:
    """``rentflow ARGS`` through this interpreter (the console script may not be installed)."""
    return [sys.executable, "-m", "backend.cli", *args]


def wait_for(what: str, check: Callable[[], object], timeout: float, every: float = 0.1) -> None:
    """Poll ``check`` until it is truthy; ``TimeoutError`` naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise TimeoutError(f"{what} did not happen within {timeout:.0f}s")


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts[-3])
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def postgres_installed() -> bool:
    return _pg_bin() is not None


def redis_installed() -> bool:
    return shutil.which("redis-server") is not None


class PostgresServer:
    """A throwaway PostgreSQL cluster on a free loopback port (fsync off: tests only)."""

    def __init__(self) -> None:
        bin_dir = _pg_bin()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL is not installed (make system-test)")
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="rentflow-pg-"))
        self.dir.chmod(0o755)  # the postgres user works in it when the tests run as root
        self.data = self.dir / "data"
        self.port = free_port()
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._pg("initdb", "-D", str(self.data), "-U", "rentflow", "--auth=trust", "-E", "UTF8",
                 "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://rentflow@127.0.0.1:{self.port}/{database}"

    def _pg(self, tool: str, *args: str) -> None:
        argv = [str(self.bin / tool), *args]
        if os.getuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off -c max_connections=100"
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "pg.log"), "-w", "-o",
                 options, "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """``fast``: sessions are disconnected; ``immediate``: as a crash (recovery on start)."""
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, mode: str = "fast", down_for: float = 0.0) -> None:
        self.stop(mode)
        time.sleep(down_for)
        self.start()

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisServer:
    """A throwaway Redis on a free loopback port whose queue survives a restart (AOF)."""

    def __init__(self) -> None:
        if not redis_installed():
            raise RuntimeError("Redis is not installed (make system-test)")
        self.dir = Path(tempfile.mkdtemp(prefix="rentflow-redis-"))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        log = (self.dir / "redis.log").open("ab")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.dir), "--save", "", "--appendonly", "yes",
             "--appendfsync", "always"],
            stdout=log, stderr=log,
        )  # fmt: skip
        log.close()
        wait_for("redis up", self.ping, 15)

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """SIGTERM: Redis finishes its append-only file and exits (a clean restart)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.proc = None

    def restart(self, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def children(pid: int) -> list[int]:
    """Child processes of ``pid``, whichever of its threads started them."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(x) for x in (task / "children").read_text().split()]
    return found


class Process:
    """A ``rentflow`` process in its own process group (so its pool children die with it),
    logging to ``log``."""

    def __init__(self, args: Sequence[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        out: IO[bytes]
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                cli_command(*args), env=env, cwd=ROOT, stdout=out, stderr=out,
                start_new_session=True,
            )  # fmt: skip

    @property
    def pid(self) -> int:
        return self.proc.pid

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole group: the process and its pool children, as a lost machine;
        and the groups of its children (``serve``'s supervised worker runs in its own)."""
        for pgid in [self.proc.pid, *children(self.proc.pid)]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout: float = 30.0) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=timeout)
        self.kill()
