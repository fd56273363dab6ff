"""Two landlords (portals) whose leases name the same tenant's accountant, and a stranger:
the world the tenant cabinet's tests sign in to. Documents are issued by the billing run, so
their PDFs and QR codes are the ones tenants get by mail."""

from __future__ import annotations

import atexit
import re
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import make_url, select

from backend.bootstrap import Container
from backend.db.base import Base
from backend.db.tables import DocumentRow, OutboxRow
from backend.domain.lease import Addendum, LeaseStatus, Rent, RentBasis
from backend.domain.parties import BankRequisites
from backend.services.billing import run_portal
from backend.services.lease_actions import set_indexation, terminate
from backend.services.lease_changes import add_lease_addendum
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from backend.web.app import create_app
from tests import factories

EMAIL = "buh@vasilek.example"
STRANGER = "boss@chuzhoy.example"
LYUTIK = factories.landlord(
    name='ООО "Лютик"', inn="7702070139", kpp="770201001", ogrn="1027739609391",
    email="arenda@lyutik.example",
    bank=BankRequisites("ПАО СБЕРБАНК", "044525225", "40702810000000000777",
                        "30101810400000000225"),
)  # fmt: skip
CHUZHOY = factories.tenant(
    name='ООО "Чужой"', inn="7736207543", kpp="773601001", emails=(STRANGER,)
)
ISSUE_DAY = date(2026, 1, 27)
PENALTY_PER_DAY = Decimal("0.1")  # % of the debt a day, on the first landlord's lease
# the first landlord's lease runs a year longer from June (the facts show both)
PROLONGED = Addendum("1", date(2026, 6, 1), signed_on=date(2026, 5, 25), end=date(2027, 12, 31))


@dataclass
class CabinetWorld:
    container: Container
    portals: list[int]
    leases: list[int]  # the tenant's: Romashka's, Lyutik's
    stranger_lease: int
    tasks: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)


def build_world(container: Container, *, extra_leases: int = 0) -> CabinetWorld:
    """Install the portals, register the leases (signed; the first with an addendum and
    penalties, ``PROLONGED``, ``PENALTY_PER_DAY``) and issue February's invoices."""
    portals, leases = [], []
    for kind, external, landlord, number in (
        ("bitrix24", "romashka", factories.landlord(), "А-15/2026"),
        ("amocrm", "lyutik", LYUTIK, "Л-7/2026"),
    ):
        with container.uow(None) as uow:
            portal = install_portal(
                uow, container.clock, kind=kind, external_id=external,
                domain=f"{external}.example",
            )  # fmt: skip
            uow.commit()
        assert portal.id is not None
        portals.append(portal.id)
        with container.uow(portal.id) as uow:
            lease = factories.lease(
                number=number, landlord=landlord, status=LeaseStatus.SIGNED,
                penalty_rate_per_day=PENALTY_PER_DAY if kind == "bitrix24" else None,
            )  # fmt: skip
            leases.append(
                register_lease(
                    uow, container.clock, lease, crm_deal_id=f"{len(portals)}42"
                ).lease_id
            )
            if kind == "bitrix24":
                add_lease_addendum(uow, container.clock, leases[-1], PROLONGED)
            for n in range(extra_leases):
                more = factories.lease(
                    number=f"{number}-{n}", status=LeaseStatus.SIGNED, landlord=landlord,
                    rent=Rent(Decimal(50000 + n), RentBasis.PER_MONTH),
                )  # fmt: skip
                register_lease(uow, container.clock, more)
            uow.commit()
    with container.uow(portals[0]) as uow:
        stranger = register_lease(
            uow, container.clock,
            factories.lease(number="Ч-1/2026", tenant=CHUZHOY, status=LeaseStatus.SIGNED),
        ).lease_id  # fmt: skip
        uow.commit()
    for portal_id in portals:
        run_portal(container.billing_ports(), portal_id, ISSUE_DAY)
    return CabinetWorld(container, portals, leases, stranger)


# build_world's worlds, one per process and key (see shared_world): a folder with the
# database and the var folder, and the ids
_SNAPSHOTS: dict[tuple[Any, ...], tuple[Path, list[int], list[int], int]] = {}


