"""The sandbox emulators mounted beside rentflow in embedded mode (``RENTFLOW_SANDBOX=1``).

Each emulator is a WSGI app served under ``/sandbox/<name>`` by ``rentflow serve``, so a
newcomer can click through a Bitrix24 portal, an amoCRM account and a 1C base without any.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backend.config import (
    SANDBOX_AMOCRM_PREFIX,
    SANDBOX_BITRIX24_PREFIX,
    SANDBOX_TELEGRAM_PREFIX,
    Settings,
)

WsgiApp = Callable[..., Any]


@dataclass(frozen=True)
class SandboxApp:
    name: str
    title: str
    prefix: str  # mounted at this path
    app: WsgiApp


def sandbox_apps(settings: Settings, *, remember: bool = True) -> list[SandboxApp]:
    """The emulators to mount for ``settings`` (none when the sandbox is off). With
    ``remember`` the amoCRM account and the Bitrix24 portal keep their state in
    ``var_dir/sandbox/`` across restarts, tied to rentflow's database (``sandbox.persist``)."""
    if not settings.sandbox:
        return []
    from crm_mappings.amocrm.adapter import redirect_uri
    from sandbox.amocrm.app import create_emulator as amocrm_emulator
    from sandbox.amocrm.state import AmoAccount
    from sandbox.bitrix24.app import create_emulator as bitrix24_emulator
    from sandbox.bitrix24.state import PortalState
    from sandbox.onec.odata_app import create_onec_app
    from sandbox.persist import StateFile

    def state_file(name: str) -> StateFile | None:
        if not remember:
            return None
        return StateFile(settings.var_dir / "sandbox" / f"{name}.json", settings.database_url)

    amo = AmoAccount(
        client_id=settings.amocrm_client_id,
        client_secret=settings.amocrm_client_secret,
        redirect_uri=redirect_uri(settings.amocrm_redirect_uri, settings.public_base_url),
    )
    b24 = PortalState(
        client_id=settings.bitrix24_client_id,
        client_secret=settings.bitrix24_client_secret,
        app_url=settings.public_base_url,
        base_url=f"{settings.public_base_url}{SANDBOX_BITRIX24_PREFIX}/",
    )
    return [
        SandboxApp(
            "amocrm",
            "amoCRM account",
            SANDBOX_AMOCRM_PREFIX,
            amocrm_emulator(amo, saved=state_file("amocrm")),
        ),
        SandboxApp(
            name="onec",
            title="1C:Бухгалтерия (OData, login odata/odata)",
            prefix="/sandbox/onec",
            app=create_onec_app(),
        ),
        SandboxApp(
            "bitrix24",
            "Bitrix24 portal",
            SANDBOX_BITRIX24_PREFIX,
            bitrix24_emulator(b24, saved=state_file("bitrix24")),
        ),
        *([telegram_app(settings)] if settings.telegram_bot_token else []),
    ]


def telegram_app(settings: Settings) -> SandboxApp:
    """The emulated bot, its webhook already set to rentflow (as an operator would with
    ``setWebhook``), so a tenant who presses Start is linked at once."""
    from sandbox.telegram.app import create_emulator
    from sandbox.telegram.state import BotState

    bot = BotState(
        token=settings.telegram_bot_token,
        username=settings.telegram_bot_username,
        allowed_origin=settings.public_base_url,
        webhook_url=f"{settings.public_base_url}/telegram/webhook",
        webhook_secret=settings.telegram_webhook_secret,
    )
    return SandboxApp("telegram", "Telegram bot", SANDBOX_TELEGRAM_PREFIX, create_emulator(bot))
