"""What every phase of the billing run shares: the ports it needs and what a portal's run did.

Its own module so the phases (``billing``, ``billing_mail``, ``penalties``, ``billing_fanout``)
all import it from below instead of from one another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from backend.ports import Clock, DocumentStorage
from backend.services.document_links import DocumentRendering
from backend.services.lease_events import EventQueue
from backend.services.unit_of_work import UnitOfWorkFactory
from crm_mappings.port import CrmPort

T = TypeVar("T")

# Leases (for the managers' summaries: documents) a phase of the run holds in memory at a
# time, with what it reads of them: a portal of 10 000 leases is read a page at a time.
LEASES_AT_ONCE = 200


def pages(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """``values`` in consecutive pages of ``LEASES_AT_ONCE``."""
    size = LEASES_AT_ONCE
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(frozen=True)
class BillingPorts:
    """What the run needs besides the store: rendering, file storage, link URLs, the clock."""

    uow: UnitOfWorkFactory
    clock: Clock
    rendering: DocumentRendering
    storage: DocumentStorage
    link_url: Callable[[str], str]  # a link token -> its public URL
    crm_for: Callable[[int], CrmPort | None] = lambda portal_id: None  # for tasks and deals
    queue_event: EventQueue | None = None  # pushes recorded deal moves (``lease_events``)


@dataclass
class PortalRun:
    """What one portal's run did: ids of issued documents, queued emails, failures; and
    what a killed run had left, finished here."""

    portal_id: int
    issued: list[int] = field(default_factory=list)
    published: list[int] = field(default_factory=list)  # numbered by a killed run, finished here
    untold: list[int] = field(default_factory=list)  # published by a killed run, deal not told
    mailed: int = 0
    reminders: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)

    @property
    def to_tell(self) -> list[int]:
        """The documents whose deals are told now: issued by this run, or left by a killed
        one (published here, or published then but never told)."""
        return [*self.untold, *self.published, *self.issued]
