"""Loopback HTTP for tests: the helper lives in ``sandbox.loopback`` (the demo uses it too)."""

from sandbox.loopback import serve

__all__ = ["serve"]
