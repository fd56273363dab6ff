"""Settings: the one place that reads the environment (``Settings.from_env``).

Every variable has a safe embedded default: SQLite under ``var/``, the kombu SQLAlchemy
broker on its own SQLite file, documents on local disk, mail to ``var/outbox/`` when no
SMTP server is configured.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


PDF_ENGINES = ("reportlab", "weasyprint")  # documents.render.ENGINES


@dataclass(frozen=True)
class Settings:
    """Typed settings; build once with ``from_env`` or directly in tests."""

    var_dir: Path = Path("var")
    database_url: str = ""
    celery_broker_url: str = ""
    secret_key: str = ""
    fernet_key: str = ""
    public_base_url: str = "http://127.0.0.1:8000"
    smtp_url: str = ""
    mail_from_address: str = "robot@rentflow.local"
    storage_dir: Path | None = None
    document_templates_dir: Path | None = None  # per-landlord overrides: <dir>/<landlord id>/
    document_pdf_engine: str = "reportlab"  # of the shipped templates; or "weasyprint"
    host: str = "127.0.0.1"
    port: int = 8000
    sandbox: bool = True
    bitrix24_client_id: str = "local.rentflow"
    bitrix24_client_secret: str = "sandbox-secret"  # noqa: S105 - the sandbox portal's own
    bitrix24_oauth_url: str = ""
    amocrm_client_id: str = "rentflow-sandbox"
    # amoCRM secrets are 64 characters; HS256 wants >= 32 bytes
    amocrm_client_secret: str = "sandbox-amocrm-integration-secret-0123456789abcdef0123456789abcd"  # noqa: S105
    amocrm_redirect_uri: str = ""
    amocrm_base_url: str = ""  # API base for every account (the sandbox); "" = https://<referer>
    # hosts an amoCRM account may live on: only these receive the client secret (OAuth)
    amocrm_allowed_hosts: tuple[str, ...] = ("*.amocrm.ru", "*.amocrm.com", "*.kommo.com")
    billing_hour_utc: int = 0
    admin_token: str = ""  # operator pages (needs attention across portals); open in sandbox
    onec_watch_dir: Path | None = None  # bank statements dropped in <dir>/<portal id>/
    statement_max_mb: int = 200  # bigger bank statement files are refused
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
        assert self.storage_dir is not None  # set in __post_init__
        return self.storage_dir

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
        secret_key = env.get("SECRET_KEY") or _persistent_secret(var_dir / "secret_key")
        fernet_key = env.get("FERNET_KEY") or _persistent_fernet_key(var_dir / "fernet_key")
        storage = env.get("STORAGE_DIR")
        templates = env.get("DOCUMENT_TEMPLATES_DIR")
        return cls(
            var_dir=var_dir,
            database_url=env.get("DATABASE_URL", ""),
            celery_broker_url=env.get("CELERY_BROKER_URL", ""),
            secret_key=secret_key,
            fernet_key=fernet_key,
            public_base_url=env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            smtp_url=env.get("SMTP_URL", ""),
            mail_from_address=env.get("MAIL_FROM_ADDRESS", "robot@rentflow.local"),
            storage_dir=Path(storage) if storage else None,
            document_templates_dir=Path(templates) if templates else None,
            document_pdf_engine=env.get("DOCUMENT_PDF_ENGINE", "reportlab"),
            host=env.get("RENTFLOW_HOST", "127.0.0.1"),
            port=int(env.get("RENTFLOW_PORT", "8000")),
            sandbox=_bool(env.get("RENTFLOW_SANDBOX", "1")),
            bitrix24_client_id=env.get("BITRIX24_CLIENT_ID", "local.rentflow"),
            bitrix24_client_secret=env.get("BITRIX24_CLIENT_SECRET", "sandbox-secret"),
            bitrix24_oauth_url=env.get("BITRIX24_OAUTH_URL", ""),
            amocrm_client_id=env.get("AMOCRM_CLIENT_ID", "rentflow-sandbox"),
            amocrm_client_secret=env.get("AMOCRM_CLIENT_SECRET", Settings.amocrm_client_secret),
            amocrm_redirect_uri=env.get("AMOCRM_REDIRECT_URI", ""),
            amocrm_base_url=env.get("AMOCRM_BASE_URL", ""),
            amocrm_allowed_hosts=_hosts(env.get("AMOCRM_ALLOWED_HOSTS", ""))
            or Settings.amocrm_allowed_hosts,
            billing_hour_utc=int(env.get("BILLING_HOUR_UTC", "0")),
            admin_token=env.get("ADMIN_TOKEN", ""),
            onec_watch_dir=Path(env["ONEC_WATCH_DIR"]) if env.get("ONEC_WATCH_DIR") else None,
            statement_max_mb=int(env.get("STATEMENT_MAX_MB", "200")),
        )


def _hosts(value: str) -> tuple[str, ...]:
    return tuple(h.strip().lower() for h in value.split(",") if h.strip())


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
