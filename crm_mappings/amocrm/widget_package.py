"""``rentflow widget build``: the installable amoCRM widget archive (widget.zip).

The archive holds manifest.json, script.js, i18n/ and images/ at its root
(https://www.amocrm.com/developers/content/integrations/structure/ and .../upload: "package
only the widget folder ... into widget.zip"). Images: logo_main 400x272, logo_small 108x108,
logo_medium 240x84, logo_min 84x84, logo 130x100 and, with digital_pipeline, logo_dp 174x109;
each under 300 KB.

The widget's own section of the left menu (``left_menu`` with the ``widget_page`` location,
https://developers.kommo.com/docs/left-menu) names its icon under images/ and its titles'
i18n keys, checked as the others.

manifest.json follows the current page (https://developers.kommo.com/docs/manifest-json): no
``widget.code`` nor ``widget.secret_key`` (legacy fields; the integration created in amoMarket
carries its id and secret). ``--code``/``--secret-key`` still write them for an old account
that asks for them.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import jsonschema

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "manifest.json"
SOURCES = ROOT / "widget" / "amocrm"
SCHEMA = ROOT / "widget" / "amocrm_manifest.schema.json"
PLACEHOLDER = "__RENTFLOW_BASE_URL__"
IMAGE_SIZES = {
    "logo_main.png": (400, 272),
    "logo_small.png": (108, 108),
    "logo_medium.png": (240, 84),
    "logo_min.png": (84, 84),
    "logo.png": (130, 100),
    "logo_dp.png": (174, 109),
}
MAX_IMAGE_BYTES = 300 * 1024


class InvalidWidget(Exception):
    """The manifest or the widget files do not meet amoCRM's requirements."""


def load_manifest(base_url: str, *, code: str = "", secret_key: str = "") -> dict[str, Any]:
    """The manifest with rentflow's address (and, if given, the legacy code/secret) filled in."""
    text = MANIFEST.read_text(encoding="utf-8").replace(PLACEHOLDER, base_url.rstrip("/"))
    manifest: dict[str, Any] = json.loads(text)
    if code:
        manifest["widget"]["code"] = code
    if secret_key:
        manifest["widget"]["secret_key"] = secret_key
    return manifest


def check_manifest(manifest: dict[str, Any], files: dict[str, bytes]) -> None:
    """Schema of the documented fields, plus every file and i18n key the manifest names."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    try:
        jsonschema.validate(manifest, schema)
    except jsonschema.ValidationError as exc:
        raise InvalidWidget(f"manifest.json: {exc.message} at {list(exc.absolute_path)}") from exc
    needed = ["script.js", *IMAGE_SIZES]
    needed = [n if n == "script.js" else f"images/{n}" for n in needed]
    needed += [f"i18n/{locale}.json" for locale in manifest["widget"]["locale"]]
    needed += [m["icon"] for m in manifest.get("left_menu", {}).values() if "icon" in m]
    missing = [name for name in needed if name not in files]
    if missing:
        raise InvalidWidget(f"missing files: {', '.join(missing)}")
    for locale in manifest["widget"]["locale"]:
        texts = json.loads(files[f"i18n/{locale}.json"])
        for key in _i18n_keys(manifest):
            section, _, name = key.partition(".")
            if name not in texts.get(section, {}):
                raise InvalidWidget(f"i18n/{locale}.json lacks {key}")


def _i18n_keys(manifest: dict[str, Any]) -> list[str]:
    widget = manifest["widget"]
    keys = [widget["name"], widget["description"], widget["short_description"]]
    keys += [f["name"] for f in manifest.get("settings", {}).values()]
    keys += [f["name"] for f in manifest.get("dp", {}).get("settings", {}).values()]
    if "advanced" in manifest:
        keys.append(manifest["advanced"]["title"])
    for section in manifest.get("left_menu", {}).values():
        keys.append(section["title"])
        keys += [sub["title"] for sub in section.get("submenu", {}).values()]
    return keys


def widget_files(base_url: str) -> dict[str, bytes]:
    """script.js, i18n/ and images/ as they go into the archive."""
    files: dict[str, bytes] = {}
    for path in sorted(SOURCES.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".js":
                data = data.replace(PLACEHOLDER.encode(), base_url.rstrip("/").encode())
            files[path.relative_to(SOURCES).as_posix()] = data
    return files


def build_widget(out: Path, base_url: str, *, code: str = "", secret_key: str = "") -> Path:
    """Check and write widget.zip; returns its path."""
    manifest = load_manifest(base_url, code=code, secret_key=secret_key)
    files = widget_files(base_url)
    check_manifest(manifest, files)
    for name in IMAGE_SIZES:
        if len(files[f"images/{name}"]) > MAX_IMAGE_BYTES:
            raise InvalidWidget(f"images/{name} is over 300 KB")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        for name, data in files.items():
            archive.writestr(name, data)
    return out
