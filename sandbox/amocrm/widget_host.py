"""How the emulated account hosts rentflow's widget, as amoCRM hosts an installed one.

amoCRM serves an uploaded widget's files itself (https://www.amocrm.com/developers/content/
integrations/structure/: the archive's script.js, i18n/ and images/) and loads script.js with
RequireJS in the areas the manifest names; here the files come from ``widget/amocrm`` with
rentflow's address filled in, as ``rentflow widget build`` puts them in widget.zip
(``crm_mappings.amocrm.widget_package``). ``self.$authorizedAjax`` asks amoCRM for a new
disposable token before every request (https://developers.kommo.com/docs/one-time-tokens);
the account mints it here for the user looking at the page: HS256 with the integration's
secret, ``aud`` the redirect_uri's scheme and host (``disposable_token.issue_widget_token``).
amoCRM's own address for that is internal to its frontend, so ours is the sandbox's.

A widget whose manifest has a ``left_menu`` (location ``widget_page``) gets its own section
in the account's left menu, for every user, with its subsections
(https://developers.kommo.com/docs/left-menu); opening one, amoCRM runs the widget's
callbacks and then ``initMenuPage({location: "widget_page", item_code, subitem_code})``, the
widget drawing into the page's work area. The page's address is amoCRM's frontend's; here it
is ``/widget_page/<item_code>/<subitem_code>/``.

The page's user (an administrator or a manager) and language are the sandbox's "Act as" and
"Language" choices, kept in cookies as amoCRM keeps the signed-in user.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, request

from crm_mappings.amocrm.disposable_token import audience_for, issue_widget_token
from crm_mappings.amocrm.widget_package import MANIFEST, widget_files
from sandbox.amocrm.common import account
from sandbox.amocrm.state import AmoAccount
from sandbox.amocrm.users import ADMIN_ID

bp = Blueprint(
    "amocrm_widget_host", __name__, static_folder="static", static_url_path="/_account/static"
)

WIDGET_CODE = "rentflow"  # the code amoCRM gave the integration's widget in this account
JQUERY = Path("/usr/share/javascript/jquery/jquery.min.js")  # Debian's libjs-jquery
LANGUAGES = ("ru", "en")
USER_COOKIE, LANG_COOKIE = "amo_user", "amo_lang"
_TYPES = {".js": "application/javascript", ".json": "application/json", ".png": "image/png",
          ".svg": "image/svg+xml"}  # fmt: skip


def rentflow_origin(acc: AmoAccount) -> str:
    """rentflow's address: that of the integration's redirect_uri, as registered."""
    parts = urlsplit(acc.redirect_uri)
    return f"{parts.scheme}://{parts.netloc}"


@lru_cache(maxsize=4)
def _files(origin: str) -> dict[str, bytes]:
    return widget_files(origin)


def widget_version() -> str:
    return str(manifest()["widget"]["version"])


def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return loaded


def menu_sections(acc: AmoAccount, lang: str) -> list[dict[str, Any]]:
    """The installed widget's sections of the left menu, titled in ``lang`` from its i18n
    files, each with its subsections in their ``sort`` order and their addresses."""
    wanted = manifest()
    if not acc.widget_installed or "widget_page" not in wanted["locations"]:
        return []
    texts = json.loads(_files(rentflow_origin(acc))[f"i18n/{lang}.json"])
    root, path = request.script_root, f"{request.script_root}/upl/{WIDGET_CODE}/widget"

    def title(key: str) -> str:
        section, _, name = key.partition(".")
        return str(texts.get(section, {}).get(name, key))

    sections = []
    for code, section in wanted.get("left_menu", {}).items():
        subs = sorted(section.get("submenu", {}).items(), key=lambda item: item[1].get("sort", 0))
        sections.append({
            "code": code, "title": title(section["title"]),
            "icon": f"{path}/{section['icon']}" if section.get("icon") else "",
            "submenu": [{"code": sub, "title": title(item["title"]),
                         "href": f"{root}/widget_page/{code}/{sub}/"} for sub, item in subs],
        })  # fmt: skip
    return sections


def current_user(acc: AmoAccount) -> dict[str, Any]:
    """The user the page is shown to (the "Act as" cookie; the administrator by default)."""
    try:
        user_id = int(request.cookies.get(USER_COOKIE, ADMIN_ID))
    except ValueError:
        user_id = ADMIN_ID
    user = acc.user(user_id) or acc.user(ADMIN_ID)
    if user is None:
        raise LookupError("the sandbox account has no administrator")
    return user


def current_lang() -> str:
    lang = request.cookies.get(LANG_COOKIE, "ru")
    return lang if lang in LANGUAGES else "ru"


def widget_config(
    acc: AmoAccount, area: str, card: dict[str, Any] | None, menu: dict[str, str] | None = None
) -> dict[str, Any]:
    """What the host script (static/host.js) gives the widget on this page (``menu``: the
    ``initMenuPage`` parameters of a left-menu page)."""
    user, lang = current_user(acc), current_lang()
    root = request.script_root
    i18n = json.loads(_files(rentflow_origin(acc))[f"i18n/{lang}.json"])
    return {
        "area": area,
        "lang": lang,
        "card": card,
        "user": {"id": user["id"], "name": user["name"], "email": user["email"]},
        "account": {"id": acc.account_id, "subdomain": acc.subdomain},
        "widget": {
            "code": WIDGET_CODE,
            "path": f"{root}/upl/{WIDGET_CODE}/widget",
            "version": widget_version(),
        },
        "settings": {"backend_url": ""},  # what the admin typed in the widget's settings
        "i18n": i18n,
        "token_url": f"{root}/_account/disposable_token",
        "menu": menu,
    }


@bp.get(f"/upl/{WIDGET_CODE}/widget/<path:name>")
def widget_file(name: str) -> Response:
    """The installed widget's files (404 before it is installed)."""
    acc = account()
    data = _files(rentflow_origin(acc)).get(name) if acc.widget_installed else None
    if data is None:
        return Response("Not found", status=404, mimetype="text/plain")
    return Response(data, mimetype=_TYPES.get(Path(name).suffix, "application/octet-stream"))


@bp.get("/_account/jquery.js")
def jquery() -> Response:
    """jQuery, which amoCRM's pages carry and widgets ``define(['jquery'])`` on."""
    if not JQUERY.exists():
        return Response(
            "/* install Debian's libjs-jquery */", status=404, mimetype="application/javascript"
        )
    return Response(JQUERY.read_bytes(), mimetype="application/javascript")


@bp.post("/_account/disposable_token")
def disposable_token() -> Response:
    """A new disposable token for the page's user, as ``$authorizedAjax`` gets one."""
    acc = account()
    if not acc.widget_installed:
        return Response("the integration is not installed", status=403, mimetype="text/plain")
    user = current_user(acc)
    token = issue_widget_token(
        secret=acc.client_secret,
        audience=audience_for(acc.redirect_uri),
        account_id=str(acc.account_id),
        user_id=str(user["id"]),
        subdomain=acc.subdomain,
        now=datetime.fromtimestamp(acc.clock(), UTC),
    )
    return Response(token, mimetype="text/plain")
