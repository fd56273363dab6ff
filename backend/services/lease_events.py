"""Deal moves that follow documents: an invoice paid, an invoice or act emailed to the tenant.

The move is recorded (``crm_lease_events``) in the same transaction as the event that asks
for it, and a task queued after the commit pushes it through
``crm_push.push_lease_event`` (both billing modes), retried while the CRM is down. A task
that is lost, or gives up after hours of a CRM outage, leaves its row pending and the
30-minute sweep queues it again: no move is lost, and a move recorded twice is one move.
An undone payment takes its "paid" move back (``take_back_paid``): forgotten if it had not
reached the deal yet, else a move back (``UNPAID``) recorded and pushed the same way.

Services stay free of Celery: whoever commits hands in an ``EventQueue`` that sends the task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import partial

from backend.ports import Clock
from backend.services.crm_push import SYNC_GRACE, Pushed, push_back_from_paid, push_lease_event
from backend.services.unit_of_work import UnitOfWork
from crm_mappings.mapping import LeaseEvent
from crm_mappings.port import CrmAuthLost, CrmError, CrmPort, CrmUnavailable

log = logging.getLogger(__name__)

EventQueue = Callable[[int, int, str], None]
"""Queue the push of one move: (portal id, document id, ``LeaseEvent`` value)."""

# A recorded move of its own, not a ``LeaseEvent`` (there is no stage to map to it): the deal
# back from "paid" after the invoice's payment was undone (``crm_push.push_back_from_paid``).
UNPAID = "unpaid"

# An event whose document has since gone further must not pull the deal back: an invoice
# paid before its email was delivered stays at "paid". (Keyed by the recorded names: a
# ``LeaseEvent`` hashes by its member name, not by the value it equals.)
_SUPERSEDED_BY: dict[str, tuple[str, ...]] = {
    LeaseEvent.INVOICE_SENT.value: (LeaseEvent.PAID.value,),
    LeaseEvent.OVERDUE.value: (LeaseEvent.PAID.value,),  # paid while its move waited
    UNPAID: (LeaseEvent.PAID.value,),  # paid again while the move back waited
}


def record_lease_events(
    uow: UnitOfWork,
    clock: Clock,
    document_ids: Iterable[int],
    event: LeaseEvent,
    queue: EventQueue | None = None,
) -> list[int]:
    """Record that ``event`` happened to each document and queue the deal moves once ``uow``
    commits. Returns the documents newly recorded (one already recorded is not queued).

    Nothing is recorded when no pipeline of the portal maps a stage to ``event``: most
    portals map "paid" but not "invoice sent", and a move to nowhere is not worth a task."""
    mapped = any(events.get(event.value) for _, events in uow.mappings.all().values())
    if not mapped:
        return []
    fresh = uow.lease_events.add_many(list(document_ids), event.value, clock.now())
    if queue is not None and fresh and uow.portal_id is not None:
        uow.after_commit(partial(_queue_all, queue, uow.portal_id, fresh, event))
    return fresh


def _queue_all(queue: EventQueue, portal_id: int, document_ids: list[int], event: str) -> None:
    for document_id in document_ids:
        try:
            queue(portal_id, document_id, event)
        # whatever the broker raises, the event is committed and the sweep queues it again
        except Exception:
            log.exception("queueing %s of document %s failed", event, document_id)


def push_recorded_event(
    uow: UnitOfWork, clock: Clock, crm: CrmPort, document_id: int, event: LeaseEvent | str
) -> Pushed | None:
    """Move the deal for a recorded event (a ``LeaseEvent`` or ``UNPAID``, as the
    ``crm_lease_event`` task gets it) and mark it done; None when nothing moved.

    ``CrmUnavailable`` and ``CrmAuthLost`` propagate and leave the move pending (the task
    retries, the sweep re-queues); any other refusal (a deleted deal) is recorded with the
    move, which is then left alone. ``uow`` is entered here."""
    name = str(event)
    with uow:
        state = uow.lease_events.state(document_id, name)
        superseded = any(
            uow.lease_events.state(document_id, later) is not None
            for later in _SUPERSEDED_BY.get(name, ())
        )
    if state is None or state[0] is not None:
        return None  # forgotten since it was queued (a payment undone), or already pushed
    pushed, error = None, ""
    if not superseded:
        try:
            pushed = (
                push_back_from_paid(uow, clock, crm, document_id)
                if name == UNPAID
                else push_lease_event(uow, clock, crm, document_id, LeaseEvent(name))
            )
        except (CrmUnavailable, CrmAuthLost):
            raise
        except CrmError as exc:
            log.warning("the CRM refused %s of document %s: %s", name, document_id, exc)
            error = str(exc) or type(exc).__name__
    with uow:
        uow.lease_events.mark(document_id, name, clock.now(), error)
        uow.commit()
    return pushed


def take_back_paid(
    uow: UnitOfWork, clock: Clock, document_id: int, queue: EventQueue | None = None
) -> bool:
    """The invoice is no longer paid (an allocation undone). Its "paid" move is forgotten, so
    a task still queued for it moves nothing and paying it again moves the deal again; when
    that move had reached the deal, moving the deal back is recorded and queued once ``uow``
    commits. Whether a move back was recorded."""
    state = uow.lease_events.state(document_id, LeaseEvent.PAID.value)
    uow.lease_events.forget(document_id, LeaseEvent.PAID.value)
    if state is None or state[0] is None or state[1]:  # never reached the deal
        return False
    uow.lease_events.forget(document_id, UNPAID)  # an earlier undo of an earlier payment
    uow.lease_events.add_many([document_id], UNPAID, clock.now())
    if queue is not None and uow.portal_id is not None:
        uow.after_commit(partial(_queue_all, queue, uow.portal_id, [document_id], UNPAID))
    return True


def events_to_push(uow: UnitOfWork, clock: Clock) -> list[tuple[int, str]]:
    """Moves recorded more than ``SYNC_GRACE`` ago and still not pushed (their task was lost
    or gave up): the periodic sweep queues them again. ``uow`` is entered here."""
    with uow:
        return uow.lease_events.pending(clock.now() - SYNC_GRACE)
