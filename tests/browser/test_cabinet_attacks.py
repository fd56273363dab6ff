"""The tenant cabinet in a real browser, as an attacker meets it (issue 20, "Done when"):
another tenant's lease, a reused and an expired code, a guessed code, a form posted from
another site's page. Each is refused on a page of the cabinet, and the database holds the
same rows afterwards (``data_rows``: all but the rate limits' hits and the count of wrong
codes, which a refusal writes by design).

The sign-in code arrives by mail at a real SMTP server; the app's clock is a ``FixedClock``
the tests move on (the world needs no other clock: no sandbox portal here).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from backend.ports import FixedClock
from backend.services.cabinet_auth import CODE_TTL, MAX_FAILURES
from sandbox.loopback import serve
from sandbox.smtp_sink import Sink
from tests.browser.cabinet_browser import mailed_code, shot
from tests.browser.conftest import NOT_LOOPBACK, VIEWPORT, Rentflow, _abort
from tests.cabinet_world import EMAIL, CabinetWorld, build_world, data_rows

pytestmark = pytest.mark.browser

NOW = datetime(2026, 2, 11, 9, 0, tzinfo=UTC)
TEXTS = {
    "ru": {"wrong_code": "Неверный или устаревший код. После 5 неверных попыток запросите новый.",
           "not_found": "Не найдено", "not_yours": "Здесь ничего нет, или это не ваши данные.",
           "leases": "Договоры"},
    "en": {"wrong_code": "Wrong or expired code. After 5 wrong codes, ask for a new one.",
           "not_found": "Not found", "leases": "Leases",
           "not_yours": "There is nothing here, or it is not yours to see."},
}  # fmt: skip


@pytest.fixture
def app_clock(rentflow: Rentflow) -> FixedClock:
    """The app's clock from now on: fixed at ``NOW``, moved by the tests."""
    moved = FixedClock(NOW)
    rentflow.container.clock = moved
    return moved


@pytest.fixture
def world(rentflow: Rentflow, app_clock: FixedClock, mail: Sink) -> CabinetWorld:
    return build_world(rentflow.container)


@pytest.fixture
def second_browser(chromium: Any) -> Iterator[Any]:
    """Another browser (the attacker's), loopback only like ``page``."""
    context = chromium.new_context(viewport=VIEWPORT, locale="ru-RU")
    context.route(NOT_LOOPBACK, _abort)
    other = context.new_page()
    other.set_default_timeout(10_000)
    yield other
    context.close()


def _ask_code(page: Any, rentflow: Rentflow, lang: str = "ru") -> None:
    page.goto(f"{rentflow.url}/cabinet/lang/{lang}?next=/cabinet/login")
    page.fill("#email", EMAIL)
    page.locator("form button").first.click()
    expect(page.locator("#code")).to_be_visible()


def _type_code(page: Any, code: str) -> None:
    page.fill("#code", code)
    page.locator("form button").first.click()


def _sign_in(page: Any, rentflow: Rentflow, mail: Sink, lang: str = "ru") -> None:
    """Sign in with the mailed code and act for the tenant at the first landlord."""
    _ask_code(page, rentflow, lang)
    _type_code(page, mailed_code(mail, EMAIL))
    expect(page).to_have_url(re.compile(r"/cabinet/choose$"))
    page.locator("button.choice").first.click()
    expect(page.locator("h1")).to_have_text(TEXTS[lang]["leases"])


def _refused_code(page: Any, lang: str = "ru") -> None:
    expect(page.locator("#code-error")).to_have_text(TEXTS[lang]["wrong_code"])
    expect(page.locator("#code")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("nav.menu")).to_have_count(0)  # not signed in


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_another_tenants_lease_and_documents_are_a_not_found_page(
    page: Any, rentflow: Rentflow, world: CabinetWorld, mail: Sink, lang: str
) -> None:
    _sign_in(page, rentflow, mail, lang)
    with rentflow.container.uow(world.portals[0]) as uow:
        stranger_invoice = uow.documents.for_lease(world.stranger_lease)[0].id
    before = data_rows(rentflow.container)

    for path in (
        f"/cabinet/leases/{world.stranger_lease}",
        f"/cabinet/leases/{world.leases[1]}",  # their own, but at the landlord not chosen
        f"/cabinet/documents/{stranger_invoice}/invoice",
        f"/cabinet/leases/{world.stranger_lease}/statement.pdf?start=2026-01-01&end=2026-12-31",
    ):
        answer = page.goto(rentflow.url + path)
        assert answer.status == 404, path
        expect(page.locator("h1")).to_have_text(TEXTS[lang]["not_found"])
        expect(page.locator("main")).to_contain_text(TEXTS[lang]["not_yours"])
        for secret in ("Ч-1/2026", "Чужой", "Л-7/2026", "Лютик"):
            expect(page.locator("body")).not_to_contain_text(secret)
    shot(page, f"{lang}-attack-stranger-lease")

    assert data_rows(rentflow.container) == before


