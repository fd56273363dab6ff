"""An emulated Telegram Bot API (one bot) for the sandbox and the tests."""
