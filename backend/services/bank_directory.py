"""The BIC directory (Справочник БИК) as rentflow uses it: loaded whole by the operator,
looked up by the landlord form.

A lookup says honestly what is known: the bank, or that the loaded directory has no such
БИК, or that no directory is loaded at all (then only the БИК's digits can be checked).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from backend.domain.banks import BadDirectory, BankEntry
from backend.ports import Clock
from backend.services.unit_of_work import UnitOfWork


class Known(StrEnum):
    """What the directory knows of a БИК."""

    FOUND = "found"
    UNKNOWN = "unknown"  # a directory is loaded and the БИК is not in it
    NO_DIRECTORY = "no_directory"


@dataclass(frozen=True)
class BankLookup:
    """The answer for one БИК: ``bank`` when ``known`` is ``FOUND``."""

    known: Known
    bank: BankEntry | None = None
    business_day: str = ""


@dataclass(frozen=True)
class LoadResult:
    """What a load stored: banks offered, entries left out (closed, withdrawn...), its day."""

    loaded: int
    skipped: int
    business_day: str


def load_directory(
    uow: UnitOfWork, clock: Clock, banks: Sequence[BankEntry], skipped: int, business_day: str
) -> LoadResult:
    """Replace the stored directory with ``banks`` and commit: all of it or, on any error,
    none of it (the directory loaded before stays). An empty directory is refused: it would
    make every БИК unknown."""
    if not banks:
        raise BadDirectory("no bank to load: the directory loaded before is kept")
    uow.banks.replace_all(banks, business_day, clock.now())
    uow.audit.record(
        clock.now(), "bic_directory.loaded", "bic_directory", business_day,
        {"banks": len(banks), "skipped": skipped},
    )  # fmt: skip
    uow.commit()
    return LoadResult(len(banks), skipped, business_day)


def directory_is_empty(uow: UnitOfWork) -> bool:
    """No directory has been loaded yet."""
    return uow.banks.count() == 0


def look_up_bank(uow: UnitOfWork, bic: str) -> BankLookup:
    """What the loaded directory says of ``bic``."""
    found = uow.banks.get(bic)
    if found is not None:
        return BankLookup(Known.FOUND, *found)
    loaded, day = uow.banks.summary()
    if not loaded:
        return BankLookup(Known.NO_DIRECTORY)
    return BankLookup(Known.UNKNOWN, business_day=day)