def test_a_code_and_link_already_used_are_refused_in_another_browser(
    page: Any, second_browser: Any, rentflow: Rentflow, world: CabinetWorld, mail: Sink
) -> None:
    _ask_code(page, rentflow)
    # the attacker has the victim's pending sign-in (the signed cookie) and the mail
    second_browser.context.add_cookies(page.context.cookies())
    message = mail.messages[-1].get_body(("plain",)).get_content()
    link = re.search(r"http://\S+/cabinet/login/link/\S+", message)
    assert link
    _type_code(page, mailed_code(mail, EMAIL))  # the tenant signs in
    expect(page).to_have_url(re.compile(r"/cabinet/choose$"))
    before = data_rows(rentflow.container)

    second_browser.goto(f"{rentflow.url}/cabinet/login/code")
    _type_code(second_browser, mailed_code(mail, EMAIL))
    _refused_code(second_browser)
    shot(second_browser, "ru-attack-reused-code")
    second_browser.goto(link.group(0))
    second_browser.get_by_role("button", name="Войти в кабинет арендатора").click()
    expect(second_browser.locator("p.error")).to_have_text("Ссылка устарела или уже использована.")
    expect(second_browser.locator("nav.menu")).to_have_count(0)
    shot(second_browser, "ru-attack-reused-link")

    assert data_rows(rentflow.container) == before


def test_an_expired_code_is_refused(
    page: Any, rentflow: Rentflow, world: CabinetWorld, mail: Sink, app_clock: FixedClock
) -> None:
    _ask_code(page, rentflow)
    code = mailed_code(mail, EMAIL)
    before = data_rows(rentflow.container)
    app_clock.set(NOW + CODE_TTL + timedelta(seconds=1))

    _type_code(page, code)

    _refused_code(page)
    shot(page, "ru-attack-expired-code")
    assert data_rows(rentflow.container) == before


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_guessing_locks_the_code_and_then_the_right_one_is_refused_too(
    page: Any, rentflow: Rentflow, world: CabinetWorld, mail: Sink, lang: str
) -> None:
    _ask_code(page, rentflow, lang)
    code = mailed_code(mail, EMAIL)
    before = data_rows(rentflow.container)

    for n in range(1, MAX_FAILURES + 1):
        _type_code(page, f"{(int(code) + n) % 1_000_000:06d}")
        _refused_code(page, lang)
    _type_code(page, code)

    _refused_code(page, lang)
    shot(page, f"{lang}-attack-locked-code")
    assert data_rows(rentflow.container) == before


ATTACKER_PAGE = """<!doctype html><html><body><h1>Вы выиграли!</h1>
<form method="post" action="{action}">{fields}</form>
<script>document.forms[0].submit()</script></body></html>"""
FORGED = {
    "/cabinet/contacts": {"name": "Hacked", "address": "", "phone": "", "emails": EMAIL},
    "/cabinet/requests": {"lease": "{lease}", "kind": "financial", "text": "Верните деньги"},
    "/cabinet/logout": {"everywhere": "1"},
}


def _attacker_site(target: str, lease_id: int) -> Any:
    """A WSGI app serving one page that posts ``FORGED[path]`` to ``target + path`` as soon
    as it loads (``?path=``), the way a site a signed-in tenant visits would."""
    from urllib.parse import parse_qs

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = parse_qs(environ.get("QUERY_STRING", "")).get("path", [""])[0]
        fields = "".join(
            f'<input type="hidden" name="{name}" value="{value.format(lease=lease_id)}">'
            for name, value in FORGED[path].items()
        )
        body = ATTACKER_PAGE.format(action=target + path, fields=fields).encode()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body]

    return app


def test_a_form_posted_from_another_sites_page_is_refused(
    page: Any, rentflow: Rentflow, world: CabinetWorld, mail: Sink
) -> None:
    _sign_in(page, rentflow, mail)
    before = data_rows(rentflow.container)

    # another port of 127.0.0.1 is another origin but the same site: the browser sends the
    # SameSite=Lax cookie with the post, and only the missing form token stops it (a 400;
    # without the cookie it would be a 401)
    with serve(_attacker_site(rentflow.url, world.leases[0])) as attacker:
        for path in FORGED:
            posted = rentflow.url + path
            with page.expect_response(lambda r, url=posted: r.url == url) as answer:
                page.goto(f"{attacker}/?path={path}")
            assert answer.value.request.method == "POST"
            assert answer.value.status == 400, path
            expect(page.locator("h1")).to_have_text("Форма устарела")
            expect(page.locator("main")).to_contain_text("Обновите страницу и попробуйте снова.")
    shot(page, "ru-attack-cross-site-post")

    assert data_rows(rentflow.container) == before
    page.goto(f"{rentflow.url}/cabinet/")  # still signed in: the sign-out was refused too
    expect(page.locator("h1")).to_have_text("Договоры")
