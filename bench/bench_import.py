"""Import 50,000 premises + 50,000 tenants from XML and from Excel into a fresh SQLite
database, then render the CIAN feed of 10,000 premises; report times and memory.

Run by hand: ``PYTHONPATH=. python bench/bench_import.py [N] [--accounts]`` (N premises = N
tenants, default 50,000; ``--accounts`` adds N personal accounts). Targets (issue 19): XML
<= 60 s, Excel <= 90 s, feed of 10,000 <= 2 s. Each import runs twice: the second pass
updates every row (the matching path). Memory: the process's max RSS after each stage (the
XML parse frees each record, so it should not grow with N).
"""

from __future__ import annotations

import io
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openpyxl import Workbook

from backend.bootstrap import bootstrap
from backend.bulk.cian_xml import render_cian
from backend.bulk.excel import ACCOUNTS, PREMISES, TENANTS, read_workbook
from backend.bulk.xml_records import read_records
from backend.config import Settings
from backend.db.migrate import upgrade
from backend.services.cian_feed import feed_content, save_settings
from backend.services.imports import import_records
from backend.services.portals import install_portal

KINDS = ("office", "office", "warehouse", "retail", "service")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def xml_chunks(n: int, accounts: bool = False) -> Iterator[bytes]:
    yield b'<?xml version="1.0" encoding="UTF-8"?><rentflow-import version="1">'
    for i in range(n):
        yield (
            f'<premises external-id="P-{i}" building="B-{i // 2000}" floor="{i // 50 % 40}" '
            f'number="{i}" type="{KINDS[i % 5]}" area="{20 + i % 300}.5" '
            f'price-per-m2="{900 + i % 700}.00"/>'
        ).encode()
    for i in range(n):
        yield (
            f'<tenant external-id="T-{i}" name="ООО Арендатор {i}" inn="77{i:08d}" '
            f'phone="+7 9{i:09d}"><email>t{i}@example.ru</email></tenant>'
        ).encode()
    for i in range(n if accounts else 0):
        yield f'<account number="LS-{i}" premises="P-{i}" tenant="T-{i}"/>'.encode()
    yield b"</rentflow-import>"


def workbook(n: int, accounts: bool = False) -> bytes:
    book = Workbook(write_only=True)
    for name, columns, row in (
        ("Помещения", PREMISES, lambda i: [f"P-{i}", f"B-{i // 2000}", "", i // 50 % 40, i,
                                          KINDS[i % 5], 20 + i % 300, 900 + i % 700, "", "", ""]),
        ("Клиенты", TENANTS, lambda i: [f"T-{i}", f"ООО Арендатор {i}", "legal_entity",
                                        f"77{i:08d}", "", f"+7 9{i:09d}", f"t{i}@example.ru",
                                        "", ""]),
        ("Лицевые счета", ACCOUNTS, lambda i: [f"LS-{i}", f"P-{i}", f"T-{i}", "", ""]),
    ):  # fmt: skip
        if columns is ACCOUNTS and not accounts:
            continue
        sheet = book.create_sheet(name)
        sheet.append([c.header for c in columns])
        for i in range(n):
            sheet.append(row(i))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 50_000
    accounts = "--accounts" in sys.argv
    var = Path(tempfile.mkdtemp(prefix="bench-import-"))
    settings = Settings.from_env({"RENTFLOW_VAR_DIR": str(var), "RENTFLOW_SANDBOX": "0"})
    upgrade(settings.database_url)
    container = bootstrap(settings, crm_factories={})
    with container.uow(None) as uow:
        xml_portal = install_portal(uow, container.clock, kind="bitrix24", external_id="x").id
        xls_portal = install_portal(uow, container.clock, kind="bitrix24", external_id="e").id
        uow.commit()
    assert xml_portal is not None
    assert xls_portal is not None
    data = b"".join(xml_chunks(n, accounts))
    print(f"XML: {len(data) / 1e6:.1f} MB, {n} premises + {n} tenants"
          f"{f' + {n} accounts' if accounts else ''}; RSS before {rss_mb():.0f} MB")  # fmt: skip
    for attempt in ("create", "update"):
        started = time.perf_counter()
        with container.uow(xml_portal) as uow:
            report = import_records(
                uow, container.clock, read_records(io.BytesIO(data), max_bytes=10**9),
                channel="xml", source="bench",
            )  # fmt: skip
        took = time.perf_counter() - started
        print(f"  XML {attempt}: {took:.1f} s, status {report.status}, "
              f"max RSS {rss_mb():.0f} MB, {report.nonzero_counts()}")  # fmt: skip
    started = time.perf_counter()
    book = workbook(n, accounts)
    print(f"Excel: {len(book) / 1e6:.1f} MB written in {time.perf_counter() - started:.1f} s")
    for attempt in ("create", "update"):
        started = time.perf_counter()
        with container.uow(xls_portal) as uow:
            report = import_records(
                uow, container.clock, read_workbook(io.BytesIO(book)), channel="excel",
                source="bench",
            )  # fmt: skip
        took = time.perf_counter() - started
        print(f"  Excel {attempt}: {took:.1f} s, status {report.status}, "
              f"max RSS {rss_mb():.0f} MB, {report.nonzero_counts()}")  # fmt: skip
    feed_portal_premises = min(n, 10_000)
    with container.uow(None) as uow:
        feed_portal = install_portal(uow, container.clock, kind="bitrix24", external_id="f").id
        uow.commit()
    assert feed_portal is not None
    small = b"".join(xml_chunks(feed_portal_premises)).split(b"<tenant ")[0] + b"</rentflow-import>"
    with container.uow(feed_portal) as uow:
        import_records(uow, container.clock, read_records(io.BytesIO(small), max_bytes=10**9),
                       channel="xml", source="bench")  # fmt: skip
        for mode in ("per_premises", "per_floor"):
            save_settings(uow, {"mode": mode, "phone": "+74951234567"})
            uow.commit()
            started = time.perf_counter()
            body, _skipped = render_cian(feed_content(uow))
            took = time.perf_counter() - started
            print(f"CIAN feed of {feed_portal_premises} premises, {mode}: {took:.2f} s, "
                  f"{body.count(b'<object>')} lots, {len(body) / 1e6:.1f} MB")  # fmt: skip
    print(f"max RSS {rss_mb():.0f} MB")
    container.dispose()


if __name__ == "__main__":
    main()
