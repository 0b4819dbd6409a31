"""Errors become JSON answers that say what was wrong; nothing echoes the bad input back.

Echoing input is avoided on purpose: a NaN sent by a client cannot be written as JSON.
"""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from app.api.security import SECURITY_HEADERS
from app.runs.errors import (
    InvalidRunRequestError,
    NodeNotFoundError,
    NotOwnerError,
    RetryLaterError,
    RunContendedError,
    RunDivergedError,
    RunFullError,
    RunNotFoundError,
    RunRateLimitedError,
    RunResetError,
    ServerBusyError,
    StepNotFoundError,
)

logger = logging.getLogger(__name__)

_SERVICE_ERROR_STATUS: dict[type[Exception], int] = {
    RunNotFoundError: 404,
    StepNotFoundError: 404,
    NodeNotFoundError: 404,
    RunDivergedError: 409,
    RunResetError: 409,
    RunFullError: 409,
    InvalidRunRequestError: 422,
    RunRateLimitedError: 429,
    ServerBusyError: 503,
    RunContendedError: 503,
    NotOwnerError: 403,
}

_LOCATION_KINDS = {"body", "query", "path"}


_BODY_NOT_JSON = "the request body is not valid JSON"


def _describe(error: dict[str, Any]) -> str:
    if error["type"] == "json_invalid":
        return _BODY_NOT_JSON
    location = [str(part) for part in error["loc"]]
    if location and location[0] in _LOCATION_KINDS:
        location = location[1:]
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{'.'.join(location)}: {message}" if location else message


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e["loc"]), "msg": str(e["msg"]), "type": e["type"]} for e in exc.errors()
    ]
    detail = "; ".join(_describe(e) for e in exc.errors())
    return JSONResponse(status_code=422, content={"detail": detail, "errors": errors})


async def _service_error(_request: Request, exc: Exception) -> JSONResponse:
    status = next(code for kind, code in _SERVICE_ERROR_STATUS.items() if isinstance(exc, kind))
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RetryLaterError) else None
    return JSONResponse(status_code=status, content={"detail": str(exc)}, headers=headers)


async def _bad_request(request: Request, exc: Exception) -> Response:
    """FastAPI answers 400 for a JSON body that is not even UTF-8, but 422 for one that is not
    JSON: the same mistake, so it gets the same, documented, 422 (found by Schemathesis)."""
    assert isinstance(exc, HTTPException)
    if isinstance(exc.__cause__, UnicodeDecodeError):
        error = {"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"}
        return JSONResponse(status_code=422, content={"detail": _BODY_NOT_JSON, "errors": [error]})
    return await http_exception_handler(request, exc)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    # Sent by Starlette's outermost middleware, past SecurityHeadersMiddleware: add them here.
    return JSONResponse(
        status_code=500, content={"detail": "internal server error"}, headers=SECURITY_HEADERS
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(400, _bad_request)
    for kind in _SERVICE_ERROR_STATUS:
        app.add_exception_handler(kind, _service_error)
    app.add_exception_handler(Exception, _unexpected_error)
