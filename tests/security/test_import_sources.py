"""Import sources are typed by whoever holds a write key: outside the sandbox rentflow never
fetches one on this machine or a private network (server-side request forgery), neither
directly nor after a redirect, and nothing reaches such an address."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from backend.bootstrap import Container
from backend.bulk.sources import RemoteFiles, _check_public
from backend.services.import_schedule import SourceUnavailable, run_portal_import, save_settings
from tests.bulk_world import EXAMPLE_XML, new_portal
from tests.loopback import serve


@pytest.fixture
def recording() -> Iterator[tuple[str, list[str]]]:
    """A loopback server that records every path asked of it and serves a valid import."""
    seen: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [EXAMPLE_XML.read_bytes()]

    with serve(app) as base:
        yield base, seen


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/offers.xml",
        "http://localhost/offers.xml",
        "http://[::1]/offers.xml",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://10.0.0.5/offers.xml",
        "http://192.168.1.1/offers.xml",
        "sftp://user:pw@172.16.0.1/offers.xml",
        "ftp://0.0.0.0/offers.xml",
    ],
)
def test_a_local_or_private_address_is_refused_before_connecting(url: str) -> None:
    with pytest.raises(SourceUnavailable, match="local or private address"):
        _check_public(url)


def test_a_loopback_source_is_never_asked_outside_the_sandbox(
    recording: tuple[str, list[str]],
) -> None:
    base, seen = recording
    with pytest.raises(SourceUnavailable, match="local or private address"):
        RemoteFiles().fetch(f"{base}/offers.xml")
    assert seen == []


def test_a_redirect_is_checked_like_the_first_address(
    recording: tuple[str, list[str]],
) -> None:
    """A first hop that passes (stood in by a loopback server the check lets through) may not
    send rentflow on to an address that does not."""
    base, seen = recording

    def redirector(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("302 Found", [("Location", f"{base}/internal")])
        return [b""]

    with serve(redirector) as first:

        class FirstHopIsPublic(RemoteFiles):
            def _check(self, url: str) -> None:
                if not url.startswith(first):
                    _check_public(url)

        with pytest.raises(SourceUnavailable, match="local or private address"):
            FirstHopIsPublic().fetch(f"{first}/offers.xml")
    assert seen == []


def test_a_production_import_run_from_a_loopback_source_fails_and_names_why(
    container: Container, recording: tuple[str, list[str]]
) -> None:
    base, seen = recording
    production = replace(container, settings=container.settings.with_(sandbox=False))
    portal_id = new_portal(production)
    with production.uow(portal_id) as uow:
        save_settings(uow, production.clock, {"sources": f"{base}/offers.xml"})
        uow.commit()
    (report,) = run_portal_import(production.bulk_ports(), portal_id, "manual")
    assert report.status == "failed"
    assert "local or private address" in report.error
    assert seen == []
