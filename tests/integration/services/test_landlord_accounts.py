"""A landlord's several settlement accounts: each checked against its own БИК, stored in the
form's order with one default, an account a lease is paid to kept, and the lease's account
on its invoice, its QR code and in the statement matching."""

from __future__ import annotations

import io
from datetime import date

import pytest
from flask.testing import FlaskClient
from PIL import Image
from pypdf import PdfReader
from pyzbar.pyzbar import decode

from backend.bootstrap import Container
from backend.services.document_links import publish_issued_document
from backend.services.landlords import (
    LandlordFormInvalid,
    check_form,
    check_landlord_form,
    landlord_form,
    read_form,
    save_landlord_form,
)
from backend.services.lease_actions import ActionInvalid
from backend.services.lease_settings import change_lease_settings, settings_values
from backend.services.leases import register_lease
from backend.services.payments import import_statement
from backend.services.portals import install_portal
from backend.web.app import create_app
from documents.links import LinkSigner
from documents.qr.gost import parse_gost
from sandbox.onec.bank_files import render_statement
from tests import factories
from tests.bic_world import NOT_SBERS_CORR, load_sample
from tests.payments_world import doc, make_invoice

# deleting an account, and the lease's key to it, are the database's business: both run it
pytestmark = pytest.mark.both_databases

FIRST = {
    "name": 'ООО "Ромашка"', "inn": "7707083893", "kpp": "773601001",
    "director_name": "Иванов И. И.",
    "bank_bic": "044525225", "bank_name": "ПАО СБЕРБАНК",
    "bank_corr_account": "30101810400000000225", "bank_account": "40702810938000000001",
    "bank_label": "Основной",
}  # fmt: skip
ALFA_ACCOUNT = "40702810800000000001"  # its control key fits БИК 044525593
SECOND = {
    "bank_bic-1": "044525593", "bank_name-1": 'АО "АЛЬФА-БАНК"',
    "bank_corr_account-1": "30101810200000000593", "bank_account-1": ALFA_ACCOUNT,
    "bank_label-1": "Для депозитов",
}  # fmt: skip


def _problems(**changes: str) -> dict[str, str]:
    form = read_form({**FIRST, **SECOND, **changes})
    return {k: p.code for k, p in check_form(form).problems.items()}


def _portal(container: Container) -> int:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="m-1")
        uow.commit()
    assert portal.id is not None
    return portal.id


def _landlord(container: Container, portal_id: int, **extra: str) -> int:
    with container.uow(portal_id) as uow:
        landlord_id = save_landlord_form(
            uow, container.clock, read_form({**FIRST, **SECOND, **extra})
        )
        uow.commit()
    return landlord_id


def _lease_paid_to_second(container: Container, portal_id: int, landlord_id: int) -> int:
    """A lease of the landlord, its card's settings switched to the deposits account."""
    with container.uow(portal_id) as uow:
        lease_id = register_lease(
            uow, container.clock, factories.lease(number="А-7/2026"), landlord_id=landlord_id
        ).lease_id
        uow.commit()
    with container.uow(portal_id) as uow:
        lease = uow.leases.get(lease_id)
        second = uow.parties.landlord(landlord_id).accounts[1].id
        data = settings_values(lease) | {"bank_account": str(second)}
        change_lease_settings(uow, container.clock, lease_id, data, None, "Иванов")
        uow.commit()
    return lease_id


def test_each_account_is_checked_against_its_own_bic() -> None:
    assert _problems() == {}
    # Сбербанк's account number under Альфа-Банк's БИК: the key no longer fits
    assert _problems(**{"bank_account-1": FIRST["bank_account"]}) == {
        "bank_account-1": "account_key"
    }
    assert _problems(**{"bank_bic-1": "123456789"}) == {"bank_bic-1": "bic_country"}
    assert _problems(**{"bank_corr_account-1": FIRST["bank_corr_account"]}) == {
        "bank_corr_account-1": "corr_bic"
    }
    assert _problems(**{"bank_name-1": ""}) == {"bank_name-1": "missing"}


def test_an_account_twice_and_removing_the_default_are_refused() -> None:
    twice = {k.replace("-1", "-2"): v for k, v in SECOND.items()}
    assert _problems(**twice) == {"bank_account-2": "account_twice"}
    assert _problems(bank_remove="1") == {"bank_account": "default_removed"}
    # a removed row is not checked: what it says no longer matters
    assert _problems(**{"bank_remove-1": "1", "bank_account-1": "1"}) == {}


