"""What the cabinet services need from storage (``backend.db.cabinet_repo`` implements it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from backend.domain.billing import DocumentKind
from backend.domain.cabinet import (
    CabinetSession,
    Challenge,
    PaymentLine,
    Scan,
    StoredFile,
    TenantRef,
)
from backend.domain.documents import IssuedDocument
from backend.domain.parties import Tenant
from backend.services.unit_of_work import UnitOfWork


class CabinetDataRepo(Protocol):
    """A tenant's leases, documents, payments, files and scans (scoped by portal, tenant)."""

    def lease_ids(self, portal_id: int, tenant_ids: Sequence[int]) -> list[int]: ...
    def documents(
        self, portal_id: int, lease_ids: Sequence[int], *, kind: DocumentKind | None = None,
        year: int | None = None,
    ) -> list[IssuedDocument]: ...  # fmt: skip
    def document_years(self, portal_id: int, lease_ids: Sequence[int]) -> list[int]: ...
    def lease_numbers(self, portal_id: int, lease_ids: Sequence[int]) -> dict[int, str]: ...
    def payments(
        self, portal_id: int, lease_ids: Sequence[int], invoice_ids: Sequence[int]
    ) -> list[PaymentLine]: ...
    def file_roles(self, portal_id: int, document_ids: Sequence[int]) -> dict[int, list[str]]: ...
    def document_file(
        self, portal_id: int, tenant_ids: Sequence[int], document_id: int, role: str
    ) -> StoredFile | None: ...
    def tenant(self, portal_id: int, tenant_id: int) -> Tenant | None: ...
    def save_contacts(
        self, portal_id: int, tenant_ids: Sequence[int], *, name: str, address: str,
        phone: str, emails: tuple[str, ...],
    ) -> None: ...  # fmt: skip
    def save_language(self, portal_id: int, tenant_ids: Sequence[int], lang: str) -> None: ...
    def add_scan(
        self, portal_id: int, lease_id: int, *, title: str, filename: str, content_type: str,
        size: int, sha256: str, storage_key: str, uploaded_by: str, at: datetime,
    ) -> int: ...  # fmt: skip
    def scans(self, portal_id: int, lease_ids: Sequence[int]) -> list[Scan]: ...
    def lease_scan(self, portal_id: int, lease_id: int, scan_id: int) -> StoredFile | None: ...
    def delete_scan(
        self, portal_id: int, lease_id: int, scan_id: int
    ) -> tuple[Scan, str] | None: ...
    def scan_file(
        self, portal_id: int, tenant_ids: Sequence[int], scan_id: int
    ) -> StoredFile | None: ...


class CabinetRepo(Protocol):
    """Sign-in challenges, sessions, rate-limit hits; ``data`` for what a tenant reads."""

    @property
    def data(self) -> CabinetDataRepo: ...
    def tenants_with_email(self, email: str) -> list[TenantRef]: ...
    def tenant_lists(self, portal_id: int, tenant_id: int, email: str) -> bool: ...
    def add_challenge(
        self, email: str, code_hash: str, link_hash: str, *, known: bool, ip: str,
        now: datetime, expires_at: datetime,
    ) -> int: ...  # fmt: skip
    def latest_challenge(self, email: str) -> Challenge | None: ...
    def challenge_by_link(self, link_hash: str) -> Challenge | None: ...
    def count_failure(self, challenge_id: int) -> None: ...
    def use_challenge(self, challenge_id: int, now: datetime) -> bool: ...
    def hits(self, key: str, since: datetime) -> int: ...
    def hit(self, keys: list[str], at: datetime) -> None: ...
    def purge(self, before: datetime) -> None: ...
    def add_session(
        self, token_hash: str, email: str, csrf: str, tenants: list[TenantRef], *,
        now: datetime, expires_at: datetime, ip: str,
    ) -> int: ...  # fmt: skip
    def session_by_token(self, token_hash: str) -> CabinetSession | None: ...
    def touch(self, session_id: int, now: datetime) -> None: ...
    def choose(self, session_id: int, ref: TenantRef) -> None: ...
    def revoke(self, session_id: int, now: datetime) -> None: ...
    def revoke_all(self, email: str, now: datetime) -> int: ...


class CabinetUnitOfWork(UnitOfWork, Protocol):
    """A unit of work with the cabinet's repository."""

    @property
    def cabinet(self) -> CabinetRepo: ...


CabinetUnitOfWorkFactory = Callable[[int | None], CabinetUnitOfWork]
