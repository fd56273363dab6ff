"""Breaks 4 and 9 (widget part) of issue 14, replayed as found: a widget JWT was reusable
(``jti`` not tracked), ``exp=10^12`` was accepted, and with the sandbox off and no
AMOCRM_CLIENT_SECRET a token signed with the public default passed. Every refused call
answers 401 and issues no document."""

from __future__ import annotations

from typing import Any

import jwt

from backend.bootstrap import bootstrap
from backend.web.app import create_app
from crm_mappings.amocrm.disposable_token import SANDBOX_SECRET, audience_for, issue_widget_token
from tests.integration.web.amocrm_account import ACCOUNT, SECRET, Widget, widget

__all__ = ["widget"]  # a fixture

ACTION = "/amocrm/widget/lead/42/action"


def _claims(widget: Widget, **overrides: Any) -> dict[str, Any]:
    now = int(widget.container.clock.now().timestamp())
    claims: dict[str, Any] = {
        "iss": "https://romashka.amocrm.ru",
        "aud": audience_for(widget.container.settings.public_base_url),
        "jti": "0b7e2c4e-1111-4c4c-9d9d-000000000001",
        "iat": now,
        "nbf": now,
        "exp": now + 900,
        "account_id": int(ACCOUNT),
        "user_id": 9001,
        "client_uuid": "rentflow",
    }
    claims.update(overrides)
    return claims


def _press(web: Any, token: str) -> int:
    answer = web.post(
        ACTION, json={"action": "issue_next_invoice"}, headers={"X-Auth-Token": token}
    )
    return int(answer.status_code)


def test_a_replayed_token_is_refused_and_issues_nothing_more(widget: Widget) -> None:
    token = jwt.encode(_claims(widget), SECRET, algorithm="HS256")
    first, replayed = _press(widget.web, token), _press(widget.web, token)
    assert (first, replayed) == (200, 401)
    assert len(widget.documents()) == 1


def test_a_token_spent_in_one_process_is_refused_in_another(widget: Widget) -> None:
    token = jwt.encode(_claims(widget), SECRET, algorithm="HS256")
    # a second web process: its own container and app on the same database
    other = bootstrap(widget.container.settings, clock=widget.container.clock)
    try:
        other_web = create_app(container=other).test_client()
        answers = (_press(widget.web, token), _press(other_web, token))
    finally:
        other.dispose()
    assert answers == (200, 401)
    assert len(widget.documents()) == 1


def test_a_token_living_for_ever_or_without_jti_is_refused(widget: Widget) -> None:
    forever = jwt.encode(_claims(widget, exp=10**12), SECRET, algorithm="HS256")
    no_jti = _claims(widget)
    del no_jti["jti"]
    answers = [
        _press(widget.web, forever),
        _press(widget.web, jwt.encode(no_jti, SECRET, algorithm="HS256")),
    ]
    assert answers == [401, 401]
    assert widget.documents() == []


def test_the_audience_is_scheme_and_host_without_the_port(widget: Widget) -> None:
    with_port = widget.container.settings.public_base_url  # http://127.0.0.1:8000
    assert audience_for("https://rent.example:8443/amocrm/oauth") == "https://rent.example"
    refused = _press(widget.web, jwt.encode(_claims(widget, aud=with_port), SECRET, "HS256"))
    accepted = _press(widget.web, jwt.encode(_claims(widget), SECRET, "HS256"))
    assert (refused, accepted) == (401, 200)


def test_outside_the_sandbox_a_token_signed_with_the_default_secret_is_refused(
    widget: Widget,
) -> None:
    default = SANDBOX_SECRET  # public: it is in the source
    settings = widget.container.settings.with_(amocrm_client_secret=default)
    answers = []
    for sandbox in (False, True):
        built = bootstrap(settings.with_(sandbox=sandbox), clock=widget.container.clock)
        try:
            token = issue_widget_token(
                secret=default, audience=audience_for(settings.public_base_url),
                account_id=ACCOUNT, user_id="9001", subdomain="romashka",
                now=built.clock.now(),
            )  # fmt: skip
            answers.append(_press(create_app(container=built).test_client(), token))
        finally:
            built.dispose()
    assert answers == [401, 200]  # production refuses; the sandbox (its own default) accepts
    assert len(widget.documents()) == 1
