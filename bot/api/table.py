"""One row per API route: what it takes, what it answers, who may call it.

The same rows register the aiohttp routes (with authentication, request parsing and
answer rendering wrapped around each handler) and build the OpenAPI document, so the
document cannot describe a route the service does not serve, nor miss one it does.
A handler receives the request, its path parameters by name, and `query=` / `body=` as
validated models; it returns a reply model, a list of them, None (204), or a response.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pydantic
from aiohttp import web
from pydantic import BaseModel

from bot.api.auth import authorize, is_write
from bot.api.errors import ApiError, invalid_request
from bot.api.openapi import JSON
from bot.appkeys import API_ROUTES
from shared.api_models import PATH_PARAMETERS

PATH_PARAMETER = re.compile(r"\{(\w+)\}")

Handler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    status: int = 200
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    reply: type[BaseModel] | None = None
    #: The answer is a JSON list of `reply`.
    many: bool = False
    #: Other statuses answered with `reply` (a health check's 503).
    other_replies: tuple[int, ...] = ()
    media_type: str = JSON
    #: No token needed.
    public: bool = False
    #: Also accepts the token as `?token=` (calendar feeds).
    query_token: bool = False

    @property
    def operation_id(self) -> str:
        return self.handler.__name__

    @property
    def path_parameters(self) -> list[str]:
        return PATH_PARAMETER.findall(self.path)

    @property
    def writes(self) -> bool:
        return is_write(self.method)

    @property
    def description(self) -> str:
        return (self.handler.__doc__ or self.summary).strip()


def register(app: web.Application, routes: Iterable[ApiRoute]) -> None:
    """Serve `routes` and list them in the app's OpenAPI document."""
    registered = app.setdefault(API_ROUTES, [])
    for route in routes:
        app.router.add_route(route.method, route.path, _endpoint(route))
        registered.append(route)


def _endpoint(route: ApiRoute) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        if not route.public:
            await authorize(request, query_token=route.query_token)
        arguments: dict[str, Any] = {name: _path_value(request, name) for name in route.path_parameters}
        if route.query is not None:
            arguments["query"] = _query(request, route.query)
        if route.body is not None:
            arguments["body"] = await _body(request, route.body)
        return _render(route, await route.handler(request, **arguments))

    endpoint.__name__ = route.operation_id
    return endpoint


def _path_value(request: web.Request, name: str) -> Any:
    try:
        return PATH_PARAMETERS[name].validate_python(request.match_info[name])
    except pydantic.ValidationError as exc:
        raise invalid_request(exc, name) from exc


def _query(request: web.Request, model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(dict(request.query))
    except pydantic.ValidationError as exc:
        raise invalid_request(exc) from exc


async def _body(request: web.Request, model: type[BaseModel]) -> BaseModel:
    raw = await request.read()
    try:
        return model.model_validate_json(raw)
    except pydantic.ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            raise ApiError(400, "bad_json", "the body is not valid JSON") from exc
        raise invalid_request(exc) from exc


def _render(route: ApiRoute, result: Any) -> web.StreamResponse:
    if isinstance(result, web.StreamResponse):
        return result
    if result is None:
        return web.Response(status=204)
    if isinstance(result, BaseModel):
        return web.json_response(result.model_dump(mode="json"), status=route.status)
    return web.json_response([item.model_dump(mode="json") for item in result], status=route.status)
