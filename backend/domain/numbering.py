"""Document numbers: per landlord entity, per kind, continuous, restarting every year.

There is no legal rule for numbering invoices or acts; practice (and 1C) is a continuous
number per organisation that restarts each year, with a prefix.
A number, once handed out, is never handed out again (the counter only moves forward).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.domain.errors import InvalidRequisites

MAX_NUMBER_LENGTH = 15  # ГОСТ Р 56042-2014 DocNo limit, so every number fits the payment QR


@dataclass(frozen=True)
class NumberFormat:
    """How a counter value is printed: ``prefix`` may hold ``{year}``; ``width`` zero-pads.

    NumberFormat("СЧ-{year}-", 5).format(2026, 7) == "СЧ-2026-00007".
    """

    prefix: str = ""
    width: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.width <= 10:
            raise InvalidRequisites("numbering.width", "must be between 0 and 10")
        if self.prefix.replace("{year}", "").count("{") or "}" in self.prefix.replace("{year}", ""):
            raise InvalidRequisites("numbering.prefix", "may contain only the {year} placeholder")

    def format(self, year: int, value: int) -> str:
        """The printed number for counter ``value`` in ``year``."""
        if value < 1:
            raise ValueError(f"counter values start at 1, got {value}")
        number = self.prefix.replace("{year}", str(year)) + str(value).zfill(self.width)
        if len(number) > MAX_NUMBER_LENGTH:
            raise InvalidRequisites(
                "numbering.prefix", f"number {number} is longer than {MAX_NUMBER_LENGTH}"
            )
        return number

    @classmethod
    def from_settings(cls, settings: dict[str, Any], kind: str) -> NumberFormat:
        """Read ``{"numbering": {"invoice": {"prefix": ..., "width": ...}}}`` settings."""
        own = settings.get("numbering", {}).get(kind, {})
        return cls(prefix=str(own.get("prefix", "")), width=int(own.get("width", 0)))