def test_accounts_are_stored_in_order_with_their_labels_and_the_default(
    container: Container,
) -> None:
    portal_id = _portal(container)
    landlord_id = _landlord(container, portal_id, bank_default="1")
    with container.uow(portal_id) as uow:
        entity = uow.parties.landlord(landlord_id)
        form = landlord_form(uow, landlord_id)
    assert [(a.label, a.account) for a in entity.accounts] == [
        ("Основной", FIRST["bank_account"]),
        ("Для депозитов", ALFA_ACCOUNT),
    ]
    assert entity.bank.account == ALFA_ACCOUNT  # the default prints on new leases' invoices
    assert form.accounts.rows == (0, 1)
    assert form.accounts.default == 1
    assert form.values["bank_label-1"] == "Для депозитов"


def test_an_account_a_lease_is_paid_to_cannot_be_removed(container: Container) -> None:
    portal_id = _portal(container)
    landlord_id = _landlord(container, portal_id)
    _lease_paid_to_second(container, portal_id, landlord_id)
    with container.uow(portal_id) as uow:
        form = landlord_form(uow, landlord_id)
    values = form.values | {"bank_remove-1": "1", "bank_id": str(form.accounts.ids[0]),
                            "bank_id-1": str(form.accounts.ids[1])}  # fmt: skip
    with container.uow(portal_id) as uow, pytest.raises(LandlordFormInvalid) as refused:
        save_landlord_form(uow, container.clock, read_form(values, landlord_id))
    problem = refused.value.form.problems["bank_account-1"]
    assert (problem.code, problem.expected) == ("account_in_use", "А-7/2026")
    with container.uow(portal_id) as uow:
        assert len(uow.parties.landlord(landlord_id).accounts) == 2


def test_an_unused_account_is_removed_and_the_others_keep_their_ids(
    container: Container,
) -> None:
    portal_id = _portal(container)
    landlord_id = _landlord(container, portal_id)
    with container.uow(portal_id) as uow:
        before = uow.parties.landlord(landlord_id).accounts
    ids = {"bank_id": str(before[0].id), "bank_id-1": str(before[1].id)}
    with container.uow(portal_id) as uow:
        form = read_form({**FIRST, **SECOND, **ids, "bank_remove-1": "1"}, landlord_id)
        save_landlord_form(uow, container.clock, form)
        uow.commit()
    with container.uow(portal_id) as uow:
        after = uow.parties.landlord(landlord_id).accounts
    assert [(a.id, a.account) for a in after] == [(before[0].id, FIRST["bank_account"])]


def test_a_lease_paid_to_the_second_account_prints_it_in_the_qr_and_on_the_invoice(
    container: Container,
) -> None:
    portal_id = _portal(container)
    landlord_id = _landlord(container, portal_id)
    lease_id = _lease_paid_to_second(container, portal_id, landlord_id)
    with container.uow(portal_id) as uow:
        assert uow.leases.get(lease_id).landlord.bank.account == ALFA_ACCOUNT
        document = uow.documents.add(make_invoice(lease_id, "СЧ-9", 2, "12000.00"))
        assert document.id is not None
        links = publish_issued_document(
            uow, container.document_rendering(), container.document_storage(), container.clock,
            document.id,
        )  # fmt: skip
        uow.commit()
    client: FlaskClient = create_app(container=container).test_client()
    signer = LinkSigner(container.settings.secret_key)
    served = {link.role: client.get(signer.url("", link.token)).data for link in links}
    scanned = parse_gost(decode(Image.open(io.BytesIO(served["qr_png"])))[0].data.decode())
    assert (scanned["PersonalAcc"], scanned["BIC"], scanned["CorrespAcc"]) == (
        ALFA_ACCOUNT,
        "044525593",
        "30101810200000000593",
    )
    assert scanned["BankName"] == 'АО "АЛЬФА-БАНК"'
    text = " ".join(PdfReader(io.BytesIO(served["invoice"])).pages[0].extract_text().split())
    assert ALFA_ACCOUNT in text
    assert FIRST["bank_account"] not in text


