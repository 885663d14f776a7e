"""Every failure becomes a JSON answer with one shape: `{"error": {"code", "message", "field"}}`.

Handlers raise what the domain raises (`ValidationError`, `NotFound`, `Conflict`) and the
middleware here says what that means in HTTP. Anything unexpected is logged with its
stack trace and answered with a 500 that tells the caller nothing about the inside.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pydantic
from aiohttp import web
from aiohttp.typedefs import Handler
from multidict import CIMultiDict

from bot.storage import Conflict, NotFound
from shared.api_models import ErrorBody, ErrorDetail
from shared.rotation import ValidationError

log = logging.getLogger(__name__)

#: Headers of an aiohttp HTTP error worth keeping on the JSON answer (e.g. `Allow` on a 405).
KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
}


class ApiError(Exception):
    """An answer other than success, decided by the API layer itself."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = dict(headers or {})


def invalid_request(exc: pydantic.ValidationError, location: str | None = None) -> ApiError:
    """A request that does not match its model: 422 naming the first field to fix
    (`location` names a value validated on its own, such as a path parameter)."""
    errors = exc.errors()
    first = errors[0]
    parts = ([location] if location else []) + [str(part) for part in first["loc"]]
    path = ".".join(parts) or None
    message = _error_message(first)
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more)"
    return ApiError(422, "validation_error", message, path)


def _error_message(error: Mapping) -> str:
    """pydantic's message, or the domain's own words when a domain check refused the value."""
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, ValidationError):
        return cause.message
    if isinstance(cause, Exception):
        return str(cause)
    return str(error["msg"])


def error_response(error: ApiError) -> web.Response:
    body = ErrorBody(error=ErrorDetail(code=error.code, message=error.message, field=error.field))
    return web.json_response(body.model_dump(mode="json"), status=error.status, headers=error.headers)


def from_http(exc: web.HTTPException) -> ApiError:
    headers = CIMultiDict(exc.headers)
    kept = {name: headers[name] for name in KEPT_HEADERS if name in headers}
    message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
    return ApiError(exc.status, _HTTP_CODES.get(exc.status, "http_error"), message, headers=kept)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(from_http(exc))
    except ValidationError as exc:
        return error_response(ApiError(422, "validation_error", exc.message, exc.field))
    except NotFound as exc:
        return error_response(ApiError(404, "not_found", f"{exc.kind} {exc.key!r} does not exist"))
    except Conflict as exc:
        return error_response(ApiError(409, "conflict", str(exc)))
    except Exception:
        log.exception("unexpected error answering %s %s", request.method, request.path)
        return error_response(ApiError(500, "internal_error", "something went wrong on our side; it has been logged"))
