"""Where scheduled import files come from: HTTP(S) links, SFTP and FTP paths (seed 002
«Адрес файла (ов)»: a direct download link, or a path on the landlord's FTP server).

Every file is spooled to a temporary file with a size cap, so a huge or endless answer costs
at most ``max_bytes`` of disk and never memory. Credentials ride in the URL
(``sftp://user:password@host:22/path/file.xml``) as the landlord typed them.
"""

from __future__ import annotations

# seed 002 names the landlord's FTP server (bandit B402/B321); ftps:// is offered too
import ftplib  # nosec B402
import ipaddress
import socket
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import unquote, urljoin, urlsplit

import requests

from backend.domain.bulk import hide_password
from backend.ports import SourceUnavailable

CHUNK = 64 * 1024
DOWNLOAD_TIMEOUTS = 20  # a whole download may take this many times the per-read timeout
MAX_REDIRECTS = 5


def _check_public(url: str) -> None:
    """Refuse a source whose host is, or resolves to, this machine or a private network: an
    import address is typed by whoever holds a write key, and must not make rentflow reach
    what only rentflow can reach (server-side request forgery). Checked before every
    connection and every redirect; a name that resolves differently a moment later (DNS
    rebinding) is not caught."""
    host = urlsplit(url).hostname or ""
    if not host:
        raise SourceUnavailable(f"{hide_password(url)}: no host")
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise SourceUnavailable(f"{hide_password(url)}: {host} cannot be resolved ({exc})") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise SourceUnavailable(
                f"{hide_password(url)}: {host} is a local or private address ({address}); "
                "import sources must be reachable on the internet"
            )


def _spool(
    chunks: Iterable[bytes], max_bytes: int, url: str, deadline: float | None = None
) -> IO[bytes]:
    """The chunks in a temporary file; refused past ``max_bytes`` or the ``deadline``
    (``time.monotonic()``), so a server dripping bytes cannot hold a worker for ever."""
    spooled = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, who closes it
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            spooled.close()
            raise SourceUnavailable(f"{hide_password(url)}: larger than {max_bytes} bytes")
        if deadline is not None and time.monotonic() > deadline:
            spooled.close()
            raise SourceUnavailable(f"{hide_password(url)}: the download took too long")
        spooled.write(chunk)
    spooled.seek(0)
    return spooled


