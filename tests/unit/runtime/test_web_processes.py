"""The parts of ``rentflow serve``'s web processes that need no process: the shared socket and
the worker's state as the web processes read it."""

from __future__ import annotations

import gc
import logging
import socket
import threading
import time
from pathlib import Path

import pytest

from backend.runtime.supervisor import WorkerState
from backend.runtime.web_processes import WorkerStateFile, freeze_loaded, listening_sockets


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


class _Container:
    """What ``freeze_loaded`` asks of the container: to build its task publisher."""

    def __init__(self, answers: bool = True, fails: bool = False) -> None:
        self.fails = fails
        self.built = threading.Event()
        self.broker_answers = threading.Event()
        if answers:
            self.broker_answers.set()

    def warm_publisher(self) -> None:
        self.broker_answers.wait(30)
        if self.fails:
            raise ConnectionRefusedError("the broker is down")
        self.built.set()


def test_a_starting_web_process_builds_its_publisher_then_freezes_what_it_loaded() -> None:
    container = _Container()
    loaded = [[n] for n in range(1000)]  # noqa: F841 (tracked, alive across the freeze)
    before = gc.get_freeze_count()
    freeze_loaded(container)
    assert container.built.is_set()
    assert gc.get_freeze_count() >= before + 1000


def test_a_broker_that_is_down_or_slow_does_not_hold_the_web_process_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    silent = _Container(answers=False)  # a broker that does not answer
    started = time.monotonic()
    freeze_loaded(silent, wait=0.2)
    assert time.monotonic() - started < 5
    assert not silent.built.is_set()
    silent.broker_answers.set()  # it answers at last: the publisher is built then
    assert silent.built.wait(5)
    with caplog.at_level(logging.WARNING, logger="rentflow.supervisor"):
        freeze_loaded(_Container(fails=True))
    assert "the task publisher is built on first use" in caplog.text
    assert "the broker is down" in caplog.text
