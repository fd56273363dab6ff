"""The cabinet's navigation: entries other page modules add to (``add``), in ``order``."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _
from flask_babel.speaklater import LazyString


@dataclass(frozen=True)
class NavEntry:
    """A link in the cabinet's top navigation; ``endpoint`` is a ``cabinet.*`` view taking
    no arguments. Shown only to a person who has chosen a tenant unless ``always``."""

    endpoint: str
    label: LazyString | str
    order: int = 50
    always: bool = False
    also: tuple[str, ...] = ()  # other endpoints under this entry (marked current there)

    def current(self, endpoint: str | None) -> bool:
        return endpoint == self.endpoint or endpoint in self.also


NAV: list[NavEntry] = [
    NavEntry("cabinet.home", _("Leases"), 10, also=("cabinet.lease",)),
    NavEntry("cabinet.documents", _("Documents"), 30),
    NavEntry("cabinet.contacts", _("Contacts"), 80),
]


def add(entry: NavEntry) -> None:
    """Add a page to the navigation once (a module imported twice adds nothing)."""
    if all(e.endpoint != entry.endpoint for e in NAV):
        NAV.append(entry)
        NAV.sort(key=lambda e: e.order)


def entries() -> list[NavEntry]:
    return sorted(NAV, key=lambda e: e.order)
