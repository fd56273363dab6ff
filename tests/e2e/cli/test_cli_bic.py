"""``rentflow bic load``: the operator loads the Bank of Russia's BIC directory from its zip
or XML, is told how many banks were loaded, and a broken file is refused saying why with the
directory loaded before kept; an address off cbr.ru is refused before any request."""

from __future__ import annotations

import zipfile
from pathlib import Path

from click.testing import CliRunner

from backend.bootstrap import Container
from backend.cli import main
from backend.cli.bic import load_sandbox_directory
from backend.config import Settings
from tests.bic_world import SAMPLE_BYTES as SAMPLE
from tests.processes import cli_env


def _stored(container: Container) -> tuple[int, str]:
    with container.uow(None) as uow:
        return uow.banks.count(), uow.banks.business_day()


def test_the_zip_from_cbr_is_loaded_and_the_count_reported(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "20261205ED01OSBR.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("20261205_ED807_full.xml", SAMPLE)

    result = CliRunner().invoke(main, ["bic", "load", str(path)], env=cli_env(settings))

    assert result.exit_code == 0, result.output
    assert "loaded 5 banks of the directory of 2026-12-05" in result.output
    assert _stored(container) == (5, "2026-12-05")


def test_a_broken_file_is_refused_and_the_directory_loaded_before_kept(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    good, broken = tmp_path / "good.xml", tmp_path / "broken.xml"
    good.write_bytes(SAMPLE)
    broken.write_bytes(SAMPLE.replace(b"</ED807>", b"</ED80"))
    runner = CliRunner()
    runner.invoke(main, ["bic", "load", str(good)], env=cli_env(settings))

    result = runner.invoke(main, ["bic", "load", str(broken)], env=cli_env(settings))

    assert result.exit_code == 1
    assert "the directory was not loaded: broken XML" in result.output
    assert "The directory loaded before is kept: 5 banks of 2026-12-05" in result.output
    assert _stored(container) == (5, "2026-12-05")


def test_an_address_off_cbr_ru_is_refused_before_any_request(
    container: Container, settings: Settings
) -> None:
    args = ["bic", "load", "--url", "https://127.0.0.1:1/newbik.zip"]

    result = CliRunner().invoke(main, args, env=cli_env(settings))

    assert result.exit_code == 2
    assert "only the Bank of Russia's own address is fetched" in result.output
    assert _stored(container) == (0, "")


def test_neither_or_both_of_a_file_and_url_is_a_usage_error(settings: Settings) -> None:
    result = CliRunner().invoke(main, ["bic", "load"], env=cli_env(settings))

    assert result.exit_code == 2
    assert "name the file, or --url" in result.output


def test_the_sandbox_loads_its_sample_only_into_an_empty_directory(container: Container) -> None:
    first = load_sandbox_directory(container)
    second = load_sandbox_directory(container)

    assert first is not None
    assert first.loaded == 5
    assert second is None
    assert _stored(container) == (5, "2026-12-05")
