"""The emulated account's pages, for a person trying rentflow in a browser: the account (with
"Install rentflow"), the lead list, a lead card hosting the widget's panel in its right column
(location ``lcard``), the integrations settings with the widget's advanced settings page
(location ``advanced_settings``), the widget's own section of the left menu (location
``widget_page``). "Act as" switches between the administrator and a manager,
"Language" between Russian and English, as a user's own amoCRM interface would be.

Install from amoMarket (https://www.amocrm.ru/developers/content/oauth/step-by-step,
"Получение Authorization code" by the widget): amoCRM itself calls the integration's
redirect_uri with ``code``, ``referer`` and ``from_widget``; the button does that, server to
server, to the redirect_uri registered for the integration and nowhere else.
"""

from __future__ import annotations

import json
from typing import Any

import requests
from flask import Blueprint, Response, redirect, render_template, request
from flask.typing import ResponseReturnValue

from sandbox.amocrm.common import account
from sandbox.amocrm.sender import disable_integration, move_lead
from sandbox.amocrm.state import AmoAccount
from sandbox.amocrm.texts import texts
from sandbox.amocrm.widget_host import (
    LANG_COOKIE,
    USER_COOKIE,
    WIDGET_CODE,
    current_lang,
    current_user,
    menu_sections,
    rentflow_origin,
    widget_config,
)

bp = Blueprint("amocrm_pages", __name__, template_folder="templates")
TIMEOUT = 30


def _page(template: str, acc: AmoAccount, **context: Any) -> str:
    lang = current_lang()
    return render_template(
        template, acc=acc, lang=lang, t=texts(lang), me=current_user(acc),
        root=request.script_root, user_cookie=USER_COOKIE, lang_cookie=LANG_COOKIE,
        widget_code=WIDGET_CODE, rentflow=rentflow_origin(acc), own=_own(acc),
        menu=menu_sections(acc, lang), **context,
    )  # fmt: skip


def _own(acc: AmoAccount) -> Any:
    """A link to this account's own address (``https://<subdomain>.amocrm.ru/leads/...``,
    as rentflow writes a lead's lease link) made to open here, in the sandbox."""
    prefix = f"https://{acc.base_url_host}/"

    def own(url: str) -> str:
        return f"{request.script_root}/{url[len(prefix) :]}" if url.startswith(prefix) else url

    return own


def _config_json(config: dict[str, Any]) -> str:
    """The widget config as a JSON script element's text (``</`` cannot end it early)."""
    return json.dumps(config, ensure_ascii=False).replace("</", "<\\/")


@bp.get("/")
def index() -> ResponseReturnValue:
    """The account: whether rentflow is installed, its pipelines and latest leads."""
    acc = account()
    leads = list(acc.leads.values())[-50:]
    return _page("amocrm/account.html", acc, leads=leads, status_names=_status_names(acc),
                 message=request.args.get("message", ""))  # fmt: skip


@bp.post("/_account/install")
def install() -> ResponseReturnValue:
    """Install the integration from amoMarket: the code goes to rentflow's redirect_uri."""
    acc = account()
    query = {"code": acc.issue_code(), "referer": acc.base_url_host, "from_widget": "1"}
    try:
        answer = requests.get(acc.redirect_uri, params=query, timeout=TIMEOUT)
    except requests.RequestException as exc:
        return redirect(f"{request.script_root}/?message=install-failed:{type(exc).__name__}")
    if not answer.ok:
        return redirect(f"{request.script_root}/?message=install-failed:{answer.status_code}")
    with acc._lock:
        acc.widget_installed = True
    return redirect(f"{request.script_root}/?message=installed", 303)


@bp.post("/_account/disable")
def disable() -> ResponseReturnValue:
    """An administrator disables the integration: its tokens die, the widget leaves the
    account's pages, and the signed "disabled" hook goes to rentflow's address for it."""
    acc = account()
    with acc._lock:
        acc.widget_installed = False
    try:
        answer = disable_integration(acc, f"{rentflow_origin(acc)}/amocrm/disable")
    except requests.RequestException as exc:
        return redirect(f"{request.script_root}/?message=disable-failed:{type(exc).__name__}")
    message = "disabled" if answer.ok else f"disable-failed:{answer.status_code}"
    return redirect(f"{request.script_root}/?message={message}", 303)


@bp.get("/leads")
def leads() -> ResponseReturnValue:
    acc = account()
    return _page(
        "amocrm/leads.html", acc, leads=list(acc.leads.values()), status_names=_status_names(acc)
    )


