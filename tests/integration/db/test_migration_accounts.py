"""Migration 0018_accounts on a SQLite file holding landlords: each landlord's one account
becomes its default account, and leases follow it (paid to no account in particular)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from backend.db.migrate import upgrade


def _insert(engine: sa.Engine, table: str, **values: object) -> int:
    with engine.begin() as connection:
        row = sa.Table(table, sa.MetaData(), autoload_with=connection)
        return int(connection.execute(sa.insert(row).values(**values)).inserted_primary_key[0])


def test_each_landlords_account_becomes_its_default(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    upgrade(url, "0017_leaseterms")
    engine = sa.create_engine(url)
    portal = _insert(engine, "portals", kind="bitrix24", external_id="m-1", domain="",
                     name="", status="active", status_reason="", auth_encrypted="",
                     settings={}, lock_version=0)  # fmt: skip
    requisites = {"kpp": "", "ogrn": "", "address": "", "email": "", "phone": "",
                  "director_name": "", "director_position": "", "accountant_name": "",
                  "accountant_email": "", "vat_payer": True, "settings": {}}  # fmt: skip
    sber = _insert(engine, "landlords", portal_id=portal, name="Ромашка", inn="7707083893",
                   bank_name="ПАО СБЕРБАНК", bic="044525225", account="40702810938000000001",
                   corr_account="30101810400000000225", **requisites)  # fmt: skip
    alfa = _insert(engine, "landlords", portal_id=portal, name="Лютик", inn="7728168971",
                   bank_name='АО "АЛЬФА-БАНК"', bic="044525593", account="40702810800000000001",
                   corr_account="30101810200000000593", **requisites)  # fmt: skip

    upgrade(url)

    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT landlord_id, portal_id, bic, account, corr_account, bank_name, label,"
                " is_default, position FROM landlord_accounts ORDER BY landlord_id"
            )
        ).all()
        columns = {c["name"] for c in sa.inspect(connection).get_columns("leases")}
    assert [tuple(r) for r in rows] == [
        (sber, portal, "044525225", "40702810938000000001", "30101810400000000225",
         "ПАО СБЕРБАНК", "", 1, 0),
        (alfa, portal, "044525593", "40702810800000000001", "30101810200000000593",
         'АО "АЛЬФА-БАНК"', "", 1, 0),
    ]  # fmt: skip
    assert "bank_account_id" in columns
    engine.dispose()
