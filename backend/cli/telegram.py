"""``rentflow telegram webhook [--delete]``: point the bot at rentflow.

Telegram posts the bot's updates to ``PUBLIC_BASE_URL/telegram/webhook`` once ``setWebhook``
names it (https://core.telegram.org/bots/api#setwebhook: HTTPS on port 443, 80, 88 or 8443),
with the secret token rentflow derives from ``SECRET_KEY``; run this once after deploying,
and again when ``PUBLIC_BASE_URL``, ``SECRET_KEY`` or the bot's token change.
"""

from __future__ import annotations

import json

import click

from backend.bootstrap import Container, bootstrap
from backend.telegram.client import TelegramClient, TelegramError


@click.group()
def telegram() -> None:
    """The Telegram bot tenants link their chats to (TELEGRAM_BOT_TOKEN)."""


def _client(container: Container) -> TelegramClient:
    client = container.telegram()
    if client is None:
        raise click.ClickException("Telegram is off: set TELEGRAM_BOT_TOKEN (and TELEGRAM_ENABLED)")
    return client


@telegram.command("webhook")
@click.option("--delete", is_flag=True, help="Stop the webhook (back to getUpdates).")
def webhook(delete: bool) -> None:
    """Tell Telegram where to post the bot's updates (or stop it)."""
    container = bootstrap()
    try:
        client = _client(container)
        url = f"{container.settings.public_base_url}/telegram/webhook"
        if delete:
            client.delete_webhook()
        else:
            client.set_webhook(url, container.settings.telegram_webhook_secret)
        me = client.get_me()
    except TelegramError as err:
        raise click.ClickException(str(err)) from None
    finally:
        container.dispose()
    answer = {"bot": f"@{me.get('username', '')}", "webhook": None if delete else url}
    click.echo(json.dumps(answer, ensure_ascii=False))
