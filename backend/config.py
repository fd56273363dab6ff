"""Settings: the one place that reads the environment (``Settings.from_env``).

Every variable has a safe embedded default: SQLite under ``var/``, the kombu SQLAlchemy
broker on its own SQLite file, documents on local disk, mail to ``var/outbox/`` when no
SMTP server is configured. Production is the default (``RENTFLOW_SANDBOX`` off): there the
CRM credentials, ``SECRET_KEY`` and ``ADMIN_TOKEN`` have no default, and ``production_problem``
names the first one missing or left at the sandbox's public value.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from backend.domain.quantities import QuantityProblem, read_whole


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


PDF_ENGINES = ("reportlab", "weasyprint")  # documents.engines.ENGINES

# The sandbox's credentials: public (they are in this file), so never valid in production.
SANDBOX_BITRIX24_CLIENT_ID = "local.rentflow"
SANDBOX_BITRIX24_CLIENT_SECRET = "sandbox-secret"  # noqa: S105 - the sandbox portal's own
SANDBOX_AMOCRM_CLIENT_ID = "rentflow-sandbox"
# amoCRM secrets are 64 characters; HS256 wants >= 32 bytes
SANDBOX_AMOCRM_CLIENT_SECRET = "sandbox-amocrm-integration-secret-0123456789abcdef0123456789abcd"  # noqa: S105
SANDBOX_SECRET_KEYS = ("", "dev-only", "test-secret-key")
# the emulated bot of sandbox/telegram (a token has the shape <bot id>:<35 characters>)
SANDBOX_TELEGRAM_TOKEN = "7000000001:AAsandbox-rentflow-bot-token-0000000"  # noqa: S105
SANDBOX_TELEGRAM_BOT = "rentflow_sandbox_bot"
TELEGRAM_API_URL = "https://api.telegram.org"
SANDBOX_TELEGRAM_PREFIX = "/sandbox/telegram"  # sandbox.mount serves the emulated Bot API here

# Bitrix24 trust rules. The OAuth server is the only host that ever sees the client secret:
# https://oauth.bitrix.info/ (EN settings/oauth/index.md, bitrix24/b24restdocs) or, for apps of
# the Russian partner area, https://oauth.bitrix24.tech/ (RU settings/oauth/index.md,
# bitrix-tools/b24-rest-docs). Cloud portals live under the regional bitrix24.* zones; an
# on-premise ("box") portal has its own domain, which the operator adds.
BITRIX24_OAUTH_TOKEN_URL = "https://oauth.bitrix.info/oauth/token/"  # noqa: S105 - a URL
BITRIX24_OAUTH_HOSTS = ("oauth.bitrix.info", "oauth.bitrix24.tech")
BITRIX24_PORTAL_DOMAINS = tuple(
    f"*.bitrix24.{zone}"
    for zone in (
        "ru", "com", "by", "kz", "ua", "de", "eu", "es", "fr", "it", "pl", "uk", "in", "cn",
        "com.br", "com.tr", "id", "vn", "jp", "co", "mx",
    )
)  # fmt: skip
SANDBOX_BITRIX24_PREFIX = "/sandbox/bitrix24"  # sandbox.mount serves the emulated portal here
SANDBOX_AMOCRM_PREFIX = "/sandbox/amocrm"  # ... and the emulated amoCRM account here


MAX_WEB_PROCESSES = 64
_LARGEST_SETTING = 2**31 - 1  # "from 0 up": a count or seconds, never more than this
# the embedded worker takes no new task while the web starts more requests a second than this
# (0: never), for at most this many seconds in a row (backend/runtime/web_load.py says why)
WORKER_YIELD_RATE = 500
WORKER_YIELD_SECONDS = 120
DEFAULT_WEB_PROCESSES_MOST = 4  # each holds the app (~140 MB); more is for WEB_PROCESSES to say


def default_web_processes() -> int:
    """``WEB_PROCESSES`` unless set: one per core this process may run on, at most 4. One web
    process answers on one core at a time (the GIL); at 64 concurrent webhooks on 2 cores, two
    answered 10-14 % more events than one, sooner (p50 45 vs 55 ms; bench/bench_intake.py
    --web-processes)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, DEFAULT_WEB_PROCESSES_MOST))


