"""The suite's shared URL builders (``tests/route_builders.py``): two apps' routes build the
same URLs as werkzeug's own, each through its own converters and defaults."""

from __future__ import annotations

from werkzeug.routing import Map, Rule

from tests.route_builders import memoize_url_builders


def _urls(rules: list[Rule]) -> list[str]:
    adapter = Map(rules).bind("example.test")
    return [
        adapter.build("lease", {"lease_id": 7, "tab": "pay"}),
        adapter.build("lease", {"lease_id": 8}),
        adapter.build("page", {"n": 3, "q": "a b"}),
    ]


def _rules(tab_default: str) -> list[Rule]:
    return [
        Rule("/leases/<int:lease_id>/<tab>", endpoint="lease"),
        Rule("/leases/<int:lease_id>/", defaults={"tab": tab_default}, endpoint="lease"),
        Rule("/pages/<int(fixed_digits=3):n>", endpoint="page"),
    ]


def test_two_maps_build_what_werkzeug_builds_each_with_its_own_defaults() -> None:
    memoize_url_builders()
    memoize_url_builders()  # twice: still one layer
    first = _urls(_rules("summary"))
    again = _urls(_rules("summary"))
    other = _urls(_rules("history"))
    assert first == again == [
        "/leases/7/pay", "/leases/8/", "/pages/003?q=a+b",
    ]  # fmt: skip
    assert other == first  # a default the URL leaves out builds the same
    rule = Rule("/x/<int(fixed_digits=2):n>", endpoint="x")
    Map([rule]).bind("example.test")
    assert rule.build({"n": 5}) == ("", "/x/05")


def test_a_route_is_compiled_once_but_a_default_in_its_path_keeps_apart() -> None:
    memoize_url_builders()
    a, b = Rule("/d/<tab>", endpoint="d"), Rule("/d/<tab>", endpoint="d")
    Map([a]), Map([b])
    assert a._build.__func__ is b._build.__func__  # type: ignore[attr-defined]
    one = Rule("/e/<tab>", defaults={"tab": "one"}, endpoint="e")
    two = Rule("/e/<tab>", defaults={"tab": "two"}, endpoint="e")
    Map([one]), Map([two])
    assert one.build({}) == ("", "/e/one")
    assert two.build({}) == ("", "/e/two")
