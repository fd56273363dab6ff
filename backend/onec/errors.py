"""Errors of talking to 1C, importable without the HTTP client (services catch them)."""

from __future__ import annotations


class OneCError(Exception):
    """1C answered with an error that a retry will not fix."""


class OneCUnavailable(OneCError):
    """1C is down, overloaded or unreachable: retry later."""


class OneCAuthFailed(OneCError):
    """1C refused the OData user's login or password."""
