"""The parts of ``rentflow serve``'s web processes that need no process: the shared socket and
the worker's state as the web processes read it."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from backend.runtime.supervisor import WorkerState
from backend.runtime.web_processes import WorkerStateFile, listening_sockets


def test_the_socket_listens_and_is_inherited_by_the_web_processes() -> None:
    [sock] = listening_sockets("127.0.0.1", 0)
    try:
        assert sock.get_inheritable()
        port = sock.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            accepted, _ = sock.accept()  # a connection waits in the backlog until accepted
            accepted.close()
    finally:
        sock.close()


def test_a_name_of_two_addresses_is_served_on_both() -> None:
    sockets = listening_sockets("localhost", 0)
    try:
        families = {sock.family for sock in sockets}
        assert socket.AF_INET in families
        assert all(sock.get_inheritable() for sock in sockets)
    finally:
        for sock in sockets:
            sock.close()


def test_the_worker_state_written_by_serve_is_what_a_web_process_reads(tmp_path: Path) -> None:
    file = WorkerStateFile(tmp_path / "run" / "worker-state.json")
    dead = WorkerState(False, None, time.time(), 2, "worker pid 41 killed by SIGKILL")
    file.write(dead)
    assert file.state == dead
    file.write(WorkerState(True, 42, time.time(), 2, "running"))
    assert file.state.running
    assert file.state.pid == 42


def test_an_unreadable_worker_state_is_a_worker_not_running(tmp_path: Path) -> None:
    missing = WorkerStateFile(tmp_path / "nowhere.json").state
    assert not missing.running
    assert "unreadable" in missing.detail
    (tmp_path / "torn.json").write_text('{"running": tr')
    assert not WorkerStateFile(tmp_path / "torn.json").state.running
