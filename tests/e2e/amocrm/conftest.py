"""Fixtures of the amoCRM end-to-end tests."""

from tests.e2e.amocrm.world import world  # a fixture

__all__ = ["world"]
