"""Export files on the local disk, under the documents directory, by storage key."""

from __future__ import annotations

import os
from pathlib import Path


class LocalFileStore:
    """Keeps files under ``root``; keys are relative paths that never leave it."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"the key {key!r} leaves the storage directory")
        return path

    def put(self, key: str, data: bytes) -> str:
        """Write ``data`` at ``key`` and return the key."""
        path = self._path(key)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # every document of a portal: rentflow's user only, whatever the umask
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            out.write(data)
        return key

    def get(self, key: str) -> bytes:
        """The bytes stored at ``key``; ``FileNotFoundError`` when there are none."""
        return self._path(key).read_bytes()
