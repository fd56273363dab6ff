"""Only hosts of the allow-list may receive the amoCRM client secret or an account's token."""

from __future__ import annotations

import pytest

from crm_mappings.amocrm.hosts import AccountHosts, UntrustedHost, account_hosts

DEFAULT = ("*.amocrm.ru", "*.amocrm.com", "*.kommo.com")
HOSTS = AccountHosts(DEFAULT)


@pytest.mark.parametrize("referer", ["acme.amocrm.ru", "ACME.amocrm.ru", "a-1.kommo.com",
                                     "acme.amocrm.com"])  # fmt: skip
def test_an_account_host_of_the_list_gives_its_https_base(referer: str) -> None:
    assert HOSTS.base_for(referer) == f"https://{referer.lower()}"


@pytest.mark.parametrize(
    "referer",
    [
        "evil.example",
        "amocrm.ru",
        "a.b.amocrm.ru",
        "acme.amocrm.ru@evil.example",
        "evil.example/acme.amocrm.ru",
        "evil.example#.amocrm.ru",
        "acme.amocrm.ru:444",
        "acme.amocrm.ru.evil.example",
        "-acme.amocrm.ru",
        "acme_x.amocrm.ru",
        "acme\n.amocrm.ru",  # `$` alone would let a trailing newline through
        "",
    ],
)
def test_anything_else_is_refused(referer: str) -> None:
    with pytest.raises(UntrustedHost):
        HOSTS.base_for(referer)


@pytest.mark.parametrize(
    "base",
    ["http://acme.amocrm.ru", "https://acme.amocrm.ru:8443", "https://u@acme.amocrm.ru",
     "https://acme.amocrm.ru/x", "https://evil.example", "https://acme.amocrm.ru:bad"],
)  # fmt: skip
def test_a_stored_base_is_checked_before_a_secret_goes_there(base: str) -> None:
    with pytest.raises(UntrustedHost):
        HOSTS.check_base(base)
    assert HOSTS.check_base("https://acme.amocrm.ru/") == "https://acme.amocrm.ru"


def test_the_configured_base_counts_only_in_the_sandbox() -> None:
    sandbox = account_hosts(DEFAULT, sandbox=True, configured_base="http://127.0.0.1:8000/x/")
    production = account_hosts(DEFAULT, sandbox=False, configured_base="http://127.0.0.1:8000/x")
    assert sandbox.base_for("acme.amocrm.ru") == "http://127.0.0.1:8000/x"
    assert sandbox.check_base("http://127.0.0.1:8000/x") == "http://127.0.0.1:8000/x"
    with pytest.raises(UntrustedHost):
        production.check_base("http://127.0.0.1:8000/x")
    with pytest.raises(UntrustedHost):
        sandbox.base_for("evil.example")  # the referer is still checked


def test_the_list_is_configurable() -> None:
    own = AccountHosts(("*.amocrm.ru", "crm.example.org"))
    assert own.base_for("crm.example.org") == "https://crm.example.org"
    with pytest.raises(UntrustedHost):
        own.base_for("acme.kommo.com")
