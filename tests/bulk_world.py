"""Portals and files for the bulk tests (imports, feed, API)."""

from __future__ import annotations

from pathlib import Path

from backend.bootstrap import Container
from backend.services.portals import install_portal

EXAMPLE_XML = Path(__file__).resolve().parents[1] / "docs" / "examples" / "import.xml"


def new_portal(container: Container, external_id: str = "m-1") -> int:
    with container.uow(None) as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id=external_id)
        uow.commit()
    assert portal.id is not None
    return portal.id


def import_xml(
    premises: str = "", tenants: str = "", accounts: str = "", buildings: str = ""
) -> bytes:
    body = buildings + premises + tenants + accounts
    head = '<?xml version="1.0" encoding="UTF-8"?><rentflow-import version="1">'
    return f"{head}{body}</rentflow-import>".encode()
