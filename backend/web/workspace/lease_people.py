"""The lease card's settings form (настройки договора): the CRM's users to pick the manager,
supervisor and accountant from, the form's values (as the lease has them, or as typed), what
its problems and the history's setting changes say in the viewer's language."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

from flask import current_app
from flask_babel import gettext, lazy_gettext
from flask_babel.speaklater import LazyString

from backend.domain.lease import Lease
from backend.services.landlords import Problem
from backend.services.lease_account import AccountChoice, account_choices, chosen_choice
from backend.services.lease_card import LeaseCard
from backend.services.lease_settings import person_choice, settings_values
from backend.web.deps import container
from backend.web.workspace.leases_texts import DUE_ANCHOR, ISSUE_ANCHOR, problem_text
from backend.web.workspace.viewer import Viewer
from crm_mappings.port import CrmError, CrmUser

log = logging.getLogger(__name__)
_ = lazy_gettext

FORM = "settings"
USERS_CACHE_SECONDS = 60
MESSAGES: Mapping[str, LazyString] = {
    "too_many": _("At most %(expected)s addresses."),
    "no_recipients": _("Sending by itself needs at least one address."),
    "unknown_user": _("No such user in the CRM: pick one of the list."),
    "crm_unavailable": _("The CRM does not answer: people cannot be changed now."),
}
SETTING: Mapping[str, LazyString] = {
    "auto_send": _("sent automatically"),
    "tenant_emails": _("recipients"),
    "manager": _("manager"),
    "supervisor": _("supervisor"),
    "accountant": _("accountant"),
    "issue_rule": _("invoice issued"),
    "due_rule": _("payment due"),
    "bank_account": _("paid to the account"),
}


def crm_users(viewer: Viewer, *, fresh: bool = True) -> list[CrmUser] | None:
    """The portal's CRM users (``user.get`` in Bitrix24, ``GET /api/v4/users`` in amoCRM),
    or None when the CRM does not answer. Not ``fresh``: as read in the last
    ``USERS_CACHE_SECONDS`` by this web process (a card drawn again and again asks the CRM
    once a minute, not each time; saving the settings always reads them anew)."""
    cache = current_app.extensions.setdefault("rentflow.crm_users", {})
    kept = cache.get(viewer.portal_id)
    if not fresh and kept is not None and time.monotonic() - kept[0] < USERS_CACHE_SECONDS:
        return list(kept[1])
    users = _read_users(viewer)
    if users is not None:
        cache[viewer.portal_id] = (time.monotonic(), tuple(users))
    return users


def _read_users(viewer: Viewer) -> list[CrmUser] | None:
    c = container()
    with c.uow() as uow:
        portal = uow.portals.get(viewer.portal_id)
    crm = c.crm_or_none(portal)
    if crm is None:
        return None
    try:
        return crm.list_users()
    except CrmError as err:
        log.warning("portal %s: CRM users not read for the lease card: %s", portal.id, err)
        return None


def lease_accounts(viewer: Viewer, lease: Lease) -> list[AccountChoice]:
    """The accounts of the lease's landlord the lease may be paid to."""
    if lease.landlord.id is None:
        return []
    with container().uow(viewer.portal_id) as uow:
        return account_choices(uow, lease.landlord.id)


def settings_problem_texts(problems: Mapping[str, Problem]) -> dict[str, str]:
    """The settings form's problems in the viewer's language."""
    texts = {}
    for name, problem in problems.items():
        own = MESSAGES.get(problem.code)
        texts[name] = str(own) % {"expected": problem.expected} if own else problem_text(problem)
    return texts


def _value(name: str, value: str) -> str:
    if name == "auto_send":
        return str(gettext("yes") if value == "yes" else gettext("no"))
    if name in ("issue_rule", "due_rule"):
        days, _space, anchor = value.partition(" ")
        anchors = ISSUE_ANCHOR if name == "issue_rule" else DUE_ANCHOR
        return f"{days} {anchors.get(anchor, anchor)}"
    return value or "—"


def setting_changes(details: Mapping[str, Any]) -> list[str]:
    """A history entry's setting changes: "recipients: a@x.ru → b@x.ru"."""
    lines = []
    for change in details.get("changes") or ():
        name = str(change.get("name", ""))
        before, after = (
            _value(name, str(change.get("from", ""))),
            _value(name, str(change.get("to", ""))),
        )
        lines.append(f"{SETTING.get(name, name)}: {before} → {after}")
    return lines


def settings_context(
    viewer: Viewer, card: LeaseCard, users: Sequence[CrmUser] | None = None, *,
    ask_crm: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """What the card's settings form needs: its values, the users to pick from (the CRM's,
    with the lease's own people kept when the CRM does not list them), whether the CRM
    answered, and the history's change texts."""
    if users is None and ask_crm:
        users = crm_users(viewer, fresh=False)
    options = [(u.id, u.name) for u in users or ()]
    listed = {i for i, _name in options}
    for role in ("manager", "supervisor", "accountant"):
        person = getattr(card.lease, role)
        choice = person_choice(person)
        if person is not None and choice not in listed:
            options.append((choice, person.name))
            listed.add(choice)
    accounts = lease_accounts(viewer, card.lease)
    values = settings_values(card.lease) | {"bank_account": chosen_choice(accounts, card.lease)}
    return {
        "settings_values": values, "settings_users": options,
        "settings_accounts": [(str(a.id), a.text) for a in accounts],
        "settings_crm_down": users is None, "setting_changes": setting_changes,
    }  # fmt: skip