def _count(name: str, value: str | None, default: int, low: int, high: int, words: str) -> int:
    """A whole number from ``low`` to ``high`` typed in ASCII digits (``read_whole``, as every
    form reads one), ``default`` when unset; anything else stops the start naming ``name``."""
    if value is None or not value.strip():
        return default
    try:
        return read_whole(value, low, high)
    except QuantityProblem:
        raise UnsafeSettings(f"{name} must be a whole number {words}, not {value!r}") from None


def _positive(name: str, value: str | None, default: int) -> int:
    """A count from 1 to ``MAX_WEB_PROCESSES``; anything else stops the start naming ``name``."""
    return _count(name, value, default, 1, MAX_WEB_PROCESSES, f"from 1 to {MAX_WEB_PROCESSES}")


def _whole(name: str, value: str | None, default: int) -> int:
    """A whole number from 0 up; anything else stops the start naming ``name``."""
    return _count(name, value, default, 0, _LARGEST_SETTING, "from 0 up")


def _list(value: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    return tuple(item.strip().lower() for item in value.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    """Typed settings; build once with ``from_env`` or directly in tests."""

    var_dir: Path = Path("var")
    database_url: str = field(default="", repr=False)
    celery_broker_url: str = field(default="", repr=False)
    secret_key: str = field(default="", repr=False)
    fernet_key: str = field(default="", repr=False)
    public_base_url: str = "http://127.0.0.1:8000"
    smtp_url: str = field(default="", repr=False)
    mail_from_address: str = "robot@rentflow.local"
    storage_dir: Path | None = None
    document_templates_dir: Path | None = None  # per-landlord overrides: <dir>/<landlord id>/
    document_pdf_engine: str = "reportlab"  # of the shipped templates; or "weasyprint"
    host: str = "127.0.0.1"
    port: int = 8000
    web_processes: int = 1  # waitress processes `rentflow serve` runs on its one socket
    sandbox: bool = False  # the emulators, and operator pages open without ADMIN_TOKEN
    bitrix24_client_id: str = SANDBOX_BITRIX24_CLIENT_ID
    bitrix24_client_secret: str = field(default=SANDBOX_BITRIX24_CLIENT_SECRET, repr=False)
    bitrix24_oauth_url: str = ""  # the token URL; "" = oauth.bitrix.info (sandbox: its own)
    bitrix24_app_code: str = ""  # app.info CODE of a Market app (vendor.app); "" = client id
    bitrix24_portal_domains: tuple[str, ...] = BITRIX24_PORTAL_DOMAINS  # DOMAIN patterns
    bitrix24_oauth_hosts: tuple[str, ...] = BITRIX24_OAUTH_HOSTS  # SERVER_ENDPOINT hosts
    bitrix24_event_max_age: int = 3600  # seconds: older (or later) event `ts` are refused
    bitrix24_resync_minutes: int = 15  # re-read deals changed since the last sync
    amocrm_client_id: str = SANDBOX_AMOCRM_CLIENT_ID
    amocrm_client_secret: str = field(default=SANDBOX_AMOCRM_CLIENT_SECRET, repr=False)
    amocrm_redirect_uri: str = ""
    amocrm_base_url: str = ""  # API base for every account (the sandbox); "" = https://<referer>
    # hosts an amoCRM account may live on: only these receive the client secret (OAuth)
    amocrm_allowed_hosts: tuple[str, ...] = ("*.amocrm.ru", "*.amocrm.com", "*.kommo.com")
    billing_hour_utc: int = 0
    admin_token: str = field(default="", repr=False)  # operator pages; open in the sandbox if ""
    onec_watch_dir: Path | None = None  # bank statements dropped in <dir>/<portal id>/
    statement_max_mb: int = 200  # bigger bank statement files are refused
    # Telegram: the installation's bot (https://core.telegram.org/bots#how-do-i-create-a-bot)
    telegram_enabled: bool = False
    telegram_bot_token: str = field(default="", repr=False)
    telegram_bot_username: str = ""  # the bot's @name, for https://t.me/<name>?start=<code>
    telegram_api_url: str = ""  # "" = api.telegram.org (sandbox: the emulator)
    # the tenant cabinet's session cookie is Secure unless this says otherwise; None = Secure
    # except in the sandbox served over plain http (CABINET_COOKIE_SECURE=0/1 to force)
    cabinet_cookie_secure: bool | None = None
    scan_max_mb: int = 20  # bigger lease scans are refused
    worker_yield_rate: int = WORKER_YIELD_RATE  # web requests/s from which the worker yields
    worker_yield_seconds: int = WORKER_YIELD_SECONDS  # the longest it yields in a row
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.document_pdf_engine not in PDF_ENGINES:
            raise ValueError(
                f"DOCUMENT_PDF_ENGINE must be one of {', '.join(PDF_ENGINES)}, "
                f"not {self.document_pdf_engine!r}"
            )
        var = Path(self.var_dir)
        object.__setattr__(self, "var_dir", var)
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{var / 'rentflow.db'}")
        if not self.celery_broker_url:
            broker = f"sqla+sqlite:///{var / 'broker.sqlite'}"
            object.__setattr__(self, "celery_broker_url", broker)
        if self.storage_dir is None:
            object.__setattr__(self, "storage_dir", var / "documents")

    @property
    def documents_dir(self) -> Path:
        if self.storage_dir is None:
            raise RuntimeError("Settings.__post_init__ always sets storage_dir")
        return self.storage_dir

    @property
    def bitrix24_token_url(self) -> str:
        """Where Bitrix24 tokens are refreshed: a host chosen here, never one a request names."""
        if self.bitrix24_oauth_url:
            return self.bitrix24_oauth_url
        if self.sandbox:
            return f"{self.public_base_url}{SANDBOX_BITRIX24_PREFIX}/oauth/token/"
        return BITRIX24_OAUTH_TOKEN_URL

    @property
    def telegram_ready(self) -> bool:
        """Telegram is a channel here: switched on, with the bot's token."""
        return self.telegram_enabled and bool(self.telegram_bot_token)

    @property
    def telegram_api_base(self) -> str:
        """Where Bot API calls go (they carry the token): a host chosen here, never by a call."""
        if self.telegram_api_url:
            return self.telegram_api_url.rstrip("/")
        if self.sandbox:
            return f"{self.public_base_url}{SANDBOX_TELEGRAM_PREFIX}"
        return TELEGRAM_API_URL

    @property
    def telegram_webhook_secret(self) -> str:
        """The ``secret_token`` given to setWebhook, derived from ``SECRET_KEY``: Telegram
        sends it back in ``X-Telegram-Bot-Api-Secret-Token`` (bots/api#setwebhook)."""
        key = f"{self.secret_key}|{self.telegram_bot_token}".encode()
        return hmac.new(key, b"rentflow telegram webhook", hashlib.sha256).hexdigest()

    @property
    def cabinet_secure_cookie(self) -> bool:
        """Whether the cabinet's session cookie carries ``Secure``."""
        if self.cabinet_cookie_secure is not None:
            return self.cabinet_cookie_secure
        return not (self.sandbox and self.public_base_url.startswith("http://"))

    @property
    def outbox_dir(self) -> Path:
        return self.var_dir / "outbox"

    @property
    def embedded_broker(self) -> bool:
        """True when Celery runs on the single-node SQLite broker (``rentflow serve``)."""
        return self.celery_broker_url.startswith("sqla+")

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``RENTFLOW_*`` and the conventional variables; missing ones take defaults."""
        env = os.environ if environ is None else environ
        var_dir = Path(env.get("RENTFLOW_VAR_DIR", "var"))
        sandbox = _bool(env.get("RENTFLOW_SANDBOX", "0"))

        def sandbox_default(name: str, default: str) -> str:
            """Production has no default for a credential: unset stays empty."""
            return env.get(name, default if sandbox else "")

        # a key generated under var/ differs per machine: only the one-node sandbox may use it
        secret_key = env.get("SECRET_KEY") or (
            _persistent_secret(var_dir / "secret_key") if sandbox else ""
        )
        fernet_key = env.get("FERNET_KEY") or _persistent_fernet_key(var_dir / "fernet_key")
        storage = env.get("STORAGE_DIR")
        telegram_token = sandbox_default("TELEGRAM_BOT_TOKEN", SANDBOX_TELEGRAM_TOKEN)
        templates = env.get("DOCUMENT_TEMPLATES_DIR")
        return cls(
            var_dir=var_dir,
            database_url=env.get("DATABASE_URL", ""),
            celery_broker_url=env.get("CELERY_BROKER_URL", ""),
            secret_key=secret_key,
            fernet_key=fernet_key,
            public_base_url=env.get("PUBLIC_BASE_URL", _own_address(env)).rstrip("/"),
            smtp_url=env.get("SMTP_URL", ""),
            mail_from_address=env.get("MAIL_FROM_ADDRESS", "robot@rentflow.local"),
            storage_dir=Path(storage) if storage else None,
            document_templates_dir=Path(templates) if templates else None,
            document_pdf_engine=env.get("DOCUMENT_PDF_ENGINE", "reportlab"),
            host=env.get("RENTFLOW_HOST", "127.0.0.1"),
            port=int(env.get("RENTFLOW_PORT", "8000")),
            web_processes=_positive(
                "WEB_PROCESSES", env.get("WEB_PROCESSES"), default_web_processes()
            ),
            sandbox=sandbox,
            bitrix24_client_id=sandbox_default("BITRIX24_CLIENT_ID", SANDBOX_BITRIX24_CLIENT_ID),
            bitrix24_client_secret=sandbox_default(
                "BITRIX24_CLIENT_SECRET", SANDBOX_BITRIX24_CLIENT_SECRET
            ),
            bitrix24_oauth_url=env.get("BITRIX24_OAUTH_URL", ""),
            bitrix24_app_code=env.get("BITRIX24_APP_CODE", ""),
            bitrix24_portal_domains=_list(
                env.get("BITRIX24_PORTAL_DOMAINS"), BITRIX24_PORTAL_DOMAINS
            ),
            bitrix24_oauth_hosts=_list(env.get("BITRIX24_OAUTH_HOSTS"), BITRIX24_OAUTH_HOSTS),
            bitrix24_event_max_age=int(env.get("BITRIX24_EVENT_MAX_AGE", "3600")),
            bitrix24_resync_minutes=int(env.get("BITRIX24_RESYNC_MINUTES", "15")),
            amocrm_client_id=sandbox_default("AMOCRM_CLIENT_ID", SANDBOX_AMOCRM_CLIENT_ID),
            amocrm_client_secret=sandbox_default(
                "AMOCRM_CLIENT_SECRET", SANDBOX_AMOCRM_CLIENT_SECRET
            ),
            amocrm_redirect_uri=env.get("AMOCRM_REDIRECT_URI", ""),
            amocrm_base_url=env.get("AMOCRM_BASE_URL", ""),
            amocrm_allowed_hosts=_list(
                env.get("AMOCRM_ALLOWED_HOSTS"), Settings.amocrm_allowed_hosts
            ),
            billing_hour_utc=int(env.get("BILLING_HOUR_UTC", "0")),
            admin_token=env.get("ADMIN_TOKEN", ""),
            onec_watch_dir=Path(env["ONEC_WATCH_DIR"]) if env.get("ONEC_WATCH_DIR") else None,
            statement_max_mb=int(env.get("STATEMENT_MAX_MB", "200")),
            telegram_enabled=_bool(env.get("TELEGRAM_ENABLED", "1" if telegram_token else "0")),
            telegram_bot_token=telegram_token,
            telegram_bot_username=sandbox_default("TELEGRAM_BOT_USERNAME", SANDBOX_TELEGRAM_BOT),
            telegram_api_url=env.get("TELEGRAM_API_URL", ""),
            cabinet_cookie_secure=(
                _bool(env["CABINET_COOKIE_SECURE"]) if env.get("CABINET_COOKIE_SECURE") else None
            ),
            scan_max_mb=int(env.get("SCAN_MAX_MB", "20")),
            worker_yield_rate=_whole(
                "WORKER_YIELD_RATE", env.get("WORKER_YIELD_RATE"), WORKER_YIELD_RATE
            ),
            worker_yield_seconds=_whole(
                "WORKER_YIELD_SECONDS", env.get("WORKER_YIELD_SECONDS"), WORKER_YIELD_SECONDS
            ),
        )


def _own_address(env: Mapping[str, str]) -> str:
    """Where ``rentflow serve`` listens, as a browser on this machine reaches it: the default
    of ``PUBLIC_BASE_URL``, so the sandbox works on any ``RENTFLOW_PORT``."""
    host = env.get("RENTFLOW_HOST", "127.0.0.1")
    if host in ("", "0.0.0.0", "::"):  # noqa: S104  # nosec B104 - names the wildcard, binds nothing
        host = "127.0.0.1"
    return f"http://{host}:{int(env.get('RENTFLOW_PORT', '8000'))}"


class UnsafeSettings(ValueError):
    """Production settings that must not serve: a credential missing or the sandbox's."""


def production_ready(settings: Settings) -> Settings:
    """``settings`` when they may serve; else ``UnsafeSettings`` naming the variable."""
    problem = production_problem(settings)
    if problem is not None:
        raise UnsafeSettings(problem)
    return settings


def production_problem(settings: Settings) -> str | None:
    """What stops a production start (sandbox off), as one line naming the variable; None
    when nothing does. The sandbox's credentials are public, so they count as missing."""
    if settings.sandbox:
        return None
    required: tuple[tuple[str, str, tuple[str, ...]], ...] = (
        ("BITRIX24_CLIENT_ID", settings.bitrix24_client_id, (SANDBOX_BITRIX24_CLIENT_ID,)),
        ("BITRIX24_CLIENT_SECRET", settings.bitrix24_client_secret,
         (SANDBOX_BITRIX24_CLIENT_SECRET,)),
        ("AMOCRM_CLIENT_ID", settings.amocrm_client_id, (SANDBOX_AMOCRM_CLIENT_ID,)),
        ("AMOCRM_CLIENT_SECRET", settings.amocrm_client_secret, (SANDBOX_AMOCRM_CLIENT_SECRET,)),
        ("SECRET_KEY", settings.secret_key, SANDBOX_SECRET_KEYS),
        ("ADMIN_TOKEN", settings.admin_token, ()),
    )  # fmt: skip
    if settings.telegram_enabled:  # the bot is optional; once enabled it needs its own
        required += (
            ("TELEGRAM_BOT_TOKEN", settings.telegram_bot_token, (SANDBOX_TELEGRAM_TOKEN,)),
            ("TELEGRAM_BOT_USERNAME", settings.telegram_bot_username, (SANDBOX_TELEGRAM_BOT,)),
        )
    for name, value, sandbox_values in required:
        if not value.strip():
            return f"{name} is not set (RENTFLOW_SANDBOX is off: production needs it)"
        if value in sandbox_values:
            return f"{name} is the sandbox's public default; set a value of your own"
    return None


def masked_url(url: str) -> str:
    """A database, broker or SMTP URL as it may be printed: the password shown as ``***``."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.rsplit("@", 1)[-1]


def _persistent_secret(path: Path) -> str:
    """A random key kept under var/ so sessions and links survive restarts in embedded mode."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _persistent_fernet_key(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    from cryptography.fernet import Fernet

    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    path.write_text(key)
    path.chmod(0o600)
    return key
