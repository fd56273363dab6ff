"""A Flask test client as the operator's browser: the session's form token sent with every
request (``X-CSRF-Token``), signed in with ``admin_token`` when one is given."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient


def form_token(html: str) -> str:
    found = re.search(r'name="csrf" (?:value|content)="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def operator_client(app: Flask, admin_token: str = "") -> FlaskClient:
    client = app.test_client()
    csrf = form_token(client.get("/operator/login").get_data(as_text=True))
    if admin_token:
        signed = client.post(
            "/operator/login", data={"csrf": csrf, "token": admin_token, "next": "/"}
        )
        assert signed.status_code == 303, signed.get_data(as_text=True)
    client.environ_base["HTTP_X_CSRF_TOKEN"] = csrf
    return client
