"""OData v3 literals and settings of the 1C client."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from backend.onec.odata import ODataSettings, datetime_literal, guid, string_literal


def test_guid_literals_are_v3_and_refuse_anything_else() -> None:
    key = "8F4C2D1E-0000-4A5B-9C3D-112233445566"
    assert guid(key) == "guid'8f4c2d1e-0000-4a5b-9c3d-112233445566'"
    with pytest.raises(ValueError, match="hexadecimal"):
        guid("1' or 1 eq 1")


def test_datetime_literals_have_no_zone() -> None:
    assert datetime_literal(date(2026, 2, 1)) == "datetime'2026-02-01T00:00:00'"
    assert datetime_literal(datetime(2026, 2, 1, 10, 15)) == "datetime'2026-02-01T10:15:00'"  # noqa: DTZ001


def test_string_literals_double_their_quotes() -> None:
    assert string_literal("ООО 'Ромашка'") == "'ООО ''Ромашка'''"


def test_settings_come_from_the_portal_only_when_a_url_is_set() -> None:
    assert ODataSettings.from_portal({}) is None
    settings = ODataSettings.from_portal(
        {
            "onec": {
                "odata_url": "http://1c/base/odata/standard.odata/",
                "user": "u",
                "password": "p",
            }
        }
    )
    assert settings is not None
    assert settings.base_url == "http://1c/base/odata/standard.odata"


def test_a_sealed_password_is_opened_with_the_key_and_refused_without_it() -> None:
    from cryptography.fernet import Fernet

    from backend.db.crypto import TokenCipher
    from backend.onec.credentials import public_onec_settings, sealed_settings
    from backend.onec.odata import OneCError

    cipher = TokenCipher(Fernet.generate_key().decode())
    plain = {"onec": {"odata_url": "http://1c/b/odata/standard.odata", "user": "u",
                      "password": "p-1", "poll": True}}  # fmt: skip
    sealed = sealed_settings(plain, cipher)
    assert sealed is not None
    assert "password" not in sealed["onec"]
    assert "p-1" not in str(sealed)
    opened = ODataSettings.from_portal(sealed, cipher)
    assert opened is not None
    assert opened.password == "p-1"
    with pytest.raises(OneCError):
        ODataSettings.from_portal(sealed)
    assert sealed_settings(sealed, cipher) is None  # nothing left to seal
    assert public_onec_settings(sealed) == {
        "odata_url": "http://1c/b/odata/standard.odata", "user": "u", "poll": True,
        "password_set": True,
    }  # fmt: skip
