"""The public API's plumbing: one ``operation`` decorator registers a route and its OpenAPI
description at once, authenticates the API key, validates the query and body with the
operation's models, replays POSTs with a known ``Idempotency-Key``, and turns errors into
RFC 9457 problem details that name the field."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, request
from pydantic import BaseModel, ValidationError

from backend.domain.errors import DomainError, InvalidLease, NotFound
from backend.domain.premises import BadRecord
from backend.services.api_keys import ApiCaller, authenticate
from backend.services.portal_settings import InvalidSettings
from backend.web.api_v1.schemas import Problem, ProblemField, dump
from backend.web.deps import container

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")

RAW_LEASE = "LeaseInput"  # a body validated by the lease JSON Schema (docs/lease-input.md)


@dataclass(frozen=True)
class Operation:
    """One route of the API as ``openapi.json`` describes it."""

    method: str
    path: str
    endpoint: str
    summary: str
    tag: str
    scope: str
    query: type[BaseModel] | None = None
    body: type[BaseModel] | str | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    upload: str = ""  # a raw body of this media type instead of JSON (handler gets ``data``)
    download: str = ""  # the answer is a file of this media type (handler returns bytes, name)
    errors: tuple[int, ...] = field(default=(401, 403, 404, 422))


OPERATIONS: list[Operation] = []


class ApiProblem(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        errors: list[ProblemField] | None = None,
        run_id: int | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.problem = Problem(
            title=title, status=status, detail=detail, errors=errors or [], run_id=run_id
        )


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(dump(problem), ensure_ascii=False),
        status=problem.status,
        mimetype="application/problem+json",
        headers=headers or {},
    )


def _field(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _invalid(error: ValidationError, where: str) -> ApiProblem:
    errors = [
        ProblemField(
            field=_field((where, *e["loc"])) if where else _field(e["loc"]), message=e["msg"]
        )
        for e in error.errors()
    ]
    return ApiProblem(422, "Invalid request", errors[0].message if errors else "", errors)


def _caller(scope: str) -> ApiCaller:
    header = request.headers.get("Authorization", "")
    key = header[7:].strip() if header.startswith("Bearer ") else ""
    key = key or request.headers.get("X-Api-Key", "")
    built = container()
    with built.uow(None) as uow:
        caller = authenticate(uow, key)
        portal = uow.portals.get(caller.portal_id) if caller else None
    if caller is None or portal is None or not portal.active:
        raise ApiProblem(
            401, "Unauthorized", "a valid API key is required: Authorization: Bearer rf_..."
        )
    if scope not in caller.scopes:
        raise ApiProblem(403, "Forbidden", f"this key lacks the {scope!r} scope")
    return caller


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        value = int(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiProblem(
            422,
            "Invalid request",
            "not a cursor",
            [ProblemField(field="cursor", message="not a cursor")],
        ) from None
    return value


def encode_cursor(last_id: int | None, count: int, limit: int) -> str | None:
    if last_id is None or count < limit:
        return None
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def _fingerprint(caller: ApiCaller) -> str:
    return hashlib.sha256(
        b"|".join([request.method.encode(), request.path.encode(), request.get_data()])
    ).hexdigest()


def _replay(caller: ApiCaller, key: str) -> Response | None:
    if len(key) > 255:
        raise ApiProblem(
            422,
            "Invalid request",
            "Idempotency-Key is longer than 255",
            [ProblemField(field="Idempotency-Key", message="too long")],
        )
    with container().uow(None) as uow:
        stored = uow.api_keys.answer(caller.portal_id, key)
    if stored is None:
        return None
    fingerprint, status, body = stored
    if fingerprint != _fingerprint(caller):
        raise ApiProblem(
            422,
            "Idempotency-Key reused",
            "this key came with another request",
            [ProblemField(field="Idempotency-Key", message="already used for another request")],
        )
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        mimetype="application/json",
        headers={"Idempotent-Replayed": "true"},
    )


def _remember(caller: ApiCaller, key: str, status: int, body: dict[str, Any]) -> None:
    built = container()
    with built.uow(None) as uow:
        kept = uow.api_keys.remember(
            caller.portal_id, key, _fingerprint(caller), status, body, built.clock.now()
        )
        if kept:
            uow.commit()


def _json_body() -> Any:
    if not request.is_json:
        raise ApiProblem(415, "Unsupported Media Type", "send application/json")
    try:
        return json.loads(request.get_data(), parse_float=str)
    except ValueError as exc:
        raise ApiProblem(400, "Bad Request", f"not JSON: {exc}") from exc


def _domain_problem(exc: DomainError) -> ApiProblem:
    if isinstance(exc, NotFound):
        return ApiProblem(404, "Not Found", str(exc))
    field_name = getattr(exc, "field", "") or getattr(exc, "where", "")
    reason = getattr(exc, "reason", "") or str(exc)
    errors = [ProblemField(field=field_name, message=reason)] if field_name else []
    return ApiProblem(422, "Unprocessable Content", str(exc), errors)


Handler = Callable[..., Any]


def operation(
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    scope: str = "read",
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | str | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    upload: str = "",
    download: str = "",
) -> Callable[[Handler], Handler]:
    """Register ``handler(caller, **path_args, query=?, body=?) -> model | (status, model)``
    (with ``upload``: ``data=bytes``; with ``download``: returns ``(bytes, filename)``)."""

    def register(handler: Handler) -> Handler:
        endpoint = handler.__name__
        op = Operation(
            method, path, endpoint, summary, tag, scope, query, body, response, status,
            upload, download,
        )  # fmt: skip
        OPERATIONS.append(op)

        def view(**path_args: Any) -> Response:
            try:
                return _run(handler, op, path_args)
            except ApiProblem as exc:
                headers = {"WWW-Authenticate": "Bearer"} if exc.problem.status == 401 else {}
                return problem_response(exc.problem, headers)

        bp.add_url_rule(path, endpoint=endpoint, view_func=view, methods=[method])
        return handler

    return register


MAX_UPLOAD = 200 * 1024 * 1024  # as the other import channels


def _run(handler: Handler, op: Operation, path_args: dict[str, Any]) -> Response:
    caller = _caller(op.scope)
    idempotency_key = request.headers.get("Idempotency-Key", "") if op.method == "POST" else ""
    if idempotency_key:
        replayed = _replay(caller, idempotency_key)
        if replayed is not None:
            return replayed
    kwargs = {**path_args, **_inputs(op)}
    try:
        result = handler(caller, **kwargs)
    except (InvalidLease, InvalidSettings, BadRecord, DomainError) as exc:
        raise _domain_problem(exc) from exc
    if op.download:
        content, filename = result
        disposition = f'attachment; filename="{filename}"'
        return Response(content, mimetype=op.download, headers={"Content-Disposition": disposition})
    answer_status, model = result if isinstance(result, tuple) else (op.status, result)
    payload = dump(model)
    if idempotency_key and 200 <= answer_status < 300:
        _remember(caller, idempotency_key, answer_status, payload)
    return Response(
        json.dumps(payload, ensure_ascii=False), status=answer_status, mimetype="application/json"
    )


def _inputs(op: Operation) -> dict[str, Any]:
    """The handler's ``query``, ``data`` (an upload) and ``body``, validated."""
    kwargs: dict[str, Any] = {}
    try:
        if op.query is not None:
            kwargs["query"] = op.query.model_validate(request.args.to_dict())
        if op.body is not None:
            data = _json_body()
            kwargs["body"] = data if isinstance(op.body, str) else op.body.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, "") from exc
    if op.upload:
        if request.mimetype != op.upload:
            raise ApiProblem(415, "Unsupported Media Type", f"send {op.upload}")
        if (request.content_length or 0) > MAX_UPLOAD:
            raise ApiProblem(413, "Content Too Large", f"at most {MAX_UPLOAD} bytes")
        kwargs["data"] = request.get_data()
    return kwargs
