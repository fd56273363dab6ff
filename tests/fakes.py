"""In-memory fakes of the ports, for tests of services (STYLE: fakes, not mocks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from backend.domain.billing import DocumentKind
from backend.domain.documents import IssuedDocument
from backend.domain.lease import Lease
from backend.domain.links import ACT_ROLES, INVOICE_ROLES
from backend.services.document_links import DocumentRendering
from crm_mappings.port import (
    CrmKind,
    CrmNotFound,
    CrmTask,
    CrmTaskState,
    CrmTaskStatus,
    CrmUser,
    Deal,
    DealComment,
    DealParty,
    DealUpdate,
    NewDeal,
    PartyUpdate,
    Pipeline,
)


@dataclass
class FakeCrm:
    """A CRM holding deals in memory; records comments, tasks and applied updates.

    A deal the test did not put in ``deals`` is not found (``CrmNotFound``), unless
    ``holds_every_deal``: then every deal id answers, in pipeline "0" at stage "NEW" until
    moved — for tests where only the moves rentflow makes matter (``stages``).
    """

    kind: CrmKind = CrmKind.BITRIX24
    pipelines: list[Pipeline] = field(default_factory=list)
    deals: dict[str, Deal] = field(default_factory=dict)
    comments: list[DealComment] = field(default_factory=list)
    tasks: list[CrmTask] = field(default_factory=list)
    updates: list[DealUpdate] = field(default_factory=list)
    party_updates: list[PartyUpdate] = field(default_factory=list)
    holds_every_deal: bool = False
    users: list[CrmUser] = field(default_factory=list)
    parties: dict[str, DealParty] = field(default_factory=dict)
    # the tasks create_task made, as task_states reads them back (a test closes one here)
    task_board: dict[str, CrmTaskState] = field(default_factory=dict)

    @property
    def stages(self) -> dict[str, str]:
        """The stage rentflow last moved each deal to, by deal id."""
        return {u.deal_id: u.stage_id for u in self.updates if u.stage_id}

    def list_pipelines(self) -> list[Pipeline]:
        return list(self.pipelines)

    def get_deal(self, deal_id: str) -> Deal:
        if self.holds_every_deal and deal_id not in self.deals:
            self.deals[deal_id] = Deal(deal_id, "", "0", "NEW")
        try:
            return self.deals[deal_id]
        except KeyError:
            raise CrmNotFound(f"deal {deal_id} not found") from None

    def update_deals(self, updates: Sequence[DealUpdate]) -> None:
        for update in updates:
            deal = self.get_deal(update.deal_id)
            fields = {**deal.fields, **update.fields}
            stage = update.stage_id or deal.stage_id
            self.deals[deal.id] = replace(deal, stage_id=stage, fields=fields)
            self.updates.append(update)

    def add_comments(self, comments: Sequence[DealComment]) -> None:
        self.comments.extend(comments)

    def add_tasks(self, tasks: Sequence[CrmTask]) -> None:
        self.tasks.extend(tasks)

    def create_task(self, task: CrmTask) -> str:
        self.tasks.append(task)
        task_id = str(len(self.task_board) + 500)
        self.task_board[task_id] = CrmTaskState(task_id, CrmTaskStatus.OPEN)
        return task_id

    def task_states(self, task_ids: Sequence[str]) -> list[CrmTaskState]:
        return [self.task_board[t] for t in task_ids if t in self.task_board]

    def start_task(self, task_id: str) -> bool:
        self.task_board[task_id] = CrmTaskState(task_id, CrmTaskStatus.IN_PROGRESS)
        return True

    def complete_task(self, task_id: str, result: str) -> None:
        kept = result or self.task_board[task_id].result
        self.task_board[task_id] = CrmTaskState(task_id, CrmTaskStatus.COMPLETED, kept)

    def create_deal(self, deal: NewDeal) -> str:
        deal_id = str(len(self.deals) + 1000)
        self.deals[deal_id] = Deal(
            id=deal_id, title=deal.title, pipeline_id=deal.pipeline_id, stage_id=deal.stage_id
        )
        return deal_id

    def update_party(self, update: PartyUpdate) -> None:
        self.party_updates.append(update)

    def list_users(self) -> list[CrmUser]:
        return list(self.users)

    def deal_party(self, deal_id: str) -> DealParty:
        self.get_deal(deal_id)
        return self.parties.get(deal_id, DealParty())

    def move(self, deal_id: str, stage_id: str) -> None:
        """What a manager does when they drag the deal to another stage."""
        self.deals[deal_id] = replace(self.deals[deal_id], stage_id=stage_id)


class TinyFiles:
    """Document rendering with the real ``check()`` and a few bytes for each of a document's
    files instead of PDFs: fast, same roles (what the run costs besides rendering)."""

    def __init__(self, real: DocumentRendering) -> None:
        self.real = real

    def check(self, lease: Lease, document: IssuedDocument) -> None:
        self.real.check(lease, document)

    def render_files(self, lease: Lease, document: IssuedDocument) -> dict[str, bytes]:
        roles = INVOICE_ROLES if document.kind is DocumentKind.INVOICE else ACT_ROLES
        return {role: role.encode() for role in roles}
