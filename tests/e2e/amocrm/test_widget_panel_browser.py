"""script.js in a real browser: the lead-card panel and the advanced settings page against the
backend, with amoCRM's SDK calls stood in by a small page (jQuery from Debian, AMD ``define``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response

from backend.domain.lease import LeaseStatus
from crm_mappings.amocrm.widget_package import widget_files
from tests.e2e.amocrm.world import PIPELINE, World, install, lease_on_lead
from tests.loopback import serve

pytestmark = pytest.mark.browser

JQUERY = Path("/usr/share/javascript/jquery/jquery.min.js")

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<script src="/jquery.js"></script>
<script>
  var Widget = null;
  function define(deps, factory) { Widget = factory(window.jQuery); }
  var AMOCRM = {data: {current_card: {id: %(lead)s}}};
</script>
<script src="/script.js"></script>
</head><body><div id="panel"></div><div id="work-area-rentflow"></div>
<script>
  var texts = %(texts)s;
  var w = new Widget();
  w.get_settings = function () { return {widget_code: 'rentflow'}; };
  w.i18n = function (section) { return texts[section]; };
  w.system = function () { return {area: '%(area)s'}; };
  w.render_template = function (t) { $('#panel').html(t.render); };
  w.$authorizedAjax = function (options) {
    /* amoCRM gives every request a new one-time token */
    var token = $.ajax({url: '/token', async: false}).responseText;
    options.headers = {'X-Auth-Token': token};
    return $.ajax(options);
  };
  w.callbacks.init(); w.callbacks.bind_actions();
  if ('%(area)s' === 'advanced_settings') { w.callbacks.advancedSettings(); }
  else if ('%(area)s' === 'digital_pipeline') {
    $('#panel').html('<div class="widget_settings_block__item_field">' +
                     '<input name="token" value=""></div>');
    w.callbacks.dpSettings();
  }
  else { w.callbacks.render(); }
</script></body></html>"""


def _page_app(world: World, lead: int, area: str) -> Flask:
    files = widget_files(world.rentflow)
    app = Flask(__name__)
    html = PAGE % {
        "lead": lead,
        "texts": files["i18n/ru.json"].decode(),
        "area": area,
    }

    @app.get("/")
    def index() -> Response:
        return Response(html, mimetype="text/html")

    @app.get("/token")
    def token() -> Response:
        return Response(world.token(), mimetype="text/plain")

    @app.get("/jquery.js")
    def jquery() -> Response:
        return Response(JQUERY.read_bytes(), mimetype="application/javascript")

    @app.get("/script.js")
    def script() -> Response:
        return Response(files["script.js"], mimetype="application/javascript")

    return app


@pytest.fixture
def browser(chromium: Any) -> Any:
    if not JQUERY.exists():
        pytest.skip("needs Debian's libjs-jquery")
    return chromium


def test_lead_card_panel_shows_the_lease(world: World, browser: object) -> None:
    portal_id = install(world)
    lead = world.account.add_lead("Аренда офиса 101")
    lease_on_lead(world, portal_id, lead, status=LeaseStatus.SIGNED)
    with serve(_page_app(world, lead, "lcard")) as page_url:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(page_url)
        page.wait_for_selector(".rentflow-panel[data-state=lease]")
        number = page.inner_text(".rentflow-number")
        debt = page.inner_text(".rentflow-debt")
        planned = page.locator(".rentflow-schedule li").count()
        page.close()
    assert (number, debt) == ("А-15/2026", "0.00")
    assert planned == 6  # the first six planned documents


def test_advanced_settings_save_the_stage_mapping(world: World, browser: object) -> None:
    portal_id = install(world)
    with serve(_page_app(world, 0, "advanced_settings")) as page_url:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(page_url)
        form = f"form.rentflow-mapping[data-pipeline='{PIPELINE}']"
        page.wait_for_selector(form)
        page.select_option(f"{form} select[data-status='10004']", "signed")
        page.select_option(f"{form} select[data-event='invoice_issued']", "10005")
        page.click(f"{form} button[type=submit]")
        page.wait_for_selector(f"{form} .rentflow-saved:has-text('Сохранено')")
        page.close()
    with world.container.uow(portal_id) as uow:
        statuses, events = uow.mappings.get(PIPELINE) or ({}, {})
    assert statuses["10004"] == "signed"
    # the admin's choice, saved with the suggestion the page pre-filled ("Оплачено" -> paid)
    assert events == {"invoice_issued": "10005", "paid": "10006"}


