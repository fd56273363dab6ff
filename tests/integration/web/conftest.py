"""Fixtures of the web integration tests."""

from tests.integration.web.amocrm_account import widget  # a fixture

__all__ = ["widget"]
