"""The Telegram notification channel: an outbox message as a bot message to a linked chat,
its PDFs as documents (bots/api#sendmessage, #senddocument).

The row's ``recipients`` hold the chat id. A message with files goes as its text, then each
file; should a later call fail for a while, the retry sends the text again (the Bot API has
no idempotency key), which is why files go after the text and not before.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from backend.domain.channels import Channel, Delivery, DeliveryOutcome
from backend.domain.messages import Attachment, OutboxMessage
from backend.telegram.client import TelegramBlocked, TelegramClient, TelegramError


class TelegramChannel:
    name = Channel.TELEGRAM.value

    def __init__(self, client: TelegramClient) -> None:
        self.client = client

    def send(self, message: OutboxMessage, files: Sequence[tuple[Attachment, bytes]]) -> Delivery:
        if not message.recipients:
            return Delivery(DeliveryOutcome.FAILED, "no chat to send to")
        chat_id = message.recipients[0]
        text = f"{message.subject}\n\n{message.body_text}".strip()
        try:
            self.client.send_message(chat_id, text)
            for attachment, data in files:
                self.client.send_document(
                    chat_id, attachment.name, data, attachment.mime, caption=attachment.name
                )
        except TelegramBlocked as err:
            return Delivery(DeliveryOutcome.BLOCKED, err.description)
        except TelegramError as err:
            if not err.transient:
                return Delivery(DeliveryOutcome.FAILED, str(err))
            wait = timedelta(seconds=err.retry_after) if err.retry_after else None
            return Delivery(DeliveryOutcome.RETRY, str(err), retry_after=wait)
        return Delivery(DeliveryOutcome.SENT)

    def close(self) -> None:
        self.client.session.close()