@bp.post("/leads")
def add_lead() -> ResponseReturnValue:
    """A user adds a lead with its company (INN, KPP, email) and contact."""
    acc = account()
    form = {k: v.strip() for k, v in request.form.items()}
    lead_id = acc.add_lead(form.get("name") or "Аренда", 10001, 7001)
    user = current_user(acc)
    with acc._lock:
        acc.leads[lead_id]["responsible_user_id"] = user["id"]
    codes = {k.upper(): form[k] for k in ("inn", "kpp", "email") if form.get(k)}
    # only INN, KPP and EMAIL: none of link_company's or link_contact's own keywords
    if form.get("company"):
        acc.link_company(lead_id, form["company"], **codes)  # type: ignore[arg-type]
    if form.get("contact"):
        email = {"EMAIL": codes["EMAIL"]} if "EMAIL" in codes else {}
        acc.link_contact(lead_id, form["contact"], **email)  # type: ignore[arg-type]
    return redirect(f"{request.script_root}/leads/detail/{lead_id}", 303)


@bp.get("/leads/detail/<int:lead_id>")
def lead_card(lead_id: int) -> ResponseReturnValue:
    """The lead card; the widget's block is in its right column (location ``lcard``)."""
    acc = account()
    lead = acc.leads.get(lead_id)
    if lead is None:
        return Response("No such lead", status=404, mimetype="text/plain")
    config = widget_config(acc, "lcard", {"id": lead_id}) if acc.widget_installed else None
    companies = [
        acc.companies[c["id"]] for c in lead["_embedded"]["companies"] if c["id"] in acc.companies
    ]
    contacts = [
        acc.contacts[c["id"]] for c in lead["_embedded"]["contacts"] if c["id"] in acc.contacts
    ]
    notes = [n for n in acc.notes if int(n.get("entity_id", 0)) == lead_id]
    return _page(
        "amocrm/lead.html", acc, lead=lead, companies=companies, contacts=contacts,
        notes=notes, statuses=_statuses(acc, lead["pipeline_id"]),
        widget_json=_config_json(config) if config else "",
    )  # fmt: skip


@bp.post("/leads/detail/<int:lead_id>/status")
def move(lead_id: int) -> ResponseReturnValue:
    """A user moves the lead to another status: rentflow's webhook hears it."""
    acc = account()
    if lead_id not in acc.leads:
        return Response("No such lead", status=404, mimetype="text/plain")
    status_id = int(request.form.get("status_id", 0))
    if status_id not in acc.status_ids(acc.leads[lead_id]["pipeline_id"]):
        return Response("No such status", status=400, mimetype="text/plain")
    move_lead(acc, lead_id, status_id)
    return redirect(f"{request.script_root}/leads/detail/{lead_id}", 303)


@bp.get("/settings/widgets/")
def integrations() -> ResponseReturnValue:
    """The integrations: rentflow's card with install and its advanced settings."""
    return _page("amocrm/integrations.html", account())


@bp.get(f"/settings/widgets/{WIDGET_CODE}/")
def advanced_settings() -> ResponseReturnValue:
    """The widget's advanced settings page: its ``#work-area-<code>`` (``advanced_settings``).
    Only administrators reach amoCRM's settings; the sandbox shows the page to anyone, so the
    widget's own answer to a manager can be seen."""
    acc = account()
    config = widget_config(acc, "advanced_settings", None) if acc.widget_installed else None
    title = config["i18n"]["advanced"]["title"] if config else "rentflow"
    return _page(
        "amocrm/advanced.html", acc, title=title, widget_json=_config_json(config) if config else ""
    )


@bp.get("/widget_page/<item_code>/<subitem_code>/")
def widget_page(item_code: str, subitem_code: str) -> ResponseReturnValue:
    """A subsection of the widget's section in the left menu (location ``widget_page``), open
    to every user of the account; the widget draws into its ``#work-area-<code>``."""
    acc = account()
    known = {(s["code"], sub["code"]): sub["title"] for s in menu_sections(acc, current_lang())
             for sub in s["submenu"]}  # fmt: skip
    title = known.get((item_code, subitem_code))
    if title is None:
        return Response("No such page", status=404, mimetype="text/plain")
    menu = {"location": "widget_page", "item_code": item_code, "subitem_code": subitem_code}
    config = widget_config(acc, "widget_page", None, menu)
    return _page(
        "amocrm/widget_page.html", acc, title=title, widget_json=_config_json(config),
        menu_page=(item_code, subitem_code),
    )  # fmt: skip


def _statuses(acc: AmoAccount, pipeline_id: int) -> list[dict[str, Any]]:
    for pipeline in acc.pipelines:
        if pipeline["id"] == pipeline_id:
            statuses: list[dict[str, Any]] = pipeline["_embedded"]["statuses"]
            return statuses
    return []


def _status_names(acc: AmoAccount) -> dict[int, str]:
    return {s["id"]: s["name"] for p in acc.pipelines for s in p["_embedded"]["statuses"]}
