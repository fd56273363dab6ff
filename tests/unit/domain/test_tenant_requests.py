"""What a request, its files, an answer and an announcement must be."""

from __future__ import annotations

from datetime import date

import pytest

from backend.domain.tenant_requests import (
    MAX_ATTACHMENT_BYTES,
    Announcement,
    InvalidRequest,
    RequestStatus,
    check_answer,
    check_attachment,
    check_kind,
    check_text,
)


def test_files_are_judged_by_content_and_name_not_by_name_alone() -> None:
    assert check_attachment("C:\\scans\\акт.pdf", b"%PDF-1.7") == (
        "акт.pdf", "application/pdf",
    )  # fmt: skip
    assert check_attachment("photo.JPG", b"\xff\xd8\xff\xe0") == ("photo.JPG", "image/jpeg")
    for name, data in (("fake.pdf", b"MZ\x90"), ("doc.exe", b"%PDF-1.7"), ("e.pdf", b"")):
        with pytest.raises(InvalidRequest) as refused:
            check_attachment(name, data)
        assert (refused.value.field, refused.value.subject) == ("attachments", name)
    with pytest.raises(InvalidRequest, match="larger than 10 MB"):
        check_attachment("big.pdf", b"%PDF" + b"0" * MAX_ATTACHMENT_BYTES)


def test_text_kind_and_answer() -> None:
    assert check_text("  Течёт кран  ") == "Течёт кран"
    with pytest.raises(InvalidRequest, match="text"):
        check_text("   ")
    with pytest.raises(InvalidRequest, match="kind"):
        check_kind("urgent")
    with pytest.raises(InvalidRequest, match="answer"):
        check_answer(RequestStatus.DONE, " ")
    assert check_answer(RequestStatus.IN_WORK, "") == ""


def test_an_announcement_addresses_a_building_or_one_tenant() -> None:
    Announcement(date(2026, 2, 1), "Вода", "Отключение", building="БЦ Север")
    Announcement(date(2026, 2, 1), "Вода", "Отключение", tenant_id=3)
    for audience in ({}, {"building": "БЦ Север", "tenant_id": 3}):
        with pytest.raises(InvalidRequest, match="audience"):
            Announcement(date(2026, 2, 1), "Вода", "Отключение", **audience)  # type: ignore[arg-type]
