"""Errors become JSON answers that say what was wrong; nothing echoes the bad input back.

Echoing input is avoided on purpose: a NaN sent by a client cannot be written as JSON.
"""

import logging
import sys
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.utils import is_body_allowed_for_status_code
from starlette.exceptions import HTTPException

from app.api.error_body import error_body
from app.api.security import SECURITY_HEADERS
from app.runs.errors import (
    CreateRateLimitedError,
    InvalidRunRequestError,
    NodeNotFoundError,
    NotOwnerError,
    RetryLaterError,
    RunChangedError,
    RunContendedError,
    RunDivergedError,
    RunFullError,
    RunNotFoundError,
    RunRateLimitedError,
    RunRequestError,
    RunResetError,
    ServerBusyError,
    StepNotFoundError,
    TooManyStreamsError,
)
from app.storage.full_disk import StorageFullError
from app.storage.stored import RunGoneError

logger = logging.getLogger(__name__)


_SERVICE_ERROR_STATUS: dict[type[Exception], int] = {
    RunNotFoundError: 404,
    RunGoneError: 404,  # Deleted by the storage sweep while the request was under way.
    StepNotFoundError: 404,
    NodeNotFoundError: 404,
    RunDivergedError: 409,
    RunResetError: 409,
    RunChangedError: 409,
    RunFullError: 409,
    InvalidRunRequestError: 422,
    RunRateLimitedError: 429,
    CreateRateLimitedError: 429,
    TooManyStreamsError: 429,
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


def _invalid(detail: str, errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {**error_body(detail, "invalid_request", {"detail": detail}), "errors": errors}


# FastAPI reads a body as JSON only when its Content-Type says so; otherwise the model is
# handed the raw text, and pydantic's refusal does not say what to change.
_NOT_SENT_AS_JSON = "the request body must be JSON, sent with Content-Type: application/json"


def _sent_as_json(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e["loc"]), "msg": str(e["msg"]), "type": e["type"]} for e in exc.errors()
    ]
    whole_body_refused = any(e["loc"] == ["body"] for e in errors)
    if whole_body_refused and not _sent_as_json(request):
        detail = _NOT_SENT_AS_JSON
    else:
        detail = "; ".join(_describe(e) for e in exc.errors())
    return JSONResponse(status_code=422, content=_invalid(detail, errors))


async def _service_error(_request: Request, exc: Exception) -> JSONResponse:
    status = next(code for kind, code in _SERVICE_ERROR_STATUS.items() if isinstance(exc, kind))
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RetryLaterError) else None
    if isinstance(exc, RunGoneError):  # The store's, which knows no codes: gone is not found.
        body = error_body(str(exc), "run_not_found", {"run_id": exc.run_id})
    else:
        assert isinstance(exc, RunRequestError)
        body = error_body(str(exc), exc.code, exc.params)
    return JSONResponse(status_code=status, content=body, headers=headers)


def _unreadable_json(cause: BaseException | None) -> str | None:
    """The `detail` for a JSON body that Python's parser could not read, or None for a 400
    with any other cause.

    FastAPI answers 422 for a `json.JSONDecodeError` but 400 for whatever else `json.loads`
    raises: `UnicodeDecodeError` for a body that is not even UTF-8, `ValueError` for an integer
    beyond Python's limit on digits, `RecursionError` for arrays or objects nested deeper than
    the interpreter's stack allows.
    """
    if isinstance(cause, UnicodeDecodeError):
        return _BODY_NOT_JSON
    if isinstance(cause, ValueError) and "integer string conversion" in str(cause):
        digits = sys.get_int_max_str_digits()
        return f"{_BODY_NOT_JSON}: number too large (an integer may have at most {digits} digits)"
    if isinstance(cause, RecursionError):
        return f"{_BODY_NOT_JSON}: nested too deeply"
    return None


async def _bad_request(request: Request, exc: Exception) -> Response:
    """A JSON body FastAPI's parser could not read is the same mistake as one that is not JSON,
    so it gets the same, documented, 422 rather than an undocumented 400 (found by
    Schemathesis)."""
    assert isinstance(exc, HTTPException)
    detail = _unreadable_json(exc.__cause__)
    if detail is None:
        return await _http_error(request, exc)
    error = {"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"}
    return JSONResponse(status_code=422, content=_invalid(detail, [error]))


async def _http_error(request: Request, exc: Exception) -> Response:
    """Any other HTTPException (a route unknown or of another method, the teacher's gates, an
    assignment not found): its detail with a code, as every error answer has."""
    assert isinstance(exc, HTTPException)
    if not is_body_allowed_for_status_code(exc.status_code):
        return await http_exception_handler(request, exc)
    body = error_body(str(exc.detail), "http_error", {"detail": str(exc.detail)})
    return JSONResponse(status_code=exc.status_code, content=body, headers=exc.headers)


async def _storage_full(_request: Request, exc: Exception) -> JSONResponse:
    """507 Insufficient Storage: the write failed for lack of space and was rolled back whole,
    or was refused before it ran because the store is over its storage budget (the error's
    `detail` says which). The store has logged it; this is an answer like any refusal, not a
    crash."""
    assert isinstance(exc, StorageFullError)
    headers = {"Retry-After": str(exc.retry_after)}
    body = error_body(exc.detail, exc.code, {"retry_after": exc.retry_after})
    return JSONResponse(status_code=507, content=body, headers=headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    # Sent by Starlette's outermost middleware, past SecurityHeadersMiddleware: add them here.
    return JSONResponse(
        status_code=500,
        content=error_body("internal server error", "internal_error"),
        headers=SECURITY_HEADERS,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(400, _bad_request)
    app.add_exception_handler(HTTPException, _http_error)
    for kind in _SERVICE_ERROR_STATUS:
        app.add_exception_handler(kind, _service_error)
    app.add_exception_handler(StorageFullError, _storage_full)
    app.add_exception_handler(Exception, _unexpected_error)
