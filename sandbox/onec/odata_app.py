"""An OData v3 emulator of 1C's ``standard.odata`` interface, enough for rentflow.

Shapes as 1C serves them with ``$format=json`` (its.1c.ru/db/v838doc#bookmark:dev:TI000001358;
1C's own sample its.1c.ru/db/content/fresh/src/25756595.html): a list is
``{"odata.metadata": ".../$metadata#Set", "value": [...]}``, one entity carries
``odata.metadata`` ending in ``/@Element``; keys are ``Ref_Key`` GUIDs; filters use
``guid'...'`` and ``datetime'...'`` literals; HTTP Basic auth. Documents written through
OData are stored unposted (drafts), as the accountant posts them in 1C.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from flask import Flask, Response, request

from sandbox.onec.store import WRITABLE, OneCStore, demo_store

ROOT = "/odata/standard.odata"
_KEY_RE = re.compile(r"^(?P<set>[^(]+)\(guid'(?P<key>[0-9a-fA-F-]{36})'\)$")
_CONDITION_RE = re.compile(
    r"^\s*(?P<field>[\w]+)\s+(?P<op>eq|ne|ge|gt|le|lt)\s+(?P<value>.+?)\s*$", re.UNICODE
)
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "ge": lambda a, b: a >= b,
    "gt": lambda a, b: a > b,
    "le": lambda a, b: a <= b,
    "lt": lambda a, b: a < b,
}


class BadFilter(ValueError):
    """A ``$filter`` the emulator does not understand."""


def _literal(text: str) -> Any:
    if text in {"true", "false"}:
        return text == "true"
    for prefix in ("guid", "datetime"):
        if text.startswith(f"{prefix}'") and text.endswith("'"):
            value = text[len(prefix) + 1 : -1]
            return datetime.fromisoformat(value) if prefix == "datetime" else value.lower()
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1].replace("''", "'")
    try:
        return float(text)
    except ValueError:
        raise BadFilter(f"cannot read the literal {text!r}") from None


def _field_value(entity: dict[str, Any], name: str, like: Any) -> Any:
    value = entity.get(name)
    if isinstance(like, datetime) and isinstance(value, str):
        return datetime.fromisoformat(value)
    if isinstance(like, str) and isinstance(value, str) and name.endswith("_Key"):
        return value.lower()
    return value


def parse_filter(text: str) -> Callable[[dict[str, Any]], bool]:
    """``A eq x and B ge y`` -> a predicate; only ``and`` of comparisons, as the poller needs."""
    conditions = []
    for part in re.split(r"\s+and\s+", text.strip()):
        match = _CONDITION_RE.match(part)
        if match is None:
            raise BadFilter(f"cannot read the condition {part!r}")
        conditions.append((match["field"], _OPS[match["op"]], _literal(match["value"])))

    def predicate(entity: dict[str, Any]) -> bool:
        try:
            return all(op(_field_value(entity, f, v), v) for f, op, v in conditions)
        except TypeError:
            return False

    return predicate


def _error(status: int, message: str) -> Response:
    body = {"odata.error": {"code": "", "message": {"lang": "ru", "value": message}}}
    return Response(json.dumps(body, ensure_ascii=False), status, mimetype="application/json")


def _json(data: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status, mimetype="application/json")


def _one(base: OneCStore, name: str, key: str, meta: str) -> Response:
    for row in base.entity_set(name) or []:
        if row["Ref_Key"].lower() == key.lower():
            return _json({"odata.metadata": f"{meta}{name}/@Element", **row})
    return _error(404, "Объект не найден")


def _query(base: OneCStore, resource: str, args: Mapping[str, str], meta: str) -> Response:
    keyed = _KEY_RE.match(resource)
    if keyed is not None:
        return _one(base, keyed["set"], keyed["key"], meta)
    found = base.entity_set(resource)
    if found is None:
        return _error(404, f"Не найден ресурс {resource}")
    rows = found
    try:
        if "$filter" in args:
            predicate = parse_filter(args["$filter"])
            rows = [r for r in rows if predicate(r)]
    except BadFilter as exc:
        return _error(400, str(exc))
    count = len(rows)
    skip, top = int(args.get("$skip", 0)), args.get("$top")
    rows = rows[skip : skip + int(top)] if top is not None else rows[skip:]
    if "$select" in args:
        names = [n.strip() for n in args["$select"].split(",")]
        rows = [{n: r[n] for n in names if n in r} for r in rows]
    body: dict[str, Any] = {"odata.metadata": f"{meta}{resource}", "value": rows}
    if args.get("$inlinecount") == "allpages":
        body["odata.count"] = str(count)
    return _json(body)


def create_onec_app(
    store: OneCStore | None = None,
    *,
    user: str = "odata",
    password: str = "odata",  # noqa: S107 - the emulator's own sandbox login
) -> Flask:
    """The emulator as a Flask app; tests pass their own ``store`` and credentials."""
    app = Flask(__name__)
    base = store if store is not None else demo_store()
    app.config["ONEC_STORE"] = base

    @app.before_request
    def _gate() -> Response | None:
        if not request.path.startswith(ROOT):
            return None  # the index page is public
        auth = request.authorization
        if auth is None or auth.username != user or auth.password != password:
            return Response("", 401, {"WWW-Authenticate": 'Basic realm="1C"'})
        with base.lock:
            if base.fail_next > 0:
                base.fail_next -= 1
                return _error(503, "Сервис временно недоступен")
        return None

    @app.get("/")
    def index() -> Response:
        names = "".join(f"<li><code>{name}</code></li>" for name in sorted(base.sets))
        page = (
            "<h1>1C:Бухгалтерия emulator</h1><p>OData v3 at "
            f"<code>{request.script_root}{ROOT}/</code>, HTTP Basic login "
            f"<code>{user}</code>.</p><ul>{names}</ul>"
            f'<p><a href="{request.script_root}/statement.txt">A bank statement file</a>'
            " (1CClientBankExchange, cp1251) to import.</p>"
        )
        return Response(page, mimetype="text/html")

    @app.get("/statement.txt")
    def statement() -> Response:
        """A generated cp1251 bank statement: ?documents=N&account=...&inn=...&seed=..."""
        from datetime import date

        from sandbox.onec.bank_files import random_documents, render_statement

        account = request.args.get("account", "40702810938000000001")
        payee = ('ООО "Ромашка"', request.args.get("inn", "7707083893"), account)
        count = min(int(request.args.get("documents", 20)), 10_000)
        docs = random_documents(
            count, payee=payee, start=date(2026, 2, 1), seed=int(request.args.get("seed", 0))
        )
        data = render_statement(
            docs, account=account, start=date(2026, 2, 1), end=date(2026, 2, 28)
        )
        disposition = 'attachment; filename="kl_to_1c.txt"'
        return Response(
            data,
            mimetype="text/plain; charset=windows-1251",
            headers={"Content-Disposition": disposition},
        )

    @app.get(f"{ROOT}/$metadata")
    def metadata() -> Response:
        sets = "".join(f'<EntitySet Name="{name}"/>' for name in sorted(base.sets))
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?><edmx:Edmx Version="1.0" '
            'xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx"><edmx:DataServices>'
            f"<EntityContainer>{sets}</EntityContainer></edmx:DataServices></edmx:Edmx>"
        )
        return Response(xml, mimetype="application/xml")

    @app.get(f"{ROOT}/<path:resource>")
    def read(resource: str) -> Response:
        meta = f"{request.host_url.rstrip('/')}{request.script_root}{ROOT}/$metadata#"
        return _query(base, resource, request.args, meta)

    @app.post(f"{ROOT}/<name>")
    def create(name: str) -> Response:
        if name not in WRITABLE:
            return _error(403, f"Запись в {name} не разрешена")
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            return _error(400, "Ожидался объект JSON")
        entity = base.add(name, payload)
        meta = f"{request.host_url.rstrip('/')}{request.script_root}{ROOT}/$metadata#"
        return _json({"odata.metadata": f"{meta}{name}/@Element", **entity}, 201)

    return app