@dataclass
class RemoteFiles:
    """``SourceReader`` over HTTP(S) (requests), SFTP (paramiko) and FTP (ftplib)."""

    max_bytes: int = 200 * 1024 * 1024
    timeout: float = 30.0
    allow_private: bool = False  # the sandbox and tests serve their files on loopback

    def fetch(self, url: str) -> IO[bytes]:
        scheme = urlsplit(url).scheme.lower()
        try:
            self._check(url)
            if scheme in {"http", "https"}:
                return self._http(url)
            if scheme == "sftp":
                return self._sftp(url)
            if scheme in {"ftp", "ftps"}:
                return self._ftp(url)
        except SourceUnavailable:
            raise
        except (OSError, requests.RequestException, ftplib.Error) as exc:
            raise SourceUnavailable(f"{hide_password(url)}: {exc}") from exc
        except Exception as exc:  # paramiko's SSHException and friends
            if type(exc).__module__.startswith("paramiko"):
                raise SourceUnavailable(f"{hide_password(url)}: {exc}") from exc
            raise
        raise SourceUnavailable(f"{hide_password(url)}: unsupported scheme {scheme!r}")

    def remove(self, url: str) -> None:
        scheme = urlsplit(url).scheme.lower()
        try:
            self._check(url)
            if scheme == "sftp":
                with self._sftp_client(url) as (sftp, path):
                    sftp.remove(path)
                return
            if scheme in {"ftp", "ftps"}:
                with self._ftp_client(url) as (ftp, path):
                    ftp.delete(path)
                return
        except (OSError, ftplib.Error) as exc:
            raise SourceUnavailable(f"{hide_password(url)}: {exc}") from exc
        except Exception as exc:
            if type(exc).__module__.startswith("paramiko"):
                raise SourceUnavailable(f"{hide_password(url)}: {exc}") from exc
            raise
        raise SourceUnavailable(f"{hide_password(url)}: a web link cannot be deleted after reading")

    def _check(self, url: str) -> None:
        if not self.allow_private:
            _check_public(url)

    # --- HTTP ---
    def _http(self, url: str) -> IO[bytes]:
        target = url
        for _ in range(MAX_REDIRECTS + 1):  # each hop checked like the first
            answer = requests.get(target, stream=True, timeout=self.timeout, allow_redirects=False)
            if not answer.is_redirect:
                break
            answer.close()
            target = urljoin(target, answer.headers.get("Location", ""))
            if urlsplit(target).scheme.lower() not in {"http", "https"}:
                raise SourceUnavailable(f"{hide_password(url)}: redirected away from the web")
            self._check(target)
        else:
            raise SourceUnavailable(f"{hide_password(url)}: more than {MAX_REDIRECTS} redirects")
        with answer:
            if answer.status_code != 200:
                raise SourceUnavailable(f"{hide_password(url)}: HTTP {answer.status_code}")
            declared = answer.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise SourceUnavailable(f"{hide_password(url)}: larger than {self.max_bytes} bytes")
            deadline = time.monotonic() + self.timeout * DOWNLOAD_TIMEOUTS
            return _spool(answer.iter_content(CHUNK), self.max_bytes, url, deadline)

    # --- SFTP ---
    def _sftp(self, url: str) -> IO[bytes]:
        with self._sftp_client(url) as (sftp, path), sftp.open(path, "rb") as remote:
            return _spool(iter(lambda: remote.read(CHUNK), b""), self.max_bytes, url)

    def _sftp_client(self, url: str) -> _SftpSession:
        return _SftpSession(url, self.timeout)

    # --- FTP ---
    def _ftp(self, url: str) -> IO[bytes]:
        chunks: list[bytes] = []
        size = 0

        def keep(chunk: bytes) -> None:
            nonlocal size
            size += len(chunk)
            if size > self.max_bytes:
                raise SourceUnavailable(f"{hide_password(url)}: larger than {self.max_bytes} bytes")
            chunks.append(chunk)

        with self._ftp_client(url) as (ftp, path):
            ftp.retrbinary(f"RETR {path}", keep, blocksize=CHUNK)
        return _spool(chunks, self.max_bytes, url)

    def _ftp_client(self, url: str) -> _FtpSession:
        return _FtpSession(url, self.timeout)


class _SftpSession:
    """An SFTP connection for one URL. The server's key is not pinned: the landlord gives an
    address and a password, as seed 002's FTP settings do; say so in docs/import.md."""

    def __init__(self, url: str, timeout: float) -> None:
        self.parts = urlsplit(url)
        self.timeout = timeout

    def __enter__(self) -> tuple[Any, str]:
        import paramiko

        parts = self.parts
        self.transport = paramiko.Transport((parts.hostname or "", parts.port or 22))
        self.transport.banner_timeout = self.timeout
        self.sftp = None
        try:
            self.transport.connect(
                username=unquote(parts.username or ""), password=unquote(parts.password or "")
            )
            self.sftp = paramiko.SFTPClient.from_transport(self.transport)
        except BaseException:
            self.transport.close()
            raise
        return self.sftp, unquote(parts.path)

    def __exit__(self, *_: object) -> None:
        if self.sftp is not None:
            self.sftp.close()
        self.transport.close()


class _FtpSession:
    def __init__(self, url: str, timeout: float) -> None:
        self.parts = urlsplit(url)
        self.timeout = timeout

    def __enter__(self) -> tuple[ftplib.FTP, str]:
        parts = self.parts
        ftp = ftplib.FTP_TLS() if parts.scheme == "ftps" else ftplib.FTP()  # noqa: S321  # nosec B321
        try:
            ftp.connect(parts.hostname or "", parts.port or 21, timeout=self.timeout)
            ftp.login(unquote(parts.username or "anonymous"), unquote(parts.password or ""))
            if isinstance(ftp, ftplib.FTP_TLS):
                ftp.prot_p()
        except BaseException:  # a refused login must not leave the connection open
            ftp.close()
            raise
        self.ftp = ftp
        return ftp, unquote(parts.path)

    def __exit__(self, *_: object) -> None:
        try:
            self.ftp.quit()
        except (OSError, ftplib.Error):
            self.ftp.close()
