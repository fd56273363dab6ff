"""The bulk channels' readers and writers as the composition root hands them to the services
(``services.bulk_ports.BulkPorts``, built by ``Container.bulk_ports``)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import IO

from backend.bulk.avito_xml import render_avito
from backend.bulk.cian_xml import render_cian
from backend.bulk.xml_records import read_records
from backend.domain.bulk import Located

IMPORT_MAX_BYTES = 200 * 1024 * 1024  # bigger import files are refused (XML and Excel)
RENDERERS = {"cian": render_cian, "avito": render_avito}


def xml_reader(max_bytes: int = IMPORT_MAX_BYTES) -> partial[Iterator[Located]]:
    return partial(read_records, max_bytes=max_bytes)


def read_xml(stream: IO[bytes]) -> Iterator[Located]:
    return read_records(stream, max_bytes=IMPORT_MAX_BYTES)
