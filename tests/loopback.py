"""Loopback HTTP for tests: the helper lives in ``sandbox.loopback`` (the demo uses it too)."""

from sandbox.loopback import free_port, serve

__all__ = ["free_port", "serve"]
