"""Read a BIC directory file: ЭСИД ED807 as the Bank of Russia publishes it daily (a zip of one
``*_ED807_full.xml``, windows-1251) or that XML alone.

Untrusted input, read like the import XML (``backend.bulk.xml_records``): lxml without DTD,
entities, network or huge trees (a DOCTYPE is refused outright, which shuts out entity bombs),
the zip's member capped before it is inflated, ``iterparse`` freeing each entry once read.
The encoding is the one the XML declaration names, so the bytes go to lxml undecoded.
Every problem is a ``BadDirectory`` saying what is wrong in a sentence an operator can act on.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from lxml import etree

from backend.domain.banks import BadDirectory, BankEntry, DirectoryRecord, offered

ROOT = "ED807"
ENTRY = "BICDirectoryEntry"
# the full directory is some 20 MB of XML (about 1 400 entries with their accounts); ten times
# that is not a directory but a zip bomb
MAX_XML_BYTES = 200 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Directory:
    """What a file holds: the banks offered, how many entries were left out, and the
    operational day it is for (``BusinessDay``, ``YYYY-MM-DD``)."""

    banks: tuple[BankEntry, ...]
    skipped: int
    business_day: str


def read_directory_file(path: Path) -> Directory:
    """The directory in ``path`` (a .zip from cbr.ru or the .xml in it)."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise BadDirectory(f"cannot read {path}: {err.strerror or err}") from err
    return read_directory(data)


def read_directory(data: bytes) -> Directory:
    """The directory in ``data``: a zip holding one ED807 XML, or that XML."""
    xml = _xml_of_zip(data) if data.startswith(ZIP_MAGIC) else data
    if len(xml) > MAX_XML_BYTES:
        raise BadDirectory(f"the XML is larger than {MAX_XML_BYTES} bytes: not a BIC directory")
    banks: list[BankEntry] = []
    skipped = 0
    business_day = ""
    for record, day in _records(io.BytesIO(xml)):
        business_day = day
        bank = None if record is None else offered(record)
        if bank is None:
            skipped += 1
        else:
            banks.append(bank)
    if not banks:
        raise BadDirectory("the file holds no bank in force: not a BIC directory to load")
    return Directory(tuple(banks), skipped, business_day)


def _xml_of_zip(data: bytes) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [i for i in archive.infolist() if i.filename.lower().endswith(".xml")]
            if len(members) != 1:
                raise BadDirectory(
                    f"the zip must hold one XML file (ED807), it holds {len(members)}"
                )
            member = members[0]
            if member.file_size > MAX_XML_BYTES:
                raise BadDirectory(f"{member.filename} is larger than {MAX_XML_BYTES} bytes")
            with archive.open(member) as stream:
                return stream.read(MAX_XML_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as err:
        raise BadDirectory(f"not a readable zip: {err}") from err


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _records(stream: IO[bytes]) -> Iterator[tuple[DirectoryRecord | None, str]]:
    parser = etree.iterparse(
        stream, events=("start", "end"), resolve_entities=False, no_network=True,
        huge_tree=False, load_dtd=False, remove_comments=True, remove_pis=True,
    )  # fmt: skip
    business_day = ""
    depth = 0
    try:
        for event, element in parser:
            if event == "start":
                depth += 1
                if depth == 1:
                    business_day = _check_root(element)
                continue
            depth -= 1
            if depth == 1 and _local(element.tag) == ENTRY:
                yield _record(element), business_day
                element.clear()
    except etree.XMLSyntaxError as err:
        raise BadDirectory(f"broken XML: {err.msg} (line {err.lineno})") from err


def _check_root(root: Any) -> str:
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise BadDirectory("a document type declaration (DOCTYPE) is not allowed")
    if _local(root.tag) != ROOT:
        raise BadDirectory(
            f"not a BIC directory: the root element is <{_local(root.tag)}>, not <{ROOT}>"
        )
    return str(root.get("BusinessDay", ""))


def _record(entry: Any) -> DirectoryRecord | None:
    bic = str(entry.get("BIC", ""))
    if not (len(bic) == 9 and bic.isascii() and bic.isdigit()):
        raise BadDirectory(f"an entry on line {entry.sourceline} has no 9-digit BIC: {bic!r}")
    participant: dict[str, str] = {}
    restrictions: list[str] = []
    accounts: list[dict[str, str]] = []
    for child in entry:
        name = _local(child.tag)
        if name == "ParticipantInfo":
            participant = {str(k): str(v) for k, v in child.attrib.items()}
            restrictions = [str(r.get("Rstr", "")) for r in child if _local(r.tag) == "RstrList"]
        elif name == "Accounts":
            accounts.append({str(k): str(v) for k, v in child.attrib.items()})
    if not participant:  # a change-only entry (ChangeType) describes no participant to offer
        return None
    return DirectoryRecord(bic, participant, tuple(restrictions), tuple(accounts))
