"""Every error leaves the API as JSON `{"error": code, "detail": message}` with its status."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.errors import MkgError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "request_too_large",
    415: "unsupported_media_type",
}


def error_response(status: int, code: str, detail: str) -> JSONResponse:
    """The one error body shape."""
    return JSONResponse({"error": code, "detail": detail}, status_code=status)


def _location(loc: tuple[object, ...] | list[object]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    where = loc[0] if loc else ""
    return f"{where} parameter `{'.'.join(parts)}`" if parts else str(where)


async def _mkg_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MkgError)
    if exc.status >= 500:
        log.warning("%s %s -> %s: %s", request.method, request.url.path, exc.code, exc.detail)
    return error_response(exc.status, exc.code, exc.detail)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No route {request.url.path}; see /docs for the API."
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}; see /docs for the methods it takes."
    response = error_response(exc.status_code, code, detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    messages = [f"{_location(error.get('loc', ()))}: {error.get('msg', 'invalid')}" for error in exc.errors()]
    return error_response(422, "invalid_request", "; ".join(messages) or "The request is invalid.")


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(
        500, MkgError.code, "The server failed on this request; check the server log, then retry."
    )


def install_error_handlers(app: FastAPI) -> None:
    """Map graph.errors, HTTP errors, request validation and crashes to the JSON error shape."""
    app.add_exception_handler(MkgError, _mkg_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
