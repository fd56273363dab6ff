"""Where rendered files live: local disk, the default ``backend.ports.DocumentStorage``.

An S3-compatible store implements the same methods later; keys are relative paths like
``12/345/invoice-1a2b.pdf``.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from backend.ports import DocumentStorage, FileMissing, StorageKeyError

_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*")
CHUNK = 64 * 1024


__all__ = ["DocumentStorage", "FileMissing", "LocalDiskStorage", "StorageKeyError"]


class LocalDiskStorage:
    """Files under one directory; writes are atomic (temporary file, then rename)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key) or ".." in key.split("/"):
            raise StorageKeyError(f"not a storage key: {key!r}")
        return self.root / key

    def put(self, key: str, content: bytes) -> None:
        """Write ``content`` under ``key``, replacing what was there, never half-written."""
        path = self._path(key)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def stream(self, key: str) -> Iterator[bytes]:
        """The file's bytes in chunks (raises ``FileMissing`` before the first chunk)."""
        path = self._path(key)
        if not path.is_file():
            raise FileMissing(key)
        handle = path.open("rb")
        return _chunks(handle)

    def size(self, key: str) -> int:
        path = self._path(key)
        if not path.is_file():
            raise FileMissing(key)
        return path.stat().st_size

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def stored(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """Each file under the folder ``prefix`` (a key without its file name) with when it
        was last written (UTC); a write in progress is not a file yet."""
        folder = self._path(prefix)
        if not folder.is_dir():
            return
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith(".tmp-"):
                written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                yield path.relative_to(self.root).as_posix(), written


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk
