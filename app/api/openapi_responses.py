"""The error answers the run routes document in the OpenAPI schema, shared by their routers."""

from typing import Any

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No run with this id."},
    409: {"description": "The run diverged; reset it first."},
    422: {"description": "The request is invalid; `detail` says what to change."},
    503: {"description": "Too many computations at once; retry after `Retry-After` seconds."},
}
NEW_RUN_LIMITED: dict[str, Any] = {
    "description": "Too many new runs and forks from this browser or address; retry after "
    "`Retry-After` seconds."
}
# Changes to a run: only its owner may make them.
CHANGE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    403: {"description": "No or the wrong X-Owner-Token: the link is view-only."},
    429: {"description": "Too many changes to this run; retry after `Retry-After` seconds."},
}
# Routes that store something (a stream reports a full disk in its `end` event instead).
STORAGE_FULL: dict[int | str, dict[str, Any]] = {
    507: {
        "description": "The server's disk, or its storage budget (creating, forking and "
        "stepping only), is full: nothing of this request was stored; retry after "
        "`Retry-After` seconds."
    },
}
