"""One compiled copy of each Jinja template for the whole test process.

Each Flask app has its own Jinja environment, and an environment compiles a template (parse,
generate Python source, ``compile()``) the first time it renders it. Production builds one
app per process; the suite builds one for most web tests, so every test compiled the pages it
rendered again (about 4 % of the in-process test CPU). Jinja's own bytecode cache is the
documented way to keep compiled templates between environments: it stores a template's code
under its name and the checksum of its source, so a changed template is compiled afresh.
Production code is left alone: only the apps made in tests get the cache.
"""

from __future__ import annotations

from typing import Any

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates kept in this process's memory."""

    def __init__(self) -> None:
        self._codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._codes.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # ignored when the source's checksum differs

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._codes[bucket.key] = bucket.bytecode_to_string()


CACHE = MemoryBytecodeCache()


def share_templates() -> None:
    from flask import Flask

    options: dict[str, Any] = dict(Flask.jinja_options)
    options["bytecode_cache"] = CACHE
    Flask.jinja_options = options
