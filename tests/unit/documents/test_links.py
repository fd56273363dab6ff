from __future__ import annotations

from urllib.parse import unquote

from documents.links import LinkSigner, content_disposition


def test_signed_token_comes_back_and_a_tampered_one_does_not() -> None:
    signer = LinkSigner("secret-1")
    signed = signer.sign("tok123")
    assert signer.unsign(signed) == "tok123"
    assert signer.unsign(signed[:-1] + ("A" if signed[-1] != "A" else "B")) is None
    assert signer.unsign("tok123") is None
    assert LinkSigner("secret-2").unsign(signed) is None


def test_url_carries_the_signed_token_only() -> None:
    url = LinkSigner("s").url("https://rent.example/", "abc")
    assert url.startswith("https://rent.example/d/abc.")


def test_russian_file_name_uses_rfc_5987_with_an_ascii_fallback() -> None:
    header = content_disposition("Счет на оплату № 7 от 01.02.2026.pdf")
    assert header.startswith('inline; filename="')
    fallback = header.split('filename="')[1].split('"')[0]
    assert fallback.isascii()
    assert fallback == "____ __ ______ _ 7 __ 01.02.2026.pdf"
    encoded = header.split("filename*=UTF-8''")[1]
    assert " " not in encoded
    assert unquote(encoded) == "Счет на оплату № 7 от 01.02.2026.pdf"
