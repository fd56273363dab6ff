"""Reading the Bank of Russia's BIC directory (ED807): the banks a landlord is offered, read
from windows-1251 bytes as cbr.ru publishes them, zipped or not; closed and withdrawn ones
left out; a broken or hostile file refused with a sentence saying why."""

from __future__ import annotations

import io
import zipfile

import pytest
import requests

from backend.cbr.download import NotTheCbr, check_cbr_url, fetch_directory
from backend.cbr.ed807 import read_directory
from backend.domain.banks import BadDirectory
from backend.domain.requisites import check_corr_account
from tests.bic_world import SAMPLE_BYTES as SAMPLE

SBER = (
    '<BICDirectoryEntry BIC="044525225"><ParticipantInfo NameP="ПАО Сбербанк" Rgn="45" Tnp="г"'
    ' Nnp="Москва" Adr="ул Вавилова, 19" PtType="20" ParticipantStatus="PSAC"/>'
    '<Accounts Account="30101810400000000225" RegulationAccountType="CRSA"'
    ' AccountStatus="ACAC"/></BICDirectoryEntry>'
)


def _ed807(*entries: str, encoding: str = "windows-1251") -> bytes:
    head = f'<?xml version="1.0" encoding="{encoding}"?>\n'
    body = (
        '<ED807 xmlns="urn:cbr-ru:ed:v2.0" EDNo="7" EDDate="2026-12-04" BusinessDay="2026-12-05">'
        + "".join(entries)
        + "</ED807>"
    )
    return (head + body).encode("cp1251" if encoding == "windows-1251" else encoding)


def _zip(**members: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_the_sample_offers_real_banks_with_their_correspondent_accounts() -> None:
    directory = read_directory(SAMPLE)

    by_bic = {bank.bic: bank for bank in directory.banks}
    assert directory.business_day == "2026-12-05"
    assert by_bic["044525225"].name == "ПАО Сбербанк"
    assert by_bic["044525225"].corr_account == "30101810400000000225"
    assert by_bic["044525225"].place == "г. Москва"
    assert by_bic["044525593"].name == 'АО "АЛЬФА-БАНК"'
    assert by_bic["044525974"].corr_account == "30101810145250000974"
    assert by_bic["046577674"].city == "Екатеринбург"
    for bank in directory.banks:  # the sample passes our own correspondent-account check
        assert check_corr_account(bank.corr_account, bank.bic) == bank.corr_account


def test_windows_1251_names_arrive_as_the_bank_writes_them_zipped_or_not() -> None:
    data = _ed807(SBER)
    assert "ПАО Сбербанк".encode("cp1251") in data  # the bytes are cp1251, not UTF-8

    plain = read_directory(data)
    zipped = read_directory(_zip(**{"20261205_ED807_full.xml": data}))

    assert plain.banks == zipped.banks
    assert plain.banks[0].name == "ПАО Сбербанк"
    assert plain.banks[0].address == "ул Вавилова, 19"


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        (SBER.replace('ParticipantStatus="PSAC"', 'ParticipantStatus="PSDL"'), "deleted"),
        (SBER.replace('PtType="20"', 'PtType="20" DateOut="2026-11-30"'), "left"),
        (SBER.replace('PtType="20"', 'PtType="90"'), "a receiver"),
        (
            SBER.replace('ParticipantStatus="PSAC"/>', 'ParticipantStatus="PSAC"><RstrList'
                         ' Rstr="LWRS" RstrDate="2026-11-01"/></ParticipantInfo>'),
            "licence withdrawn",
        ),
    ],
)  # fmt: skip
def test_a_closed_or_withdrawn_bank_is_not_offered(entry: str, why: str) -> None:
    kept = (
        '<BICDirectoryEntry BIC="044525593"><ParticipantInfo NameP="АО &quot;АЛЬФА-БАНК&quot;"'
        ' ParticipantStatus="PSAC"/></BICDirectoryEntry>'
    )

    directory = read_directory(_ed807(entry.replace("044525225", "044525226"), kept))

    assert [bank.name for bank in directory.banks] == ['АО "АЛЬФА-БАНК"'], why
    assert directory.skipped == 1


