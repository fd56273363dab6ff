"""The SMTP sink for tests: it lives in ``sandbox.smtp_sink`` (the demo uses it too)."""

from sandbox.smtp_sink import Sink, smtp_sink

__all__ = ["Sink", "smtp_sink"]
