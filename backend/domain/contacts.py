"""E-mail addresses and the one-line texts that end up in mail headers (the landlord's name
is the sender's display name, the lease number is in the subject).

A CR or LF in such a value would end a header early and start another one (``Bcc:``), so it
is refused where the value is entered, naming the field; ``backend/mail/mime.py`` refuses it
again when a message is written.
"""

from __future__ import annotations

import re

from backend.domain.errors import InvalidLease
from backend.domain.lease import Lease
from backend.domain.parties import LandlordEntity

# An addr-spec (RFC 5322 §3.4.1) without quoted local parts or domain literals, ASCII only:
# rentflow writes no SMTPUTF8 mail (mime.py), so a mailbox it cannot send to is refused here.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
MAX_EMAIL = 254  # RFC 5321 §4.5.3.1.3: a path is at most 256 octets, with its brackets


def email_problem(value: str) -> str | None:
    """Why ``value`` is not one e-mail address, or None when it is."""
    if _CONTROL.search(value):
        return "must not contain line breaks or control characters"
    if len(value) > MAX_EMAIL or not _EMAIL.fullmatch(value):
        return f"{value!r} is not an e-mail address (name@example.ru)"
    return None


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be a one-line text (a name, a number), or None."""
    if _CONTROL.search(value):
        return "must be one line without control characters"
    return None


def landlord_contact_problem(
    landlord: LandlordEntity, field: str = "landlord"
) -> tuple[str, str] | None:
    """The first problem of the landlord's name or e-mail as (field, reason), or None."""
    if problem := text_problem(landlord.name):
        return f"{field}.name", problem
    if landlord.email and (problem := email_problem(landlord.email)):
        return f"{field}.email", problem
    return None


def check_lease_contacts(lease: Lease) -> Lease:
    """``lease`` when every address and header text in it is sound; else ``InvalidLease``
    naming the first bad field."""
    checks: list[tuple[str, str, bool]] = [
        ("number", lease.number, False),
        ("tenant.name", lease.tenant.name, False),
        *((f"tenant.emails[{i}]", e, True) for i, e in enumerate(lease.tenant.emails)),
        ("landlord.name", lease.landlord.name, False),
        ("landlord.email", lease.landlord.email, True),
    ]
    people = (("manager", lease.manager), ("supervisor", lease.supervisor),
              ("accountant", lease.accountant))  # fmt: skip
    for role, person in people:
        if person is not None:
            checks += [(f"{role}.name", person.name, False), (f"{role}.email", person.email, True)]
    for field, value, is_email in checks:
        if is_email and not value:
            continue
        problem = email_problem(value) if is_email else text_problem(value)
        if problem:
            raise InvalidLease(field, problem, "email" if is_email else "invalid")
    return lease