def test_only_a_correspondent_account_in_force_is_the_correspondent_account() -> None:
    closed = SBER.replace('AccountStatus="ACAC"', 'AccountStatus="ACDL"')
    treasury = SBER.replace('RegulationAccountType="CRSA"', 'RegulationAccountType="TRSA"')

    assert read_directory(_ed807(closed)).banks[0].corr_account == ""
    assert read_directory(_ed807(treasury)).banks[0].corr_account == ""


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (_ed807(SBER)[:-40], "broken XML"),
        (b"", "broken XML"),
        (b'<?xml version="1.0"?><rentflow-import/>', "not a BIC directory"),
        (_ed807(), "no bank in force"),
        (_ed807(SBER.replace('BIC="044525225"', 'BIC="04452"')), "no 9-digit BIC"),
        (_zip(**{"a.xml": _ed807(SBER), "b.xml": _ed807(SBER)}), "one XML file"),
        (b"PK\x03\x04 not really a zip", "not a readable zip"),
    ],
)
def test_a_broken_file_is_refused_saying_why(data: bytes, said: str) -> None:
    with pytest.raises(BadDirectory, match=said):
        read_directory(data)


def test_an_entity_bomb_is_refused_before_anything_is_expanded() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE ED807 [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<ED807 xmlns="urn:cbr-ru:ed:v2.0"><BICDirectoryEntry BIC="044525225">'
        b'<ParticipantInfo NameP="&b;"/></BICDirectoryEntry></ED807>'
    )

    with pytest.raises(BadDirectory, match="DOCTYPE"):
        read_directory(bomb)


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/newbik.zip",
        "http://cbr.ru/s/newbik",
        "https://cbr.ru.evil.example/s/newbik",
        "https://user@cbr.ru/s/newbik",
        "https://cbr.ru:8443/s/newbik",
        "https://cbr.ru:x/s/newbik",  # not a port: refused, not a traceback
        "file:///etc/passwd",
    ],
)
def test_an_address_that_is_not_the_bank_of_russias_is_never_fetched(url: str) -> None:
    with pytest.raises(NotTheCbr):
        check_cbr_url(url)


def test_the_bank_of_russias_own_addresses_are_fetched() -> None:
    for url in ("https://cbr.ru/s/newbik", "https://www.cbr.ru/vfs/mcirabis/BIKNew/x.zip"):
        assert check_cbr_url(url) == url


class _Answer:
    """What ``requests`` answers, as far as ``fetch_directory`` reads it."""

    def __init__(self, status: int, location: str = "", body: bytes = b"") -> None:
        self.status_code = status
        self.headers = {"Location": location} if location else {}
        self.is_redirect = bool(location)
        self.body = body

    def __enter__(self) -> _Answer:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def iter_content(self, size: int) -> list[bytes]:
        return [self.body]


def _answering(monkeypatch: pytest.MonkeyPatch, answers: dict[str, _Answer]) -> list[str]:
    asked: list[str] = []

    def get(session: object, url: str, **kwargs: object) -> _Answer:
        asked.append(url)
        return answers[url]

    monkeypatch.setattr(requests.Session, "get", get)
    return asked


def test_the_directory_is_downloaded_through_the_cbrs_own_redirect(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zipped = _zip(**{"20261205_ED807_full.xml": SAMPLE})
    latest = "https://www.cbr.ru/vfs/mcirabis/BIKNew/20261205ED01OSBR.zip"
    asked = _answering(monkeypatch, {
        "https://cbr.ru/s/newbik": _Answer(302, latest), latest: _Answer(200, body=zipped),
    })  # fmt: skip

    assert read_directory(fetch_directory()).business_day == "2026-12-05"
    assert asked == ["https://cbr.ru/s/newbik", latest]


def test_a_redirect_off_cbr_ru_is_not_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _answering(monkeypatch, {
        "https://cbr.ru/s/newbik": _Answer(302, "https://evil.example/bik.zip"),
    })  # fmt: skip

    with pytest.raises(NotTheCbr):
        fetch_directory()
    assert asked == ["https://cbr.ru/s/newbik"]
