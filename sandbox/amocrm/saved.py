"""The emulated account written to and read from its state file (``sandbox.persist``): leads,
companies, contacts, fields, notes, tasks, webhooks, users, the tokens it issued and its id
counter, so after a restart it is the account rentflow remembers."""

from __future__ import annotations

import copy
from typing import Any

from flask import Flask, Response

from sandbox.amocrm.state import AmoAccount
from sandbox.persist import StateFile

_BY_ID = ("leads", "companies", "contacts", "custom_fields")  # int keys
_LISTS = ("notes", "tasks", "webhooks", "pipelines", "users")


def snapshot(acc: AmoAccount) -> dict[str, Any]:
    """What is saved (JSON-ready, keys as strings; a copy taken under the lock)."""
    with acc._lock:
        data: dict[str, Any] = {
            name: {str(k): v for k, v in getattr(acc, name).items()} for name in _BY_ID
        }
        data.update({name: list(getattr(acc, name)) for name in _LISTS})
        data.update(
            widget_installed=acc.widget_installed,
            next_id=acc._next_id,
            codes=sorted(acc._codes),
            access=dict(acc._access),
            refresh=sorted(acc._refresh),
        )
        return copy.deepcopy(data)


def restore(acc: AmoAccount, data: dict[str, Any]) -> None:
    """Put a snapshot back into ``acc``."""
    with acc._lock:
        for name in _BY_ID:
            if name in data:
                setattr(acc, name, {int(k): v for k, v in data[name].items()})
        for name in _LISTS:
            if name in data:
                getattr(acc, name)[:] = data[name]
        acc.widget_installed = bool(data.get("widget_installed", False))
        acc._next_id = max(acc._next_id, int(data.get("next_id", 0)))
        acc._codes = set(data.get("codes", []))
        acc._access = {str(k): float(v) for k, v in data.get("access", {}).items()}
        acc._refresh = set(data.get("refresh", []))


def keep_saved(app: Flask, saved: StateFile) -> None:
    """Load the account of ``app`` from ``saved`` and write it back after every request."""
    acc: AmoAccount = app.config["AMO_ACCOUNT"]
    data = saved.load()
    if data:
        restore(acc, data)

    def save(answer: Response) -> Response:
        saved.save(lambda: snapshot(acc))
        return answer

    app.after_request(save)
