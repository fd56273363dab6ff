"""One compiled URL builder per distinct route for the whole test process.

Werkzeug compiles two Python functions per route when a ``Map`` is bound (``Rule.compile``:
an AST built, then ``compile()``d), so ``create_app`` spends ~40 ms on rentflow's ~140
routes, and the suite creates an app for most of its web tests (200-odd per run: about 8
CPU-seconds). The function depends only on the rule's text, its parsed parts and its
defaults, and reaches the rule's converters through its ``self`` argument, so a route's
builder compiled once serves every app the tests create. Production builds one app per
process and is left alone. If werkzeug's ``Rule._compile_builder`` changes shape, the original
is used (``TypeError``/``AttributeError`` fall through to it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def memoize_url_builders() -> None:
    from werkzeug.routing import rules

    compile_builder: Callable[..., Any] = rules.Rule._compile_builder
    if getattr(compile_builder, "memoized", False):
        return
    cache: dict[tuple[Any, ...], Any] = {}

    def cached(self: rules.Rule, append_unknown: bool = True) -> Any:
        try:
            defaults = tuple(sorted((k, repr(v)) for k, v in (self.defaults or {}).items()))
            key = (self.rule, tuple(self._trace), defaults, append_unknown)
            hash(key)
        except (TypeError, AttributeError):
            return compile_builder(self, append_unknown)
        found = cache.get(key)
        if found is None:
            found = cache[key] = compile_builder(self, append_unknown)
        return found

    cached.memoized = True  # type: ignore[attr-defined]
    rules.Rule._compile_builder = cached  # type: ignore[method-assign]
