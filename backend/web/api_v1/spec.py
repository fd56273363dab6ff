"""``openapi.json`` (OpenAPI 3.1) assembled from the registered operations and their pydantic
models — the same models the endpoints validate with — plus the lease JSON Schema the lease
endpoint validates with. pydantic v2 writes JSON Schema 2020-12, which OpenAPI 3.1 takes as
is, so no second schema language (marshmallow, apispec) sits between the two."""

from __future__ import annotations

import copy
import re
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from backend.services.lease_json import lease_schema
from backend.web.api_v1.http import OPERATIONS, RAW_LEASE, Operation
from backend.web.api_v1.schemas import Problem

REF = "#/components/schemas/{model}"
ERRORS = {
    400: "Bad Request",
    401: "No or wrong API key",
    403: "The key lacks the scope",
    404: "Not found in the key's portal",
    415: "Not JSON",
    422: "Invalid: the problem names the field",
}
_PATH_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")


def _lease_component() -> dict[str, dict[str, Any]]:
    """The lease JSON Schema as components: its $defs become LeaseInput_<name>."""
    schema = copy.deepcopy(lease_schema())  # the lease service validates with the original
    defs = schema.pop("$defs", {})
    for key in ("$schema", "$id"):
        schema.pop(key, None)

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: (
                    f"#/components/schemas/{RAW_LEASE}_{v.rsplit('/', 1)[-1]}"
                    if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/")
                    else rewrite(v)
                )
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    components = {RAW_LEASE: rewrite(schema)}
    components.update({f"{RAW_LEASE}_{name}": rewrite(d) for name, d in defs.items()})
    return components


Mode = Literal["validation", "serialization"]


def _models() -> list[tuple[type[BaseModel], Mode]]:
    wanted: dict[tuple[type[BaseModel], Mode], None] = {(Problem, "serialization"): None}
    for op in OPERATIONS:
        if op.query is not None:
            wanted[(op.query, "validation")] = None
        if isinstance(op.body, type):
            wanted[(op.body, "validation")] = None
        if op.response is not None:
            wanted[(op.response, "serialization")] = None
    return list(wanted)


def openapi(server_url: str = "/api/v1") -> dict[str, Any]:
    """The OpenAPI 3.1 document of every registered operation."""
    models = _models()
    refs, top = models_json_schema(models, ref_template=REF)
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    schemas.update(_lease_component())
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        path = _PATH_ARG.sub(r"{\2}", op.path)
        paths.setdefault(path, {})[op.method.lower()] = _operation(op, refs, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "rentflow public API",
            "version": "1",
            "description": "Premises, tenants, personal accounts, leases, documents and "
            "payments of one portal, chosen by the API key. See docs/api.md.",
        },
        "servers": [{"url": server_url}],
        "security": [{"apiKey": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "rentflow api-keys create --portal N",
                },
            },
        },
    }


def _answer(op: Operation, refs: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    if op.download:
        binary = {"type": "string", "contentMediaType": op.download}
        return {"description": op.summary, "content": {op.download: {"schema": binary}}}
    if op.response is None:
        return {"description": op.summary}
    schema = refs[(op.response, "serialization")]
    return {"description": op.summary, "content": {"application/json": {"schema": schema}}}


def _operation(
    op: Operation, refs: dict[Any, dict[str, Any]], schemas: dict[str, Any]
) -> dict[str, Any]:
    problem = refs[(Problem, "serialization")]
    spec: dict[str, Any] = {
        "operationId": op.endpoint,
        "summary": op.summary,
        "tags": [op.tag],
        "x-scope": op.scope,
        "parameters": [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer" if kind == "int" else "string"},
            }
            for kind, name in _PATH_ARG.findall(op.path)
        ],
        "responses": {str(op.status): _answer(op, refs)},
    }
    if op.upload:
        spec["requestBody"] = {
            "required": True,
            "content": {op.upload: {"schema": {"type": "string", "contentMediaType": op.upload}}},
        }
    if op.query is not None:
        query_schema = schemas[refs[(op.query, "validation")]["$ref"].rsplit("/", 1)[-1]]
        required = set(query_schema.get("required", ()))
        spec["parameters"] += [
            {"name": name, "in": "query", "required": name in required, "schema": prop}
            for name, prop in query_schema.get("properties", {}).items()
        ]
    if op.body is not None:
        body_ref = (
            {"$ref": REF.format(model=RAW_LEASE)}
            if isinstance(op.body, str)
            else refs[(op.body, "validation")]
        )
        spec["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body_ref}},
        }
    if op.method == "POST":
        spec["parameters"].append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 255},
                "description": "a retried POST with the same key and body gets the first answer",
            }
        )
    for status, text in ERRORS.items():
        spec["responses"][str(status)] = {
            "description": text,
            "content": {"application/problem+json": {"schema": problem}},
        }
    return spec
