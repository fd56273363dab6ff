"""The 1C emulator's data: entity sets as lists of dicts in 1C's OData field names.

Entity sets and fields follow 1C:Бухгалтерия 3.0's standard interface (its ``$metadata``;
its.1c.ru/db/v838doc#bookmark:dev:TI000001358): ``Catalog_Контрагенты``,
``Document_СчетНаОплатуПокупателю``, ``Document_ПоступлениеНаРасчетныйСчет`` with its
``РасшифровкаПлатежа`` rows (also served as the entity set
``Document_ПоступлениеНаРасчетныйСчет_РасшифровкаПлатежа``), and
``Document_РеализацияТоваровУслуг`` for draft acts.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

EMPTY_REF = "00000000-0000-0000-0000-000000000000"
PAYMENTS = "Document_ПоступлениеНаРасчетныйСчет"
BREAKDOWN = "РасшифровкаПлатежа"
INVOICES = "Document_СчетНаОплатуПокупателю"
ACTS = "Document_РеализацияТоваровУслуг"
COUNTERPARTIES = "Catalog_Контрагенты"
WRITABLE = frozenset({INVOICES, ACTS, COUNTERPARTIES})


def new_ref() -> str:
    return str(uuid.uuid4())


@dataclass
class OneCStore:
    """A 1C base in memory; ``fail_next`` makes the next requests answer 503 (1C down)."""

    sets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    fail_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def entity_set(self, name: str) -> list[dict[str, Any]] | None:
        """The rows of a set; a ``Document_X_Table`` set is built from the documents' rows."""
        if name in self.sets:
            return self.sets[name]
        parent, _, table = name.rpartition("_")
        if parent in self.sets and table:
            rows = []
            for doc in self.sets[parent]:
                for row in doc.get(table, []):
                    rows.append({"Ref_Key": doc["Ref_Key"], **row})
            return rows
        return None

    def add(self, name: str, entity: dict[str, Any]) -> dict[str, Any]:
        """Store a new entity; documents written from outside are always drafts."""
        with self.lock:
            entity = {**entity, "Ref_Key": new_ref(), "DataVersion": "AAAAAQAAAAA="}
            if name.startswith("Document_"):
                entity.setdefault("DeletionMark", False)
                entity["Posted"] = False
                entity.setdefault("Date", datetime.now().replace(microsecond=0).isoformat())  # noqa: DTZ005 - 1C keeps local time
                entity.setdefault("Number", f"00-{len(self.sets.get(name, [])) + 1:06d}")
            self.sets.setdefault(name, []).append(entity)
            return entity


def counterparty(name: str, inn: str, kpp: str = "") -> dict[str, Any]:
    return {
        "Ref_Key": new_ref(), "DataVersion": "AAAAAQAAAAA=", "DeletionMark": False,
        "Code": "00-000001", "Description": name, "НаименованиеПолное": name,
        "ИНН": inn, "КПП": kpp, "ЮридическоеФизическоеЛицо": "ЮридическоеЛицо",
    }  # fmt: skip


def invoice(number: str, on: str, amount: str, counterparty_key: str) -> dict[str, Any]:
    return {
        "Ref_Key": new_ref(), "DataVersion": "AAAAAQAAAAA=", "DeletionMark": False,
        "Number": number, "Date": on, "Posted": True,
        "Организация_Key": EMPTY_REF, "Контрагент_Key": counterparty_key,
        "ДоговорКонтрагента_Key": EMPTY_REF, "СуммаДокумента": float(amount),
        "ВалютаДокумента_Key": EMPTY_REF, "Товары": [],
    }  # fmt: skip


def payment(
    number: str,
    on: str,
    amount: str,
    counterparty_key: str,
    purpose: str,
    *,
    invoice_key: str = EMPTY_REF,
    posted: bool = True,
    deleted: bool = False,
    incoming_number: str = "",
) -> dict[str, Any]:
    """An incoming payment with one breakdown row (paying ``invoice_key`` when given)."""
    return {
        "Ref_Key": new_ref(), "DataVersion": "AAAAAQAAAAA=", "DeletionMark": deleted,
        "Number": number, "Date": on, "Posted": posted, "ВидОперации": "ОплатаПокупателя",
        "Организация_Key": EMPTY_REF, "Контрагент_Key": counterparty_key,
        "ДоговорКонтрагента_Key": EMPTY_REF, "СуммаДокумента": float(amount),
        "НазначениеПлатежа": purpose, "НомерВходящегоДокумента": incoming_number or number,
        "ДатаВходящегоДокумента": on, "ДокументОснование": EMPTY_REF,
        "ДокументОснование_Type": "",
        BREAKDOWN: [{
            "LineNumber": "1", "СчетНаОплату_Key": invoice_key, "СуммаПлатежа": float(amount),
            "СуммаВзаиморасчетов": float(amount), "СтавкаНДС": "НДС22", "СуммаНДС": 0,
            "СпособПогашенияЗадолженности": "Автоматически",
        }],
    }  # fmt: skip


def demo_store() -> OneCStore:
    """A base with one tenant, two invoices and three payments (one draft, one deleted)."""
    store = OneCStore()
    tenant = counterparty('ООО "Василёк"', "7728168971", "772801001")
    stranger = counterparty("ИП Смирнов А. П.", "500100732259")
    first = invoice("БП-000101", "2026-02-01T00:00:00", "100000", tenant["Ref_Key"])
    second = invoice("БП-000102", "2026-03-01T00:00:00", "100000", tenant["Ref_Key"])
    store.sets[COUNTERPARTIES] = [tenant, stranger]
    store.sets[INVOICES] = [first, second]
    store.sets[PAYMENTS] = [
        payment("БП-000021", "2026-02-09T10:15:00", "100000", tenant["Ref_Key"],
                "Оплата по счету № 101 от 01.02.2026", invoice_key=first["Ref_Key"],
                incoming_number="105"),
        payment("БП-000022", "2026-02-10T11:00:00", "40000", tenant["Ref_Key"],
                "Оплата аренды", invoice_key=second["Ref_Key"], incoming_number="106"),
        payment("БП-000023", "2026-02-11T09:00:00", "5000", stranger["Ref_Key"],
                "Возврат займа", posted=False),
        payment("БП-000024", "2026-02-12T09:00:00", "999", tenant["Ref_Key"],
                "Ошибочный", deleted=True),
    ]  # fmt: skip
    store.sets[ACTS] = []
    return store
