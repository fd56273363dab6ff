"""Signing in to the tenant cabinet without passwords (seed 003; issue 20 item 1).

A person types an e-mail address; if a landlord has it on file for a tenant, a 6-digit code
and a one-time link go there through the outbox. Either opens a server-side session.

- The same code and link also go to every Telegram chat that this address linked from the
  cabinet (not a chat someone else linked for the same tenant: a code opens every tenant of
  the address). Both, not a choice on the form: a choice would show whether a chat is
  linked, and the mail stays the way in when the bot is blocked or Telegram is down.

- Codes and links live ``CODE_TTL``, are spent once (an UPDATE ... WHERE used_at IS NULL, so
  two requests cannot both spend one), and are stored only as HMAC-SHA256 keyed with the
  app's secret; comparisons are constant-time.
- Unknown addresses get the same answer and the same database work (a challenge row nobody
  can match), so the form tells nobody which addresses a landlord knows.
- Rate limits: sends per address and per IP, guesses per IP; a code is dead after
  ``MAX_FAILURES`` wrong guesses (OWASP ASVS 2.2.1).
- The session cookie carries a random value; only its SHA-256 is stored, so a database
  read does not give sessions away. Sessions end after ``IDLE`` without use or ``LIFETIME``
  in all; "sign out everywhere" revokes every session of the address.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from backend.catalogues import tenant_language
from backend.domain.cabinet import (
    CODE_DIGITS,
    CabinetSession,
    Challenge,
    ContactInvalid,
    SignInRefused,
    TenantRef,
    TooManyRequests,
)
from backend.domain.channels import Channel, channel_key
from backend.domain.contacts import email_problem
from backend.domain.errors import NotFound
from backend.domain.messages import OutboxMessage
from backend.ports import Clock
from backend.services.cabinet_ports import CabinetUnitOfWork, CabinetUnitOfWorkFactory

log = logging.getLogger(__name__)  # security events; addresses as a short hash, never codes

CODE_TTL = timedelta(minutes=10)
MAX_FAILURES = 5  # wrong codes before the code is dead
WINDOW = timedelta(minutes=15)
SENDS_PER_ADDRESS = 3  # a window
SENDS_PER_IP = 20
GUESSES_PER_IP = 30
LIFETIME = timedelta(hours=12)
IDLE = timedelta(hours=2)
TOUCH_EVERY = timedelta(minutes=5)  # a page view writes seen_at at most this often

_TEXTS = {
    "ru": ("Вход в кабинет арендатора",
           "Ваш код для входа в кабинет арендатора: {code}\n\nИли откройте ссылку: {link}\n\n"
           "Код и ссылка действуют {minutes} минут и только один раз. Если вы не запрашивали "
           "вход, просто удалите это письмо."),
    "uk": ("Вхід до кабінету орендаря",
           "Ваш код для входу до кабінету орендаря: {code}\n\nАбо відкрийте посилання: {link}\n\n"
           "Код і посилання діють {minutes} хвилин і лише один раз. Якщо ви не запитували "
           "вхід, просто видаліть цей лист."),
    "en": ("Sign in to your tenant account",
           "Your sign-in code: {code}\n\nOr open this link: {link}\n\n"
           "The code and the link work once, for {minutes} minutes. If you did not ask to "
           "sign in, delete this message."),
}  # fmt: skip


@dataclass(frozen=True)
class CabinetAuth:
    """What signing in needs: storage, the clock, the app secret (``pepper``) for hashing
    codes, the URL of a sign-in link and what sends the outbox once a code is queued."""

    uow: CabinetUnitOfWorkFactory
    clock: Clock
    pepper: bytes
    link_url: Callable[[str], str]
    deliver_mail: Callable[[], None]
    telegram: bool = False  # the bot is set up: codes go to linked chats too

    def digest(self, secret: str) -> str:
        return hmac.new(self.pepper, secret.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class OpenedSession:
    """A new session: ``token`` goes into the cookie, never stored."""

    token: str
    session: CabinetSession


def normalise_email(value: str) -> str:
    """The address as it is compared: trimmed, lower case; ``ContactInvalid`` if it is not one."""
    email = value.strip().lower()
    if problem := email_problem(email):
        raise ContactInvalid("email", problem)
    return email


def request_sign_in(auth: CabinetAuth, email_text: str, ip: str, lang: str = "ru") -> None:
    """Send a code and link to ``email_text`` if a landlord has it on file; the same result,
    and the same work, when none does. ``TooManyRequests`` past the rate limits."""
    email = normalise_email(email_text)
    now = auth.clock.now()
    with auth.uow(None) as uow:
        _throttle(
            uow, now, {f"send:email:{email}": SENDS_PER_ADDRESS, f"send:ip:{ip}": SENDS_PER_IP}
        )
        tenants = uow.cabinet.tenants_with_email(email)
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        link = secrets.token_urlsafe(32)
        challenge_id = uow.cabinet.add_challenge(
            email, auth.digest(code), auth.digest(link), known=bool(tenants), ip=ip,
            now=now, expires_at=now + CODE_TTL,
        )  # fmt: skip
        chats = _sign_in_chats(uow, email, tenants)  # asked for every address alike
        if tenants:
            subject, body = _TEXTS.get(lang, _TEXTS["ru"])
            minutes = int(CODE_TTL.total_seconds() // 60)
            text = body.format(code=code, link=auth.link_url(link), minutes=minutes)
            mail = OutboxMessage(
                dedup_key=f"cabinet-sign-in:{challenge_id}", recipients=(email,),
                subject=subject, body_text=text, kind="cabinet_sign_in",
            )  # fmt: skip
            uow.outbox.add(mail, now)
            for chat in chats if auth.telegram else ():
                uow.outbox.add(_to_chat(mail, chat), now)
            uow.after_commit(auth.deliver_mail)
        uow.cabinet.purge(now - LIFETIME - WINDOW)
        uow.commit()


def _sign_in_chats(uow: CabinetUnitOfWork, email: str, tenants: list[TenantRef]) -> list[str]:
    """The chats ``email`` linked for tenants that still list it, each once."""
    listed = {(t.portal_id, tenant_id) for t in tenants for tenant_id in t.ids}
    chats = uow.channels.sign_in_chats(email)
    return list(dict.fromkeys(chat for p, t, chat in chats if (p, t) in listed))


def _to_chat(mail: OutboxMessage, chat: str) -> OutboxMessage:
    """The Telegram copy of a sign-in mail. No portal: should the bot be blocked, nothing
    falls back to the tenant's other addresses (the code is this address's alone, and its
    mail is already on its way)."""
    return replace(
        mail, channel=Channel.TELEGRAM.value, recipients=(chat,),
        dedup_key=channel_key(f"{mail.dedup_key}:{chat}", Channel.TELEGRAM),
    )  # fmt: skip


def sign_in_with_code(auth: CabinetAuth, email_text: str, code: str, ip: str) -> OpenedSession:
    """Open a session for the right, fresh code of ``email_text``; ``SignInRefused`` for
    anything else (wrong, expired, used, locked, unknown address)."""
    try:
        email = normalise_email(email_text)
    except ContactInvalid:
        raise SignInRefused("wrong or expired code") from None
    now = auth.clock.now()
    with auth.uow(None) as uow:
        _throttle(uow, now, {f"verify:ip:{ip}": GUESSES_PER_IP})
        challenge = uow.cabinet.latest_challenge(email)
        given = auth.digest(code.strip())
        expected = challenge.code_hash if challenge is not None else auth.digest("-")
        right = hmac.compare_digest(given, expected)
        if challenge is None or not right or not _alive(challenge, now):
            if challenge is not None and not right:
                uow.cabinet.count_failure(challenge.id)
            uow.commit()
            failures = challenge.failures + (not right) if challenge is not None else 0
            log.warning("cabinet sign-in refused: address %s, ip %s, wrong codes %s",
                        _tag(email), ip, failures)  # fmt: skip
            raise SignInRefused("wrong or expired code")
        return _open(auth, uow, challenge, ip)


def sign_in_with_link(auth: CabinetAuth, link: str, ip: str) -> OpenedSession:
    """Open a session for a fresh, unused sign-in link."""
    now = auth.clock.now()
    with auth.uow(None) as uow:
        _throttle(uow, now, {f"verify:ip:{ip}": GUESSES_PER_IP})
        challenge = uow.cabinet.challenge_by_link(auth.digest(link))
        if challenge is None or not _alive(challenge, now):
            uow.commit()
            raise SignInRefused("wrong or expired link")
        return _open(auth, uow, challenge, ip)


def _alive(challenge: Challenge, now: datetime) -> bool:
    return (
        challenge.known
        and challenge.used_at is None
        and challenge.failures < MAX_FAILURES
        and challenge.expires_at > now
    )


def _open(
    auth: CabinetAuth, uow: CabinetUnitOfWork, challenge: Challenge, ip: str
) -> OpenedSession:
    now = auth.clock.now()
    tenants = uow.cabinet.tenants_with_email(challenge.email)
    if not tenants or not uow.cabinet.use_challenge(challenge.id, now):
        uow.commit()
        raise SignInRefused("wrong or expired code")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    uow.cabinet.add_session(
        _token_hash(token), challenge.email, csrf, tenants, now=now,
        expires_at=now + LIFETIME, ip=ip,
    )  # fmt: skip
    session = uow.cabinet.session_by_token(_token_hash(token))
    uow.commit()
    log.info(
        "cabinet sign-in: address %s, ip %s, %s tenants", _tag(challenge.email), ip, len(tenants)
    )
    if session is None:  # just written in this transaction
        raise SignInRefused("the session could not be opened")
    return OpenedSession(token, session)


def _throttle(uow: CabinetUnitOfWork, now: datetime, limits: dict[str, int]) -> None:
    """Count this request under each key; ``TooManyRequests`` when one is over its limit."""
    since = now - WINDOW
    for key, limit in limits.items():
        if uow.cabinet.hits(key, since) >= limit:
            log.warning("cabinet rate limit reached: %s", key.split(":", 2)[:2])
            raise TooManyRequests(int(WINDOW.total_seconds()))
    uow.cabinet.hit(list(limits), now)


def _tag(email: str) -> str:
    """An address as the logs name it: enough to follow one, not to read it."""
    return hashlib.sha256(email.encode()).hexdigest()[:12]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_for(auth: CabinetAuth, token: str) -> CabinetSession | None:
    """The live session of a cookie value, or None (unknown, revoked, idle, expired). The
    chosen tenant is dropped when the landlord no longer has the address on file."""
    if not token or len(token) > 100:
        return None
    now = auth.clock.now()
    with auth.uow(None) as uow:
        session = uow.cabinet.session_by_token(_token_hash(token))
        if session is None or session.expires_at <= now or session.seen_at + IDLE <= now:
            return None
        current = session.current
        if current is not None and not uow.cabinet.tenant_lists(
            current.portal_id, current.tenant_id, session.email
        ):
            current = None
        if now - session.seen_at >= TOUCH_EVERY:
            uow.cabinet.touch(session.id, now)
            uow.commit()
    if current is not session.current:
        session = replace(session, current=current)
    return session


def choose_tenant(auth: CabinetAuth, session: CabinetSession, key: str) -> TenantRef:
    """Act for the tenant ``key`` from now on; ``NotFound`` unless the session lists it and
    the landlord still has the address on file for it."""
    ref = session.may_act_for(key)
    with auth.uow(None) as uow:
        if ref is None or not uow.cabinet.tenant_lists(ref.portal_id, ref.tenant_id, session.email):
            raise NotFound("no such tenant for this address")
        uow.cabinet.choose(session.id, ref)
        uow.commit()
    return ref


def remember_language(auth: CabinetAuth, ref: TenantRef, lang: str) -> None:
    """The tenant reads the cabinet in ``lang``: its messages (request status, reminders,
    the bot's replies) speak it from now on. The last person to choose sets it."""
    with auth.uow(ref.portal_id) as uow:
        uow.cabinet.data.save_language(ref.portal_id, ref.ids, tenant_language(lang))
        uow.commit()


def sign_out(auth: CabinetAuth, session: CabinetSession, *, everywhere: bool = False) -> int:
    """End this session, or every session of its address; how many ended."""
    now = auth.clock.now()
    with auth.uow(None) as uow:
        if everywhere:
            ended = uow.cabinet.revoke_all(session.email, now)
        else:
            uow.cabinet.revoke(session.id, now)
            ended = 1
        uow.commit()
    return ended
