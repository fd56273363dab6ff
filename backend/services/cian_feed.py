"""The CIAN feed of vacant premises (seed 000 «Интеграция с CIAN»): per portal, a secret
feed URL, which buildings and floors to offer, the mode (per premises or per floor), the
contact phone and photos; the lots come from ``domain.listings``.

Settings live in ``portal.settings["feeds"]["cian"]``:
``{"key": "<secret>", "mode": "per_floor", "buildings": [...], "floors": {"<building>":
[...]}, "phone": "+7...", "photos": {"<building>": [urls]}}``. When the feed's content last
changed (its ETag and Last-Modified) is kept in the ``feed_versions`` table.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from backend.domain.bulk import FeedContent
from backend.domain.listings import FeedMode, FeedScope, Lot, build_lots
from backend.domain.premises import PremisesStatus
from backend.domain.tenant_matching import InvalidPhone, normalise_phone
from backend.ports import Clock
from backend.services.bulk_ports import BulkPorts, BulkUnitOfWork, BulkUnitOfWorkFactory
from backend.services.portal_settings import InvalidSettings

FEEDS, CIAN = "feeds", "cian"


@dataclass(frozen=True)
class CianSettings:
    key: str = ""
    mode: FeedMode = FeedMode.PER_PREMISES
    buildings: tuple[str, ...] = ()
    floors: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    phone: str = ""
    photos: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def scope(self) -> FeedScope:
        return FeedScope(
            frozenset(self.buildings),
            {b: frozenset(f) for b, f in self.floors.items()} or None,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "mode": self.mode.value, "buildings": list(self.buildings),
            "floors": {b: list(f) for b, f in self.floors.items()}, "phone": self.phone,
            "photos": {b: list(p) for b, p in self.photos.items()},
        }  # fmt: skip


def settings_of(portal_settings: Mapping[str, Any]) -> CianSettings:
    raw = (portal_settings.get(FEEDS) or {}).get(CIAN) or {}
    return CianSettings(
        key=str(raw.get("key") or ""),
        mode=FeedMode(raw.get("mode") or FeedMode.PER_PREMISES.value),
        buildings=tuple(raw.get("buildings") or ()),
        floors={str(b): tuple(str(x) for x in f) for b, f in (raw.get("floors") or {}).items()},
        phone=str(raw.get("phone") or ""),
        photos={str(b): tuple(p) for b, p in (raw.get("photos") or {}).items()},
    )


def save_settings(uow: BulkUnitOfWork, values: Mapping[str, Any]) -> CianSettings:
    """Check and store the portal's CIAN feed settings; the feed key is made on first save
    (and again with ``{"new_key": true}``). Raises ``InvalidSettings`` naming the field."""
    portal_id = _portal_id(uow)
    portal = uow.portals.get(portal_id)
    current = settings_of(portal.settings)
    try:
        mode = FeedMode(values.get("mode", current.mode.value))
    except ValueError:
        raise InvalidSettings("mode", f"one of {', '.join(FeedMode)}") from None
    try:
        phone = normalise_phone(str(values.get("phone", current.phone)))
    except InvalidPhone as exc:
        raise InvalidSettings("phone", str(exc)) from None
    floors = values.get("floors", current.floors)
    photos = values.get("photos", current.photos)
    if not isinstance(floors, Mapping) or not isinstance(photos, Mapping):
        raise InvalidSettings("floors", "floors and photos map a building to a list")
    for building, urls in photos.items():
        for url in urls:
            if not str(url).startswith(("https://", "http://")):
                raise InvalidSettings("photos", f"{building}: {url!r} is not a web address")
    new = CianSettings(
        key=current.key if current.key and not values.get("new_key") else _new_key(),
        mode=mode,
        buildings=tuple(values.get("buildings", current.buildings)),
        floors={str(b): tuple(str(x) for x in f) for b, f in floors.items()},
        phone=phone,
        photos={str(b): tuple(str(u) for u in p) for b, p in photos.items()},
    )
    feeds = dict(portal.settings.get(FEEDS) or {})
    feeds[CIAN] = new.as_dict()
    uow.portals.save(replace(portal, settings={**portal.settings, FEEDS: feeds}))
    return new


def _new_key() -> str:
    return secrets.token_urlsafe(24)


def _portal_id(uow: BulkUnitOfWork) -> int:
    if uow.portal_id is None:
        raise ValueError("a portal-scoped unit of work is needed")
    return uow.portal_id


def portal_by_key(uow_factory: BulkUnitOfWorkFactory, key: str) -> int | None:
    """The active portal whose CIAN feed key is ``key`` (compared in constant time)."""
    if not key:
        return None
    with uow_factory(None) as uow:
        portals = uow.portals.list()
    for portal in portals:
        own = settings_of(portal.settings).key
        if own and hmac.compare_digest(own.encode(), key.encode()):
            return portal.id
    return None


def feed_content(uow: BulkUnitOfWork) -> FeedContent:
    """The lots the portal offers now: vacant, published, not under a live lease."""
    settings = settings_of(uow.portals.get(_portal_id(uow)).settings)
    sections, buildings = uow.estate.descriptions()
    cards = uow.estate.register()
    taken = {c.id or 0 for c in cards if c.by_leases and c.status is not PremisesStatus.VACANT}
    lots = build_lots(
        cards, settings.mode, scope=settings.scope,
        taken=taken, sections=sections, buildings=buildings,
    )  # fmt: skip
    return FeedContent(lots, uow.estate.addresses(), settings.phone, settings.photos)


def note_version(uow: BulkUnitOfWork, clock: Clock, etag: str, site: str = CIAN) -> datetime:
    """When the ``site``'s feed last changed (its Last-Modified): now if ``etag`` is new,
    else the moment stored with the etag."""
    now = clock.now().replace(microsecond=0)
    changed_at = uow.feed_versions.changed_at(site, etag, now)
    uow.commit()
    return changed_at


def lots_summary(lots: Sequence[Lot]) -> list[dict[str, str]]:
    """The lots as short lines for the CLI and the settings page."""
    return [
        {"id": lot.external_id, "kind": lot.kind.value, "area_m2": f"{lot.area_m2}",
         "premises": ", ".join(lot.premises_numbers)}
        for lot in lots
    ]  # fmt: skip


@dataclass(frozen=True)
class RenderedFeed:
    body: bytes
    etag: str
    changed_at: datetime
    skipped: list[str]
    lots: int


def rendered_feed(ports: BulkPorts, portal_id: int, site: str = CIAN) -> RenderedFeed:
    """The portal's feed for ``site`` (cian, avito) now, with its version (ETag) and when it
    last changed. Both sites get the same lots (the CIAN feed settings)."""
    with ports.uow(portal_id) as uow:
        content = feed_content(uow)
        body, skipped = ports.feeds[site](content)
        etag = hashlib.sha256(body).hexdigest()[:32]
        changed_at = note_version(uow, ports.clock, etag, site)
    return RenderedFeed(body, etag, changed_at, skipped, len(content.lots) - len(skipped))
