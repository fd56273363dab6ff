"""The Bank of Russia's BIC directory (Справочник БИК): which participants a landlord may be
offered and which of their accounts is the correspondent account.

The directory arrives as ЭСИД ED807 (УФЭБС, ``urn:cbr-ru:ed:v2.0``): one ``BICDirectoryEntry``
per БИК with a ``ParticipantInfo`` (``NameP``, ``Rgn``, ``Ind``, ``Tnp``, ``Nnp``, ``Adr``,
``PtType``, ``DateOut``, ``ParticipantStatus``: ``PSAC`` in force, ``PSDL`` marked for
deletion; ``RstrList/@Rstr``: ``LWRS`` licence withdrawn, ``URRS``/``FCBD``/... service
limits) and ``Accounts`` (``Account``, ``RegulationAccountType``: ``CRSA`` correspondent
account, ``BANA``/``TRSA``/... others; ``AccountStatus``: ``ACAC`` in force, ``ACDL`` marked
for deletion; ``DateOut``). Format from the CBR's published schema ``cbr_ed807_v*.xsd`` (as
reproduced by open-source readers of the file, e.g. the ``ED807Finder`` of CorrLib and the
``cbr_ed807`` table layouts found with the code search). The reading of the XML is an adapter's
(``backend.cbr.ed807``); the rules of what is offered are here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from backend.domain.errors import DomainError

ACTIVE_PARTICIPANT = "PSAC"
ACTIVE_ACCOUNT = "ACAC"
CORRESPONDENT_ACCOUNT = "CRSA"
LICENCE_WITHDRAWN = "LWRS"
# PtType 90: a bankrupt bank's receiver (конкурсный управляющий) — not a bank to be paid in
RECEIVER = "90"


class BadDirectory(DomainError):
    """A BIC directory file that cannot be loaded: not ED807, broken XML, no entry at all.
    Nothing of it is stored; the directory loaded before stays."""


@dataclass(frozen=True)
class DirectoryRecord:
    """One ``BICDirectoryEntry`` as the file gives it: its attributes, unjudged."""

    bic: str
    participant: Mapping[str, str]
    restrictions: Sequence[str] = ()
    accounts: Sequence[Mapping[str, str]] = ()


@dataclass(frozen=True)
class BankEntry:
    """A bank as the landlord form offers it: name, БИК, корр. счёт (empty for a participant
    that has none, e.g. an УФК), and where it is."""

    bic: str
    name: str
    corr_account: str = ""
    city: str = ""
    place_type: str = ""  # Tnp: г, п, с...
    region: str = ""
    postal_code: str = ""
    address: str = ""

    @property
    def place(self) -> str:
        """``г. Москва`` — the city as a счёт writes it after the bank's name."""
        if not self.city:
            return ""
        return f"{self.place_type}. {self.city}" if self.place_type else self.city


def offered(record: DirectoryRecord) -> BankEntry | None:
    """The bank ``record`` describes, or None when a landlord must not be offered it: marked
    for deletion, left the directory (``DateOut``), licence withdrawn, or a receiver. Its
    correspondent account is the ``CRSA`` account in force — never another kind of account,
    which would send a payment elsewhere."""
    info = record.participant
    if info.get("ParticipantStatus", ACTIVE_PARTICIPANT) != ACTIVE_PARTICIPANT:
        return None
    if info.get("DateOut") or info.get("PtType") == RECEIVER:
        return None
    if LICENCE_WITHDRAWN in record.restrictions:
        return None
    name = " ".join(info.get("NameP", "").split())
    if not name:
        return None
    return BankEntry(
        bic=record.bic, name=name, corr_account=correspondent_account(record.accounts),
        city=info.get("Nnp", ""), place_type=info.get("Tnp", ""), region=info.get("Rgn", ""),
        postal_code=info.get("Ind", ""), address=info.get("Adr", ""),
    )  # fmt: skip


def correspondent_account(accounts: Sequence[Mapping[str, str]]) -> str:
    """The correspondent account in force among ``accounts``, or ``""``."""
    for account in accounts:
        if (
            account.get("RegulationAccountType") == CORRESPONDENT_ACCOUNT
            and account.get("AccountStatus", ACTIVE_ACCOUNT) == ACTIVE_ACCOUNT
            and not account.get("DateOut")
        ):
            return account.get("Account", "")
    return ""
