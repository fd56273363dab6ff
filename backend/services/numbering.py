"""Issuing document numbers (use case): the landlord's format, the counter of the year."""

from __future__ import annotations

from datetime import date
from typing import Any

from backend.domain.billing import DocumentKind
from backend.domain.numbering import NumberFormat
from backend.services.unit_of_work import UnitOfWork


def next_document_number(
    uow: UnitOfWork, landlord_id: int, kind: DocumentKind, issued_on: date
) -> str:
    """Take the next number of ``kind`` for the landlord in the year of ``issued_on``.

    One legal entity has one numbering: a landlord stored twice (the same INN and KPP with
    another bank account) counts on its oldest row, with that row's number format. Runs
    inside the caller's transaction, so the number is committed together with the document
    that carries it; the counter restarts at 1 on 1 January.
    """
    counter, settings = uow.parties.numbering_of(landlord_id)
    return number_from(uow, counter, settings, kind, issued_on)


def number_from(
    uow: UnitOfWork, counter: int, settings: dict[str, Any], kind: DocumentKind, issued_on: date
) -> str:
    """``next_document_number`` for a landlord whose numbering (``parties.numbering_of``:
    the counter's landlord row and its settings) the caller read in this transaction."""
    value = uow.numbers.next_value(counter, kind.value, issued_on.year)
    return NumberFormat.from_settings(settings, kind).format(issued_on.year, value)