def test_a_lease_created_in_the_panel_then_shows(world: World, browser: object) -> None:
    portal_id = install(world)
    lead = world.account.add_lead("Аренда офиса 7")
    doc = Path(__file__).resolve().parents[3] / "docs" / "lease-input.md"
    example = doc.read_text("utf-8").split("```json\n", 1)[1].split("```", 1)[0]
    with serve(_page_app(world, lead, "lcard")) as page_url:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(page_url)
        page.wait_for_selector(".rentflow-panel[data-state=empty]")
        page.fill("form.rentflow-create textarea", example)
        page.click("form.rentflow-create button[type=submit]")
        page.wait_for_selector(".rentflow-panel[data-state=lease]")
        number = page.inner_text(".rentflow-number")
        page.close()
    with world.container.uow(portal_id) as uow:
        lease = uow.leases.by_deal(str(lead))
    assert lease is not None
    assert number == lease.number


def test_the_issue_next_invoice_button_issues_it_and_the_panel_lists_it(
    world: World, browser: object
) -> None:
    portal_id = install(world)
    lead = world.account.add_lead("Аренда офиса 101")
    lease_id = lease_on_lead(world, portal_id, lead, status=LeaseStatus.SIGNED)
    with serve(_page_app(world, lead, "lcard")) as page_url:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(page_url)
        page.click(".rentflow-actions button[data-action=issue_next_invoice]")
        page.wait_for_selector(".rentflow-action-result:has-text('Готово')")
        listed = page.inner_text(".rentflow-documents")
        page.close()
    with world.container.uow(portal_id) as uow:
        (invoice,) = uow.documents.for_lease(lease_id)
    assert invoice.number in listed
    assert world.queued == [("jobs.tasks.crm_document_issued", portal_id, invoice.id)]


def test_advanced_settings_edit_a_landlord_and_the_1c_settings(
    world: World, browser: object
) -> None:
    portal_id = install(world)
    lease_on_lead(world, portal_id, world.account.add_lead("L"))
    with serve(_page_app(world, 0, "advanced_settings")) as page_url:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(page_url)
        landlord = "form.rentflow-landlord[data-id]:not([data-id=''])"
        page.fill(f"{landlord} input[name='numbering.invoice.prefix']", "АР-")
        page.click(f"{landlord} button[type=submit]")
        page.wait_for_selector(f"{landlord} .rentflow-saved:has-text('Сохранено')")
        page.fill(
            "form.rentflow-onec input[name=odata_url]", "https://1c.example/odata/standard.odata"
        )
        page.fill("form.rentflow-onec input[name=password]", "s3cret-1c")
        page.click("form.rentflow-onec button[type=submit]")
        page.wait_for_selector("form.rentflow-onec[data-password-set='1']")
        password_shown = page.input_value("form.rentflow-onec input[name=password]")
        html = page.content()
        page.close()
    with world.container.uow() as uow:
        onec = uow.portals.get(portal_id).settings["onec"]
    with world.container.uow(portal_id) as uow:
        (entity,) = uow.parties.landlords()
        numbering = uow.parties.landlord_settings(entity.id or 0)["numbering"]
    assert onec["odata_url"] == "https://1c.example/odata/standard.odata"
    assert "password" not in onec  # sealed on write
    assert world.container.cipher.decrypt(onec["password_encrypted"]) == {"password": "s3cret-1c"}
    assert password_shown == ""
    assert "s3cret-1c" not in html
    assert numbering["invoice"]["prefix"] == "АР-"


def test_the_digital_pipeline_action_gets_the_account_s_token_from_rentflow(
    world: World, browser: object
) -> None:
    install(world)
    expected = world.dp_settings("issue_invoice")["token"]
    with serve(_page_app(world, 0, "digital_pipeline")) as page_url:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(page_url)
        page.wait_for_function("document.querySelector('input[name=token]').value !== ''")
        token = page.input_value("input[name=token]")
        hidden = not page.is_visible("input[name=token]")
        page.close()
    assert token == expected
    assert hidden
