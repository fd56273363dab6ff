"""Public API v1: the import log, the scheduled import's settings and "run now", XML and
Excel uploads, the Excel template and the filtered lists as Excel."""

from __future__ import annotations

import io

from backend.bulk.excel import read_workbook, write_premises, write_template, write_tenants
from backend.bulk.wiring import read_xml
from backend.domain.premises import PremisesFilter
from backend.services.api_keys import ApiCaller
from backend.services.import_schedule import save_settings, settings_of
from backend.services.register import all_premises, all_tenants
from backend.web.api_v1 import schemas as s
from backend.web.api_v1.http import (
    decode_cursor,
    encode_cursor,
    operation,
)
from backend.web.api_v1.register_routes import import_batch
from backend.web.deps import container

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- imports ---
@operation(
    "GET",
    "/imports",
    summary="The import log",
    tag="imports",
    query=s.ListQuery,
    response=s.Page[s.ImportRunOut],
)
def list_imports(caller: ApiCaller, query: s.ListQuery) -> s.Page[s.ImportRunOut]:
    before = decode_cursor(query.cursor) or None
    with container().uow(caller.portal_id) as uow:
        runs = uow.import_runs.recent(query.limit, before=before)
    return s.Page[s.ImportRunOut](
        items=[s.ImportRunOut(**r) for r in runs],
        next_cursor=encode_cursor(runs[-1]["id"] if runs else None, len(runs), query.limit),
    )


@operation(
    "GET",
    "/imports/settings",
    summary="Scheduled XML import settings",
    tag="imports",
    response=s.ImportSettingsOut,
)
def get_import_settings(caller: ApiCaller) -> s.ImportSettingsOut:
    with container().uow(caller.portal_id) as uow:
        settings = settings_of(uow.portals.get(caller.portal_id).settings)
    return s.ImportSettingsOut(**settings.as_dict(hide_secrets=True))


@operation(
    "PUT",
    "/imports/settings",
    summary="Change the scheduled XML import settings",
    tag="imports",
    scope="write",
    body=s.ImportSettingsIn,
    response=s.ImportSettingsOut,
)
def put_import_settings(caller: ApiCaller, body: s.ImportSettingsIn) -> s.ImportSettingsOut:
    built = container()
    with built.uow(caller.portal_id) as uow:
        saved = save_settings(uow, built.clock, body.model_dump())
        uow.commit()
    return s.ImportSettingsOut(**saved.as_dict(hide_secrets=True))


@operation(
    "POST",
    "/imports/run",
    summary="Run the scheduled import now",
    tag="imports",
    scope="write",
    response=s.Queued,
    status=202,
)
def run_import_now(caller: ApiCaller) -> s.Queued:
    container().tasks.import_portal(caller.portal_id, "manual")
    return s.Queued(queued=True)


@operation(
    "POST",
    "/imports/xml",
    summary="Import an XML file (docs/import-xml.md)",
    tag="imports",
    scope="write",
    upload="application/xml",
    response=s.ImportRunOut,
)
def post_import_xml(caller: ApiCaller, data: bytes) -> s.ImportRunOut:
    return import_batch(caller, read_xml(io.BytesIO(data)), "xml", "api/v1 upload")


@operation(
    "POST",
    "/imports/excel",
    summary="Import a filled Excel template",
    tag="imports",
    scope="write",
    upload=XLSX,
    response=s.ImportRunOut,
)
def post_import_excel(caller: ApiCaller, data: bytes) -> s.ImportRunOut:
    return import_batch(caller, read_workbook(io.BytesIO(data)), "excel", "api/v1 upload")


@operation(
    "GET",
    "/imports/template.xlsx",
    summary="The Excel import template",
    tag="imports",
    download=XLSX,
)
def get_template(caller: ApiCaller) -> tuple[bytes, str]:
    out = io.BytesIO()
    write_template(out)
    return out.getvalue(), "rentflow-import-template.xlsx"


@operation(
    "GET",
    "/exports/premises.xlsx",
    summary="The premises list as Excel (filtered)",
    tag="premises",
    query=s.PremisesExportQuery,
    download=XLSX,
)
def export_premises(caller: ApiCaller, query: s.PremisesExportQuery) -> tuple[bytes, str]:
    where = PremisesFilter(query.building, query.floor, query.status, query.type)
    out = io.BytesIO()
    with container().uow(caller.portal_id) as uow:
        write_premises(all_premises(uow, where), out)
    return out.getvalue(), "premises.xlsx"


@operation(
    "GET",
    "/exports/tenants.xlsx",
    summary="The tenant list as Excel (filtered)",
    tag="tenants",
    query=s.TenantExportQuery,
    download=XLSX,
)
def export_tenants(caller: ApiCaller, query: s.TenantExportQuery) -> tuple[bytes, str]:
    out = io.BytesIO()
    with container().uow(caller.portal_id) as uow:
        write_tenants(all_tenants(uow, query.search), out)
    return out.getvalue(), "tenants.xlsx"
