"""What the bulk channels carry between their readers, the services and their writers: an
import record with where it was read, a feed's content, an import source as it may be shown.

Here, below both, so the readers and writers (``backend.bulk``) and the use cases
(``services.imports``, ``import_schedule``, ``cian_feed``) share them without one importing
the other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from backend.domain.listings import Lot
from backend.domain.premises import Building, PersonalAccount, PremisesCard, Section
from backend.domain.tenant_matching import TenantRecord

ImportItem = Building | Section | PremisesCard | TenantRecord | PersonalAccount


@dataclass(frozen=True)
class Located:
    """A record and where it was read ("tenant #3, line 18, external id 1C-0003")."""

    where: str
    item: ImportItem


@dataclass(frozen=True)
class FeedContent:
    """What the feed shows: its lots and what each needs beside them."""

    lots: list[Lot]
    addresses: Mapping[str, str]
    phone: str
    photos: Mapping[str, tuple[str, ...]]


SOURCE_PASSWORD = re.compile(r"(://[^:/@]+):([^@/]*)@")  # user:password@ in a source URL
PASSWORD_MASK = "***"  # noqa: S105 - what a hidden password shows, not a password


def hide_password(url: str) -> str:
    """``url`` as it may be shown or logged: its password as ``***``."""
    return SOURCE_PASSWORD.sub(rf"\1:{PASSWORD_MASK}@", url, count=1)
