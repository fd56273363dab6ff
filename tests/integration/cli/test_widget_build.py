"""``rentflow widget build`` writes an archive amoCRM accepts: documented manifest, all files."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from PIL import Image

from backend.cli import main
from crm_mappings.amocrm.widget_package import (
    IMAGE_SIZES,
    SCHEMA,
    InvalidWidget,
    check_manifest,
    load_manifest,
    widget_files,
)


@pytest.fixture
def archive(tmp_path: Path) -> zipfile.ZipFile:
    out = tmp_path / "widget.zip"
    result = CliRunner().invoke(
        main,
        ["widget", "build", "--out", str(out), "--base-url", "https://rent.example",
         "--code", "rentflow_widget", "--secret-key", "k" * 64],
        env={"RENTFLOW_VAR_DIR": str(tmp_path / "var")},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return zipfile.ZipFile(out)


def test_manifest_in_the_archive_matches_the_documented_schema(archive: zipfile.ZipFile) -> None:
    manifest = json.loads(archive.read("manifest.json"))
    jsonschema.validate(manifest, json.loads(SCHEMA.read_text()))
    assert manifest["widget"]["code"] == "rentflow_widget"
    assert manifest["dp"]["webhook_url"] == "https://rent.example/amocrm/dp"
    assert {"lcard-1", "settings", "advanced_settings", "digital_pipeline", "widget_page"} <= set(
        manifest["locations"]
    )
    assert set(manifest["left_menu"]["rentflow"]["submenu"]) == {"leases", "attention"}


def test_every_referenced_file_exists_with_the_required_image_sizes(
    archive: zipfile.ZipFile,
) -> None:
    names = set(archive.namelist())
    manifest = json.loads(archive.read("manifest.json"))
    assert "script.js" in names
    for locale in manifest["widget"]["locale"]:
        texts = json.loads(archive.read(f"i18n/{locale}.json"))
        assert texts["widget"]["name"]
    for name, size in IMAGE_SIZES.items():
        assert Image.open(io.BytesIO(archive.read(f"images/{name}"))).size == size


def test_script_has_every_callback_amocrm_calls_and_the_backend_url(
    archive: zipfile.ZipFile,
) -> None:
    script = archive.read("script.js").decode()
    for callback in ("init", "render", "bind_actions", "settings", "onSave", "destroy",
                     "dpSettings", "advancedSettings", "initMenuPage"):  # fmt: skip
        assert f"{callback}: function" in script
    assert "https://rent.example" in script
    assert "__RENTFLOW_BASE_URL__" not in script


def test_the_shipped_manifest_needs_no_legacy_code_or_secret_key() -> None:
    manifest = load_manifest("https://rent.example")
    check_manifest(manifest, widget_files("https://rent.example"))
    assert "code" not in manifest["widget"]
    assert "secret_key" not in manifest["widget"]
    assert manifest["dp"]["settings"]["token"]["required"] is True


def test_a_manifest_missing_a_required_field_is_refused() -> None:
    manifest = load_manifest("https://rent.example")
    del manifest["widget"]["short_description"]
    with pytest.raises(InvalidWidget, match="short_description"):
        check_manifest(manifest, widget_files("https://rent.example"))


def test_a_missing_translation_is_refused() -> None:
    manifest = load_manifest("https://rent.example")
    files = widget_files("https://rent.example")
    english = json.loads(files["i18n/en.json"])
    del english["advanced"]
    files["i18n/en.json"] = json.dumps(english).encode()
    with pytest.raises(InvalidWidget, match=r"i18n/en.json lacks advanced.title"):
        check_manifest(manifest, files)


def test_the_left_menu_s_icon_and_titles_are_checked_like_the_rest() -> None:
    manifest = load_manifest("https://rent.example")
    files = widget_files("https://rent.example")
    russian = json.loads(files["i18n/ru.json"])
    del russian["left_menu"]["attention"]
    untranslated = {**files, "i18n/ru.json": json.dumps(russian).encode()}
    no_icon = {name: data for name, data in files.items() if name != "images/left_menu.svg"}

    with pytest.raises(InvalidWidget, match=r"i18n/ru.json lacks left_menu.attention"):
        check_manifest(manifest, untranslated)
    with pytest.raises(InvalidWidget, match=r"missing files: images/left_menu.svg"):
        check_manifest(manifest, no_icon)
