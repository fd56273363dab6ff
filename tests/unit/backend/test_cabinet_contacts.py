"""What a tenant types as contacts is checked and normalised before anything is written."""

from __future__ import annotations

import pytest

from backend.services.cabinet_contacts import ContactForm, ContactsRefused, clean

ME = "buh@vasilek.example"


def test_phone_and_emails_are_normalised_and_deduplicated() -> None:
    form = ContactForm(' ООО "Василёк" ', "г. Москва", "8 (912) 345-67-89",
                       f"{ME.upper()}, new@vasilek.example {ME}")  # fmt: skip

    got = clean(form, ME)

    assert got.name == 'ООО "Василёк"'
    assert got.phone == "+79123456789"
    assert got.emails == (ME, "new@vasilek.example")


@pytest.mark.parametrize(
    ("form", "errors"),
    [
        (ContactForm("", "", "", ME), {"name": "name"}),
        (ContactForm("A\r\nBcc: x@y.z", "", "", ME), {"name": "name"}),
        (ContactForm("A", "", "12", ME), {"phone": "phone"}),
        (ContactForm("A", "", "", "not-an-address"), {"emails": "emails"}),
        (ContactForm("A", "", "", "other@vasilek.example"), {"emails": "own_email"}),
        (ContactForm("A", "x" * 1001, "", ME), {"address": "address"}),
    ],
)
def test_bad_fields_are_named(form: ContactForm, errors: dict[str, str]) -> None:
    with pytest.raises(ContactsRefused) as refused:
        clean(form, ME)
    assert refused.value.errors == errors
