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


def test_stored_lists_the_files_under_a_folder_with_their_time(tmp_path: Path) -> None:
    storage = LocalDiskStorage(tmp_path)
    storage.put("1/7/invoice-ab12.pdf", b"a")
    storage.put("1/8/act-cd34.pdf", b"b")
    storage.put("2/9/act-ef56.pdf", b"c")
    (tmp_path / "1" / "7" / ".tmp-half").write_bytes(b"being written")
    listed = list(storage.stored("1"))
    assert [key for key, _ in listed] == ["1/7/invoice-ab12.pdf", "1/8/act-cd34.pdf"]
    assert all(written.tzinfo is not None for _, written in listed)
    assert list(storage.stored("3")) == []