def shared_world(container: Container) -> CabinetWorld:
    """``build_world``'s world for a test that only reads it or adds to it: built once per test
    process, then copied into each test's SQLite database (SQLite's backup API, through a
    connection of its own) and var folder, which is what building it again would leave there.
    Building it renders six PDFs (~0.3 s of CPU); the cabinet's page and attack tests took it
    21 times. On PostgreSQL it is built afresh."""
    settings = container.settings
    if not settings.database_url.startswith("sqlite"):
        return build_world(container)
    database = Path(str(make_url(settings.database_url).database))
    key = (
        container.clock.now(), settings.fernet_key, settings.secret_key,
        settings.public_base_url, settings.document_pdf_engine,
    )  # fmt: skip
    known = _SNAPSHOTS.get(key)
    if known is None:
        world = build_world(container)
        folder = Path(tempfile.mkdtemp(prefix="cabinet-world-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _backup(database, folder / "rentflow.db")
        shutil.copytree(settings.var_dir, folder / "var")
        _SNAPSHOTS[key] = (folder, world.portals, world.leases, world.stranger_lease)
        return world
    folder, portals, leases, stranger = known
    _backup(folder / "rentflow.db", database)
    shutil.copytree(folder / "var", settings.var_dir, dirs_exist_ok=True)
    return CabinetWorld(container, list(portals), list(leases), stranger)


def _backup(source: Path, target: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def app_for(world: CabinetWorld) -> Flask:
    """The web app over the world's container; queued tasks are kept in ``world.tasks``."""
    world.container.task_sender = lambda name, *args: world.tasks.append((name, args))
    app = create_app(container=world.container)
    app.config["TESTING"] = True
    return app


def last_code(container: Container, email: str = EMAIL) -> tuple[str, str]:
    """The code and link token of the last sign-in mail queued for ``email``."""
    with container.uow(None) as uow:
        body = uow.session.scalars(
            select(OutboxRow.body_text)
            .where(OutboxRow.kind == "cabinet_sign_in", OutboxRow.recipients.is_not(None))
            .order_by(OutboxRow.id.desc())
        ).first()
    assert body is not None, "no sign-in mail queued"
    code = re.search(r"\b(\d{6})\b", body)
    link = re.search(r"/cabinet/login/link/([A-Za-z0-9_-]+)", body)
    assert code
    assert link
    return code.group(1), link.group(1)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no form token on the page"
    return found.group(1)


def sign_in(client: FlaskClient, container: Container, email: str = EMAIL) -> str:
    """Sign ``client`` in with the code mailed to ``email``; the session's form token."""
    page = client.get("/cabinet/login").get_data(as_text=True)
    answer = client.post("/cabinet/login", data={"email": email, "csrf": csrf_of(page)})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    page = client.get("/cabinet/login/code").get_data(as_text=True)
    code, _ = last_code(container, email)
    answer = client.post("/cabinet/login/code", data={"code": code, "csrf": csrf_of(page)})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return csrf_of(client.get("/cabinet/choose").get_data(as_text=True))


def invoice_numbers(container: Container, portal_id: int, lease_id: int = 0) -> list[str]:
    """The numbers of the portal's invoices (of ``lease_id`` when given), oldest first."""
    query = select(DocumentRow.number).where(
        DocumentRow.portal_id == portal_id, DocumentRow.kind == "invoice"
    )
    if lease_id:
        query = query.where(DocumentRow.lease_id == lease_id)
    with container.uow(portal_id) as uow:
        return list(uow.session.scalars(query.order_by(DocumentRow.id)))


# What a refused attempt may write by design: the rate limits' hits and a challenge's count
# of wrong codes (the lock-out). Nothing else.
BOOKKEEPING = frozenset({"cabinet_hits", "cabinet_challenges"})


def data_rows(container: Container) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but ``BOOKKEEPING``'s, to compare before and after an attack:
    equal means it changed, added and removed nothing."""
    with container.uow(None) as uow:
        return {
            table.name: sorted((tuple(row) for row in uow.session.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
            if table.name not in BOOKKEEPING
        }


def change_terms(world: CabinetWorld) -> None:
    """Addendum № 2 moves the first lease to two rooms at 2 000 ₽ a m² from September, the
    rent is indexed by 5 % from February 2027, and the lease is terminated on 30 June 2027."""
    container, portal_id, lease = world.container, world.portals[0], world.leases[0]
    more_room = Addendum(
        "2", date(2026, 9, 1), signed_on=date(2026, 8, 20),
        rent=Rent(Decimal("2000.00"), RentBasis.PER_M2_MONTH),
        premises=(factories.premises(), factories.premises("102", "30.00")),
    )  # fmt: skip
    with container.uow(portal_id) as uow:
        add_lease_addendum(uow, container.clock, lease, more_room)
        set_indexation(uow, container.clock, lease, {"percent": "5", "first_on": "2027-02-01"})
        terminate(uow, container.clock, lease, {"last_day": "2027-06-30"})
        uow.commit()
