"""PHP-style bracketed query strings, the way Bitrix24 reads form bodies and batch commands.

Bitrix24 parses requests with PHP, so nested parameters travel as ``fields[TITLE]=x`` and
lists as ``ids[0]=1``; every ``batch`` command is such a query string after ``method?``, and
event POSTs arrive form-encoded as ``data[FIELDS][ID]=759`` (EN
apidocs.bitrix24.com/settings/how-to-call-rest-api/batch.html and
.../settings/how-to-call-rest-api/data-encoding.html, .../api-reference/events/index.html).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, unquote_plus

_KEY = re.compile(r"([^\[\]]+)|\[([^\[\]]*)\]")


def _flatten(prefix: str, value: Any) -> Iterable[tuple[str, str]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _flatten(f"{prefix}[{key}]" if prefix else str(key), item)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _flatten(f"{prefix}[{index}]", item)
    elif value is None:
        yield prefix, ""
    elif isinstance(value, bool):
        yield prefix, "Y" if value else "N"
    else:
        yield prefix, str(value)


def encode(params: Mapping[str, Any]) -> str:
    """``http_build_query`` of ``params``: nested dicts and lists become bracketed keys."""
    return "&".join(
        f"{quote(key, safe='[]')}={quote(value, safe='')}" for key, value in _flatten("", params)
    )


def pairs(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The flat (key, value) pairs ``encode`` would send, for a form-encoded POST body."""
    return list(_flatten("", params))


def _path(key: str) -> list[str]:
    return [m.group(1) if m.group(1) is not None else m.group(2) for m in _KEY.finditer(key)]


def decode_pairs(items: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Rebuild the nested structure PHP would from bracketed (key, value) pairs.

    Dicts whose keys are exactly 0..n-1 become lists, as ``$_POST`` arrays read in JSON.
    """
    root: dict[str, Any] = {}
    for key, value in items:
        parts = _path(key)
        if not parts:
            continue
        node = root
        for part in parts[:-1]:
            nxt = node.get(part)
            if not isinstance(nxt, dict):
                nxt = {}
                node[part] = nxt
            node = nxt
        last = parts[-1]
        if last == "":
            last = str(len(node))
        node[last] = value
    rebuilt: dict[str, Any] = _listify(root)
    return rebuilt


def _listify(value: Any) -> Any:
    if isinstance(value, dict):
        converted = {k: _listify(v) for k, v in value.items()}
        if converted and all(k.isdigit() for k in converted):
            keys = sorted(converted, key=int)
            if [int(k) for k in keys] == list(range(len(keys))):
                return [converted[k] for k in keys]
        return converted
    return value


def decode(query: str) -> dict[str, Any]:
    """Parse a query string (``a[b]=1&c=2``) into nested dicts and lists."""
    items = []
    for chunk in query.split("&"):
        if not chunk:
            continue
        key, _, value = chunk.partition("=")
        items.append((unquote_plus(key), unquote_plus(value)))
    return decode_pairs(items)
