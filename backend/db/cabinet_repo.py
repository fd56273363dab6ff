"""The tenant cabinet's sign-in side: challenges, sessions, rate-limit hits, and which tenants
an address is on file for. Not portal-scoped: a person may act for tenants of several
portals; what they may read is scoped afterwards by ``backend.db.cabinet_data``."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, func, select, update
from sqlalchemy.orm import Session

from backend.db.cabinet_data import CabinetData
from backend.db.tables import LandlordRow, LeaseRow, PortalRow, TenantRow
from backend.db.tables_cabinet import CabinetChallengeRow, CabinetHitRow, CabinetSessionRow
from backend.domain.cabinet import CabinetSession, Challenge, TenantRef


def _challenge(row: CabinetChallengeRow) -> Challenge:
    return Challenge(
        id=row.id, email=row.email, code_hash=row.code_hash, link_hash=row.link_hash,
        known=row.known, expires_at=row.expires_at, used_at=row.used_at, failures=row.failures,
    )  # fmt: skip


def _refs(stored: list[Any], names: dict[tuple[int, int], TenantRef]) -> tuple[TenantRef, ...]:
    refs = []
    for portal_id, tenant_id, *rest in stored:
        ids = tuple(int(i) for i in rest[0]) if rest else ()
        named = names.get((int(portal_id), int(tenant_id)), TenantRef(portal_id, tenant_id))
        refs.append(replace(named, tenant_ids=ids))
    return tuple(refs)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class CabinetRepository:
    """Sign-in challenges, sessions and hits; ``data`` reads a tenant's leases and money."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.data = CabinetData(session)

    # --- who an address is ---
    def tenants_with_email(self, email: str) -> list[TenantRef]:
        """The tenants of active portals that list ``email`` (any case) among their e-mails,
        the rows of one company (portal, INN, KPP) grouped into one ``TenantRef``."""
        pattern = f'%"{_escape_like(email.lower())}"%'
        rows = self.session.execute(
            select(
                TenantRow.portal_id,
                TenantRow.id,
                TenantRow.name,
                TenantRow.emails,
                PortalRow.name,
                PortalRow.domain,
                TenantRow.inn,
                TenantRow.kpp,
            )
            .join(PortalRow, PortalRow.id == TenantRow.portal_id)
            .where(
                PortalRow.status == "active",
                func.lower(cast(TenantRow.emails, String)).like(pattern, escape="\\"),
            )
            .order_by(TenantRow.portal_id, TenantRow.id)
        )
        groups: dict[tuple[int, str, str], list[TenantRef]] = {}
        for portal_id, tenant_id, name, emails, portal_name, domain, inn, kpp in rows:
            if email not in {str(e).strip().lower() for e in emails or ()}:
                continue
            key = (portal_id, inn, kpp) if inn else (portal_id, f"id:{tenant_id}", "")
            groups.setdefault(key, []).append(
                TenantRef(portal_id, tenant_id, name, portal_name or domain)
            )
        return [
            replace(refs[0], tenant_ids=tuple(r.tenant_id for r in refs))
            for refs in groups.values()
        ]

    def tenant_lists(self, portal_id: int, tenant_id: int, email: str) -> bool:
        """Whether the tenant still lists ``email`` (the landlord may have removed it)."""
        emails = self.session.scalar(
            select(TenantRow.emails)
            .join(PortalRow, PortalRow.id == TenantRow.portal_id)
            .where(
                TenantRow.id == tenant_id,
                TenantRow.portal_id == portal_id,
                PortalRow.status == "active",
            )
        )
        return email in {str(e).strip().lower() for e in emails or ()}

    # --- challenges ---
    def add_challenge(
        self, email: str, code_hash: str, link_hash: str, *, known: bool, ip: str,
        now: datetime, expires_at: datetime,
    ) -> int:  # fmt: skip
        row = CabinetChallengeRow(
            email=email, code_hash=code_hash, link_hash=link_hash, known=known, ip=ip,
            created_at=now, expires_at=expires_at,
        )  # fmt: skip
        self.session.add(row)
        self.session.flush()
        return row.id

    def latest_challenge(self, email: str) -> Challenge | None:
        row = self.session.scalar(
            select(CabinetChallengeRow)
            .where(CabinetChallengeRow.email == email)
            .order_by(CabinetChallengeRow.created_at.desc(), CabinetChallengeRow.id.desc())
            .limit(1)
        )
        return None if row is None else _challenge(row)

    def challenge_by_link(self, link_hash: str) -> Challenge | None:
        row = self.session.scalar(
            select(CabinetChallengeRow).where(CabinetChallengeRow.link_hash == link_hash)
        )
        return None if row is None else _challenge(row)

    def count_failure(self, challenge_id: int) -> None:
        self.session.execute(
            update(CabinetChallengeRow)
            .where(CabinetChallengeRow.id == challenge_id)
            .values(failures=CabinetChallengeRow.failures + 1)
        )

    def use_challenge(self, challenge_id: int, now: datetime) -> bool:
        """Spend the challenge; False when another request spent it first (single use)."""
        result = self.session.execute(
            update(CabinetChallengeRow)
            .where(CabinetChallengeRow.id == challenge_id, CabinetChallengeRow.used_at.is_(None))
            .values(used_at=now)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    # --- rate limits ---
    def hits(self, key: str, since: datetime) -> int:
        return int(
            self.session.scalar(
                select(func.count(CabinetHitRow.id)).where(
                    CabinetHitRow.key == key, CabinetHitRow.at > since
                )
            )
            or 0
        )

    def hit(self, keys: list[str], at: datetime) -> None:
        self.session.add_all(CabinetHitRow(key=key, at=at) for key in keys)

    def purge(self, before: datetime) -> None:
        """Forget hits, challenges and sessions that ended before ``before``."""
        self.session.execute(delete(CabinetHitRow).where(CabinetHitRow.at < before))
        self.session.execute(
            delete(CabinetChallengeRow).where(CabinetChallengeRow.expires_at < before)
        )
        self.session.execute(delete(CabinetSessionRow).where(CabinetSessionRow.expires_at < before))

    # --- sessions ---
    def add_session(
        self, token_hash: str, email: str, csrf: str, tenants: list[TenantRef], *,
        now: datetime, expires_at: datetime, ip: str,
    ) -> int:  # fmt: skip
        only = tenants[0] if len(tenants) == 1 else None
        row = CabinetSessionRow(
            token_hash=token_hash, email=email, csrf=csrf, ip=ip,
            tenants=[[t.portal_id, t.tenant_id, list(t.ids)] for t in tenants],
            portal_id=only.portal_id if only else None, tenant_id=only.tenant_id if only else None,
            created_at=now, seen_at=now, expires_at=expires_at,
        )  # fmt: skip
        self.session.add(row)
        self.session.flush()
        return row.id

    def session_by_token(self, token_hash: str) -> CabinetSession | None:
        """The live (not revoked) session of the cookie, with its tenants' names."""
        row = self.session.scalar(
            select(CabinetSessionRow).where(
                CabinetSessionRow.token_hash == token_hash, CabinetSessionRow.revoked_at.is_(None)
            )
        )
        if row is None:
            return None
        stored = list(row.tenants or ())
        refs = self._with_landlords(
            _refs(stored, self._names([(int(p), int(t)) for p, t, *_ in stored]))
        )
        current = next(
            (r for r in refs if (r.portal_id, r.tenant_id) == (row.portal_id, row.tenant_id)),
            None,
        )
        return CabinetSession(
            id=row.id, email=row.email, csrf=row.csrf, tenants=refs,
            current=current, created_at=row.created_at, seen_at=row.seen_at,
            expires_at=row.expires_at,
        )  # fmt: skip

    def _names(self, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], TenantRef]:
        if not pairs:
            return {}
        rows = self.session.execute(
            select(
                TenantRow.portal_id, TenantRow.id, TenantRow.name, PortalRow.name, PortalRow.domain
            )
            .join(PortalRow, PortalRow.id == TenantRow.portal_id)
            .where(TenantRow.id.in_([t for _, t in pairs]))
        )
        return {
            (p, t): TenantRef(p, t, name, portal or domain)
            for p, t, name, portal, domain in rows
            if (p, t) in pairs
        }

    def _with_landlords(self, refs: tuple[TenantRef, ...]) -> tuple[TenantRef, ...]:
        """Each choice named by the landlords (legal names) of its leases, one query."""
        ids = {i for ref in refs for i in ref.ids}
        if not ids:
            return refs
        names: dict[int, set[str]] = {}
        for tenant_id, name in self.session.execute(
            select(LeaseRow.tenant_id, LandlordRow.name)
            .join(LandlordRow, LandlordRow.id == LeaseRow.landlord_id)
            .where(LeaseRow.tenant_id.in_(ids))
            .distinct()
        ):
            names.setdefault(tenant_id, set()).add(name)
        named = []
        for ref in refs:
            landlords = set().union(*(names.get(i, set()) for i in ref.ids))
            named.append(replace(ref, landlord=", ".join(sorted(landlords)) or ref.landlord))
        return tuple(named)

    def touch(self, session_id: int, now: datetime) -> None:
        self.session.execute(
            update(CabinetSessionRow).where(CabinetSessionRow.id == session_id).values(seen_at=now)
        )

    def choose(self, session_id: int, ref: TenantRef) -> None:
        self.session.execute(
            update(CabinetSessionRow)
            .where(CabinetSessionRow.id == session_id)
            .values(portal_id=ref.portal_id, tenant_id=ref.tenant_id)
        )

    def revoke(self, session_id: int, now: datetime) -> None:
        self.session.execute(
            update(CabinetSessionRow)
            .where(CabinetSessionRow.id == session_id, CabinetSessionRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    def revoke_all(self, email: str, now: datetime) -> int:
        """Sign ``email`` out of every browser; how many sessions ended."""
        result = self.session.execute(
            update(CabinetSessionRow)
            .where(CabinetSessionRow.email == email, CabinetSessionRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(getattr(result, "rowcount", 0))