def test_a_payment_to_the_second_account_is_ours_and_pays_the_invoice(
    container: Container,
) -> None:
    portal_id = _portal(container)
    landlord_id = _landlord(container, portal_id)
    with container.uow(portal_id) as uow:
        lease_id = register_lease(
            uow, container.clock, factories.lease(), landlord_id=landlord_id
        ).lease_id
        uow.documents.add(make_invoice(lease_id, "БП-000201", 2, "50000.00"))
        uow.commit()
    statement = render_statement(
        [
            doc("21", "50000.00", "Оплата по счету № БП-000201", payee_account=ALFA_ACCOUNT),
            doc("22", "100.00", "Чужой платёж", payee_account="40702810900000000999"),
        ],
        account=ALFA_ACCOUNT, start=date(2026, 2, 1), end=date(2026, 2, 28),
    )  # fmt: skip
    with container.uow(portal_id) as uow:
        summary = import_statement(uow, container.clock, io.BytesIO(statement)).as_dict()
        uow.commit()
    assert summary["not_ours"] == 1
    assert summary["invoices_paid"] == ["БП-000201"]


def test_an_account_a_lease_is_paid_to_stays_when_a_form_leaves_it_out(
    container: Container,
) -> None:
    """A client that posts only the first account (as the one-account form did) does not
    drop the account a lease is paid to."""
    portal_id = _portal(container)
    landlord_id = _landlord(container, portal_id)
    _lease_paid_to_second(container, portal_id, landlord_id)
    with container.uow(portal_id) as uow:
        first_id = uow.parties.landlord(landlord_id).accounts[0].id
    only_first = read_form({**FIRST, "bank_id": str(first_id)}, landlord_id)
    with container.uow(portal_id) as uow, pytest.raises(LandlordFormInvalid) as refused:
        save_landlord_form(uow, container.clock, only_first)
    assert refused.value.form.problems["bank_account"].code == "account_in_use"


def test_a_lease_cannot_be_paid_to_another_landlords_account(container: Container) -> None:
    portal_id = _portal(container)
    landlord_id = _landlord(container, portal_id)
    lease_id = _lease_paid_to_second(container, portal_id, landlord_id)
    with container.uow(portal_id) as uow:
        other = uow.parties.add_landlord(factories.landlord(name="ООО «Лютик»"))
        uow.commit()
    with container.uow(portal_id) as uow:
        theirs = uow.parties.landlord(other).accounts[0].id
        lease = uow.leases.get(lease_id)
        data = settings_values(lease) | {"bank_account": str(theirs)}
        with pytest.raises(ActionInvalid) as refused:
            change_lease_settings(uow, container.clock, lease_id, data, None, "Иванов")
    assert refused.value.problems["bank_account"].code == "choice"
    with container.uow(portal_id) as uow:
        assert uow.leases.get(lease_id).landlord.bank.account == ALFA_ACCOUNT
        (entry,) = [
            e for e in uow.audit.entries("lease", lease_id) if e["action"] == "lease.settings"
        ]
    assert entry["details"]["changes"] == [
        {"name": "bank_account", "from": "ПАО СБЕРБАНК 40702810938000000001",
         "to": f"Для депозитов {ALFA_ACCOUNT}"},
    ]  # fmt: skip


def test_the_bic_directory_checks_each_accounts_bank_on_its_own_row(
    container: Container,
) -> None:
    load_sample(container)
    second_at_sber = {
        "bank_bic-1": FIRST["bank_bic"], "bank_corr_account-1": NOT_SBERS_CORR,
        "bank_account-1": FIRST["bank_account"], "bank_account": ALFA_ACCOUNT,
        "bank_bic": SECOND["bank_bic-1"], "bank_corr_account": SECOND["bank_corr_account-1"],
        "bank_name": SECOND["bank_name-1"],
    }  # fmt: skip
    with container.uow(None) as uow:
        checked = check_landlord_form(uow, read_form({**FIRST, **SECOND, **second_at_sber}))
    assert {k: p.code for k, p in checked.problems.items()} == {
        "bank_corr_account-1": "corr_directory"
    }
    assert checked.problems["bank_corr_account-1"].expected == FIRST["bank_corr_account"]
    assert {k: p.code for k, p in checked.notes.items()} == {
        "bank_bic": "bic_found",
        "bank_bic-1": "bic_found",
    }
    assert "АЛЬФА-БАНК" in checked.notes["bank_bic"].expected
