"""script.js's digital-pipeline settings in a real browser against the backend, amoCRM's SDK
calls stood in by a small page (jQuery from Debian, AMD ``define``). The lead card and the
advanced settings page are driven in the sandbox account, which hosts the widget as amoCRM
does: tests/browser/test_amocrm_workspace.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response

from crm_mappings.amocrm.widget_package import widget_files
from tests.e2e.amocrm.world import World, install
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
