"""The emulated portal written to and read from its state file (``sandbox.persist``): deals,
fields, bound events, placements and robots, timeline comments, tasks, whether the app is
installed, and the tokens it issued, so after a restart it is the portal rentflow remembers."""

from __future__ import annotations

import copy
from typing import Any

from flask import Flask, Response

from sandbox.bitrix24.state import PortalState
from sandbox.persist import StateFile

_PLAIN = ("userfields", "events", "placements", "robots", "comments", "tasks",
          "bizproc_events", "access_tokens", "token_users", "categories", "stages")  # fmt: skip
_SETS = ("refresh_tokens", "event_tokens")


def snapshot(state: PortalState) -> dict[str, Any]:
    """What is saved (JSON-ready; a copy taken under the lock)."""
    with state.lock:
        data: dict[str, Any] = {name: getattr(state, name) for name in _PLAIN}
        data.update({name: sorted(getattr(state, name)) for name in _SETS})
        data.update(
            deals={str(k): v for k, v in state.deals.items()},
            installed=state.installed,
            application_token=state.application_token,
        )
        return copy.deepcopy(data)


def restore(state: PortalState, data: dict[str, Any]) -> None:
    """Put a snapshot back into ``state``."""
    with state.lock:
        for name in _PLAIN:
            if name in data:
                setattr(state, name, data[name])
        for name in _SETS:
            if name in data:
                setattr(state, name, set(data[name]))
        state.deals = {int(k): v for k, v in data.get("deals", {}).items()}
        state.installed = bool(data.get("installed", False))
        state.application_token = str(data.get("application_token") or state.application_token)


def keep_saved(app: Flask, saved: StateFile) -> None:
    """Load the portal of ``app`` from ``saved`` and write it back after every request."""
    state: PortalState = app.config["B24_PORTAL"]
    data = saved.load()
    if data:
        restore(state, data)

    def save(answer: Response) -> Response:
        saved.save(lambda: snapshot(state))
        return answer

    app.after_request(save)
