"""A lease's settings (настройки договора), changed from its card: whether documents go to the
tenant by themselves, the addresses they go to, the manager, supervisor and accountant picked
from the CRM's users, and when invoices are issued and due.

These change no money and no period: they apply to documents issued from now on (the plan of
what is not issued yet is re-dated; issued documents keep their dates and recipients). The rent
changes through an addendum from a date (``lease_actions.add_terms_addendum``); the billing
period and the VAT mode are fixed for a lease's term, as its documents are priced and cut by
them.

Every change is checked before anything is written (``ActionInvalid`` with a problem per
field), then recorded in the lease's history with who changed which setting from what to what.
The caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from backend.domain.contacts import email_problem
from backend.domain.errors import InvalidLease
from backend.domain.lease import DueAnchor, DueRule, IssueAnchor, IssueRule, Lease
from backend.domain.parties import Person
from backend.domain.quantities import QuantityProblem, read_whole
from backend.ports import Clock
from backend.services.landlords import Problem
from backend.services.lease_account import FIELD as ACCOUNT
from backend.services.lease_account import (
    AccountChoice,
    account_choices,
    chosen_choice,
    describe,
    pick_account,
    set_lease_account,
)
from backend.services.lease_actions import ActionInvalid, _text
from backend.services.lease_form import _EMAILS, MAX_DAYS
from backend.services.leases import refresh_schedule
from backend.services.unit_of_work import UnitOfWork
from crm_mappings.port import CrmUser

AUDIT_ACTION = "lease.settings"
ROLES = ("manager", "supervisor", "accountant")
MAX_RECIPIENTS = 10
_NEGATIVE = re.compile(r"-\s*\d+")
KEEP = "keep"  # the form's value for a person the lease names without a CRM user id


@dataclass(frozen=True)
class SettingChange:
    """One setting as it was and as it is now, as the history shows it: ``auto_send``
    "yes"/"no"; ``tenant_emails`` the addresses; a person's name ("" for nobody); a rule
    "<days> <anchor>"."""

    name: str
    before: str
    after: str


def settings_values(lease: Lease) -> dict[str, str]:
    """The settings form filled with what the lease has now (people by CRM user id)."""
    values = {
        "auto_send": "1" if lease.auto_send else "",
        "tenant_emails": ", ".join(lease.tenant.emails),
        "issue_anchor": lease.issue_rule.anchor.value,
        "issue_days": str(lease.issue_rule.days),
        "due_anchor": lease.due_rule.anchor.value,
        "due_days": str(lease.due_rule.days),
    }
    for role in ROLES:
        values[role] = person_choice(getattr(lease, role))
    return values


def person_choice(person: Person | None) -> str:
    """How the form names a lease's person: their CRM user id, ``KEEP`` for one the lease
    names without it (imported), "" for nobody."""
    if person is None:
        return ""
    return person.crm_user_id or KEEP


def _emails(data: Mapping[str, str], problems: dict[str, Problem]) -> tuple[str, ...]:
    found = tuple(dict.fromkeys(e for e in _EMAILS.split(str(data.get("tenant_emails", ""))) if e))
    if any(email_problem(e) for e in found):
        problems["tenant_emails"] = Problem("email")
    elif len(found) > MAX_RECIPIENTS:
        problems["tenant_emails"] = Problem("too_many", str(MAX_RECIPIENTS))
    return found


def _days(data: Mapping[str, str], name: str, problems: dict[str, Problem], low: int = 0) -> int:
    value = _text(data, name)
    if _NEGATIVE.fullmatch(value):
        problems[name] = Problem("negative")
    else:
        try:
            return read_whole(value, low, MAX_DAYS)
        except QuantityProblem as err:
            problems[name] = Problem(err.code, err.expected)
    return 0


def _rules(data: Mapping[str, str], problems: dict[str, Problem]) -> tuple[IssueRule, DueRule]:
    issue_anchor, due_anchor = _text(data, "issue_anchor"), _text(data, "due_anchor")
    for name, value, allowed in (("issue_anchor", issue_anchor, tuple(IssueAnchor)),
                                 ("due_anchor", due_anchor, tuple(DueAnchor))):  # fmt: skip
        if value not in allowed:
            problems[name] = Problem("choice")
    issue_days = _days(data, "issue_days", problems)
    due_days = _days(data, "due_days", problems)
    day_of_period = due_anchor == DueAnchor.DAY_OF_PERIOD and "due_days" not in problems
    if day_of_period and not 1 <= due_days <= 31:
        problems["due_days"] = Problem("whole", "1–31")
    if problems.keys() & {"issue_anchor", "due_anchor"}:
        return IssueRule(), DueRule()
    issue_rule = IssueRule(IssueAnchor(issue_anchor), issue_days)
    return issue_rule, DueRule(DueAnchor(due_anchor), due_days)


def _people(
    lease: Lease, data: Mapping[str, str], users: Sequence[CrmUser] | None,
    problems: dict[str, Problem],
) -> dict[str, Person | None]:  # fmt: skip
    """The people picked, by role: a CRM user's id (empty: nobody; ``KEEP``: the person the
    lease names without one). Without the CRM's users (it does not answer) only the people
    the lease already has can stay."""
    known = {u.id: u for u in users or ()}
    people: dict[str, Person | None] = {}
    for role in ROLES:
        current: Person | None = getattr(lease, role)
        picked = _text(data, role)
        stays = current is not None and picked == person_choice(current)
        if not picked:
            people[role] = None
        elif stays and (users is None or picked == KEEP):
            people[role] = current
        elif users is None:
            problems[role] = Problem("crm_unavailable")
        elif picked not in known:
            problems[role] = Problem("unknown_user")
        else:
            user = known[picked]
            people[role] = Person(name=user.name, email=user.email, crm_user_id=user.id)
    return people


def _rule_text(days: int, anchor: str) -> str:
    return f"{days} {anchor}"


def _changes(lease: Lease, new: Lease) -> list[SettingChange]:
    pairs = [
        ("auto_send", "yes" if lease.auto_send else "no", "yes" if new.auto_send else "no"),
        ("tenant_emails", ", ".join(lease.tenant.emails), ", ".join(new.tenant.emails)),
        *((role, _name(getattr(lease, role)), _name(getattr(new, role))) for role in ROLES),
        ("issue_rule", _rule_text(lease.issue_rule.days, lease.issue_rule.anchor),
         _rule_text(new.issue_rule.days, new.issue_rule.anchor)),
        ("due_rule", _rule_text(lease.due_rule.days, lease.due_rule.anchor),
         _rule_text(new.due_rule.days, new.due_rule.anchor)),
    ]  # fmt: skip
    # a person is changed when another one is picked; the same CRM user renamed is not
    moved = {r for r in ROLES if _who(getattr(lease, r)) != _who(getattr(new, r))}
    return [
        SettingChange(name, before, after)
        for name, before, after in pairs
        if (name in moved if name in ROLES else before != after)
    ]


def _name(person: Person | None) -> str:
    return person.name if person is not None else ""


def _who(person: Person | None) -> str:
    return "" if person is None else person.crm_user_id or f"{KEEP}:{person.name}"


def _plain(
    data: Mapping[str, str], problems: dict[str, Problem]
) -> tuple[tuple[str, ...], bool, IssueRule, DueRule]:
    emails = _emails(data, problems)
    issue_rule, due_rule = _rules(data, problems)
    auto_send = str(data.get("auto_send", "")) in {"1", "on", "true", "y"}
    if auto_send and not emails and "tenant_emails" not in problems:
        problems["tenant_emails"] = Problem("no_recipients")
    return emails, auto_send, issue_rule, due_rule


def settings_problems(data: Mapping[str, str]) -> dict[str, Problem]:
    """The problems of the settings typed so far, for the inline check on blur (no CRM call:
    the people picked are checked when the form is sent)."""
    problems: dict[str, Problem] = {}
    _plain(data, problems)
    return problems


def read_settings(lease: Lease, data: Mapping[str, str], users: Sequence[CrmUser] | None) -> Lease:
    """The lease with the settings ``data`` gives; ``ActionInvalid`` with every problem."""
    problems: dict[str, Problem] = {}
    emails, auto_send, issue_rule, due_rule = _plain(data, problems)
    people = _people(lease, data, users, problems)
    if problems:
        raise ActionInvalid(problems, data)
    try:
        new = replace(
            lease, auto_send=auto_send, issue_rule=issue_rule, due_rule=due_rule,
            tenant=replace(lease.tenant, emails=emails), addenda=list(lease.addenda),
            manager=people.get("manager"), supervisor=people.get("supervisor"),
            accountant=people.get("accountant"),
        )  # fmt: skip
    except InvalidLease as err:  # replace checks the lease's rules
        raise ActionInvalid({"": Problem("lease_rule", err.reason)}, data) from err
    return new


def change_lease_settings(
    uow: UnitOfWork, clock: Clock, lease_id: int, data: Mapping[str, str],
    users: Sequence[CrmUser] | None, actor: str,
) -> list[SettingChange]:  # fmt: skip
    """Apply the settings ``data`` gives to ``lease_id`` and record each change with
    ``actor`` (the person who made it) in the lease's history; the changes (none: nothing
    written). ``users``: the CRM's users the people are picked from (None: the CRM does not
    answer). The plan of documents not issued yet takes new issue and due rules; the next
    documents go to the new recipients, by themselves or not. The caller commits."""
    lease = uow.leases.get(lease_id)
    picked, account_change = _account_change(uow, lease, data)
    new = read_settings(lease, data, users)
    changes = _changes(lease, new) + account_change
    _refresh_people(uow, lease, new)
    if not changes:
        return []
    names = {c.name for c in changes}
    uow.leases.save(new, now=clock.now())
    if picked is not None and account_change:
        set_lease_account(uow, lease_id, picked)
    if "tenant_emails" in names:
        uow.leases.set_recipients(lease_id, new.tenant.emails)
    moved = {role: _person_row(uow, getattr(new, role)) for role in ROLES if role in names}
    if moved:
        uow.leases.set_people(lease_id, moved)
    if names & {"issue_rule", "due_rule"}:
        refresh_schedule(uow, lease_id)
    details = {"changes": [{"name": c.name, "from": c.before, "to": c.after} for c in changes]}
    uow.audit.record(clock.now(), AUDIT_ACTION, "lease", lease_id, details, actor=actor[:64])
    return changes


def _account_change(
    uow: UnitOfWork, lease: Lease, data: Mapping[str, str]
) -> tuple[AccountChoice | None, list[SettingChange]]:
    """The landlord's account ``data`` picks for the lease to be paid to, and the change it
    makes (none: the same account). ``ActionInvalid`` for an account not the landlord's."""
    problems: dict[str, Problem] = {}
    choices = account_choices(uow, lease.landlord.id) if lease.landlord.id else []
    picked = pick_account(choices, data, problems)
    if problems:  # only a forged form names another account: nothing else is worth saying
        raise ActionInvalid(problems, data)
    if picked is None or str(picked.id) == chosen_choice(choices, lease):
        return picked, []
    return picked, [SettingChange(ACCOUNT, describe(lease.landlord.bank), describe(picked))]


def _refresh_people(uow: UnitOfWork, lease: Lease, new: Lease) -> None:
    """The lease's people as the CRM has them now (an e-mail added, a name changed): not a
    change of the lease, so not in its history."""
    for role in ROLES:
        before, after = getattr(lease, role), getattr(new, role)
        same = before is not None and after is not None and before.crm_user_id
        if same and before.crm_user_id == after.crm_user_id and before != after:
            _person_row(uow, after)


def _person_row(uow: UnitOfWork, person: Person | None) -> int | None:
    """The row of a CRM user (kept as the CRM names them now), added when new."""
    if person is None:
        return None
    known = uow.parties.person_by_crm_id(person.crm_user_id) if person.crm_user_id else None
    if known is None:
        return uow.parties.add_person(person)
    row_id, stored = known
    if (stored.name, stored.email) != (person.name, person.email):
        uow.parties.update_person(row_id, replace(stored, name=person.name, email=person.email))
    return row_id
