"""Tenant requests (заявки) and landlord announcements (повідомлення), seed 003.

A request has a type (technical, organisational, financial, other), the tenant's text and
attachments; its status goes not reviewed → in work → done, ending with the manager's answer
("Відстежується статус: не розглянуто, в роботі, розглянуто. У підсумку менеджер додає
коментар до розгляду та зазначає результат"). An announcement is a dated message to every
tenant of a building or to one tenant ("Вказуються дата й текст повідомлення").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from backend.domain.errors import DomainError

MAX_TEXT = 4000
MAX_ANSWER = 4000
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_OOXML = "application/vnd.openxmlformats-officedocument"
# what a tenant may attach, recognised by its first bytes, not by the name it came with
_MAGIC = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"PK\x03\x04", f"{_OOXML}.wordprocessingml.document", (".docx",)),
    (b"PK\x03\x04", f"{_OOXML}.spreadsheetml.sheet", (".xlsx",)),
)
ALLOWED_EXTENSIONS = tuple(sorted({e for _, _, exts in _MAGIC for e in exts}))


class RequestKind(StrEnum):
    TECHNICAL = "technical"  # технічне питання
    ORGANISATIONAL = "organisational"  # організаційне
    FINANCIAL = "financial"  # фінансове
    OTHER = "other"  # інше (прохання тощо)


class RequestStatus(StrEnum):
    NEW = "new"  # не розглянуто
    IN_WORK = "in_work"  # в роботі
    DONE = "done"  # розглянуто, with the manager's answer


class InvalidRequest(DomainError):
    """A request, answer or attachment that breaks a rule; ``field`` names the form field."""

    def __init__(self, field: str, reason: str, subject: str = "") -> None:
        super().__init__(f"{field}: {subject + ': ' if subject else ''}{reason}")
        self.field = field
        self.reason = reason
        self.subject = subject  # the file a refusal is about


@dataclass(frozen=True)
class RequestAttachment:
    name: str
    mime: str
    size: int
    storage_key: str
    id: int | None = None


@dataclass(frozen=True)
class TenantRequest:
    """A tenant's request to the manager of one of its leases."""

    tenant_id: int
    lease_id: int
    kind: RequestKind
    text: str
    status: RequestStatus = RequestStatus.NEW
    answer: str = ""
    crm_task_id: str = ""
    crm_error: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    attachments: tuple[RequestAttachment, ...] = ()
    id: int | None = None


def check_text(text: str) -> str:
    """The request's text, trimmed; refuses an empty or overlong one."""
    text = text.strip()
    if not text:
        raise InvalidRequest("text", "describe the request")
    if len(text) > MAX_TEXT:
        raise InvalidRequest("text", f"at most {MAX_TEXT} characters")
    return text


def check_kind(kind: str) -> RequestKind:
    try:
        return RequestKind(kind)
    except ValueError:
        raise InvalidRequest("kind", "choose the type of the request") from None


def check_attachment(name: str, data: bytes) -> tuple[str, str]:
    """The attachment's safe name and MIME type, judged by its content and extension; refuses
    an empty, too large or unknown file."""
    safe = "".join(c for c in name.replace("\\", "/").rsplit("/", 1)[-1] if c.isprintable())
    safe = safe.strip().lstrip(".")[:120] or "file"
    if not data:
        raise InvalidRequest("attachments", "the file is empty", safe)
    if len(data) > MAX_ATTACHMENT_BYTES:
        limit = MAX_ATTACHMENT_BYTES // (1024 * 1024)
        raise InvalidRequest("attachments", f"larger than {limit} MB", safe)
    lower = safe.lower()
    for magic, mime, extensions in _MAGIC:
        if data.startswith(magic) and lower.endswith(extensions):
            return safe, mime
    allowed = ", ".join(ALLOWED_EXTENSIONS)
    raise InvalidRequest("attachments", f"only {allowed} files are accepted", safe)


def check_answer(status: RequestStatus, answer: str) -> str:
    """The manager's answer; a request is done only with one."""
    answer = answer.strip()
    if len(answer) > MAX_ANSWER:
        raise InvalidRequest("answer", f"at most {MAX_ANSWER} characters")
    if status is RequestStatus.DONE and not answer:
        raise InvalidRequest("answer", "a request is done with the manager's answer")
    return answer


@dataclass(frozen=True)
class Announcement:
    """A dated message from the landlord to every tenant of ``building`` or to ``tenant_id``."""

    posted_on: date
    title: str
    text: str
    building: str = ""
    tenant_id: int | None = None
    created_at: datetime | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise InvalidRequest("title", "an announcement needs a title")
        if not self.text.strip():
            raise InvalidRequest("text", "an announcement needs a text")
        if len(self.title) > 200 or len(self.text) > MAX_TEXT:
            raise InvalidRequest("text", f"title at most 200, text at most {MAX_TEXT} characters")
        if bool(self.building.strip()) == (self.tenant_id is not None):
            raise InvalidRequest("audience", "address a building or one tenant")
