"""The CRM port: what rentflow needs from a CRM, whichever it is (Bitrix24 deal, amoCRM lead).

Adapters (``crm_mappings.bitrix24``, ``crm_mappings.amocrm``) implement ``CrmPort`` over
``requests``; services depend only on this module. A "deal" here is a Bitrix24 deal or an
amoCRM lead; a "pipeline" is a Bitrix24 deal category or an amoCRM pipeline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class CrmKind(StrEnum):
    BITRIX24 = "bitrix24"
    AMOCRM = "amocrm"


class LeaseField(StrEnum):
    """rentflow's custom fields on a deal, created at install and reused on reinstall."""

    LEASE_STATUS = "lease_status"
    LEASE_URL = "lease_url"
    INVOICE_ID = "invoice_id"
    INVOICE_URL = "invoice_url"
    QR_URL = "qr_url"
    QR_INVOICE_URL = "qr_invoice_url"
    ACT_URL = "act_url"
    NEXT_INVOICE_DATE = "next_invoice_date"
    DEBT = "debt"


class StageSemantics(StrEnum):
    PROCESS = "process"
    SUCCESS = "success"  # Bitrix24 "S" / amoCRM 142
    FAILURE = "failure"  # Bitrix24 "F" / amoCRM 143


@dataclass(frozen=True)
class Stage:
    id: str
    name: str
    pipeline_id: str
    sort: int = 0
    semantics: StageSemantics = StageSemantics.PROCESS


@dataclass(frozen=True)
class Pipeline:
    id: str
    name: str
    stages: tuple[Stage, ...] = ()
    is_default: bool = False


@dataclass(frozen=True)
class Deal:
    """A CRM deal/lead as rentflow reads it."""

    id: str
    title: str
    pipeline_id: str
    stage_id: str
    responsible_user_id: str = ""
    amount: str = ""
    company_id: str = ""
    contact_ids: tuple[str, ...] = ()
    fields: Mapping[LeaseField, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DealUpdate:
    """A change to one deal: a stage move and/or rentflow fields. Empty parts are not sent."""

    deal_id: str
    stage_id: str | None = None
    fields: Mapping[LeaseField, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DealComment:
    """A timeline comment (Bitrix24) or a note (amoCRM) on a deal."""

    deal_id: str
    text: str


@dataclass(frozen=True)
class CrmTask:
    """A task for a CRM user, tied to a deal."""

    deal_id: str
    responsible_user_id: str
    title: str
    text: str
    deadline: datetime


class CrmTaskStatus(StrEnum):
    OPEN = "open"  # not started (Bitrix24 1/2/6, amoCRM not completed)
    IN_PROGRESS = "in_progress"  # Bitrix24 3 (in progress) and 4 (awaiting the creator's check)
    COMPLETED = "completed"  # Bitrix24 5, amoCRM ``is_completed``
    DECLINED = "declined"  # Bitrix24 7


@dataclass(frozen=True)
class CrmTaskState:
    """A task as the CRM holds it now; ``result`` is what its closer wrote (Bitrix24 task
    result, amoCRM ``result.text``)."""

    task_id: str
    status: CrmTaskStatus
    result: str = ""


@dataclass(frozen=True)
class NewDeal:
    """A deal to create, e.g. the billing deal of one period (seed 001)."""

    title: str
    pipeline_id: str
    stage_id: str
    responsible_user_id: str = ""
    amount: str = ""
    company_id: str = ""
    contact_ids: tuple[str, ...] = ()
    parent_deal_id: str = ""


@dataclass(frozen=True)
class PartyUpdate:
    """New contact details of a deal's tenant: its company (``kind`` "company") or, when the
    deal has none, its main contact ("contact"). None leaves a detail as it is; ``emails``
    replace the e-mails the CRM holds, ``phone`` its first phone."""

    kind: str  # "company" or "contact"
    id: str
    name: str | None = None
    phone: str | None = None
    emails: tuple[str, ...] | None = None
    address: str | None = None


@dataclass(frozen=True)
class CrmUser:
    """A person of the CRM account a lease can name (manager, supervisor): ``email`` may be
    empty when the CRM does not share it."""

    id: str
    name: str
    email: str = ""


@dataclass(frozen=True)
class DealParty:
    """Who the deal's tenant is, as the CRM knows it (the deal's company, else its main
    contact): empty strings when unknown. A lease form starts from it."""

    name: str = ""
    inn: str = ""
    kpp: str = ""
    emails: tuple[str, ...] = ()
    address: str = ""


class CrmError(Exception):
    """A CRM call failed for good (bad request, not found, access denied)."""


class CrmUnavailable(CrmError):
    """A transient failure (rate limit, 5xx, timeout, network): retry later, lose nothing."""


class CrmAuthLost(CrmError):
    """The portal's refresh token is dead: the portal must be re-authorised by its admin."""


class CrmNotFound(CrmError):
    """The deal (or other object) does not exist in the CRM."""


class CrmPort(Protocol):
    """What a CRM adapter does for one portal. Writes are batched by the adapter.

    Guarantees every adapter keeps: calls stay within the CRM's rate limit; transient
    failures are retried with backoff and, if they persist, raised as ``CrmUnavailable``
    with nothing half-applied that a retry would duplicate.
    """

    kind: CrmKind

    def list_pipelines(self) -> list[Pipeline]:
        """Every deal pipeline with its stages, in CRM sort order."""
        ...

    def get_deal(self, deal_id: str) -> Deal:
        """Read one deal; raises ``CrmNotFound`` if it is gone."""
        ...

    def update_deals(self, updates: Sequence[DealUpdate]) -> None:
        """Apply stage moves and field writes, batched (≤ 50 per call)."""
        ...

    def add_comments(self, comments: Sequence[DealComment]) -> None:
        """Add timeline comments / notes, batched."""
        ...

    def add_tasks(self, tasks: Sequence[CrmTask]) -> None:
        """Create tasks for users, batched."""
        ...

    def create_deal(self, deal: NewDeal) -> str:
        """Create a deal and return its id."""
        ...

    def create_task(self, task: CrmTask) -> str:
        """Create one task on the deal for its user and return the task's id (to follow it)."""
        ...

    def task_states(self, task_ids: Sequence[str]) -> list[CrmTaskState]:
        """The state of each task that still exists (a deleted one is left out)."""
        ...

    def start_task(self, task_id: str) -> bool:
        """Put the task in progress where the CRM has such a state (Bitrix24; amoCRM has
        none: nothing is sent, False); ``CrmError`` when the CRM refuses (a task gone,
        closed)."""
        ...

    def complete_task(self, task_id: str, result: str) -> None:
        """Complete the task with ``result`` recorded on it as its closer's answer (nothing
        recorded when empty); ``CrmError`` when the CRM refuses (a task gone, closed)."""
        ...

    def update_party(self, update: PartyUpdate) -> None:
        """Write a tenant's new name, phone, e-mails (and address, where the CRM keeps one on
        the company) to its CRM company or contact; ``CrmNotFound`` if it is gone."""
        ...

    def list_users(self) -> list[CrmUser]:
        """The account's active users (to pick a lease's manager and supervisor from)."""
        ...

    def deal_party(self, deal_id: str) -> DealParty:
        """The deal's tenant from its company's requisites or its contacts."""
        ...
