"""A real SFTP server on loopback for tests (paramiko's server side over one folder)."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import paramiko

USER, PASSWORD = "landlord", "s3cret"


class _Auth(paramiko.ServerInterface):
    def check_auth_password(self, username: str, password: str) -> int:
        ok = (username, password) == (USER, PASSWORD)
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_channel_request(self, kind: str, chanid: int) -> int:
        ok = kind == "session"
        return paramiko.OPEN_SUCCEEDED if ok else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


class _Handle(paramiko.SFTPHandle):
    def stat(self) -> Any:
        return paramiko.SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))


def _folder_server(root: Path) -> type[paramiko.SFTPServerInterface]:
    class FolderSftp(paramiko.SFTPServerInterface):
        def _local(self, path: str) -> Path:
            return root / path.lstrip("/")

        def open(self, path: str, flags: int, attr: Any) -> Any:
            local = self._local(path)
            if not local.is_file():
                return paramiko.SFTP_NO_SUCH_FILE
            handle = _Handle(flags)
            handle.readfile = local.open("rb")
            handle.filename = str(local)
            return handle

        def stat(self, path: str) -> Any:
            local = self._local(path)
            if not local.exists():
                return paramiko.SFTP_NO_SUCH_FILE
            return paramiko.SFTPAttributes.from_stat(local.stat())

        lstat = stat

        def remove(self, path: str) -> int:
            local = self._local(path)
            if not local.is_file():
                return paramiko.SFTP_NO_SUCH_FILE
            local.unlink()
            return paramiko.SFTP_OK

    return FolderSftp


@contextmanager
def sftp_server(root: Path) -> Iterator[int]:
    """Serve ``root`` over SFTP on a free loopback port; yield the port."""
    host_key = paramiko.RSAKey.generate(1024)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.2)
    stop = threading.Event()
    transports: list[paramiko.Transport] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            transport = paramiko.Transport(conn)
            transport.add_server_key(host_key)
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, _folder_server(root))
            transports.append(transport)
            try:
                transport.start_server(server=_Auth())
            except (paramiko.SSHException, EOFError, OSError):
                # the client hung up during the handshake (a refused password makes it close
                # early): that client's trouble, not the server's; serve the next one
                transport.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for transport in transports:
            transport.close()
        listener.close()
