"""Telegram: the Bot API client and the notification channel built on it."""
