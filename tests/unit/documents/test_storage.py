from __future__ import annotations

from pathlib import Path

import pytest

from documents.storage import FileMissing, LocalDiskStorage, StorageKeyError


def test_stored_file_streams_back_whole(tmp_path: Path) -> None:
    storage = LocalDiskStorage(tmp_path)
    content = b"%PDF-1.7\n" + bytes(range(256)) * 1000
    storage.put("1/7/invoice-ab12.pdf", content)
    assert b"".join(storage.stream("1/7/invoice-ab12.pdf")) == content
    assert storage.size("1/7/invoice-ab12.pdf") == len(content)
    assert [p.name for p in (tmp_path / "1" / "7").iterdir()] == ["invoice-ab12.pdf"]


def test_put_replaces_and_delete_removes(tmp_path: Path) -> None:
    storage = LocalDiskStorage(tmp_path)
    storage.put("a.pdf", b"old")
    storage.put("a.pdf", b"new")
    assert b"".join(storage.stream("a.pdf")) == b"new"
    storage.delete("a.pdf")
    with pytest.raises(FileMissing):
        storage.stream("a.pdf")


@pytest.mark.parametrize("key", ["../secret", "/etc/passwd", "a/../../b", "a//b", "", "a\\b"])
def test_keys_cannot_leave_the_root(tmp_path: Path, key: str) -> None:
    with pytest.raises(StorageKeyError):
        LocalDiskStorage(tmp_path / "root").put(key, b"x")
