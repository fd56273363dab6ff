"""The cabinet over HTTP: a tenant of two landlords signs in by code, chooses, sees the leases,
accruals with a QR code that decodes, payments after a statement import, documents, a
reconciliation statement whose totals add up, and edits their contacts."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from PIL import Image
from pypdf import PdfReader
from pyzbar.pyzbar import decode

from backend.bootstrap import Container
from backend.ports import FixedClock
from backend.services.payments import import_statement
from backend.services.penalties import invoice_penalty
from documents.qr.gost import parse_gost
from tests import payments_world
from tests.cabinet_world import (
    EMAIL,
    CabinetWorld,
    app_for,
    change_terms,
    csrf_of,
    invoice_numbers,
    last_code,
    shared_world,
    sign_in,
)


@pytest.fixture
def world(container: Container) -> CabinetWorld:
    return shared_world(container)


@pytest.fixture
def client(world: CabinetWorld) -> FlaskClient:
    return app_for(world).test_client()


def choose(client: FlaskClient, portal_id: int) -> None:
    page = client.get("/cabinet/choose").get_data(as_text=True)
    key = re.search(rf'name="tenant" value="({portal_id}-\d+)"', page)
    assert key, page
    answer = client.post("/cabinet/choose", data={"tenant": key.group(1), "csrf": csrf_of(page)})
    assert answer.status_code == 303


def test_a_tenant_of_two_landlords_chooses_whose_leases_to_see(
    world: CabinetWorld, client: FlaskClient
) -> None:
    sign_in(client, world.container)

    assert client.get("/cabinet/").location.endswith("/cabinet/choose")
    page = client.get("/cabinet/choose").get_data(as_text=True)
    assert page.count('name="tenant"') == 2
    assert "ООО &#34;Ромашка&#34;" in page
    assert "ООО &#34;Лютик&#34;" in page
    choose(client, world.portals[0])
    home = client.get("/cabinet/").get_data(as_text=True)
    assert "А-15/2026" in home
    assert 'ООО "Ромашка"' in home.replace("&#34;", '"')
    assert "Л-7/2026" not in home
    assert "Ч-1/2026" not in home
    choose(client, world.portals[1])
    home = client.get("/cabinet/").get_data(as_text=True)
    assert "Л-7/2026" in home
    assert "А-15/2026" not in home


def test_accruals_show_a_qr_code_that_pays_the_invoice(
    world: CabinetWorld, client: FlaskClient
) -> None:
    sign_in(client, world.container)
    choose(client, world.portals[0])

    page = client.get(f"/cabinet/leases/{world.leases[0]}").get_data(as_text=True)
    (number,) = invoice_numbers(world.container, world.portals[0])[:1]
    assert f'data-number="{number}"' in page
    assert "100 000,00 ₽" in page.replace("\u00a0", " ")  # the debt, as Babel writes it
    qr_url = re.search(r'<img src="(/cabinet/documents/\d+/qr_png)"', page)
    assert qr_url
    image = client.get(qr_url.group(1))
    assert image.status_code == 200
    assert image.mimetype == "image/png"
    fields = parse_gost(decode(Image.open(io.BytesIO(image.data)))[0].data.decode())
    assert fields["Sum"] == "10000000"  # kopecks
    assert fields["PersonalAcc"] == "40702810938000000001"
    assert number in fields["Purpose"]
    pdf_url = re.search(r'href="(/cabinet/documents/\d+/invoice_qr)"', page)
    assert pdf_url
    assert client.get(pdf_url.group(1)).data.startswith(b"%PDF")


def test_a_statement_import_moves_the_balance_the_tenant_sees(
    world: CabinetWorld, client: FlaskClient
) -> None:
    sign_in(client, world.container)
    choose(client, world.portals[0])
    container, portal_id = world.container, world.portals[0]
    (number,) = invoice_numbers(container, portal_id)[:1]
    statement = payments_world.statement_file(
        docs=[payments_world.doc("77", "60000.00", f"Оплата по счету № {number} за аренду")]
    )
    with container.uow(portal_id) as uow:
        import_statement(uow, container.clock, io.BytesIO(statement))
        uow.commit()

    page = client.get(f"/cabinet/leases/{world.leases[0]}").get_data(as_text=True)
    debt = re.search(r"<strong data-debt>([^<]+)</strong>", page)
    assert debt
    assert debt.group(1).replace("\u00a0", " ") == "40 000,00 ₽"
    assert re.search(r'<tr class="payment"><td[^>]*>77</td>', page)


def test_the_reconciliation_statement_adds_up(world: CabinetWorld, client: FlaskClient) -> None:
    sign_in(client, world.container)
    choose(client, world.portals[0])
    url = f"/cabinet/leases/{world.leases[0]}/statement.pdf?start=2026-01-01&end=2026-03-31"

    answer = client.get(url)

    assert answer.status_code == 200
    assert answer.data.startswith(b"%PDF")
    text = " ".join(PdfReader(io.BytesIO(answer.data)).pages[0].extract_text().split())
    assert "Акт сверки взаимных расчётов" in text
    text = text.replace("\u00a0", " ")
    assert "Сальдо на начало периода 0,00 0,00" in text
    assert "Обороты за период 100 000,00 0,00" in text
    assert "Сальдо на конец периода 100 000,00" in text
    assert "Задолженность арендатора: 100 000,00 RUB" in text
    assert client.get(url.replace("end=2026-03-31", "end=2025-01-01")).status_code == 400


def test_documents_list_every_invoice_with_its_files(
    world: CabinetWorld, client: FlaskClient
) -> None:
    sign_in(client, world.container)
    choose(client, world.portals[1])

    page = client.get("/cabinet/documents").get_data(as_text=True)

    (number,) = invoice_numbers(world.container, world.portals[1])[:1]
    assert number in page
    assert "Л-7/2026" in page
    assert page.count('class="document"') == 1
    assert "/invoice_qr" in page


def test_contacts_are_saved_audited_and_queued_for_the_crm(
    world: CabinetWorld, client: FlaskClient
) -> None:
    sign_in(client, world.container)
    choose(client, world.portals[0])
    page = client.get("/cabinet/contacts").get_data(as_text=True)
    form = {
        "csrf": csrf_of(page), "name": 'ООО "Василёк"', "address": "г. Москва, ул. Новая, д. 2",
        "phone": "8 (912) 345-67-89", "emails": f"{EMAIL}, new@vasilek.example",
    }  # fmt: skip

    answer = client.post("/cabinet/contacts", data=form)

    assert answer.status_code == 303
    with world.container.uow(world.portals[0]) as uow:
        tenant = uow.leases.get(world.leases[0]).tenant
        (entry,) = uow.audit.entries("tenant", tenant.id)
    assert tenant.phone == "+79123456789"
    assert tenant.emails == (EMAIL, "new@vasilek.example")
    assert entry["actor"] == f"tenant:{EMAIL}"
    assert entry["details"]["changes"]["phone"] == ["", "+79123456789"]
    assert world.tasks[-1] == (
        "jobs.cabinet_tasks.cabinet_contacts_to_crm",
        (world.portals[0], [tenant.id]),
    )


def test_a_bad_phone_is_named_next_to_its_field_and_nothing_is_saved(
    world: CabinetWorld, client: FlaskClient
) -> None:
    sign_in(client, world.container)
    choose(client, world.portals[0])
    page = client.get("/cabinet/contacts").get_data(as_text=True)
    form = {"csrf": csrf_of(page), "name": "X", "address": "", "phone": "12",
            "emails": "someone@else.example"}  # fmt: skip

    answer = client.post("/cabinet/contacts", data=form)

    body = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert 'id="phone-error"' in body
    assert 'id="emails-error"' in body
    with world.container.uow(world.portals[0]) as uow:
        assert uow.audit.entries("tenant") == []
    assert world.tasks == [] or all("contacts" not in name for name, _ in world.tasks)


@pytest.mark.parametrize("lang", ["ru", "uk", "en"])
def test_pages_speak_the_chosen_language(
    world: CabinetWorld, client: FlaskClient, lang: str
) -> None:
    expected = {"ru": "Договоры", "uk": "Договори", "en": "Leases"}[lang]
    sign_in(client, world.container)
    choose(client, world.portals[0])

    client.get(f"/cabinet/lang/{lang}?next=/cabinet/")
    page = client.get("/cabinet/").get_data(as_text=True)

    assert f'<html lang="{lang}">' in page
    assert f"<h1>{expected}</h1>" in page


def test_the_mailed_link_signs_in_and_returns_to_the_page_asked_for(
    world: CabinetWorld, client: FlaskClient
) -> None:
    asked = client.get(f"/cabinet/leases/{world.leases[0]}")
    assert asked.status_code == 302
    page = client.get(asked.location).get_data(as_text=True)
    client.post("/cabinet/login", data={"email": EMAIL, "csrf": csrf_of(page)})
    _, link = last_code(world.container)

    confirm = client.get(f"/cabinet/login/link/{link}").get_data(as_text=True)
    answer = client.post(f"/cabinet/login/link/{link}", data={"csrf": csrf_of(confirm)})

    assert answer.status_code == 303
    assert answer.location.endswith(f"/cabinet/leases/{world.leases[0]}")


def test_sign_in_never_redirects_to_another_site(world: CabinetWorld, client: FlaskClient) -> None:
    for target in ("https://evil.example/", "//evil.example/cabinet", "/\\evil.example"):
        page = client.get("/cabinet/login", query_string={"next": target}).get_data(as_text=True)
        client.post("/cabinet/login", data={"email": EMAIL, "csrf": csrf_of(page)})
        code, _ = last_code(world.container)
        form = client.get("/cabinet/login/code").get_data(as_text=True)
        answer = client.post("/cabinet/login/code", data={"code": code, "csrf": csrf_of(form)})
        assert answer.location.endswith("/cabinet/"), target
        client.delete_cookie("rentflow_cabinet", path="/cabinet")


def test_the_lease_page_shows_its_facts_and_penalties_by_purpose(
    world: CabinetWorld, client: FlaskClient
) -> None:
    container, portal_id, lease = world.container, world.portals[0], world.leases[0]
    clock = container.clock
    assert isinstance(clock, FixedClock)
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    penalty = invoice_penalty(container.billing_ports(), portal_id, lease, clock.today())
    assert penalty is not None
    sign_in(client, container)
    choose(client, portal_id)

    page = client.get(f"/cabinet/leases/{lease}").get_data(as_text=True)

    page = re.sub("[\u00a0\u202f]", " ", page).replace("&#34;", '"')  # Babel's spaces
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page))
    assert facts == {
        "Арендодатель": 'ООО "Ромашка"',
        "Помещения": "101 (50 м²)",
        "Срок": "1 февр. 2026 г. — 31 дек. 2027 г.",  # as the addendum prolonged it
        "Статус": "Действует",
        "Дополнительные соглашения": "№ 1 с 1 июн. 2026 г.",
    }
    by_purpose = page[page.index("Начисления по назначению") : page.index('id="accruals"')]
    rows = [re.findall(r"<td[^>]*>([^<]+)</td>", row) for row in by_purpose.split("<tr>")[2:]]
    assert rows == [
        ["Арендная плата", "100 000,00 ₽", "0,00 ₽", "100 000,00 ₽"],
        ["Пени", "2 900,00 ₽", "0,00 ₽", "2 900,00 ₽"],  # 0.1 % a day, Feb 2 to Mar 2
    ]
    assert re.search(r"<strong data-debt>102 900,00 ₽</strong>", page)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("ru", [
            "Дополнительное соглашение № 1 действует с 1 июн. 2026 г., подписано 25 мая 2026 г.",
            "Окончание срока: 31 дек. 2026 г. → 31 дек. 2027 г.",
            "Дополнительное соглашение № 2 действует с 1 сент. 2026 г., подписано 20 авг. 2026 г.",
            "Арендная плата в месяц: 100 000,00 ₽ → 160 000,00 ₽",
            "Помещения: 101: 50 м², 102: 30 м²",
            "Площадь: 50 → 80 м²",
            "Расторжение договора подписано 1 февр. 2026 г.",
            "Договор расторгнут, последний день — 30 июн. 2027 г.",
            "Индексация арендной платы: +5% в год, с 1 февр. 2027 г.",
        ]),
        ("uk", [
            "Додаткова угода № 1 діє з 1 черв. 2026 р., підписано 25 трав. 2026 р.",
            "Закінчення строку: 31 груд. 2026 р. → 31 груд. 2027 р.",
            "Додаткова угода № 2 діє з 1 вер. 2026 р., підписано 20 серп. 2026 р.",
            "Орендна плата на місяць: 100 000,00 RUB → 160 000,00 RUB",
            "Приміщення: 101: 50 м², 102: 30 м²",
            "Площа: 50 → 80 м²",
            "Розірвання договору підписано 1 лют. 2026 р.",
            "Договір розірвано, останній день — 30 черв. 2027 р.",
            "Індексація орендної плати: +5% на рік, з 1 лют. 2027 р.",
        ]),
        ("en", [
            "Addendum No. 1 in force from Jun 1, 2026, signed on May 25, 2026",
            "End of the term: Dec 31, 2026 → Dec 31, 2027",
            "Addendum No. 2 in force from Sep 1, 2026, signed on Aug 20, 2026",
            "Rent a month: 100,000.00 RUB → 160,000.00 RUB",
            "Premises: 101: 50 m², 102: 30 m²",
            "Area: 50 → 80 m²",
            "Termination of the lease signed on Feb 1, 2026",
            "The lease is terminated; its last day is Jun 30, 2027",
            "Rent indexation: +5% a year, from Feb 1, 2027",
        ]),
    ],
)  # fmt: skip
def test_the_lease_page_says_what_each_addendum_changed(
    world: CabinetWorld, client: FlaskClient, lang: str, expected: list[str]
) -> None:
    change_terms(world)
    sign_in(client, world.container)
    choose(client, world.portals[0])
    client.get(f"/cabinet/lang/{lang}?next=/cabinet/")

    page = client.get(f"/cabinet/leases/{world.leases[0]}").get_data(as_text=True)

    start = page.index("</h2>", page.index('<section class="card" id="addenda">'))
    section = re.sub("[\u00a0\u202f]", " ", page[start : page.index("</section>", start)])
    lines = [
        " ".join(re.sub(r"<[^>]+>", " ", line).split())
        for line in re.split(r"</h3>|</li>|</p>", section)
    ]
    assert [line for line in lines if line] == expected
