"""The OpenAPI 3.1 document of the public API, generated from the route table and the
pydantic models of `shared.api_models`, so what is documented is what is served."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared.api_models import PATH_PARAMETERS, ErrorBody

if TYPE_CHECKING:
    from bot.api.table import ApiRoute

OPENAPI_VERSION = "3.1.0"
JSON = "application/json"
REF_TEMPLATE = "#/components/schemas/{model}"
TITLE = "Rota API"
DESCRIPTION = (
    "Rotations, who is on duty, shifts and calendar feeds. Every call needs an API token "
    "(`rota token create --name NAME [--admin]`) as `Authorization: Bearer rota_...`; a token "
    "without `--admin` can read everything and change nothing. Errors are JSON: "
    '`{"error": {"code", "message", "field"}}`. Instants are ISO-8601 with an offset.'
)
BEARER = "bearer"
CALENDAR_TOKEN = "calendar_token"
SECURITY_SCHEMES = {
    BEARER: {"type": "http", "scheme": "bearer", "description": "an API token, `rota_...`"},
    CALENDAR_TOKEN: {
        "type": "apiKey",
        "in": "query",
        "name": "token",
        "description": "the same token in the URL, for calendar apps, which cannot send headers",
    },
}
CALENDAR_NOTE = (
    " Calendar apps cannot send headers, so this feed also takes the token as `?token=rota_...`; "
    "a read-only token is enough (and the one to use in a URL)."
)

Mode = Literal["validation", "serialization"]


@lru_cache(maxsize=8)
def build_document(routes: tuple[ApiRoute, ...], version: str) -> dict[str, Any]:
    """The whole document; `version` is the service's. Cached: routes are fixed once served."""
    refs, schemas = _schemas(routes)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, refs, schemas)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": TITLE, "version": version, "description": DESCRIPTION},
        "tags": [{"name": tag} for tag in dict.fromkeys(route.tag for route in routes)],
        "paths": paths,
        "components": {
            "schemas": {name: schema for name, schema in schemas.items() if name not in _query_names(routes)},
            "securitySchemes": SECURITY_SCHEMES,
        },
        "security": [{BEARER: []}],
    }


def _schemas(routes: Iterable[ApiRoute]) -> tuple[dict[tuple[type[BaseModel], Mode], dict], dict[str, dict]]:
    """JSON Schemas of every model the routes use, each once, with references between them."""
    wanted: dict[tuple[type[BaseModel], Mode], None] = {(ErrorBody, "serialization"): None}
    for route in routes:
        for model, mode in ((route.query, "validation"), (route.body, "validation"), (route.reply, "serialization")):
            if model is not None:
                wanted[(model, mode)] = None
    refs, top = models_json_schema(list(wanted), ref_template=REF_TEMPLATE)
    return refs, top.get("$defs", {})


def _query_names(routes: Iterable[ApiRoute]) -> set[str]:
    """Query models become parameters, not components of their own."""
    return {route.query.__name__ for route in routes if route.query is not None}


def _operation(route: ApiRoute, refs: dict, schemas: dict[str, dict]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": route.operation_id,
        "summary": route.summary,
        "description": route.description + (CALENDAR_NOTE if route.query_token else ""),
        "tags": [route.tag],
        "parameters": _path_parameters(route) + _query_parameters(route, schemas),
        "responses": {**_success(route, refs), **_errors(route, refs)},
        "security": _security(route),
    }
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {JSON: {"schema": refs[(route.body, "validation")]}},
        }
    return operation


def _path_parameters(route: ApiRoute) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": PATH_PARAMETERS[name].json_schema(ref_template=REF_TEMPLATE)}
        for name in route.path_parameters
    ]


def _query_parameters(route: ApiRoute, schemas: dict[str, dict]) -> list[dict[str, Any]]:
    if route.query is None:
        return []
    schema = schemas[route.query.__name__]
    required = set(schema.get("required", ()))
    parameters = []
    for name, property_schema in schema.get("properties", {}).items():
        parameter = {"name": name, "in": "query", "required": name in required, "schema": property_schema}
        if "description" in property_schema:
            parameter["description"] = property_schema["description"]
        parameters.append(parameter)
    return parameters


def _success(route: ApiRoute, refs: dict) -> dict[str, Any]:
    if route.status == HTTPStatus.NO_CONTENT:
        return {"204": {"description": "done"}}
    if route.reply is None:
        content = {route.media_type: {"schema": {"type": "object" if route.media_type == JSON else "string"}}}
    else:
        schema = refs[(route.reply, "serialization")]
        content = {route.media_type: {"schema": {"type": "array", "items": schema} if route.many else schema}}
    statuses = (route.status, *route.other_replies)
    return {str(status): {"description": HTTPStatus(status).phrase, "content": content} for status in statuses}


def _errors(route: ApiRoute, refs: dict) -> dict[str, Any]:
    content = {JSON: {"schema": refs[(ErrorBody, "serialization")]}}
    responses = {
        str(status): {"description": HTTPStatus(status).phrase, "content": content} for status in error_statuses(route)
    }
    if "401" in responses:
        responses["401"]["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}}
    responses["default"] = {"description": "an unexpected error (logged by the service)", "content": content}
    return responses


def error_statuses(route: ApiRoute) -> list[int]:
    """The 4xx answers a route can give, from what it takes and who may call it."""
    statuses = set()
    if not route.public:
        statuses.add(401)
    if route.writes:
        statuses.update({403, 409})
    if route.path_parameters:
        statuses.update({404, 422})
    if route.query is not None:
        statuses.add(422)
    if route.body is not None:
        statuses.update({400, 413, 422})
    return sorted(statuses)


def _security(route: ApiRoute) -> list[dict[str, list]]:
    if route.public:
        return []
    if route.query_token:
        return [{BEARER: []}, {CALENDAR_TOKEN: []}]
    return [{BEARER: []}]
