"""`rentflow serve` with WEB_PROCESSES=2: two waitress processes answer on one socket; one
killed is restarted while the other keeps answering; SIGTERM stops them all."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.runtime.test_supervised_worker import _children, _health, _until, started_serve

# production settings (the sandbox serves one web process: its emulators keep state in memory)
PRODUCTION = {
    "RENTFLOW_SANDBOX": "0",
    "SECRET_KEY": "web-processes-secret-" + "s" * 32,
    "ADMIN_TOKEN": "web-processes-admin-" + "a" * 32,
    "BITRIX24_CLIENT_ID": "local.webprocesses",
    "BITRIX24_CLIENT_SECRET": "web-processes-b24-" + "b" * 32,
    "AMOCRM_CLIENT_ID": "web-processes-amo",
    "AMOCRM_CLIENT_SECRET": "web-processes-amo-" + "c" * 46,
}


ESTABLISHED = "01"  # a TCP socket's state in /proc/net/tcp


def _web_processes(serve_pid: int) -> set[int]:
    """The live web processes under ``serve`` (``serve --listen-fd``), not the worker."""
    found = set()
    for pid in _children(serve_pid):
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{pid}/status").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"--listen-fd" in cmdline and "zombie" not in status:
                found.add(pid)
    return found


def _owner(conn: http.client.HTTPConnection, port: int, candidates: set[int]) -> int | None:
    """Which of ``candidates`` holds the server end of ``conn`` (read from /proc, so the
    server tells nobody its pids)."""
    if conn.sock is None:
        return None
    mine = conn.sock.getsockname()[1]
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state = fields[1], fields[2], fields[3]
        if state != ESTABLISHED or fields[9] == "0":  # e.g. an earlier connection's TIME_WAIT
            continue
        if int(local.split(":")[1], 16) == port and int(remote.split(":")[1], 16) == mine:
            inode = fields[9]
    if inode is None:
        return None
    for pid in candidates:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) == f"socket:[{inode}]":
                        return pid
    return None


def _answered_by(port: int, candidates: set[int], tries: int = 200) -> set[int]:
    """The processes that answered ``/healthz`` on up to ``tries`` connections held open
    (healthy or not: each process computes its answer once a second, the worker may be
    starting)."""
    seen: set[int] = set()
    conns = []
    try:
        for _ in range(tries):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conns.append(conn)
            conn.request("GET", "/healthz")
            answer = conn.getresponse()
            assert answer.status in (200, 503), answer.read()
            assert "worker" in json.loads(answer.read())["parts"]
            owner = _owner(conn, port, candidates)
            if owner is not None:
                seen.add(owner)
            if seen == candidates:
                break
    finally:
        for conn in conns:
            conn.close()
    return seen


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    with started_serve(tmp_path, {**PRODUCTION, "WEB_PROCESSES": "2"}) as started:
        yield started


def test_two_web_processes_share_the_port_and_one_killed_comes_back(
    serve: tuple[subprocess.Popen[bytes], int, Path],
) -> None:
    proc, port, log = serve
    _, body = _until("a healthy start", lambda: (h := _health(port))[0] == 200 and h, log)
    assert body["parts"]["worker"]["ok"], body  # the worker's state, read from serve's file
    webs = _until("two web processes", lambda: len(w := _web_processes(proc.pid)) == 2 and w, log)
    _until(  # each says so once it has started (a loaded machine starts one later)
        "both web processes answering",
        lambda: (
            {int(p) for p in re.findall(r"web process pid (\d+) answering", log.read_text())}
            == webs
        ),
        log,
    )
    assert _answered_by(port, webs) == webs

    killed, survivor = sorted(webs)
    os.kill(killed, signal.SIGKILL)

    # meanwhile every request is answered, never by the dead one (by the survivor, or by the
    # restarted process once it is up)
    for _ in range(20):
        answered = _answered_by(port, _web_processes(proc.pid) | {killed}, tries=1)
        assert answered, "a request answered by no web process"
        assert killed not in answered
    restarted = _until(
        "the killed web process restarted",
        lambda: len(w := _web_processes(proc.pid) - {survivor}) == 1 and w,
        log,
    )
    assert killed not in restarted
    text = log.read_text()
    assert re.search(rf"web process \d pid {killed} killed by SIGKILL.*restart #1", text), text
    _until(
        "the restarted process answering",
        lambda: f"web process pid {next(iter(restarted))} answering" in log.read_text(),
        log,
    )
    assert _answered_by(port, restarted | {survivor}) == restarted | {survivor}

    everyone = _children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=90) == 0, log.read_text()[-3000:]
    for pid in everyone:
        assert (
            not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
        ), f"pid {pid} outlived serve"
